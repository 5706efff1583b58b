#include "kinoglaz/decode/audio.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <kinoglaz/core.hpp>
#include "libav.hpp"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

namespace kinoglaz {

namespace {

struct SwrFreer {
    void operator()(SwrContext* c) const { swr_free(&c); }
};
using SwrPtr = std::unique_ptr<SwrContext, SwrFreer>;

// Only the named input may be opened: a playlist or a reference movie must not pull in other
// files or URLs behind the user's back (the video decoder applies the same rule).
int audio_io_open(AVFormatContext* s, AVIOContext** pb, const char* url, int flags,
                  AVDictionary** options) {
    const auto* input = static_cast<const std::string*>(s->opaque);
    if (!input || *input != url) return AVERROR(EPERM);
    return avio_open2(pb, url, flags, &s->interrupt_callback, options);
}

// A gap longer than this between where the samples so far end and where a frame's timestamp
// puts it is filled with silence; shorter ones are the jitter of rounded timestamps.
constexpr double kGapFillS = 0.02;

class Reader {
  public:
    Reader(const std::string& input, const AudioReadOptions& options, const AudioSink& sink)
        : input_(input), options_(options), sink_(sink) {}
    ~Reader() { av_channel_layout_uninit(&in_layout_); }
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;

    std::optional<AudioStreamInfo> read() {
        AVFormatContext* fmt = avformat_alloc_context();
        if (!fmt) throw Error(ErrorKind::internal, "out of memory");
        fmt->interrupt_callback = cancel_interrupt();
        fmt->opaque = const_cast<std::string*>(&input_);
        if (!options_.allow_network) fmt->io_open = audio_io_open;
        AVDictionary* open_options = nullptr;
        av_dict_set(&open_options, "protocol_whitelist",
                    options_.allow_network ? "file,http,https,tcp,tls,rtmp,rtsp,udp,rtp,crypto,data"
                                           : "file",
                    0);
        int rc = avformat_open_input(&fmt, input_.c_str(), nullptr, &open_options);
        av_dict_free(&open_options);
        throw_if_cancelled();
        if (rc < 0) return failed("cannot open: " + av_error_string(rc));
        format_.reset(fmt);
        // Probing decodes a few pictures of every stream; containers whose headers already
        // give the audio's rate and channels (MP4, Matroska) are read without it, which saves
        // a good part of the audio pass's cost on a large picture.
        bool described = false;
        for (unsigned i = 0; i < fmt->nb_streams; ++i) {
            const AVCodecParameters* p = fmt->streams[i]->codecpar;
            if (p->codec_type == AVMEDIA_TYPE_AUDIO && p->sample_rate > 0 &&
                p->ch_layout.nb_channels > 0 && (!options_.stream || int(i) == *options_.stream))
                described = true;
        }
        if (!described) {
            rc = avformat_find_stream_info(fmt, nullptr);
            throw_if_cancelled();
            if (rc < 0) return failed("cannot read stream information: " + av_error_string(rc));
        }

        int index = -1;
        if (options_.stream) {
            index = *options_.stream;
            info_.stream = index;
            if (index < 0 || unsigned(index) >= fmt->nb_streams)
                return failed("no stream " + std::to_string(index));
            if (fmt->streams[index]->codecpar->codec_type != AVMEDIA_TYPE_AUDIO)
                return failed("stream " + std::to_string(index) + " is not an audio stream");
        } else {
            index = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
            if (index < 0) return std::nullopt;
        }
        info_.stream = index;
        AVStream* stream = fmt->streams[index];
        for (unsigned i = 0; i < fmt->nb_streams; ++i)
            if (int(i) != index) fmt->streams[i]->discard = AVDISCARD_ALL;
        const AVCodecParameters* par = stream->codecpar;
        // A codec ID the demuxer could not map (an unknown Matroska CodecID, say) is
        // AV_CODEC_ID_NONE, which FFmpeg names "none"; say what it is instead.
        const bool unknown = par->codec_id == AV_CODEC_ID_NONE;
        info_.codec = unknown ? "unknown" : avcodec_get_name(par->codec_id);
        info_.channels = par->ch_layout.nb_channels;
        info_.source_rate = par->sample_rate;
        const AVCodec* codec = avcodec_find_decoder(par->codec_id);
        if (!codec)
            return failed(unknown ? "the audio codec is unknown to FFmpeg"
                                  : "no decoder for audio codec " + info_.codec);
        codec_.reset(avcodec_alloc_context3(codec));
        if (!codec_) throw Error(ErrorKind::internal, "out of memory");
        if ((rc = avcodec_parameters_to_context(codec_.get(), par)) < 0 ||
            (rc = avcodec_open2(codec_.get(), codec, nullptr)) < 0)
            return failed("cannot open the " + info_.codec + " decoder: " + av_error_string(rc));
        time_base_ = av_q2d(stream->time_base);

        AVPacketPtr packet(av_packet_alloc());
        frame_.reset(av_frame_alloc());
        if (!packet || !frame_) throw Error(ErrorKind::internal, "out of memory");
        std::string read_error;
        while (true) {
            rc = av_read_frame(fmt, packet.get());
            throw_if_cancelled();
            if (rc < 0) {
                if (rc != AVERROR_EOF) read_error = av_error_string(rc);
                break;
            }
            if (packet->stream_index == index) {
                if (avcodec_send_packet(codec_.get(), packet.get()) < 0) ++info_.decode_errors;
                receive();
            }
            av_packet_unref(packet.get());
        }
        avcodec_send_packet(codec_.get(), nullptr);
        receive();
        flush_resampler();
        if (!read_error.empty() && info_.samples == 0) return failed("cannot read: " + read_error);
        if (info_.decode_errors > 0)
            info_.error = std::to_string(info_.decode_errors) +
                          " audio packets or frames failed to decode and were skipped";
        else if (info_.samples == 0)
            info_.error = "no audio could be decoded";
        return info_;
    }

