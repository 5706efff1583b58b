// Stream copy of a time range of the video stream and of the first audio stream (no
// re-encoding), for `split --copy`.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include <kinoglaz/core.hpp>
#include "kinoglaz/decode/decoder.hpp"
#include "libav.hpp"

namespace kinoglaz {

namespace {
struct OutputCloser {
    void operator()(AVFormatContext* c) const {
        if (c && c->pb && !(c->oformat->flags & AVFMT_NOFILE)) avio_closep(&c->pb);
        avformat_free_context(c);
    }
};

AVFormatPtr open_input(const std::string& input, bool allow_network) {
    AVFormatContext* raw = avformat_alloc_context();
    if (!raw) throw Error(ErrorKind::internal, "out of memory");
    raw->interrupt_callback = cancel_interrupt();
    AVDictionary* opts = nullptr;
    av_dict_set(&opts, "protocol_whitelist",
                allow_network ? "file,http,https,tcp,tls,crypto" : "file", 0);
    int rc = avformat_open_input(&raw, input.c_str(), nullptr, &opts);
    av_dict_free(&opts);
    if (rc < 0) throw_av(input, "cannot open: ", rc);
    AVFormatPtr in(raw);
    if ((rc = avformat_find_stream_info(raw, nullptr)) < 0)
        throw_av(input, "cannot read stream information: ", rc);
    return in;
}

// The first audio stream's packets, read through a demuxer of its own (the audio of a
// keyframe's time may lie before the keyframe in the file), handed to the muxer in step with
// the pictures. Packets are whole: the sound covers the pictures' span, up to one packet more.
class AudioCopy {
  public:
    // Adds the output stream; false when there is no audio or OUTPUT cannot hold its codec.
    bool open(const std::string& input, bool allow_network, AVFormatContext* out,
              RangeCopy& result) {
        in_ = open_input(input, allow_network);
        for (unsigned i = 0; i < in_->nb_streams; ++i) {
            if (in_->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO && index_ < 0)
                index_ = int(i);
            else
                in_->streams[i]->discard = AVDISCARD_ALL;
        }
        if (index_ < 0) return false;
        ist_ = in_->streams[index_];
        if (avformat_query_codec(out->oformat, ist_->codecpar->codec_id, FF_COMPLIANCE_NORMAL) !=
            1) {
            result.audio_left_out = avcodec_get_name(ist_->codecpar->codec_id);
            return false;
        }
        ost_ = avformat_new_stream(out, nullptr);
        if (!ost_ || avcodec_parameters_copy(ost_->codecpar, ist_->codecpar) < 0) return false;
        ost_->codecpar->codec_tag = 0;
        ost_->time_base = ist_->time_base;
        packet_.reset(av_packet_alloc());
        result.audio = true;
        return true;
    }

    bool active() const noexcept { return ost_ != nullptr; }

    // The pictures' span begins at `start_s` (seconds in the input's clock); output time 0 is
    // `origin_s` there.
    void begin(double start_s, double origin_s) {
        span_start_ = start_s;
        origin_s_ = origin_s;
        const double tb = av_q2d(ist_->time_base);
        // A packet that starts up to a second before the span may still overlap it.
        if (av_seek_frame(in_.get(), index_, std::int64_t(std::floor((start_s - 1.0) / tb)),
                          AVSEEK_FLAG_BACKWARD) < 0)
            av_seek_frame(in_.get(), index_, 0, AVSEEK_FLAG_BACKWARD);
    }

    // Writes the packets that start before `until_s` and before `span_end_s`.
    void write_until(AVFormatContext* out, const std::string& output, double until_s,
                     double span_end_s) {
        const double tb = av_q2d(ist_->time_base);
        while (!done_) {
            if (!pending_) {
                if (av_read_frame(in_.get(), packet_.get()) < 0) {
                    done_ = true;
                    break;
                }
                if (packet_->stream_index != index_ || packet_->pts == AV_NOPTS_VALUE) {
                    av_packet_unref(packet_.get());
                    continue;
                }
                pending_ = true;
            }
            const double t = double(packet_->pts) * tb;
            if (t >= until_s) break;
            pending_ = false;
            if (t >= span_end_s) {
                done_ = true;
                av_packet_unref(packet_.get());
                break;
            }
            if (t + double(packet_->duration) * tb <= span_start_) {
                av_packet_unref(packet_.get());
                continue;
            }
            const auto shift = std::llround(origin_s_ / tb);
            packet_->pts -= shift;
            if (packet_->dts != AV_NOPTS_VALUE) packet_->dts -= shift;
            packet_->stream_index = ost_->index;
            av_packet_rescale_ts(packet_.get(), ist_->time_base, ost_->time_base);
            packet_->pos = -1;
            if (int rc = av_interleaved_write_frame(out, packet_.get()); rc < 0)
                throw_io(output, "cannot write: " + av_error_string(rc));
        }
    }

