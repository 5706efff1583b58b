// JPEG stills through libavcodec's MJPEG encoder: the project already links FFmpeg, and
// OpenCV's imgcodecs would add some 120 shared libraries (GDAL among them) and about 0.1 s to
// every start of the command-line tool.
#include "kinoglaz/decode/jpeg.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>

#include <kinoglaz/core.hpp>
#include "libav.hpp"

extern "C" {
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

namespace kinoglaz {

namespace {

struct SwsFree {
    void operator()(SwsContext* c) const { sws_freeContext(c); }
};

}  // namespace

void write_jpeg(const std::string& path, const cv::Mat& bgr, int quality) {
    if (bgr.empty() || bgr.type() != CV_8UC3)
        throw Error(ErrorKind::internal, path + ": write_jpeg needs a non-empty 8-bit BGR image");
    const AVCodec* encoder = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    if (!encoder) throw_io(path, "this FFmpeg has no JPEG encoder");
    AVCodecContextPtr codec(avcodec_alloc_context3(encoder));
    AVFramePtr frame(av_frame_alloc());
    AVPacketPtr packet(av_packet_alloc());
    if (!codec || !frame || !packet) throw Error(ErrorKind::internal, "out of memory");
    // libjpeg's quality 90 is about MJPEG's quantiser scale 2; 50 about 10 (qscale 1..31).
    const int qscale = std::clamp(int(std::lround((100 - quality) / 5.0)), 1, 31);
    codec->width = bgr.cols;
    codec->height = bgr.rows;
    // Full-range Y'CbCr, as JFIF defines it (the "J" formats are deprecated), without chroma
    // subsampling: FFmpeg's 4:2:0 path gets the last column of odd-sized pictures wrong.
    codec->pix_fmt = AV_PIX_FMT_YUV444P;
    codec->color_range = AVCOL_RANGE_JPEG;
    codec->time_base = {1, 25};
    // Square pixels, which makes FFmpeg write the JFIF APP0 header (only with an aspect ratio):
    // readers that know a JPEG by it, Graphviz's `image` among them, refuse the file without.
    codec->sample_aspect_ratio = {1, 1};
    codec->flags |= AV_CODEC_FLAG_QSCALE;
    codec->global_quality = qscale * FF_QP2LAMBDA;
    // JPEG's standard Huffman tables: FFmpeg's default, tables fitted to each picture, keeps
    // every coefficient's code of the picture until it is written (25 MB for a 1080p keyframe,
    // two of them at once in the keyframe stage), for files 13 % smaller (the 47 keyframes of
    // a 1080p film: 6.2 against 7.1 MB).
    av_opt_set(codec->priv_data, "huffman", "default", 0);
    if (avcodec_open2(codec.get(), encoder, nullptr) < 0)
        throw_io(path, "cannot open the JPEG encoder");

    frame->format = AV_PIX_FMT_YUV444P;
    frame->width = bgr.cols;
    frame->height = bgr.rows;
    frame->quality = codec->global_quality;
    frame->color_range = AVCOL_RANGE_JPEG;
    if (av_frame_get_buffer(frame.get(), 0) < 0) throw Error(ErrorKind::internal, "out of memory");
    std::unique_ptr<SwsContext, SwsFree> sws(sws_getContext(
        bgr.cols, bgr.rows, AV_PIX_FMT_BGR24, bgr.cols, bgr.rows, AV_PIX_FMT_YUV444P,
        SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr, nullptr, nullptr));
    if (!sws) throw Error(ErrorKind::internal, "swscale: cannot convert BGR to JPEG's YUV");
    // BT.601 coefficients (JFIF's) into full range.
    const int* bt601 = sws_getCoefficients(SWS_CS_ITU601);
    sws_setColorspaceDetails(sws.get(), bt601, 1, bt601, 1, 0, 1 << 16, 1 << 16);
    const uint8_t* src[4] = {bgr.data, nullptr, nullptr, nullptr};
    const int src_stride[4] = {int(bgr.step[0]), 0, 0, 0};
    sws_scale(sws.get(), src, src_stride, 0, bgr.rows, frame->data, frame->linesize);

    if (avcodec_send_frame(codec.get(), frame.get()) < 0 ||
        avcodec_send_frame(codec.get(), nullptr) < 0 ||
        avcodec_receive_packet(codec.get(), packet.get()) < 0)
        throw_io(path, "cannot encode the JPEG");
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(packet->data), packet->size);
    out.close();
    if (!out) throw_io(path, "cannot write JPEG");
}

}  // namespace kinoglaz
