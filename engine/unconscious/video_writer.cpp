#include "video_writer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <kinoglaz/core.hpp>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/display.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

namespace kinoglaz::detail {

namespace {

std::string av_err(int code) {
    char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(code, buf, sizeof buf);
    return buf;
}

// The sound of one output file: the first audio stream of the input from start_s to end_s,
// decoded, trimmed to the sample, resampled and encoded as AAC. It is always re-encoded, never
// stream-copied: a copy could only cut on packet bounds (up to 21 ms off at each end at
// 48 kHz AAC), the first copied AAC packet would decode without its overlap partner (a
// click), and sources whose codec MP4 cannot hold (PCM, Vorbis in MKV) would lose their sound.
class AudioTrack {
  public:
    // Adds the stream and opens the encoder (before the muxer's header is written). Returns
    // nullptr when the input has no audio stream.
    static std::unique_ptr<AudioTrack> open(const WriterAudio& audio, AVFormatContext* out,
                                            const std::string& out_path) {
        auto track = std::unique_ptr<AudioTrack>(new AudioTrack(audio, out_path));
        if (!track->open_input()) return nullptr;
        track->open_encoder(out);
        return track;
    }

    ~AudioTrack() {
        avformat_close_input(&in_);
        avcodec_free_context(&dec_);
        avcodec_free_context(&enc_);
        swr_free(&swr_);
        if (fifo_) av_audio_fifo_free(fifo_);
        av_frame_free(&decoded_);
        av_frame_free(&chunk_);
        av_packet_free(&in_packet_);
        av_packet_free(&out_packet_);
    }

    // Encodes the sound up to `until_s` seconds of output time (or all of it), so that the
    // muxer can interleave it with the pictures written so far.
    void pump(AVFormatContext* out, double until_s) {
        const auto until = std::min<std::int64_t>(
            target_, std::int64_t(std::min(until_s * rate_, double(target_))));
        while (queued_ < until && !input_done_) read_one();
        while (av_audio_fifo_size(fifo_) >= enc_->frame_size) encode_chunk(out, enc_->frame_size);
    }

    // Encodes everything left and drains the encoder.
    void finish(AVFormatContext* out) {
        pump(out, std::numeric_limits<double>::infinity());
        if (swr_ && queued_ < target_) {
            // The resampler's look-ahead still holds the last samples.
            const int room = int(std::min<std::int64_t>(target_ - queued_, 4096));
            AVFrame* f = scratch(room);
            const int got = swr_convert(swr_, f->data, room, nullptr, 0);
            if (got > 0) queue(f->data, got);
        }
        while (av_audio_fifo_size(fifo_) > 0)
            encode_chunk(out, std::min(av_audio_fifo_size(fifo_), enc_->frame_size));
        send(out, nullptr);
    }

  private:
    AudioTrack(const WriterAudio& audio, const std::string& out_path)
        : audio_(audio), out_path_(out_path) {}

    bool open_input() {
        AVDictionary* opts = nullptr;
        av_dict_set(&opts, "protocol_whitelist",
                    audio_.allow_network ? "file,http,https,tcp,tls,crypto" : "file", 0);
        int rc = avformat_open_input(&in_, audio_.input.c_str(), nullptr, &opts);
        av_dict_free(&opts);
        if (rc < 0) throw_bad_input(audio_.input, "cannot open its audio: " + av_err(rc));
        if ((rc = avformat_find_stream_info(in_, nullptr)) < 0)
            throw_bad_input(audio_.input, "cannot read stream information: " + av_err(rc));
        for (unsigned i = 0; i < in_->nb_streams; ++i) {
            if (in_->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO && index_ < 0)
                index_ = int(i);
            else
                in_->streams[i]->discard = AVDISCARD_ALL;
        }
        if (index_ < 0) return false;
        ist_ = in_->streams[index_];
        const AVCodec* dec = avcodec_find_decoder(ist_->codecpar->codec_id);
        if (!dec) throw_bad_input(audio_.input, "no decoder for its audio codec");
        dec_ = avcodec_alloc_context3(dec);
        if (!dec_ || avcodec_parameters_to_context(dec_, ist_->codecpar) < 0)
            throw Error(ErrorKind::internal, "audio: out of memory");
        if ((rc = avcodec_open2(dec_, dec, nullptr)) < 0)
            throw_bad_input(audio_.input, "cannot open the audio decoder: " + av_err(rc));
        // Start a little early: the decoder needs a packet or two before its output is right.
        const double tb = av_q2d(ist_->time_base);
        const auto seek_to = std::int64_t(std::floor((audio_.start_s - 0.5) / tb));
        if (av_seek_frame(in_, index_, seek_to, AVSEEK_FLAG_BACKWARD) < 0)
            av_seek_frame(in_, index_, 0, AVSEEK_FLAG_BACKWARD);
        return true;
    }

