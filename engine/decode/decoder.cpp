// The only place (with export/video_writer) that talks to libavformat/libavcodec.
#include "kinoglaz/decode/decoder.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include <opencv2/imgproc.hpp>

#include <kinoglaz/core.hpp>
#include "libav.hpp"
#include "sparse_decode.hpp"

extern "C" {
#include <libavutil/avstring.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

namespace kinoglaz {

namespace detail {

struct PictureData {
    AVFramePtr frame;
};

struct DecoderState {
    std::string input;
    DecodeOptions options;
    SourceInfo info;
    AVFormatPtr format;
    AVCodecContextPtr codec;
    AVPacketPtr packet{av_packet_alloc()};
    AVFramePtr scratch{av_frame_alloc()};
    int stream_index = -1;
    AVRational time_base{1, 1};
    // Display geometry before rotation (square pixels) and the proxy size before rotation.
    int display_w = 0, display_h = 0;
    int proxy_w = 0, proxy_h = 0;
    int smooth_w = 0, smooth_h = 0;  // Frame::proxy_smooth
    int detect_w = 0, detect_h = 0;
    cv::Rect detect_area;  // coded pixels the detection image shows; empty: the whole picture
    bool first_pts_known = false;
    std::int64_t first_pts = 0;
    std::int64_t next_index = 0;
    bool draining = false;
    bool finished = false;
    std::int64_t start_pts = 0;  // frames before this pts are dropped (range decoding)
    std::optional<std::int64_t> end_pts;
    // Frames of [start_pts, end_pts) whose packets are still to come (-1: no end, or unknown):
    // once none are, the codec is drained (feed()).
    std::int64_t range_packets_left = -1;
    std::vector<std::int64_t> pts_table;     // sorted presentation timestamps (range decoding)
    std::vector<std::int64_t> keyframe_pts;  // sorted, of the packets flagged as keyframes
    std::int64_t last_pts = AV_NOPTS_VALUE;
    std::int64_t last_duration = 0;
    int consecutive_errors = 0;
    // Added to every frame's pts so that presentation times never go backwards (see next()).
    std::int64_t pts_offset = 0;
    std::int64_t nominal_duration = 1;  // one frame at the nominal rate, in time_base units
    // Frame-index mode, for streams whose timestamps cannot place frames (raw elementary
    // streams, timestamps that jump backwards): seeking rewinds to the start and decodes
    // forward, counting frames; ranges are cut by the corrected times.
    bool table_built = false;
    bool index_mode = false;
    FrameIndex skip_before = 0;                // index mode: frames before this are dropped
    std::optional<std::int64_t> start_offset;  // index mode: range start, pts after first
    std::optional<std::int64_t> end_offset;    // index mode: range end, pts after first
    std::optional<FrameIndex> frame_total;     // index mode: frames in the stream, once known
    // Memory bounds (set in the constructor): the largest picture the codec may allocate, and a
    // picture refused for being larger, packed as width << 32 | height (written by the codec's
    // threads, read by next()).
    std::int64_t max_picture_pixels = 0;
    std::size_t pictures_in_flight = 2;
    std::atomic<std::int64_t> refused_size{0};
    // Sparse decoding (DecodeOptions::sparse_decode, sparse_decode.hpp): packets read ahead of
    // the decoder, with their facts for the skip decision; the pictures skipped and not yet
    // delivered (pts -> duration), delivered in order between the decoded ones; and a decoded
    // picture held back in `scratch` until the skipped ones before it are out.
    bool sparse = false;
    NalLayout nal_layout;
    SkipPolicy skip_policy;
    std::deque<AVPacketPtr> ahead;
    std::deque<PacketFacts> ahead_facts;
    bool demux_ended = false;
    std::map<std::int64_t, std::int64_t> skipped;
    bool held = false;
    std::int64_t pictures_skipped = 0;
    std::int64_t pictures_decoded = 0;  // out of the codec, those dropped before a target too
};

}  // namespace detail

using detail::DecoderState;
using detail::PacketFacts;
using detail::PictureData;
using detail::SkipPolicy;

DecodedPicture::DecodedPicture() = default;
DecodedPicture::DecodedPicture(std::unique_ptr<PictureData> data) : data_(std::move(data)) {}
DecodedPicture::DecodedPicture(DecodedPicture&&) noexcept = default;
DecodedPicture& DecodedPicture::operator=(DecodedPicture&&) noexcept = default;
DecodedPicture::~DecodedPicture() = default;

namespace {

// FFmpeg polls this during blocking I/O, so a signal interrupts even a stalled read.
int interrupt_callback(void*) {
    return cancel_flag().load(std::memory_order_relaxed) ? 1 : 0;
}

// Nested opens (concat members, playlist segments, image-sequence files) go through here.
// Only an image sequence may open further files, and only local ones: a crafted playlist or
// concat list must not make kinoglaz read other files or reach the network.
int guarded_io_open(AVFormatContext* s, AVIOContext** pb, const char* url, int flags,
                    AVDictionary** options) {
    const auto* guard = static_cast<const detail::DecoderState*>(s->opaque);
    bool image_sequence = s->iformat && std::string_view(s->iformat->name) == "image2";
    bool allowed = !guard || guard->options.allow_network || image_sequence || url == guard->input;
    if (!allowed) return AVERROR(EPERM);
    return avio_open2(pb, url, flags, &s->interrupt_callback, options);
}

// Only regular files are read: a FIFO blocks in open() (where no signal can stop it) and
// cannot be read twice, which `cuts` and `analyze` need; sockets and devices likewise. Live
// capture from a device is not supported.
void refuse_special_file(const std::string& input, std::filesystem::file_type type) {
    using std::filesystem::file_type;
    switch (type) {
        case file_type::fifo:
            throw_bad_input(input, "is a FIFO (named pipe), not a regular file; refused");
        case file_type::socket:
            throw_bad_input(input, "is a socket, not a regular file; refused");
        case file_type::character:
        case file_type::block:
            throw_bad_input(input,
                            "is a device, not a regular file; live capture is not "
                            "supported");
        default:
            return;
    }
}

// The demuxer FFmpeg would pick for a local file, probed as avformat_open_input probes it.
const AVInputFormat* probe_format(const std::string& path) {
    AVIOContext* pb = nullptr;
    AVDictionary* opts = nullptr;
    av_dict_set(&opts, "protocol_whitelist", "file", 0);
    AVIOInterruptCB cb{interrupt_callback, nullptr};
    int rc = avio_open2(&pb, path.c_str(), AVIO_FLAG_READ, &cb, &opts);
    av_dict_free(&opts);
    if (rc < 0) return nullptr;
    const AVInputFormat* format = nullptr;
    rc = av_probe_input_buffer2(pb, &format, path.c_str(), nullptr, 0, 0);
    avio_closep(&pb);
    return rc < 0 ? nullptr : format;
}

// Demuxers that open further files or streams by names found inside the input.
bool refers_to_other_files(const AVInputFormat* format) {
    if (format->flags & AVFMT_NOFILE) return true;  // image2 patterns, sdp, rtsp, ...
    for (const char* name : {"concat", "hls", "dash", "imf", "webm_dash_manifest"})
        if (std::string_view(format->name) == name) return true;
    return false;
}

// An ffconcat list opens its members through contexts of its own, which FFmpeg gives neither
// our io_open guard nor our options (only the protocol whitelist). So kinoglaz checks the
// list itself before FFmpeg reads it, rather than trusting the demuxer's "safe" mode: what a
// careful user expects of a list is that it joins the media files beside it, so every member
// must be a plain relative name that stays inside the list's folder (no protocol, no
// absolute path, no "..", no symbolic link out), an existing regular file, and itself a media
// file, not another list or playlist (whose own references nobody checks). Directives other
// than the ones that only trim or time the members (`option` sets demuxer options, including
// the whitelist) are refused.
void check_concat_list(const std::string& input) {
    namespace fs = std::filesystem;
    // The reason quotes the list, whose bytes must not break the one-line message.
    auto refuse = [&](std::string why) {
        for (char& c : why)
            if (std::uint8_t(c) < 0x20 || c == 0x7f) c = '?';
        throw_bad_input(input, why + "; refused");
    };
    std::error_code ec;
    constexpr std::uintmax_t kMaxListBytes = 1 << 20;
    if (fs::file_size(input, ec) > kMaxListBytes) refuse("concat list larger than 1 MiB");
    std::ifstream in(input, std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const fs::path folder = fs::weakly_canonical(fs::absolute(input).parent_path(), ec);
    int members = 0;
    // Lines end at '\n', '\r' or NUL, as the demuxer reads them.
    for (std::size_t begin = 0; begin < text.size();) {
        std::size_t end = text.find_first_of(std::string_view("\n\r\0", 3), begin);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(begin, end - begin);
        begin = end + 1;
        const char* cursor = line.c_str();
        cursor += std::strspn(cursor, " \t\r");
        if (*cursor == '\0' || *cursor == '#') continue;
        const std::size_t keyword_len = std::strcspn(cursor, " \t\r");
        const std::string keyword(cursor, keyword_len);
        cursor += keyword_len;
        cursor += std::strspn(cursor, " \t\r");
        if (keyword == "ffconcat" || keyword == "duration" || keyword == "inpoint" ||
            keyword == "outpoint")
            continue;
        if (keyword != "file") refuse("concat list directive '" + keyword + "' is not allowed");
        char* token = av_get_token(&cursor, " \t\r");
        const std::string name = token ? token : "";
        av_free(token);
        if (name.empty()) refuse("concat list has an empty file name");
        if (name.find(':') != std::string::npos || name.find('%') != std::string::npos)
            refuse("concat list member '" + name + "' is not a plain file name");
        const fs::path member(name);
        if (member.is_absolute()) refuse("concat list member '" + name + "' is an absolute path");
        for (const auto& part : member)
            if (part == "..") refuse("concat list member '" + name + "' leaves the list's folder");
        const fs::path target = fs::weakly_canonical(folder / member, ec);
        auto rel = target.lexically_relative(folder);
        if (ec || rel.empty() || *rel.begin() == "..")
            refuse("concat list member '" + name + "' leaves the list's folder");
        if (!fs::is_regular_file(target, ec))
            refuse("concat list member '" + name + "' is not a regular file");
        const AVInputFormat* format = probe_format(target.string());
        throw_if_cancelled();
        if (!format) refuse("concat list member '" + name + "' is not a media file");
        if (refers_to_other_files(format))
            refuse("concat list member '" + name + "' is itself a list or playlist");
        ++members;
    }
    if (members == 0) throw_bad_input(input, "concat list names no files");
}

// Decoded pictures (in the codec and downstream together) get at most this much memory.
constexpr std::int64_t kPictureBudgetBytes = std::int64_t(2) << 30;
// Pictures a codec may keep as references (H.264/HEVC allow up to 16).
constexpr std::int64_t kCodecReferenceFrames = 16;
// Pictures in flight downstream need never exceed this to keep every core busy.
constexpr std::int64_t kMaxPicturesInFlight = 64;
// Sparse decoding applies from this picture size (DecodeOptions::sparse_decode).
constexpr std::int64_t kSparseMinPixels = 1280 * 720;

// Bytes of one decoded picture of this format and size (at least 8-bit 4:2:0).
std::int64_t picture_bytes_of(int format, int w, int h) {
    const std::int64_t minimum = std::int64_t(w) * h * 3 / 2;
    if (format < 0) return std::max<std::int64_t>(1, std::int64_t(w) * h * 3);
    const int bytes = av_image_get_buffer_size(AVPixelFormat(format), w, h, 1);
    return std::max<std::int64_t>({1, minimum, bytes});
}

// Every picture buffer the codec asks for goes through here: a stream may change its picture
// size mid-way (a new H.264 SPS), and the size checked at open then says nothing. A picture
// over the limit is refused before it is allocated and reported by next(). Called from the
// codec's threads.
int guarded_get_buffer(AVCodecContext* ctx, AVFrame* frame, int flags) {
    auto* s = static_cast<detail::DecoderState*>(ctx->opaque);
    if (std::int64_t(frame->width) * frame->height > s->max_picture_pixels) {
        s->refused_size.store(std::int64_t(frame->width) << 32 | std::uint32_t(frame->height));
        return AVERROR(EINVAL);
    }
    return avcodec_default_get_buffer2(ctx, frame, flags);
}

bool looks_like_url(const std::string& input) {
    auto pos = input.find("://");
    return pos != std::string::npos && pos > 1;
}

int rotation_of(const AVStream* stream) {
    const auto* matrix = reinterpret_cast<const int32_t*>(
        av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, nullptr));
    if (!matrix) return 0;
    double ccw = av_display_rotation_get(matrix);
    if (std::isnan(ccw)) return 0;
    // av_display_rotation_get is counter-clockwise; the picture must be turned clockwise by
    // its negation, as ffmpeg's autorotate does.
    int cw = int(std::lround(-ccw)) % 360;
    if (cw < 0) cw += 360;
    return (cw + 45) / 90 * 90 % 360;
}

Rational to_rational(AVRational r) {
    return {r.num, r.den};
}

void rotate_in_place(cv::Mat& img, int rotation_deg) {
    if (img.empty()) return;
    switch (rotation_deg) {
        case 90:
            cv::rotate(img, img, cv::ROTATE_90_CLOCKWISE);
            break;
        case 180:
            cv::rotate(img, img, cv::ROTATE_180);
            break;
        case 270:
            cv::rotate(img, img, cv::ROTATE_90_COUNTERCLOCKWISE);
            break;
        default:
            break;
    }
}

// One scaler per thread and target: sws contexts are not thread-safe, and
// sws_getCachedContext reuses the context while the geometry stays the same.
struct ThreadScalers {
    SwsContext* proxy = nullptr;
    SwsContext* smooth = nullptr;
    SwsContext* detect = nullptr;
    SwsContext* full = nullptr;
    SwsContext* planes = nullptr;
    ~ThreadScalers() {
        sws_freeContext(proxy);
        sws_freeContext(smooth);
        sws_freeContext(detect);
        sws_freeContext(full);
        sws_freeContext(planes);
    }
};
thread_local ThreadScalers t_scalers;

// The first `rows` rows of `m` as an image of its own. OpenCV's filters extend the border of
// a view into its parent buffer (BORDER_ISOLATED is not their default); below these rows lie
// other planes or uninitialised scratch, which made corner detection and optical flow near the
// bottom edge differ from run to run. Ending the view's data where its rows end stops that.
cv::Mat own_rows(const cv::Mat& m, int rows) {
    cv::Mat view = m.rowRange(0, rows);
    view.dataend = view.datalimit = view.data + view.step[0] * std::size_t(rows);
    return view;
}

// swscale's SIMD output loops write up to a few bytes past the last pixel of a tightly sized
// destination (measured up to 16 bytes for small widths, FFmpeg 5.1); the overrun corrupted the
// heap under fuzzing. Destinations get FFmpeg's usual 64-byte tail: a continuous rows x cols
// view of a buffer with enough spare rows behind it.
cv::Mat padded_for_swscale(int rows, int cols, int type) {
    const std::size_t row_bytes = std::size_t(cols) * CV_ELEM_SIZE(type);
    const int spare_rows = int(64 / std::max<std::size_t>(1, row_bytes)) + 1;
    cv::Mat storage(rows + spare_rows, cols, type);
    return own_rows(storage, rows);
}

// The analysis proxy: swscale only resamples (to planar 4:2:0, no colour conversion) and
// OpenCV's vectorised YUV→BGR does the rest; the luma plane is the grey proxy as is.
void scale_to_proxy(SwsContext*& ctx, const AVFrame* src, int w, int h, cv::Mat& bgr, cv::Mat& gray,
                    bool colour) {
    ctx = sws_getCachedContext(ctx, src->width, src->height, AVPixelFormat(src->format), w, h,
                               AV_PIX_FMT_YUV420P, SWS_AREA, nullptr, nullptr, nullptr);
    if (!ctx) throw Error(ErrorKind::internal, "swscale: cannot convert this pixel format");
    cv::Mat i420 = padded_for_swscale(h * 3 / 2, w, CV_8UC1);
    uint8_t* dst[4] = {i420.data, i420.data + w * h, i420.data + w * h + (w / 2) * (h / 2),
                       nullptr};
    int dst_stride[4] = {w, w / 2, w / 2, 0};
    sws_scale(ctx, src->data, src->linesize, 0, src->height, dst, dst_stride);
    if (colour) cv::cvtColor(i420, bgr, cv::COLOR_YUV2BGR_I420);
    gray = own_rows(i420, h);
}

// Successive halvings of one image plane, made on demand and shared by every target size
// taken from the plane: the detection image comes from the same levels whether or not the
// larger analysis proxy is built, so `cuts` and `analyze` see identical pixels.
class PlanePyramid {
  public:
    explicit PlanePyramid(cv::Mat plane) { levels_.push_back(std::move(plane)); }

    // Area-resamples the plane into `out` (already target-sized): 2x2 box halvings (OpenCV's
    // vectorised INTER_AREA fast path) down to the last level at least twice the target
    // in neither dimension, then one bilinear step of less than 2x, which averages enough
    // neighbours not to alias.
    void resample_into(cv::Mat out) {
        const cv::Mat* level = &levels_.front();
        for (std::size_t i = 0;; ++i) {
            level = &levels_[i];
            if (level->cols < 2 * out.cols || level->rows < 2 * out.rows) break;
            if (i + 1 == levels_.size()) {
                const cv::Mat even = (*level)(cv::Rect(0, 0, level->cols & ~1, level->rows & ~1));
                cv::Mat half;
                cv::resize(even, half, {even.cols / 2, even.rows / 2}, 0, 0, cv::INTER_AREA);
                levels_.push_back(std::move(half));
            }
        }
        if (level->size() == out.size())
            level->copyTo(out);
        else
            cv::resize(*level, out, out.size(), 0, 0, cv::INTER_LINEAR);
    }

  private:
    std::vector<cv::Mat> levels_;  // pointers into levels_ are not kept across push_back
};

// Plain 8-bit 4:2:0 in video range, the format of nearly every film, read in place.
struct YuvPyramids {
    PlanePyramid y, u, v;
};

// The pyramids of the picture, or of `area` of it (coded pixels, even; empty: the whole).
std::optional<YuvPyramids> yuv420_pyramids(const AVFrame* src, const cv::Rect& area = {}) {
    if (src->format != AV_PIX_FMT_YUV420P || src->linesize[0] <= 0 || src->linesize[1] <= 0 ||
        src->linesize[2] <= 0)
        return std::nullopt;
    const int cw = (src->width + 1) / 2, ch = (src->height + 1) / 2;
    const cv::Rect luma = area.empty() ? cv::Rect(0, 0, src->width, src->height) : area;
    const cv::Rect chroma = area.empty()
                                ? cv::Rect(0, 0, cw, ch)
                                : cv::Rect(area.x / 2, area.y / 2, area.width / 2, area.height / 2);
    return YuvPyramids{
        PlanePyramid(
            cv::Mat(src->height, src->width, CV_8UC1, src->data[0], src->linesize[0])(luma)),
        PlanePyramid(cv::Mat(ch, cw, CV_8UC1, src->data[1], src->linesize[1])(chroma)),
        PlanePyramid(cv::Mat(ch, cw, CV_8UC1, src->data[2], src->linesize[2])(chroma))};
}

// A reference to `area` (coded pixels) of a picture of any format: FFmpeg moves the planes'
// pointers, the samples are shared.
AVFramePtr cropped(const AVFrame* src, const cv::Rect& area) {
    AVFramePtr out(av_frame_clone(src));
    if (!out) throw Error(ErrorKind::internal, "out of memory");
    out->crop_left = std::size_t(area.x);
    out->crop_top = std::size_t(area.y);
    out->crop_right = std::size_t(src->width - area.x - area.width);
    out->crop_bottom = std::size_t(src->height - area.y - area.height);
    if (av_frame_apply_cropping(out.get(), AV_FRAME_CROP_UNALIGNED) < 0)
        throw Error(ErrorKind::internal, "cannot crop a picture to the film's active area");
    return out;
}

// DecodeOptions::picture_area as a rectangle inside the coded picture, on even coordinates
// (4:2:0 chroma), or empty for the whole picture.
cv::Rect coded_area(const PixelBox& box, int width, int height) {
    if (box.empty()) return {};
    const int x0 = (std::clamp(box.x, 0, width) + 1) & ~1;
    const int y0 = (std::clamp(box.y, 0, height) + 1) & ~1;
    const int x1 = std::clamp(box.x + box.width, 0, width) & ~1;
    const int y1 = std::clamp(box.y + box.height, 0, height) & ~1;
    if (x1 - x0 < 16 || y1 - y0 < 16 || (x1 - x0 == width && y1 - y0 == height)) return {};
    return cv::Rect(x0, y0, x1 - x0, y1 - y0);
}

// A coded rectangle in display pixels: scaled by the sample aspect ratio, then turned
// clockwise by `rotation` as the pictures are (rotate_in_place); w x h is the display size
// before the turn.
PixelBox displayed(const cv::Rect& coded, double sar, int w, int h, int rotation) {
    const int x = int(std::lround(coded.x * sar));
    const int width = std::min(w - x, int(std::lround(coded.width * sar)));
    const int y = coded.y, height = coded.height;
    switch (rotation) {
        case 90:
            return {h - y - height, x, height, width};
        case 180:
            return {w - x - width, h - y - height, width, height};
        case 270:
            return {y, w - x - width, height, width};
        default:
            return {x, y, width, height};
    }
}

// The w x h (even) picture as planar 4:2:0 in one buffer, its BGR conversion when asked for,
// and its luma plane (a view into the buffer).
void resample_yuv420(YuvPyramids& planes, int w, int h, cv::Mat& bgr, cv::Mat& gray, bool colour) {
    cv::Mat i420(colour ? h * 3 / 2 : h, w, CV_8UC1);
    gray = own_rows(i420, h);
    planes.y.resample_into(gray);
    if (!colour) return;
    uchar* chroma = i420.data + std::size_t(w) * h;
    planes.u.resample_into(cv::Mat(h / 2, w / 2, CV_8UC1, chroma));
    planes.v.resample_into(cv::Mat(h / 2, w / 2, CV_8UC1, chroma + std::size_t(w / 2) * (h / 2)));
    cv::cvtColor(i420, bgr, cv::COLOR_YUV2BGR_I420);
}

cv::Mat scale_to_bgr(SwsContext*& ctx, const AVFrame* src, int w, int h, int flags) {
    ctx = sws_getCachedContext(ctx, src->width, src->height, AVPixelFormat(src->format), w, h,
                               AV_PIX_FMT_BGR24, flags, nullptr, nullptr, nullptr);
    if (!ctx) throw Error(ErrorKind::internal, "swscale: cannot convert this pixel format");
    cv::Mat out = padded_for_swscale(h, w, CV_8UC3);
    uint8_t* dst[4] = {out.data, nullptr, nullptr, nullptr};
    int dst_stride[4] = {int(out.step[0]), 0, 0, 0};
    sws_scale(ctx, src->data, src->linesize, 0, src->height, dst, dst_stride);
    return out;
}

// The picture's samples as planar 8-bit 4:2:0 at the coded size: copied as they are when
// the codec already stores them so (nearly every film), else converted by swscale.
PlanarPicture planar_420(SwsContext*& ctx, const AVFrame* src) {
    const int w = src->width, h = src->height, cw = (w + 1) / 2, ch = (h + 1) / 2;
    PlanarPicture out{cv::Mat(h, w, CV_8UC1), cv::Mat(ch, cw, CV_8UC1), cv::Mat(ch, cw, CV_8UC1)};
    cv::Mat* planes[3] = {&out.y, &out.cb, &out.cr};
    if (src->format == AV_PIX_FMT_YUV420P) {
        for (int p = 0; p < 3; ++p)
            cv::Mat(planes[p]->size(), CV_8UC1, src->data[p], std::size_t(src->linesize[p]))
                .copyTo(*planes[p]);
        return out;
    }
    ctx = sws_getCachedContext(ctx, w, h, AVPixelFormat(src->format), w, h, AV_PIX_FMT_YUV420P,
                               SWS_BICUBIC, nullptr, nullptr, nullptr);
    if (!ctx) throw Error(ErrorKind::internal, "swscale: cannot convert this pixel format");
    for (int p = 0; p < 3; ++p)
        *planes[p] = padded_for_swscale(planes[p]->rows, planes[p]->cols, CV_8UC1);
    uint8_t* dst[4] = {out.y.data, out.cb.data, out.cr.data, nullptr};
    int dst_stride[4] = {int(out.y.step[0]), int(out.cb.step[0]), int(out.cr.step[0]), 0};
    sws_scale(ctx, src->data, src->linesize, 0, h, dst, dst_stride);
    return out;
}

}  // namespace

std::string av_error_string(int code) {
    char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(code, buf, sizeof buf);
    return buf;
}

AVIOInterruptCB cancel_interrupt() {
    return {interrupt_callback, nullptr};
}

// FFmpeg answers a call that interrupt_callback stopped with AVERROR_EXIT ("Immediate exit
// requested"): when our flag caused it, that is a cancellation (exit 130), not bad input.
void throw_av(const std::string& input, const std::string& what, int rc) {
    throw_if_cancelled();
    throw_bad_input(input, what + av_error_string(rc));
}

namespace {

void reset_timeline(detail::DecoderState& s) {
    s.ahead.clear();
    s.ahead_facts.clear();
    s.demux_ended = false;
    s.skipped.clear();
    s.held = false;
    av_frame_unref(s.scratch.get());
    s.skip_policy.reset();
    s.last_pts = AV_NOPTS_VALUE;
    s.last_duration = 0;
    s.pts_offset = 0;
    s.draining = s.finished = false;
    s.consecutive_errors = 0;
}

// Frame-index mode: back to the first frame, from which times and indices are counted again
// exactly as the first pass counted them.
void rewind(detail::DecoderState& s) {
    int rc = av_seek_frame(s.format.get(), -1, 0, AVSEEK_FLAG_BYTE);
    if (rc < 0) rc = avformat_seek_file(s.format.get(), -1, INT64_MIN, INT64_MIN, INT64_MIN, 0);
    if (rc < 0) throw_av(s.input, "cannot go back to the start: ", rc);
    avcodec_flush_buffers(s.codec.get());
    reset_timeline(s);
    s.first_pts_known = false;
    s.next_index = 0;
}

// Range decoding and seeking need global frame indices without decoding from the start: the
// sorted packet timestamps of a demux-only pass give every frame's presentation index
// (demuxing is cheap next to decoding).
//
// Timestamps place frames only if every packet has one and they never go back: a raw
// elementary stream (.h264, .hevc) has none, AVI and MPEG-PS leave them off some B-frames
// (seeking by the others delivered the wrong pictures), and a splice of two recordings starts
// its clock again. Such a stream switches to frame-index mode (see DecoderState).
void build_pts_table(detail::DecoderState& s) {
    if (s.table_built) return;
    AVFormatContext* fmt = s.format.get();
    std::int64_t packets = 0, last_dts = AV_NOPTS_VALUE;
    bool dts_back = false;
    while (av_read_frame(fmt, s.packet.get()) >= 0) {
        if (s.packet->stream_index == s.stream_index && !(s.packet->flags & AV_PKT_FLAG_DISCARD)) {
            ++packets;
            if (s.packet->pts != AV_NOPTS_VALUE) {
                s.pts_table.push_back(s.packet->pts);
                if (s.packet->flags & AV_PKT_FLAG_KEY) s.keyframe_pts.push_back(s.packet->pts);
            }
            if (s.packet->dts != AV_NOPTS_VALUE) {
                if (last_dts != AV_NOPTS_VALUE && s.packet->dts < last_dts) dts_back = true;
                last_dts = s.packet->dts;
            }
        }
        av_packet_unref(s.packet.get());
        throw_if_cancelled();
    }
    throw_if_cancelled();  // an interrupted read ends the loop like the end of the file
    std::sort(s.pts_table.begin(), s.pts_table.end());
    std::sort(s.keyframe_pts.begin(), s.keyframe_pts.end());
    const bool repeats =
        std::adjacent_find(s.pts_table.begin(), s.pts_table.end()) != s.pts_table.end();
    s.table_built = true;
    if (packets == 0) throw_bad_input(s.input, "no video packets");
    if (std::int64_t(s.pts_table.size()) < packets || repeats || dts_back) {
        s.index_mode = true;
        s.pts_table.clear();
        s.keyframe_pts.clear();
        rewind(s);  // the demux pass read to the end
        return;
    }
    s.first_pts = s.pts_table.front();
    s.first_pts_known = true;
}

// Positions the decoder so that the next picture delivered is the first with pts >= start_pts:
// seek to the keyframe at or before it, then decode forward and drop what comes before.
void seek_to_pts(detail::DecoderState& s, std::int64_t start_pts) {
    s.start_pts = start_pts;
    std::int64_t seek_to = start_pts == INT64_MIN ? s.first_pts : start_pts;
    if (seek_to == INT64_MAX) seek_to = s.pts_table.back();
    // To the keyframe before it in presentation order: the MP4 demuxer seeks by decoding time,
    // and landed on the keyframe of an open GOP whose leading pictures (shown before it,
    // predicted from the GOP before) were the ones sought; they never decode from there.
    const auto& keys = s.keyframe_pts;
    if (auto key = std::upper_bound(keys.begin(), keys.end(), seek_to); key != keys.begin())
        seek_to = *std::prev(key);
    int rc = av_seek_frame(s.format.get(), s.stream_index, seek_to, AVSEEK_FLAG_BACKWARD);
    if (rc < 0)
        rc = av_seek_frame(s.format.get(), s.stream_index, s.first_pts, AVSEEK_FLAG_BACKWARD);
    if (rc < 0) throw_av(s.input, "cannot seek: ", rc);
    avcodec_flush_buffers(s.codec.get());
    reset_timeline(s);
    s.range_packets_left = -1;
    if (s.end_pts && !s.index_mode) {
        const auto& table = s.pts_table;
        s.range_packets_left = std::lower_bound(table.begin(), table.end(), *s.end_pts) -
                               std::lower_bound(table.begin(), table.end(), start_pts);
    }
}

}  // namespace

DecodeOptions probe_decode_options(bool allow_network) {
    DecodeOptions options;
    options.threads = 1;
    options.allow_network = allow_network;
    return options;
}

DecodeOptions counting_decode_options(int threads, bool allow_network) {
    DecodeOptions options;
    options.threads = threads;
    options.allow_network = allow_network;
    options.fast_decode = FastDecode::on;
    return options;
}

DecodeOptions full_frames_decode_options(int threads, bool allow_network, bool samples,
                                         std::optional<double> start_s,
                                         std::optional<double> end_s) {
    DecodeOptions options;
    options.threads = threads;
    options.allow_network = allow_network;
    options.analysis_proxy = false;
    options.detection_image = false;  // no features are computed on these frames
    options.full_resolution = !samples;
    options.full_planes = samples;
    options.start_s = start_s;
    options.end_s = end_s;
    return options;
}

DecodeOptions picture_decode_options(int threads, bool allow_network) {
    DecodeOptions options;
    options.threads = threads;
    options.analysis_proxy = false;  // its callers use only the full-size picture
    options.detection_image = false;
    options.full_resolution = true;
    options.allow_network = allow_network;
    return options;
}

VideoDecoder::VideoDecoder(const std::string& input, const DecodeOptions& options)
    : state_(std::make_unique<DecoderState>()) {
    auto& s = *state_;
    s.input = input;
    s.options = options;
    s.info.path = input;

    if (options.threads < 0 || options.threads > 256)
        throw_bad_usage("decoder", "--threads must be between 0 and 256");
    if (options.analysis_size < 16 || options.analysis_size > 4096)
        throw_bad_usage("decoder", "analysis size must be between 16 and 4096 pixels");
    if (options.detection_size < 16 || options.detection_size > 4096)
        throw_bad_usage("decoder", "detection size must be between 16 and 4096 pixels");
    if (options.start_s && options.end_s && *options.end_s <= *options.start_s)
        throw_bad_usage("decoder", "--end must be after --start");

    av_log_set_level(AV_LOG_QUIET);
    // A "file:" URL names a local file and gets the same checks as a plain path.
    std::string local = input;
    if (input.rfind("file:", 0) == 0) {
        local = input.substr(5);
        if (local.rfind("//", 0) == 0) local = local.substr(2);
    } else if (looks_like_url(input)) {
        if (!options.allow_network && !options.live)
            throw_bad_input(input, "network and protocol inputs need --allow-network");
        local.clear();
    }
    if (!local.empty()) {
        std::error_code ec;
        auto status = std::filesystem::status(local, ec);
        if (ec || !std::filesystem::exists(status)) {
            // An image-sequence pattern ("frame%04d.png") names no single file.
            if (local.find('%') == std::string::npos)
                throw_bad_input(input, "no such file or directory");
        } else if (std::filesystem::is_directory(status)) {
            throw_bad_input(input, "is a directory, not a video file");
        } else if (options.live && status.type() == std::filesystem::file_type::character) {
            // A camera: opened below by the V4L2 demuxer.
        } else if (!std::filesystem::is_regular_file(status)) {
            refuse_special_file(input, status.type());
            throw_bad_input(input, "is not a regular file; refused");
        } else if (std::filesystem::file_size(local, ec) == 0) {
            throw_bad_input(input, "empty file");
        } else if (const AVInputFormat* format = probe_format(local);
                   format && std::string_view(format->name) == "concat") {
            check_concat_list(local);
        }
    }

    AVFormatContext* fmt = avformat_alloc_context();
    if (!fmt) throw Error(ErrorKind::internal, "out of memory");
    fmt->interrupt_callback = {interrupt_callback, nullptr};
    fmt->opaque = &s;
    fmt->io_open = guarded_io_open;
    AVDictionary* open_options = nullptr;
    av_dict_set(&open_options, "protocol_whitelist",
                options.allow_network ? "file,http,https,tcp,tls,rtmp,rtsp,udp,rtp,crypto,data"
                : options.live        ? "file,http,https,tcp,tls,rtmp,rtsp,udp,rtp,srt"
                                      : "file",
                0);
    if (options.io_timeout_s > 0) {
        const auto us = std::to_string(std::int64_t(options.io_timeout_s * 1e6));
        av_dict_set(&open_options, "rw_timeout", us.c_str(), 0);  // every protocol's reads
        av_dict_set(&open_options, "timeout", us.c_str(), 0);     // udp, tcp, http, srt: open
    }
    const AVInputFormat* device_format = nullptr;
    if (options.live && !local.empty()) {
        std::error_code ec;
        if (std::filesystem::status(local, ec).type() == std::filesystem::file_type::character) {
            device_format = av_find_input_format("video4linux2");
            if (!device_format)
                throw_bad_input(input, "is a device, and this build cannot capture from V4L2");
        }
    }
    int rc = avformat_open_input(&fmt, input.c_str(), device_format, &open_options);
    av_dict_free(&open_options);
    if (rc < 0) {
        // avformat_open_input frees the context on failure.
        if (rc == AVERROR(EPERM))
            throw_bad_input(input, "refers to other files (playlist or concat list); refused");
        throw_av(input, "cannot open: ", rc);
    }
    s.format.reset(fmt);
    // Probing decodes a few pictures with decoders of FFmpeg's own: they get the same picture
    // size limit and one thread, so a header declaring a huge size is refused before a
    // picture of that size is allocated (without it, a 4 KB stream took gigabytes here).
    std::vector<AVDictionary*> probe_options(fmt->nb_streams, nullptr);
    for (auto& o : probe_options) {
        av_dict_set_int(&o, "max_pixels", std::min<std::int64_t>(options.max_pixels, INT_MAX), 0);
        av_dict_set(&o, "threads", "1", 0);
    }
    rc = avformat_find_stream_info(fmt, probe_options.data());
    for (auto& o : probe_options) av_dict_free(&o);
    if (rc < 0) throw_av(input, "cannot read stream information: ", rc);
    throw_if_cancelled();

    const AVCodec* decoder = nullptr;
    rc = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
    if (rc == AVERROR_STREAM_NOT_FOUND) throw_bad_input(input, "no video stream");
    if (rc == AVERROR_DECODER_NOT_FOUND || !decoder) {
        int idx = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
        const char* name =
            idx >= 0 ? avcodec_get_name(fmt->streams[idx]->codecpar->codec_id) : "unknown";
        throw_bad_input(input, std::string("no decoder for video codec ") + name);
    }
    if (rc < 0) throw_bad_input(input, "no usable video stream: " + av_error_string(rc));
    s.stream_index = rc;
    AVStream* stream = fmt->streams[rc];
    // Only the chosen stream is demuxed into packets we look at; the rest are dropped early.
    for (unsigned i = 0; i < fmt->nb_streams; ++i)
        if (int(i) != s.stream_index) fmt->streams[i]->discard = AVDISCARD_ALL;
    const AVCodecParameters* par = stream->codecpar;
    if (par->width <= 0 || par->height <= 0)
        throw_bad_input(input, "video stream has no picture size");
    if (std::int64_t(par->width) * par->height > options.max_pixels ||
        av_image_check_size(unsigned(par->width), unsigned(par->height), 0, nullptr) < 0)
        throw_bad_input(input, "picture size " + std::to_string(par->width) + "x" +
                                   std::to_string(par->height) + " exceeds the limit");

    AVCodecContext* ctx = avcodec_alloc_context3(decoder);
    s.codec.reset(ctx);
    if (avcodec_parameters_to_context(ctx, par) < 0)
        throw_bad_input(input, "cannot configure the video decoder");
    ctx->pkt_timebase = stream->time_base;
    int threads = options.threads > 0 ? options.threads : int(std::thread::hardware_concurrency());
    // Measured on 2 cores (640x360 H.264): one codec thread on its own core plus the analysis
    // on the other runs 1.1x ffmpeg's two-thread decode; two codec threads sharing both cores
    // with the analysis, 0.93x. From 1920x1080 on, frame threads scale and need every core.
    // Above that, one frame thread more than cores, as libavcodec's own automatic count: a
    // frame thread waits for the rows of its references, and the spare one keeps the cores
    // busy meanwhile (1080p and 4K analyze, 6 and 3 pairs: 0.95x and 0.94x the wall time).
    const bool small = std::int64_t(par->width) * par->height <= 1280 * 720;
    if (options.reserve_analysis_core && small)
        threads -= 1;
    else if (options.reserve_analysis_core && threads > 1)
        threads += 1;
    threads = std::max(1, threads);
    // Memory: decoded pictures live in the codec (its references and one per frame thread)
    // and downstream (queued for the pipeline, being converted). Both are bounded by a budget
    // from the picture size, so that more threads never mean more memory than the budget:
    // large pictures get fewer frame threads and fewer pictures in flight.
    const std::int64_t picture_bytes = picture_bytes_of(par->format, par->width, par->height);
    const std::int64_t frames = std::max<std::int64_t>(4, kPictureBudgetBytes / picture_bytes);
    threads = int(std::clamp<std::int64_t>((frames - kCodecReferenceFrames) / 2, 1, threads));
    s.pictures_in_flight = std::size_t(std::clamp<std::int64_t>(
        frames - kCodecReferenceFrames - threads, 2, kMaxPicturesInFlight));
    // A picture that grows mid-stream must still fit the budget with the threads and the
    // pictures in flight chosen here.
    const std::int64_t bytes_per_pixel_x2 =
        std::max<std::int64_t>(3, 2 * picture_bytes / (std::int64_t(par->width) * par->height));
    s.max_picture_pixels = std::min<std::int64_t>(
        options.max_pixels, 2 * kPictureBudgetBytes /
                                (bytes_per_pixel_x2 * (kCodecReferenceFrames + threads +
                                                       std::int64_t(s.pictures_in_flight))));
    s.max_picture_pixels =
        std::max<std::int64_t>(s.max_picture_pixels, std::int64_t(par->width) * par->height);
    // Not ctx->max_pixels: FFmpeg would refuse such a picture silently, as a decoding error.
    ctx->opaque = &s;
    ctx->get_buffer2 = guarded_get_buffer;
    ctx->thread_count = threads;
    ctx->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    bool loop_filter_codec = par->codec_id == AV_CODEC_ID_H264 || par->codec_id == AV_CODEC_ID_HEVC;
    if (options.fast_decode == FastDecode::on ||
        (options.fast_decode == FastDecode::auto_ && loop_filter_codec))
        ctx->skip_loop_filter = AVDISCARD_ALL;
    // Skipping pictures pays where decoding them costs more than filling them in: measured
    // (benchmarks/README.md) from 1280x720 on.
    s.sparse = options.sparse_decode && loop_filter_codec &&
               std::int64_t(par->width) * par->height >= kSparseMinPixels;
    s.nal_layout =
        detail::nal_layout(par->codec_id == AV_CODEC_ID_HEVC, par->extradata, par->extradata_size);
    rc = avcodec_open2(ctx, decoder, nullptr);
    if (rc < 0) throw_av(input, "cannot open the video decoder: ", rc);
    s.nominal_duration = std::max<std::int64_t>(
        1, stream->r_frame_rate.num > 0 && stream->r_frame_rate.den > 0
               ? av_rescale_q(1, av_inv_q(stream->r_frame_rate), stream->time_base)
               : 1);

    s.time_base = stream->time_base;
    auto& info = s.info;
    info.container = fmt->iformat->name;
    info.codec = decoder->name;
    const char* pix = av_get_pix_fmt_name(AVPixelFormat(par->format));
    info.pixel_format = pix ? pix : "unknown";
    info.coded_width = par->width;
    info.coded_height = par->height;
    AVRational sar = av_guess_sample_aspect_ratio(fmt, stream, nullptr);
    if (sar.num <= 0 || sar.den <= 0) sar = {1, 1};
    info.sample_aspect = to_rational(sar);
    info.rotation_deg = rotation_of(stream);
    s.display_w = std::max(1, int(std::lround(par->width * av_q2d(sar))));
    s.display_h = par->height;
    bool swap = info.rotation_deg == 90 || info.rotation_deg == 270;
    info.width = swap ? s.display_h : s.display_w;
    info.height = swap ? s.display_w : s.display_h;
    double longest = std::max(s.display_w, s.display_h);
    double k = std::min(1.0, options.analysis_size / longest);
    // Even proxy sizes: the proxy is scaled as 4:2:0 (see convert()).
    s.proxy_w = std::max(2, int(std::lround(s.display_w * k / 2)) * 2);
    s.proxy_h = std::max(2, int(std::lround(s.display_h * k / 2)) * 2);
    // The smoothed proxy is at most half the picture's size: each sample then averages at
    // least 2x2 pixels, so that a small film's micro-motion is measured through as little
    // noise per sample as a larger one's (320x180 footage measured at full size gave false
    // events in motionless stretches), and costs a quarter as much. Halves are rounded down:
    // the luma pyramid's first level, taken as it is.
    s.smooth_w = k <= 0.5 ? s.proxy_w : std::max(1, s.display_w / 2);
    s.smooth_h = k <= 0.5 ? s.proxy_h : std::max(1, s.display_h / 2);
    // The detection image shows the film's active picture at its full size, bars left out.
    s.detect_area = coded_area(options.picture_area, par->width, par->height);
    const int area_w = s.detect_area.empty()
                           ? s.display_w
                           : std::max(1, int(std::lround(s.detect_area.width * av_q2d(sar))));
    const int area_h = s.detect_area.empty() ? s.display_h : s.detect_area.height;
    const double kd = std::min(1.0, options.detection_size / double(std::max(area_w, area_h)));
    s.detect_w = std::max(2, int(std::lround(area_w * kd / 2)) * 2);
    s.detect_h = std::max(2, int(std::lround(area_h * kd / 2)) * 2);
    if (!s.detect_area.empty())
        info.picture_area =
            displayed(s.detect_area, av_q2d(sar), s.display_w, s.display_h, info.rotation_deg);
    info.time_base = to_rational(stream->time_base);
    info.fps_nominal = to_rational(stream->r_frame_rate);
    info.fps_average = to_rational(stream->avg_frame_rate);
    info.frame_count = stream->nb_frames;
    info.frame_count_exact = false;
    if (stream->duration != AV_NOPTS_VALUE)
        info.duration_s = stream->duration * av_q2d(stream->time_base);
    else if (fmt->duration != AV_NOPTS_VALUE)
        info.duration_s = double(fmt->duration) / AV_TIME_BASE;
    if (stream->start_time != AV_NOPTS_VALUE)
        info.start_time_s = stream->start_time * av_q2d(stream->time_base);
    info.fps =
        info.fps_average.valid() ? info.fps_average.to_double() : info.fps_nominal.to_double();
    if (info.frame_count <= 0 && info.duration_s > 0 && info.fps > 0)
        info.frame_count = std::llround(info.duration_s * info.fps);

    if (options.start_s || options.end_s) {
        build_pts_table(s);
        double tb = av_q2d(s.time_base);
        if (s.index_mode) {
            if (options.start_s)
                s.start_offset = std::int64_t(std::ceil(*options.start_s / tb - 1e-6));
            if (options.end_s) s.end_offset = std::int64_t(std::ceil(*options.end_s / tb - 1e-6));
            return;
        }
        std::int64_t start_pts = INT64_MIN;
        if (options.start_s) {
            auto target = s.first_pts + std::int64_t(std::ceil(*options.start_s / tb - 1e-6));
            auto it = std::lower_bound(s.pts_table.begin(), s.pts_table.end(), target);
            start_pts = it == s.pts_table.end() ? INT64_MAX : *it;
        }
        if (options.end_s)
            s.end_pts = s.first_pts + std::int64_t(std::ceil(*options.end_s / tb - 1e-6));
        seek_to_pts(s, start_pts);
    }
}

VideoDecoder::~VideoDecoder() = default;

const SourceInfo& VideoDecoder::info() const noexcept {
    return state_->info;
}

namespace {

// Places a picture in the film: its corrected time, its index, the range. `f` is the decoded
// picture (moved from), or null for one that sparse decoding skipped. Returns nothing for a
// picture outside the range (then `s.finished` tells whether the range has ended).
std::optional<DecodedPicture> place(DecoderState& s, AVFrame* f, std::int64_t raw_pts,
                                    std::int64_t duration) {
    const std::int64_t step =
        duration > 0 ? duration : (s.last_duration > 0 ? s.last_duration : s.nominal_duration);
    std::int64_t pts = raw_pts;
    if (pts == AV_NOPTS_VALUE) {
        // No timestamp at all: one frame after the previous one.
        pts = s.last_pts == AV_NOPTS_VALUE ? 0 : s.last_pts + step - s.pts_offset;
    }
    pts += s.pts_offset;
    if (s.last_pts != AV_NOPTS_VALUE && pts <= s.last_pts) {
        // Time went backwards (a splice, a wrapped or reset clock): a discontinuity.
        // Frames carry on one frame after the last, so shot lengths stay positive and
        // the rate stays that of the frames.
        const std::int64_t last_step = s.last_duration > 0 ? s.last_duration : step;
        s.pts_offset += s.last_pts + last_step - pts;
        pts = s.last_pts + last_step;
        ++s.info.timestamp_glitches;
    }
    const bool corrupt = f && ((f->flags & AV_FRAME_FLAG_CORRUPT) || f->decode_error_flags);
    if (corrupt) ++s.info.decode_errors;
    const bool key = f && f->key_frame;  // read before the frame is moved (and reset)
    if (!s.first_pts_known) {
        s.first_pts = pts;
        s.first_pts_known = true;
    }
    s.last_pts = pts;
    s.last_duration = duration > 0 ? duration : 0;
    auto drop = [&](bool end) {
        if (f) av_frame_unref(f);
        if (end) s.finished = true;
        return std::nullopt;
    };
    if (s.index_mode) {
        const FrameIndex index = s.next_index++;
        if (index < s.skip_before || (s.start_offset && pts - s.first_pts < *s.start_offset))
            return drop(false);
        if (s.end_offset && pts - s.first_pts >= *s.end_offset) return drop(true);
    } else if (pts < s.start_pts) {
        return drop(false);
    }
    if (!s.index_mode && s.end_pts && pts >= *s.end_pts) return drop(true);
    std::unique_ptr<PictureData> data;
    if (f) {
        data = std::make_unique<PictureData>();
        data->frame.reset(av_frame_alloc());
        av_frame_move_ref(data->frame.get(), f);
    }
    DecodedPicture picture(std::move(data));
    picture.skipped = !f;
    if (s.index_mode) {
        picture.index = s.next_index - 1;
    } else if (!s.pts_table.empty()) {
        auto it = std::lower_bound(s.pts_table.begin(), s.pts_table.end(), pts);
        picture.index = it - s.pts_table.begin();
    } else {
        picture.index = s.next_index;
    }
    if (!s.index_mode) s.next_index = picture.index + 1;
    double tb = av_q2d(s.time_base);
    picture.timestamp = {pts, to_rational(s.time_base)};
    picture.time_s = double(pts - s.first_pts) * tb;
    picture.duration_s = s.last_duration > 0 ? double(s.last_duration) * tb : 0;
    picture.corrupt = corrupt;
    picture.key = key;
    return picture;
}

// Feeds the decoder the next packet of the stream (or, at its end, the drain request).
// Sparse decoding reads a few packets ahead, to see the ones after the next, and leaves out
// an unreferenced picture where SkipPolicy finds its surroundings ordinary: it is recorded in
// `s.skipped` and delivered as a skipped picture in its place in presentation order.
void feed(DecoderState& s) {
    AVCodecContext* ctx = s.codec.get();
    while (true) {
        if (s.range_packets_left == 0) {
            // Every frame of the range is in: the pictures after it need not be decoded to
            // let the codec's reordering delay deliver them.
            avcodec_send_packet(ctx, nullptr);
            s.draining = true;
            return;
        }
        const std::size_t wanted = s.sparse ? SkipPolicy::kWindow + 1 : 1;
        while (!s.demux_ended && s.ahead.size() < wanted) {
            const int rc = av_read_frame(s.format.get(), s.packet.get());
            if (rc < 0) {
                if (rc == AVERROR_EXIT) throw_if_cancelled();
                s.demux_ended = true;
                break;
            }
            if (s.packet->stream_index != s.stream_index) {
                av_packet_unref(s.packet.get());
                continue;
            }
            AVPacketPtr packet(av_packet_alloc());
            if (!packet) throw Error(ErrorKind::internal, "out of memory");
            av_packet_move_ref(packet.get(), s.packet.get());
            PacketFacts facts;
            if (s.sparse) {
                facts = classify_packet(s.nal_layout, packet->data, packet->size,
                                        packet->flags & AV_PKT_FLAG_KEY);
                s.skip_policy.read(facts);
            }
            s.ahead_facts.push_back(facts);
            s.ahead.push_back(std::move(packet));
        }
        if (s.ahead.empty()) {
            avcodec_send_packet(ctx, nullptr);
            s.draining = true;
            return;
        }
        AVPacketPtr packet = std::move(s.ahead.front());
        s.ahead.pop_front();
        const std::int64_t pts = packet->pts;
        // Counted as the pts table counts them (build_pts_table()).
        if (s.range_packets_left > 0 && pts != AV_NOPTS_VALUE && pts >= s.start_pts &&
            pts < *s.end_pts && !(packet->flags & AV_PKT_FLAG_DISCARD))
            --s.range_packets_left;
        // On the way to a sought frame, pictures that no other picture refers to are not
        // needed at all: the decoder may skip them (B-frames, most of the way).
        const bool before_start = !s.index_mode && pts != AV_NOPTS_VALUE && pts < s.start_pts;
        // A skipped picture must come out between decoded ones: only with a timestamp later
        // than the last picture delivered, and inside the range.
        const bool skip = s.sparse && !before_start && !s.index_mode && pts != AV_NOPTS_VALUE &&
                          (s.last_pts == AV_NOPTS_VALUE || pts + s.pts_offset > s.last_pts) &&
                          (!s.end_pts || pts < *s.end_pts) && s.skip_policy.may_skip(s.ahead_facts);
        if (s.sparse) s.skip_policy.sent(s.ahead_facts.front());
        s.ahead_facts.pop_front();
        if (skip) {
            s.skipped.emplace(pts, packet->duration);
            ++s.pictures_skipped;
            continue;  // a packet that the decoder never sees: feed the next one
        }
        ctx->skip_frame = before_start ? AVDISCARD_NONREF : AVDISCARD_DEFAULT;
        const int rc = avcodec_send_packet(ctx, packet.get());
        if (rc < 0 && rc != AVERROR(EAGAIN)) {
            ++s.info.decode_errors;
            continue;
        }
        return;
    }
}

}  // namespace

std::optional<DecodedPicture> VideoDecoder::next() {
    auto& s = *state_;
    AVCodecContext* ctx = s.codec.get();
    AVFrame* f = s.scratch.get();
    while (!s.finished) {
        throw_if_cancelled();
        if (!s.held) {
            int rc = avcodec_receive_frame(ctx, f);
            // A picture over the limit: refused by guarded_get_buffer, or (from a decoder that
            // allocates no buffer of its own) delivered, and refused here.
            std::int64_t refused = s.refused_size.load();
            if (rc == 0 && !refused && std::int64_t(f->width) * f->height > s.max_picture_pixels)
                refused = std::int64_t(f->width) << 32 | std::uint32_t(f->height);
            if (refused) {
                throw_bad_input(
                    s.input, "picture size changes mid-stream to " + std::to_string(refused >> 32) +
                                 "x" + std::to_string(refused & 0xffffffff) + ", more than the " +
                                 std::to_string(s.max_picture_pixels) +
                                 " pixels that the size limit and memory budget allow");
            }
            if (rc == 0) {
                s.held = true;
                ++s.pictures_decoded;
            } else if (rc != AVERROR_EOF && rc != AVERROR(EAGAIN)) {
                // A broken frame inside the decoder: count it and keep going, unless the
                // decoder is stuck returning errors.
                ++s.info.decode_errors;
                if (++s.consecutive_errors > 1000) s.finished = true;
                continue;
            } else if (rc == AVERROR(EAGAIN) && !s.draining) {
                s.consecutive_errors = 0;
                feed(s);  // the decoder wants input
                continue;
            } else if (s.skipped.empty()) {  // the end of the stream
                s.finished = true;
                if (s.index_mode) s.frame_total = s.next_index;
                break;
            }
        }
        // Skipped pictures before the decoded one (or after the last) come out first.
        const std::int64_t held_pts = s.held ? f->best_effort_timestamp : AV_NOPTS_VALUE;
        std::optional<DecodedPicture> picture;
        if (!s.skipped.empty() &&
            (!s.held || (held_pts != AV_NOPTS_VALUE && s.skipped.begin()->first < held_pts))) {
            const auto [pts, duration] = *s.skipped.begin();
            s.skipped.erase(s.skipped.begin());
            picture = place(s, nullptr, pts, duration);
        } else {
            s.held = false;
            picture = place(s, f, held_pts, f->pkt_duration);
        }
        if (picture) return picture;
    }
    return std::nullopt;
}

std::int64_t VideoDecoder::pictures_skipped() const noexcept {
    return state_->pictures_skipped;
}

std::int64_t VideoDecoder::pictures_decoded() const noexcept {
    return state_->pictures_decoded;
}

Frame VideoDecoder::convert(const DecodedPicture& picture) const {
    const auto& s = *state_;
    if (picture.skipped || !picture.data())
        throw Error(ErrorKind::internal, s.input + ": a skipped picture has no samples");
    const AVFrame* src = picture.data()->frame.get();
    Frame frame;
    frame.index = picture.index;
    frame.timestamp = picture.timestamp;
    frame.time_s = picture.time_s;
    frame.duration_s = picture.duration_s;
    frame.corrupt = picture.corrupt;
    frame.key = picture.key;
    // Area averaging: the proxy must be a faithful low-pass image, or noise and aliasing
    // would look like change between frames. Plain 4:2:0 is resampled in place, several
    // times faster than swscale's area filter; other formats go through swscale.
    const bool colour = s.options.analysis_colour;
    auto planes = yuv420_pyramids(src);
    if (planes) {
        if (s.options.analysis_proxy)
            resample_yuv420(*planes, s.proxy_w, s.proxy_h, frame.proxy_bgr, frame.proxy_gray,
                            colour);
        if (s.options.detection_image) {
            // The film's picture area has pyramids of its own; the whole picture shares the
            // proxy's.
            std::optional<YuvPyramids> area;
            if (!s.detect_area.empty()) area = yuv420_pyramids(src, s.detect_area);
            resample_yuv420(area ? *area : *planes, s.detect_w, s.detect_h, frame.detect_bgr,
                            frame.detect_gray, true);
        }
    } else {
        if (s.options.detection_image) {
            const AVFramePtr area = s.detect_area.empty() ? nullptr : cropped(src, s.detect_area);
            scale_to_proxy(t_scalers.detect, area ? area.get() : src, s.detect_w, s.detect_h,
                           frame.detect_bgr, frame.detect_gray, true);
        }
        if (s.options.analysis_proxy)
            scale_to_proxy(t_scalers.proxy, src, s.proxy_w, s.proxy_h, frame.proxy_bgr,
                           frame.proxy_gray, colour);
    }
    // Made here, on the pipeline's parallel stage, rather than by its ordered consumer.
    if (s.options.smoothed_proxy) {
        cv::Mat grey = frame.proxy_gray;
        if (grey.cols != s.smooth_w || grey.rows != s.smooth_h) {
            grey = cv::Mat(s.smooth_h, s.smooth_w, CV_8UC1);
            if (planes) {  // from the luma's first halving, shared with the other images
                planes->y.resample_into(grey);
            } else {  // swscale scales to 4:2:0, so to even sizes first
                cv::Mat unused_bgr, even;
                scale_to_proxy(t_scalers.smooth, src, (s.smooth_w + 1) & ~1, (s.smooth_h + 1) & ~1,
                               unused_bgr, even, false);
                cv::resize(even, grey, grey.size(), 0, 0, cv::INTER_AREA);
            }
        }
        grey.convertTo(frame.proxy_smooth, CV_32F);
        cv::GaussianBlur(frame.proxy_smooth, frame.proxy_smooth, cv::Size(5, 5), 1.0);
    }
    rotate_in_place(frame.detect_bgr, s.info.rotation_deg);
    rotate_in_place(frame.detect_gray, s.info.rotation_deg);
    rotate_in_place(frame.proxy_bgr, s.info.rotation_deg);
    rotate_in_place(frame.proxy_gray, s.info.rotation_deg);
    rotate_in_place(frame.proxy_smooth, s.info.rotation_deg);
    if (s.options.full_resolution) {
        frame.full_bgr = scale_to_bgr(t_scalers.full, src, s.display_w, s.display_h, SWS_BICUBIC);
        rotate_in_place(frame.full_bgr, s.info.rotation_deg);
    }
    if (s.options.full_planes) frame.full_planes = planar_420(t_scalers.planes, src);
    return frame;
}

void VideoDecoder::seek(FrameIndex index, std::optional<FrameIndex> end) {
    auto& s = *state_;
    build_pts_table(s);
    if (s.index_mode) {
        // Forward targets are reached by decoding on; earlier ones from the start.
        if (index < 0 || (s.frame_total && index >= *s.frame_total))
            throw Error(ErrorKind::internal, s.input + ": seek past the last frame");
        if (index < s.next_index || s.finished) rewind(s);
        s.skip_before = index;
        s.end_offset.reset();
        return;
    }
    if (index < 0 || index >= FrameIndex(s.pts_table.size()))
        throw Error(ErrorKind::internal, s.input + ": seek past the last frame");
    s.end_pts.reset();
    if (end && *end <= index) throw Error(ErrorKind::internal, s.input + ": empty seek range");
    if (end && *end < FrameIndex(s.pts_table.size())) s.end_pts = s.pts_table[std::size_t(*end)];
    seek_to_pts(s, s.pts_table[std::size_t(index)]);
}

void VideoDecoder::skip_to(FrameIndex index) {
    auto& s = *state_;
    if (!seeks_by_timestamp() || index < 0 || index >= FrameIndex(s.pts_table.size()))
        throw Error(ErrorKind::internal, s.input + ": skip to a frame not reached by seeking");
    // As after a seek: the packets before it that no picture refers to are not decoded (feed()).
    s.start_pts = std::max(s.start_pts, s.pts_table[std::size_t(index)]);
}

bool VideoDecoder::seeks_by_timestamp() {
    auto& s = *state_;
    if (!s.table_built) {
        build_pts_table(s);
        // The demux pass ran to the end: back to where decoding was (index mode rewinds).
        if (!s.index_mode) seek_to_pts(s, s.start_pts);
    }
    return !s.index_mode;
}

FrameIndex VideoDecoder::seek_start(FrameIndex index) {
    auto& s = *state_;
    if (!seeks_by_timestamp() || index < 0 || index >= FrameIndex(s.pts_table.size())) return index;
    const auto& keys = s.keyframe_pts;
    auto key = std::upper_bound(keys.begin(), keys.end(), s.pts_table[std::size_t(index)]);
    if (key == keys.begin()) return 0;
    return std::lower_bound(s.pts_table.begin(), s.pts_table.end(), *std::prev(key)) -
           s.pts_table.begin();
}

std::size_t VideoDecoder::pictures_in_flight() const noexcept {
    return state_->pictures_in_flight;
}

std::int64_t VideoDecoder::count_frames() {
    auto& s = *state_;
    std::int64_t count = 0;
    double last_time = 0, last_duration = 0;
    while (auto picture = next()) {
        ++count;
        last_time = picture->time_s;
        last_duration = picture->duration_s;
    }
    s.info.frame_count = count;
    s.info.frame_count_exact = true;
    if (count > 0) {
        if (last_duration <= 0 && s.info.fps_nominal.valid())
            last_duration = 1.0 / s.info.fps_nominal.to_double();
        s.info.duration_s = last_time + last_duration;
        if (s.info.duration_s > 0) s.info.fps = double(count) / s.info.duration_s;
    }
    return count;
}

FrameGrabber::FrameGrabber(const std::string& input, const DecodeOptions& options)
    : decoder_(input, options) {}

// Walking on decodes the pictures from FROM that the target needs, seeking those from the
// keyframe before it: with no keyframe between, a subset, however far the target.
bool FrameGrabber::walks(FrameIndex from, FrameIndex target) {
    return from >= 0 && target >= from && decoder_.seek_start(target) < from;
}

bool FrameGrabber::seek(FrameIndex target, bool bounded) {
    try {
        decoder_.seek(target, bounded ? std::optional(target + 1) : std::nullopt);
        return true;
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::internal) return false;  // past the last frame
        throw;
    }
}

std::optional<Frame> FrameGrabber::deliver(FrameIndex target) {
    while (auto picture = decoder_.next()) {
        position_ = picture->index + 1;
        if (picture->index < target) continue;
        return decoder_.convert(*picture);
    }
    return std::nullopt;
}

std::optional<Frame> FrameGrabber::grab(FrameIndex target, std::optional<FrameIndex> next) {
    throw_if_cancelled();
    if (!walks(position_, target)) {
        // The decoder need not go past the target unless the next one is walked to.
        const bool walk_on = next && walks(target + 1, *next);
        if (!seek(target, !walk_on)) return std::nullopt;
        if (!walk_on) {
            if (std::optional<Frame> frame = deliver(target)) {
                position_ = -1;  // the codec was drained at the target: no walking on from it
                return frame;
            }
            // The target's own picture did not decode: the first one after it stands in, as
            // decoding on without the bound gives it.
            if (!seek(target, false)) return std::nullopt;
        }
    } else {
        decoder_.skip_to(target);
    }
    return deliver(target);
}

void grab_frames(const std::string& input, std::vector<FrameIndex> indices,
                 const DecodeOptions& options,
                 const std::function<void(FrameIndex, const Frame&)>& each) {
    std::sort(indices.begin(), indices.end());
    indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
    if (indices.empty()) return;
    FrameGrabber grabber(input, options);
    for (std::size_t i = 0; i < indices.size(); ++i) {
        const std::optional<FrameIndex> next =
            i + 1 < indices.size() ? std::optional(indices[i + 1]) : std::nullopt;
        if (std::optional<Frame> frame = grabber.grab(indices[i], next)) each(indices[i], *frame);
    }
}

SourceInfo probe(const std::string& input, const DecodeOptions& options, bool trust_container) {
    VideoDecoder decoder(input, options);
    if (!trust_container || decoder.info().frame_count <= 0) {
        if (decoder.count_frames() == 0) throw_bad_input(input, "no decodable video frames");
    }
    return decoder.info();
}

}  // namespace kinoglaz
