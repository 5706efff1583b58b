// JPEG stills through libavcodec's MJPEG encoder and decoder: the project already links FFmpeg,
// and OpenCV's imgcodecs would add some 120 shared libraries (GDAL among them), about 0.1 s to
// every start of the command-line tool and 50 MB to its resident memory (a program linking
// OpenCV's other modules and FFmpeg: 14.6 MB peak RSS, 65.7 MB with imgcodecs).
#include "kinoglaz/decode/jpeg.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <utility>

#include <opencv2/imgproc.hpp>

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

// A codec's context, frame and packet, for one picture.
struct OneShot {
    AVCodecContextPtr codec;
    AVFramePtr frame;
    AVPacketPtr packet;
};

OneShot one_shot(const AVCodec* codec) {
    OneShot parts{AVCodecContextPtr(avcodec_alloc_context3(codec)), AVFramePtr(av_frame_alloc()),
                  AVPacketPtr(av_packet_alloc())};
    if (!parts.codec || !parts.frame || !parts.packet)
        throw Error(ErrorKind::internal, "out of memory");
    return parts;
}

}  // namespace

std::vector<unsigned char> encode_jpeg(const cv::Mat& bgr, int quality) {
    if (bgr.empty() || bgr.type() != CV_8UC3)
        throw Error(ErrorKind::internal, "encode_jpeg: needs a non-empty 8-bit BGR image");
    const AVCodec* encoder = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    if (!encoder) throw_io("JPEG", "this FFmpeg has no JPEG encoder");
    auto [codec, frame, packet] = one_shot(encoder);
    // libjpeg's quality 90 is about MJPEG's quantiser scale 2; 50 about 10 (qscale 1..31).
    const int qscale = std::clamp(int(std::lround((100 - quality) / 5.0)), 1, 31);
    codec->width = bgr.cols;
    codec->height = bgr.rows;
    // Full-range Y'CbCr, as JFIF defines it (the "J" formats are deprecated), its chroma at
    // half size in both directions as in the films it comes from (4:2:0: a quarter smaller and
    // twice as fast to encode), except for odd-sized pictures: FFmpeg's 4:2:0 path gets their
    // last column wrong, so they keep full-size chroma (4:4:4).
    const bool subsampled = bgr.cols % 2 == 0 && bgr.rows % 2 == 0;
    const AVPixelFormat format = subsampled ? AV_PIX_FMT_YUV420P : AV_PIX_FMT_YUV444P;
    codec->pix_fmt = format;
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
        throw_io("JPEG", "cannot open the JPEG encoder");

    frame->format = format;
    frame->width = bgr.cols;
    frame->height = bgr.rows;
    frame->quality = codec->global_quality;
    frame->color_range = AVCOL_RANGE_JPEG;
    if (av_frame_get_buffer(frame.get(), 0) < 0) throw Error(ErrorKind::internal, "out of memory");
    // OpenCV's YCrCb is JFIF's full-range BT.601 Y'CbCr, converted several times faster than
    // by swscale's accurate path (1080p: 3.7 against 12-14 ms).
    cv::Mat ycrcb, chroma;
    cv::cvtColor(bgr, ycrcb, cv::COLOR_BGR2YCrCb);
    if (subsampled)
        cv::resize(ycrcb, chroma, {bgr.cols / 2, bgr.rows / 2}, 0, 0, cv::INTER_AREA);
    else
        chroma = ycrcb;
    cv::Mat luma(bgr.rows, bgr.cols, CV_8UC1, frame->data[0], std::size_t(frame->linesize[0]));
    cv::Mat planes[] = {
        cv::Mat(chroma.size(), CV_8UC1, frame->data[1], std::size_t(frame->linesize[1])),
        cv::Mat(chroma.size(), CV_8UC1, frame->data[2], std::size_t(frame->linesize[2]))};
    const int to_luma[] = {0, 0};
    const int to_chroma[] = {2, 0, 1, 1};  // Cb is plane 1, Cr plane 2
    cv::mixChannels(&ycrcb, 1, &luma, 1, to_luma, 1);
    cv::mixChannels(&chroma, 1, planes, 2, to_chroma, 2);

    if (avcodec_send_frame(codec.get(), frame.get()) < 0 ||
        avcodec_send_frame(codec.get(), nullptr) < 0 ||
        avcodec_receive_packet(codec.get(), packet.get()) < 0)
        throw_io("JPEG", "cannot encode the picture");
    return {packet->data, packet->data + packet->size};
}