    void open_encoder(AVFormatContext* out) {
        const AVCodec* enc = avcodec_find_encoder(AV_CODEC_ID_AAC);
        if (!enc) throw Error(ErrorKind::internal, "video writer: FFmpeg has no AAC encoder");
        enc_ = avcodec_alloc_context3(enc);
        ost_ = avformat_new_stream(out, nullptr);
        if (!enc_ || !ost_) throw Error(ErrorKind::internal, "video writer: out of memory");
        // Keep the source's rate and channel layout where AAC can carry them.
        rate_ = ist_->codecpar->sample_rate > 0 ? ist_->codecpar->sample_rate : 48000;
        bool rate_ok = false;
        for (const int* r = enc->supported_samplerates; r && *r; ++r) rate_ok |= *r == rate_;
        if (!rate_ok) rate_ = 48000;
        AVChannelLayout source{};
        if (ist_->codecpar->ch_layout.order == AV_CHANNEL_ORDER_NATIVE)
            av_channel_layout_copy(&source, &ist_->codecpar->ch_layout);
        else
            av_channel_layout_default(&source, std::max(1, ist_->codecpar->ch_layout.nb_channels));
        bool layout_ok = false;
        for (const AVChannelLayout* l = enc->ch_layouts; l && l->nb_channels; ++l)
            layout_ok |= av_channel_layout_compare(l, &source) == 0;
        if (layout_ok)
            av_channel_layout_copy(&enc_->ch_layout, &source);
        else
            av_channel_layout_default(&enc_->ch_layout, source.nb_channels == 1 ? 1 : 2);
        av_channel_layout_uninit(&source);
        enc_->sample_rate = rate_;
        enc_->sample_fmt = AV_SAMPLE_FMT_FLTP;
        enc_->bit_rate = 64000LL * enc_->ch_layout.nb_channels;
        enc_->time_base = AVRational{1, rate_};
        if (out->oformat->flags & AVFMT_GLOBALHEADER) enc_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
        int rc = avcodec_open2(enc_, enc, nullptr);
        if (rc < 0)
            throw Error(ErrorKind::internal, "video writer: cannot open AAC: " + av_err(rc));
        if (avcodec_parameters_from_context(ost_->codecpar, enc_) < 0)
            throw Error(ErrorKind::internal, "video writer: out of memory");
        ost_->time_base = enc_->time_base;
        target_ = std::max<std::int64_t>(0, std::llround((audio_.end_s - audio_.start_s) * rate_));
        fifo_ =
            av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, enc_->ch_layout.nb_channels, enc_->frame_size);
        decoded_ = av_frame_alloc();
        chunk_ = av_frame_alloc();
        in_packet_ = av_packet_alloc();
        out_packet_ = av_packet_alloc();
        if (!fifo_ || !decoded_ || !chunk_ || !in_packet_ || !out_packet_)
            throw Error(ErrorKind::internal, "video writer: out of memory");
    }

    // Reads one packet of the audio stream (or, at the end, drains the decoder) and queues
    // the samples of the range it decodes to.
    void read_one() {
        int rc = av_read_frame(in_, in_packet_);
        if (rc < 0) {
            avcodec_send_packet(dec_, nullptr);
            input_done_ = true;
        } else if (in_packet_->stream_index != index_) {
            av_packet_unref(in_packet_);
            return;
        } else {
            // A damaged packet loses its samples (a short gap), not the file.
            avcodec_send_packet(dec_, in_packet_);
            av_packet_unref(in_packet_);
        }
        while (avcodec_receive_frame(dec_, decoded_) == 0) {
            take(decoded_);
            av_frame_unref(decoded_);
        }
    }

