#pragma once
// RAII holders for FFmpeg objects; internal to engine/decode and engine/export.

#include <memory>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
}

namespace kinoglaz {

struct AVFormatCloser {
    void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct AVCodecContextFreer {
    void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct AVFrameFreer {
    void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct AVPacketFreer {
    void operator()(AVPacket* p) const { av_packet_free(&p); }
};

using AVFormatPtr = std::unique_ptr<AVFormatContext, AVFormatCloser>;
using AVCodecContextPtr = std::unique_ptr<AVCodecContext, AVCodecContextFreer>;
using AVFramePtr = std::unique_ptr<AVFrame, AVFrameFreer>;
using AVPacketPtr = std::unique_ptr<AVPacket, AVPacketFreer>;

/// av_strerror as a string.
std::string av_error_string(int code);

/// The interrupt callback that stops FFmpeg's blocking calls once cancel_flag() is set.
AVIOInterruptCB cancel_interrupt();

/// Throws for a failed libav* call on INPUT: Error(cancelled) when cancellation stopped it,
/// else Error(bad_input) "INPUT: WHAT<av_strerror>".
[[noreturn]] void throw_av(const std::string& input, const std::string& what, int rc);

}  // namespace kinoglaz