  private:
    std::optional<AudioStreamInfo> failed(std::string why) {
        info_.error = std::move(why);
        return info_;
    }

    void receive() {
        while (true) {
            int rc = avcodec_receive_frame(codec_.get(), frame_.get());
            if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
            if (rc < 0) {
                ++info_.decode_errors;
                return;
            }
            deliver(frame_.get());
            av_frame_unref(frame_.get());
        }
    }

    // Converts one decoded frame; the resampler is (re)made for the frame's own layout, format
    // and rate, which a stream may change midway.
    void deliver(const AVFrame* f) {
        if (f->nb_samples <= 0 || f->sample_rate <= 0) return;
        const bool changed = !swr_ || f->format != in_format_ || f->sample_rate != in_rate_ ||
                             av_channel_layout_compare(&f->ch_layout, &in_layout_) != 0;
        if (changed) {
            flush_resampler();
            SwrContext* swr = nullptr;
            AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
            AVChannelLayout in_layout{};
            if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
                av_channel_layout_default(&in_layout, f->ch_layout.nb_channels);
            else
                av_channel_layout_copy(&in_layout, &f->ch_layout);
            int rc = swr_alloc_set_opts2(&swr, &mono, AV_SAMPLE_FMT_FLT, options_.sample_rate,
                                         &in_layout, AVSampleFormat(f->format), f->sample_rate, 0,
                                         nullptr);
            av_channel_layout_uninit(&in_layout);
            if (rc < 0 || swr_init(swr) < 0) {
                swr_free(&swr);
                ++info_.decode_errors;
                return;
            }
            swr_.reset(swr);
            in_format_ = f->format;
            in_rate_ = f->sample_rate;
            av_channel_layout_uninit(&in_layout_);
            av_channel_layout_copy(&in_layout_, &f->ch_layout);
        }
        const std::int64_t pts = f->best_effort_timestamp;
        if (pts != AV_NOPTS_VALUE) {
            const double t = double(pts) * time_base_;
            if (!started_) {
                info_.start_s = t;
                started_ = true;
            } else {
                // Where the samples so far end, counting those still inside the resampler.
                const double end =
                    info_.start_s + double(info_.samples) / options_.sample_rate +
                    double(swr_get_delay(swr_.get(), options_.sample_rate)) / options_.sample_rate;
                if (t - end > kGapFillS)
                    silence(std::int64_t(std::llround((t - end) * options_.sample_rate)));
            }
        } else if (!started_) {
            started_ = true;
        }
        const int room = swr_get_out_samples(swr_.get(), f->nb_samples);
        if (room <= 0) return;
        out_.resize(std::size_t(room));
        auto* dst = reinterpret_cast<std::uint8_t*>(out_.data());
        const int n =
            swr_convert(swr_.get(), &dst, room, const_cast<const std::uint8_t**>(f->extended_data),
                        f->nb_samples);
        if (n < 0) {
            ++info_.decode_errors;
            return;
        }
        emit(std::size_t(n));
    }

    void flush_resampler() {
        if (!swr_) return;
        const int room = swr_get_out_samples(swr_.get(), 0);
        if (room > 0) {
            out_.resize(std::size_t(room));
            auto* dst = reinterpret_cast<std::uint8_t*>(out_.data());
            const int n = swr_convert(swr_.get(), &dst, room, nullptr, 0);
            if (n > 0) emit(std::size_t(n));
        }
        swr_.reset();
    }

    void silence(std::int64_t count) {
        // A timestamp far ahead (a broken file) must not make us emit hours of zeros at once.
        constexpr std::size_t kChunk = 1 << 16;
        out_.assign(kChunk, 0.0f);
        while (count > 0) {
            const auto n = std::size_t(std::min<std::int64_t>(count, kChunk));
            sink_(out_.data(), n);
            info_.samples += std::int64_t(n);
            count -= std::int64_t(n);
            throw_if_cancelled();
        }
    }

    void emit(std::size_t n) {
        if (n == 0) return;
        sink_(out_.data(), n);
        info_.samples += std::int64_t(n);
    }

    const std::string& input_;
    const AudioReadOptions& options_;
    const AudioSink& sink_;
    AudioStreamInfo info_;
    AVFormatPtr format_;
    AVCodecContextPtr codec_;
    AVFramePtr frame_;
    SwrPtr swr_;
    int in_format_ = -1;
    int in_rate_ = 0;
    AVChannelLayout in_layout_{};
    double time_base_ = 0;
    bool started_ = false;
    std::vector<float> out_;
};

}  // namespace

std::optional<AudioStreamInfo> read_audio(const std::string& input, const AudioReadOptions& options,
                                          const AudioSink& sink) {
    if (options.sample_rate < 8000 || options.sample_rate > 192000)
        throw_bad_usage("audio", "sample rate must be between 8000 and 192000 Hz");
    if (options.stream && *options.stream < 0)
        throw_bad_usage("audio", "--audio-stream must be a stream index (0 or more)");
    av_log_set_level(AV_LOG_QUIET);
    Reader reader(input, options, sink);
    auto info = reader.read();
    if (info) info->sample_rate = options.sample_rate;
    return info;
}

}  // namespace kinoglaz