    void take(AVFrame* f) {
        const int n = f->nb_samples, r = f->sample_rate > 0 ? f->sample_rate : rate_;
        const double t = f->best_effort_timestamp != AV_NOPTS_VALUE
                             ? double(f->best_effort_timestamp) * av_q2d(ist_->time_base)
                             : next_time_;
        next_time_ = t + double(n) / r;
        if (t >= audio_.end_s) {
            input_done_ = true;
            return;
        }
        const auto skip = std::clamp<std::int64_t>(std::llround((audio_.start_s - t) * r), 0, n);
        const auto stop = std::clamp<std::int64_t>(std::llround((audio_.end_s - t) * r), 0, n);
        if (stop <= skip) return;
        if (!swr_) {
            // A layout known only by its channel count (WAV without a mask): the usual one.
            if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
                av_channel_layout_default(&f->ch_layout, f->ch_layout.nb_channels);
            int rc = swr_alloc_set_opts2(&swr_, &enc_->ch_layout, AV_SAMPLE_FMT_FLTP, rate_,
                                         &f->ch_layout, AVSampleFormat(f->format), r, 0, nullptr);
            if (rc < 0 || (rc = swr_init(swr_)) < 0)
                throw Error(ErrorKind::internal, "audio: cannot convert: " + av_err(rc));
        }
        // Where these samples belong in the output: a hole in the source (or audio that
        // starts after the picture) becomes silence, so that sound stays in sync.
        const auto at = std::llround((t + double(skip) / r - audio_.start_s) * rate_);
        if (at > queued_ + rate_ / 50) silence(std::min<std::int64_t>(at, target_) - queued_);
        const std::uint8_t* in[AV_NUM_DATA_POINTERS] = {};
        const int planes =
            av_sample_fmt_is_planar(AVSampleFormat(f->format)) ? f->ch_layout.nb_channels : 1;
        const int step = av_get_bytes_per_sample(AVSampleFormat(f->format)) *
                         (planes == 1 ? f->ch_layout.nb_channels : 1);
        for (int p = 0; p < planes && p < AV_NUM_DATA_POINTERS; ++p)
            in[p] = f->extended_data[p] + skip * step;
        const int count = int(stop - skip);
        const int room = swr_get_out_samples(swr_, count);
        AVFrame* o = scratch(room);
        const int got = swr_convert(swr_, o->data, room, in, count);
        if (got < 0) throw Error(ErrorKind::internal, "audio: cannot convert: " + av_err(got));
        queue(o->data, got);
    }

    // A writable planar float frame of at least `samples`.
    AVFrame* scratch(int samples) {
        if (chunk_->nb_samples < samples || !chunk_->data[0]) {
            av_frame_unref(chunk_);
            chunk_->format = AV_SAMPLE_FMT_FLTP;
            chunk_->sample_rate = rate_;
            av_channel_layout_copy(&chunk_->ch_layout, &enc_->ch_layout);
            chunk_->nb_samples = std::max(samples, enc_->frame_size);
            if (av_frame_get_buffer(chunk_, 0) < 0)
                throw Error(ErrorKind::internal, "audio: out of memory");
        }
        if (av_frame_make_writable(chunk_) < 0)
            throw Error(ErrorKind::internal, "audio: out of memory");
        return chunk_;
    }

    void queue(std::uint8_t** data, int samples) {
        samples = int(std::min<std::int64_t>(samples, target_ - queued_));
        if (samples <= 0) return;
        if (av_audio_fifo_write(fifo_, reinterpret_cast<void**>(data), samples) < samples)
            throw Error(ErrorKind::internal, "audio: out of memory");
        queued_ += samples;
    }

    void silence(std::int64_t samples) {
        while (samples > 0) {
            const int n = int(std::min<std::int64_t>(samples, 4096));
            AVFrame* f = scratch(n);
            av_samples_set_silence(f->data, 0, n, enc_->ch_layout.nb_channels, AV_SAMPLE_FMT_FLTP);
            queue(f->data, n);
            samples -= n;
        }
    }