  private:
    AVFormatPtr in_;
    AVStream* ist_ = nullptr;
    AVStream* ost_ = nullptr;
    AVPacketPtr packet_;
    int index_ = -1;
    double span_start_ = 0, origin_s_ = 0;
    bool pending_ = false, done_ = false;
};

}  // namespace

RangeCopy copy_video_range(const std::string& input, double start_s, double end_s,
                           const std::string& output, bool allow_network) {
    RangeCopy result;
    // Opening through the decoder validates the input exactly as every other command does
    // (protocols, nested files, size limits) and tells the stream's first timestamp.
    VideoDecoder probe_only(input, probe_decode_options(allow_network));
    const SourceInfo& info = probe_only.info();

    AVFormatPtr in = open_input(input, allow_network);
    AVFormatContext* in_raw = in.get();
    int rc = 0;
    const int index = av_find_best_stream(in_raw, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    if (index < 0) throw_bad_input(input, "no video stream");
    AVStream* ist = in_raw->streams[index];
    const double tb = av_q2d(ist->time_base);
    const std::int64_t first = ist->start_time != AV_NOPTS_VALUE ? ist->start_time : 0;
    const std::int64_t start_pts = first + std::int64_t(std::floor(start_s / tb + 1e-6));
    const std::int64_t end_pts = first + std::int64_t(std::ceil(end_s / tb - 1e-6));

    AVFormatContext* out_raw = nullptr;
    rc = avformat_alloc_output_context2(&out_raw, nullptr, nullptr, output.c_str());
    if (rc < 0 || !out_raw) throw_io(output, "cannot create: " + av_error_string(rc));
    std::unique_ptr<AVFormatContext, OutputCloser> out(out_raw);
    AVStream* ost = avformat_new_stream(out_raw, nullptr);
    if (!ost || avcodec_parameters_copy(ost->codecpar, ist->codecpar) < 0)
        throw_io(output, "cannot add the video stream");
    ost->codecpar->codec_tag = 0;
    ost->time_base = ist->time_base;
    ost->sample_aspect_ratio = ist->sample_aspect_ratio;
    if (const uint8_t* matrix = av_stream_get_side_data(ist, AV_PKT_DATA_DISPLAYMATRIX, nullptr)) {
        if (uint8_t* copy =
                av_stream_new_side_data(ost, AV_PKT_DATA_DISPLAYMATRIX, 9 * sizeof(int32_t)))
            std::memcpy(copy, matrix, 9 * sizeof(int32_t));
    }
    AudioCopy audio;
    audio.open(input, allow_network, out_raw, result);
    if (!(out_raw->oformat->flags & AVFMT_NOFILE) &&
        (rc = avio_open(&out_raw->pb, output.c_str(), AVIO_FLAG_WRITE)) < 0)
        throw_io(output, "cannot write: " + av_error_string(rc));
    if ((rc = avformat_write_header(out_raw, nullptr)) < 0)
        throw_io(output, "cannot write: " + av_error_string(rc));

    // Start at the keyframe at or before the range (a copy can only start on one) and end at
    // the keyframe at or after it: the nearest keyframes around the shot.
    rc = av_seek_frame(in_raw, index, start_pts, AVSEEK_FLAG_BACKWARD);
    if (rc < 0) av_seek_frame(in_raw, index, first, AVSEEK_FLAG_BACKWARD);
    AVPacketPtr packet(av_packet_alloc());
    std::int64_t offset = AV_NOPTS_VALUE;
    bool started = false;
    constexpr double kOpen = std::numeric_limits<double>::infinity();
    double span_end = kOpen;  // the stopping keyframe's time, else the last picture's end
    double pictures_end = 0;
    while (av_read_frame(in_raw, packet.get()) >= 0) {
        if (packet->stream_index != index) {
            av_packet_unref(packet.get());
            continue;
        }
        if (!started && !(packet->flags & AV_PKT_FLAG_KEY)) {
            av_packet_unref(packet.get());
            continue;
        }
        started = true;
        const std::int64_t pts = packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
        // Whole GOPs only: stop at the first keyframe at or after the end, so that every
        // frame copied can still be decoded.
        if (pts != AV_NOPTS_VALUE && pts >= end_pts && (packet->flags & AV_PKT_FLAG_KEY)) {
            span_end = double(pts) * tb;
            break;
        }
        // Each file starts at time 0.
        if (offset == AV_NOPTS_VALUE) {
            offset = packet->dts != AV_NOPTS_VALUE ? packet->dts : pts;
            if (audio.active())
                audio.begin(double(pts != AV_NOPTS_VALUE ? pts : offset) * tb, double(offset) * tb);
        }
        if (pts != AV_NOPTS_VALUE)
            pictures_end = std::max(pictures_end, double(pts + packet->duration) * tb);
        // The sound that plays before this packet is decoded goes first.
        if (audio.active() && packet->dts != AV_NOPTS_VALUE)
            audio.write_until(out_raw, output, double(packet->dts) * tb, kOpen);
        if (packet->pts != AV_NOPTS_VALUE) packet->pts -= offset;
        if (packet->dts != AV_NOPTS_VALUE) packet->dts -= offset;
        packet->stream_index = 0;
        av_packet_rescale_ts(packet.get(), ist->time_base, ost->time_base);
        packet->pos = -1;
        if ((rc = av_interleaved_write_frame(out_raw, packet.get())) < 0)
            throw_io(output, "cannot write: " + av_error_string(rc));
    }
    throw_if_cancelled();  // an interrupted read ends the loop like the end of the file
    if (audio.active() && offset != AV_NOPTS_VALUE)
        audio.write_until(out_raw, output, kOpen, span_end < kOpen ? span_end : pictures_end);
    if ((rc = av_write_trailer(out_raw)) < 0)
        throw_io(output, "cannot finish: " + av_error_string(rc));
    (void)info;
    return result;
}

}  // namespace kinoglaz
