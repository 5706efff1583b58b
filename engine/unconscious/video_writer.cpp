#include "video_writer.hpp"

#include <algorithm>
#include <cmath>

#include "kinoglaz/error.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

namespace kinoglaz::detail {

namespace {

std::string av_err(int code) {
    char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(code, buf, sizeof buf);
    return buf;
}

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
    }
};

VideoWriter::VideoWriter(const std::string& path, cv::Size size, Rational time_base,
                         double fps_hint, int crf)
    : state_(std::make_unique<State>()) {
    auto& s = *state_;
    s.path = path;
    s.size = size;
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
    s.codec->time_base = AVRational{int(time_base.num), int(time_base.den)};
    if (fps_hint > 0) {
        s.codec->framerate = av_d2q(fps_hint, 100000);
        s.frame_duration = std::max<std::int64_t>(
            1, std::llround(double(time_base.den) / (fps_hint * double(time_base.num))));
    }
    s.codec->gop_size = 250;
    s.codec->thread_count = 0;
    if (s.fmt->oformat->flags & AVFMT_GLOBALHEADER) s.codec->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    av_opt_set(s.codec->priv_data, "preset", "veryfast", 0);
    av_opt_set(s.codec->priv_data, "crf", std::to_string(crf).c_str(), 0);
    rc = avcodec_open2(s.codec, enc, nullptr);
    if (rc < 0)
        throw Error(ErrorKind::internal, "video writer: cannot open libx264: " + av_err(rc));
    rc = avcodec_parameters_from_context(s.stream->codecpar, s.codec);
    if (rc < 0) throw Error(ErrorKind::internal, "video writer: " + av_err(rc));
    s.stream->time_base = s.codec->time_base;
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
    int rc = av_write_trailer(s.fmt);
    if (rc < 0) throw_io(s.path, "cannot finish the file: " + av_err(rc));
    if (!(s.fmt->oformat->flags & AVFMT_NOFILE)) avio_closep(&s.fmt->pb);
}

}  // namespace kinoglaz::detail