    void encode_chunk(AVFormatContext* out, int samples) {
        // A fresh frame each time: the encoder may keep a reference to the one it is given.
        AVFramePtr frame(av_frame_alloc());
        frame->format = AV_SAMPLE_FMT_FLTP;
        frame->sample_rate = rate_;
        av_channel_layout_copy(&frame->ch_layout, &enc_->ch_layout);
        frame->nb_samples = samples;
        if (av_frame_get_buffer(frame.get(), 0) < 0)
            throw Error(ErrorKind::internal, "audio: out of memory");
        av_audio_fifo_read(fifo_, reinterpret_cast<void**>(frame->data), samples);
        frame->pts = encoded_;
        encoded_ += samples;
        send(out, frame.get());
    }

    void send(AVFormatContext* out, AVFrame* frame) {
        int rc = avcodec_send_frame(enc_, frame);
        if (rc < 0) throw_io(out_path_, "cannot encode the audio: " + av_err(rc));
        while ((rc = avcodec_receive_packet(enc_, out_packet_)) == 0) {
            av_packet_rescale_ts(out_packet_, enc_->time_base, ost_->time_base);
            out_packet_->stream_index = ost_->index;
            rc = av_interleaved_write_frame(out, out_packet_);
            if (rc < 0) throw_io(out_path_, "cannot write: " + av_err(rc));
        }
        if (rc != AVERROR(EAGAIN) && rc != AVERROR_EOF)
            throw_io(out_path_, "audio encoder: " + av_err(rc));
    }

    struct FrameFreer {
        void operator()(AVFrame* f) const { av_frame_free(&f); }
    };
    using AVFramePtr = std::unique_ptr<AVFrame, FrameFreer>;

    WriterAudio audio_;
    std::string out_path_;
    AVFormatContext* in_ = nullptr;
    AVStream* ist_ = nullptr;
    AVStream* ost_ = nullptr;
    AVCodecContext* dec_ = nullptr;
    AVCodecContext* enc_ = nullptr;
    SwrContext* swr_ = nullptr;
    AVAudioFifo* fifo_ = nullptr;
    AVFrame* decoded_ = nullptr;
    AVFrame* chunk_ = nullptr;
    AVPacket* in_packet_ = nullptr;
    AVPacket* out_packet_ = nullptr;
    int index_ = -1;
    int rate_ = 48000;
    std::int64_t target_ = 0;   // samples in the range, at rate_
    std::int64_t queued_ = 0;   // samples put into the FIFO so far (the output position)
    std::int64_t encoded_ = 0;  // samples given to the encoder so far
    double next_time_ = 0;      // where a frame without a timestamp starts
    bool input_done_ = false;
};

}  // namespace

struct VideoWriter::State {
    std::string path;
    cv::Size size;
    AVFormatContext* fmt = nullptr;
    AVCodecContext* codec = nullptr;
    AVStream* stream = nullptr;
    AVFrame* frame = nullptr;
    AVPacket* packet = nullptr;
    SwsContext* sws = nullptr;
    std::unique_ptr<AudioTrack> audio;
    Rational time_base;
    bool header_written = false;
    bool closed = false;
    std::int64_t frames = 0;
    std::int64_t last_pts = INT64_MIN;
    std::int64_t frame_duration = 1;  // nominal, in the codec time base

    ~State() {
        if (fmt && fmt->pb && !(fmt->oformat->flags & AVFMT_NOFILE)) avio_closep(&fmt->pb);
        avformat_free_context(fmt);
        avcodec_free_context(&codec);
        av_frame_free(&frame);
        av_packet_free(&packet);
        sws_freeContext(sws);
    }

    // Sends one frame (or nullptr to flush) and writes every packet the encoder returns.
    void encode(AVFrame* f) {
        int rc = avcodec_send_frame(codec, f);
        if (rc < 0) throw_io(path, "cannot encode a frame: " + av_err(rc));
        while ((rc = avcodec_receive_packet(codec, packet)) == 0) {
            // Without a duration the muxer's edit list ends at the last frame's start, and
            // players drop that frame.
            if (packet->duration <= 0) packet->duration = frame_duration;
            av_packet_rescale_ts(packet, codec->time_base, stream->time_base);
            packet->stream_index = stream->index;
            rc = av_interleaved_write_frame(fmt, packet);
            if (rc < 0) throw_io(path, "cannot write: " + av_err(rc));
        }
        if (rc != AVERROR(EAGAIN) && rc != AVERROR_EOF) throw_io(path, "encoder: " + av_err(rc));
    }