void write_jpeg(const std::string& path, const cv::Mat& bgr, int quality) {
    std::vector<unsigned char> bytes;
    try {
        bytes = encode_jpeg(bgr, quality);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::io) throw;
        throw_io(path, e.what());
    }
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    out.close();
    if (!out) throw_io(path, "cannot write JPEG");
}

cv::Mat decode_jpeg(const std::vector<unsigned char>& bytes) {
    const AVCodec* decoder = avcodec_find_decoder(AV_CODEC_ID_MJPEG);
    if (!decoder) throw_bad_input("JPEG", "this FFmpeg has no JPEG decoder");
    auto [codec, frame, packet] = one_shot(decoder);
    if (avcodec_open2(codec.get(), decoder, nullptr) < 0)
        throw_bad_input("JPEG", "cannot open the JPEG decoder");
    // A padded copy: FFmpeg's decoders may read up to AV_INPUT_BUFFER_PADDING_SIZE bytes past
    // a packet's end.
    std::vector<unsigned char> padded(bytes.size() + AV_INPUT_BUFFER_PADDING_SIZE, 0);
    std::copy(bytes.begin(), bytes.end(), padded.begin());
    packet->data = padded.data();
    packet->size = int(bytes.size());
    if (bytes.empty() || avcodec_send_packet(codec.get(), packet.get()) < 0 ||
        avcodec_send_packet(codec.get(), nullptr) < 0 ||
        avcodec_receive_frame(codec.get(), frame.get()) < 0)
        throw_bad_input("JPEG", "not a JPEG picture");
    cv::Mat bgr(frame->height, frame->width, CV_8UC3);
    // The decoder's full-range ("J") formats are deprecated in swscale (it warns on each use):
    // the same layout is converted with the range given explicitly.
    AVPixelFormat format = AVPixelFormat(frame->format);
    bool full_range = frame->color_range == AVCOL_RANGE_JPEG;
    for (const auto& [j, plain] : {std::pair{AV_PIX_FMT_YUVJ420P, AV_PIX_FMT_YUV420P},
                                   std::pair{AV_PIX_FMT_YUVJ422P, AV_PIX_FMT_YUV422P},
                                   std::pair{AV_PIX_FMT_YUVJ444P, AV_PIX_FMT_YUV444P},
                                   std::pair{AV_PIX_FMT_YUVJ440P, AV_PIX_FMT_YUV440P},
                                   std::pair{AV_PIX_FMT_YUVJ411P, AV_PIX_FMT_YUV411P}})
        if (format == j) format = plain, full_range = true;
    std::unique_ptr<SwsContext, SwsFree> sws(sws_getContext(
        frame->width, frame->height, format, frame->width, frame->height, AV_PIX_FMT_BGR24,
        SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr, nullptr, nullptr));
    if (!sws) throw Error(ErrorKind::internal, "swscale: cannot convert a JPEG's YUV to BGR");
    const int* bt601 = sws_getCoefficients(SWS_CS_ITU601);
    sws_setColorspaceDetails(sws.get(), bt601, full_range ? 1 : 0, bt601, 1, 0, 1 << 16, 1 << 16);
    uint8_t* dst[4] = {bgr.data, nullptr, nullptr, nullptr};
    const int dst_stride[4] = {int(bgr.step[0]), 0, 0, 0};
    sws_scale(sws.get(), frame->data, frame->linesize, 0, frame->height, dst, dst_stride);
    return bgr;
}

}  // namespace kinoglaz
