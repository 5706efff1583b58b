// Stream copy of a time range of the video stream (no re-encoding), for `split --copy`.
#include <cmath>
#include <cstring>

#include "kinoglaz/decoder.hpp"
#include "kinoglaz/error.hpp"
#include "kinoglaz/progress.hpp"
#include "libav.hpp"

namespace kinoglaz {

namespace {
struct OutputCloser {
    void operator()(AVFormatContext* c) const {
        if (c && c->pb && !(c->oformat->flags & AVFMT_NOFILE)) avio_closep(&c->pb);
        avformat_free_context(c);
    }
};
}  // namespace

void copy_video_range(const std::string& input, double start_s, double end_s,
                      const std::string& output, bool allow_network) {
    // Opening through the decoder validates the input exactly as every other command does
    // (protocols, nested files, size limits) and tells the stream's first timestamp.
    DecodeOptions probe_options;
    probe_options.threads = 1;
    probe_options.allow_network = allow_network;
    VideoDecoder probe_only(input, probe_options);
    const SourceInfo& info = probe_only.info();

    AVFormatContext* in_raw = avformat_alloc_context();
    if (!in_raw) throw Error(ErrorKind::internal, "out of memory");
    in_raw->interrupt_callback = cancel_interrupt();
    AVDictionary* opts = nullptr;
    av_dict_set(&opts, "protocol_whitelist",
                allow_network ? "file,http,https,tcp,tls,crypto" : "file", 0);
    int rc = avformat_open_input(&in_raw, input.c_str(), nullptr, &opts);
    av_dict_free(&opts);
    if (rc < 0) throw_av(input, "cannot open: ", rc);
    AVFormatPtr in(in_raw);
    if ((rc = avformat_find_stream_info(in_raw, nullptr)) < 0)
        throw_av(input, "cannot read stream information: ", rc);
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
        if (pts != AV_NOPTS_VALUE && pts >= end_pts && (packet->flags & AV_PKT_FLAG_KEY)) break;
        // Each file starts at time 0.
        if (offset == AV_NOPTS_VALUE) offset = packet->dts != AV_NOPTS_VALUE ? packet->dts : pts;
        if (packet->pts != AV_NOPTS_VALUE) packet->pts -= offset;
        if (packet->dts != AV_NOPTS_VALUE) packet->dts -= offset;
        packet->stream_index = 0;
        av_packet_rescale_ts(packet.get(), ist->time_base, ost->time_base);
        packet->pos = -1;
        if ((rc = av_interleaved_write_frame(out_raw, packet.get())) < 0)
            throw_io(output, "cannot write: " + av_error_string(rc));
    }
    throw_if_cancelled();  // an interrupted read ends the loop like the end of the file
    if ((rc = av_write_trailer(out_raw)) < 0)
        throw_io(output, "cannot finish: " + av_error_string(rc));
    (void)info;
}

}  // namespace kinoglaz