    // Encodes the picture `fill` writes into the (writable) frame, shown at `pts`.
    template <class Fill>
    void encode_picture(std::int64_t pts, Fill fill) {
        if (closed) throw Error(ErrorKind::internal, "video writer: write after close");
        if (pts <= last_pts)
            throw Error(ErrorKind::internal, "video writer: timestamps must increase");
        last_pts = pts;
        int rc = av_frame_make_writable(frame);
        if (rc < 0) throw Error(ErrorKind::internal, "video writer: " + av_err(rc));
        fill(frame);
        frame->pts = pts;
        encode(frame);
        ++frames;
        // Keep the sound a little ahead of the pictures so that the muxer can interleave
        // them without holding many packets.
        if (audio) audio->pump(fmt, double(pts) * time_base.to_double() + 0.5);
    }
};

VideoWriter::VideoWriter(const std::string& path, cv::Size size, Rational time_base,
                         double fps_hint, int crf, const VideoWriterExtras& extras)
    : state_(std::make_unique<State>()) {
    auto& s = *state_;
    s.path = path;
    s.size = size;
    s.time_base = time_base;
    if (size.width <= 0 || size.height <= 0 || size.width % 2 || size.height % 2)
        throw_bad_usage("video writer", "frame size must be positive and even");
    if (!time_base.valid()) throw_bad_usage("video writer", "invalid time base");
    int rc = avformat_alloc_output_context2(&s.fmt, nullptr, "mp4", path.c_str());
    if (rc < 0 || !s.fmt) throw_io(path, "cannot create an MP4 muxer: " + av_err(rc));
    const AVCodec* enc = avcodec_find_encoder_by_name("libx264");
    if (!enc) throw Error(ErrorKind::internal, "video writer: FFmpeg has no libx264 encoder");
    s.stream = avformat_new_stream(s.fmt, nullptr);
    s.codec = avcodec_alloc_context3(enc);
    if (!s.stream || !s.codec) throw Error(ErrorKind::internal, "video writer: out of memory");
    s.codec->width = size.width;
    s.codec->height = size.height;
    s.codec->pix_fmt = AV_PIX_FMT_YUV420P;
    // The source's pixel shape is stored, not resampled away: x264 writes it into the
    // stream (VUI) and the muxer into the MP4 (pasp).
    if (extras.sample_aspect.valid())
        s.codec->sample_aspect_ratio =
            AVRational{int(extras.sample_aspect.num), int(extras.sample_aspect.den)};
    s.codec->time_base = AVRational{int(time_base.num), int(time_base.den)};
    if (fps_hint > 0) {
        s.codec->framerate = av_d2q(fps_hint, 100000);
        s.frame_duration = std::max<std::int64_t>(
            1, std::llround(double(time_base.den) / (fps_hint * double(time_base.num))));
    }
    s.codec->gop_size = 250;
    s.codec->thread_count = 0;
    if (s.fmt->oformat->flags & AVFMT_GLOBALHEADER) s.codec->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    av_opt_set(s.codec->priv_data, "preset", extras.preset.c_str(), 0);
    av_opt_set(s.codec->priv_data, "crf", std::to_string(crf).c_str(), 0);
    if (extras.max_bits_per_pixel > 0 && fps_hint > 0) {
        const double rate = extras.max_bits_per_pixel * size.area() * fps_hint;
        s.codec->rc_max_rate = std::int64_t(rate);
        s.codec->rc_buffer_size = int(std::min(rate, 2e9));
    }
    rc = avcodec_open2(s.codec, enc, nullptr);
    if (rc < 0)
        throw Error(ErrorKind::internal, "video writer: cannot open libx264: " + av_err(rc));
    rc = avcodec_parameters_from_context(s.stream->codecpar, s.codec);
    if (rc < 0) throw Error(ErrorKind::internal, "video writer: " + av_err(rc));
    s.stream->time_base = s.codec->time_base;
    s.stream->sample_aspect_ratio = s.codec->sample_aspect_ratio;
    if (extras.rotation_deg % 360) {
        auto* matrix = reinterpret_cast<int32_t*>(
            av_stream_new_side_data(s.stream, AV_PKT_DATA_DISPLAYMATRIX, 9 * sizeof(int32_t)));
        if (!matrix) throw Error(ErrorKind::internal, "video writer: out of memory");
        // av_display_rotation_set takes the clockwise angle that av_display_rotation_get
        // reports negated (as counter-clockwise): the decoder reads rotation_deg back.
        av_display_rotation_set(matrix, double(extras.rotation_deg));
    }
    if (extras.audio) s.audio = AudioTrack::open(*extras.audio, s.fmt, path);
    if (!(s.fmt->oformat->flags & AVFMT_NOFILE)) {
        rc = avio_open(&s.fmt->pb, path.c_str(), AVIO_FLAG_WRITE);
        if (rc < 0) throw_io(path, "cannot create: " + av_err(rc));
    }
    AVDictionary* mux_options = nullptr;
    av_dict_set(&mux_options, "movflags", "+faststart", 0);
    rc = avformat_write_header(s.fmt, &mux_options);
    av_dict_free(&mux_options);
    if (rc < 0) throw_io(path, "cannot write the header: " + av_err(rc));
    s.header_written = true;
    s.frame = av_frame_alloc();
    s.packet = av_packet_alloc();
    s.frame->format = AV_PIX_FMT_YUV420P;
    s.frame->width = size.width;
    s.frame->height = size.height;
    if (av_frame_get_buffer(s.frame, 0) < 0)
        throw Error(ErrorKind::internal, "video writer: out of memory");
    s.sws = sws_getContext(size.width, size.height, AV_PIX_FMT_BGR24, size.width, size.height,
                           AV_PIX_FMT_YUV420P, SWS_BICUBIC, nullptr, nullptr, nullptr);
    if (!s.sws) throw Error(ErrorKind::internal, "video writer: no BGR to YUV converter");
}

VideoWriter::~VideoWriter() {
    try {
        close();
    } catch (...) {
        // Destructors must not throw; an explicit close() reports the error.
    }
}

std::int64_t VideoWriter::frames_written() const noexcept {
    return state_->frames;
}

void VideoWriter::write(const cv::Mat& bgr, std::int64_t pts) {
    auto& s = *state_;
    if (bgr.type() != CV_8UC3 || bgr.size() != s.size)
        throw Error(ErrorKind::internal, "video writer: frame of the wrong size or type");
    s.encode_picture(pts, [&](AVFrame* frame) {
        const std::uint8_t* src[1] = {bgr.data};
        int stride[1] = {int(bgr.step[0])};
        sws_scale(s.sws, src, stride, 0, bgr.rows, frame->data, frame->linesize);
    });
}

void VideoWriter::write(const PlanarPicture& picture, std::int64_t pts) {
    auto& s = *state_;
    const cv::Size chroma((s.size.width + 1) / 2, (s.size.height + 1) / 2);
    if (picture.y.type() != CV_8UC1 || picture.y.size() != s.size || picture.cb.size() != chroma ||
        picture.cr.size() != chroma)
        throw Error(ErrorKind::internal, "video writer: planes of the wrong size or type");
    s.encode_picture(pts, [&](AVFrame* frame) {
        const cv::Mat* planes[3] = {&picture.y, &picture.cb, &picture.cr};
        for (int p = 0; p < 3; ++p)
            planes[p]->copyTo(cv::Mat(planes[p]->size(), CV_8UC1, frame->data[p],
                                      std::size_t(frame->linesize[p])));
    });
}

void VideoWriter::close() {
    auto& s = *state_;
    if (s.closed || !s.header_written) return;
    s.closed = true;
    s.encode(nullptr);
    if (s.audio) s.audio->finish(s.fmt);
    int rc = av_write_trailer(s.fmt);
    if (rc < 0) throw_io(s.path, "cannot finish the file: " + av_err(rc));
    if (!(s.fmt->oformat->flags & AVFMT_NOFILE)) avio_closep(&s.fmt->pb);
}

}  // namespace kinoglaz::detail
