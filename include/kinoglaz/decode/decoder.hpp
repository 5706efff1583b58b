#pragma once
/// Demux and decode one video stream into Frames (FFmpeg stays behind this header).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kinoglaz/decode/frame.hpp"
#include "kinoglaz/decode/source.hpp"

namespace kinoglaz {

/// Whether to skip decoding work that a ~320 px analysis image cannot see.
enum class FastDecode {
    off,    ///< decode exactly as a player would
    on,     ///< skip the H.264/HEVC in-loop deblocking filter (`skip_loop_filter`)
    auto_,  ///< `on` where the accuracy tests show no loss (H.264, HEVC: transitions and
            ///< events score the same), else `off`
};

/// Options for opening a source. Validated by the VideoDecoder constructor.
struct DecodeOptions {
    int threads = 0;  ///< codec threads (frame + slice); 0 = all cores
    /// For pictures up to 1280x720, one codec thread fewer (at least one): there FFmpeg's
    /// frame threads gain little, and the core is better spent on the analysis stages. Above
    /// it, with two threads or more, one codec thread more: frame threads waiting on their
    /// references leave a core idle. Still bounded by the decoder's memory budget.
    bool reserve_analysis_core = false;
    int analysis_size = 320;      ///< longest side of the analysis proxy, 16..4096 px
    bool analysis_proxy = true;   ///< build Frame::proxy_* (off: only the detection image)
    bool analysis_colour = true;  ///< with the proxy, also its colour (Frame::proxy_bgr)
    bool smoothed_proxy = false;  ///< also Frame::proxy_smooth (with or without the proxy)
    int detection_size = 160;     ///< longest side of Frame::detect_*, 16..4096 px
    bool detection_image = true;  ///< build Frame::detect_* (the per-frame features' image)
    /// The part of the picture the detection image shows, coded pixels (before aspect scaling
    /// and rotation): the film's active picture inside constant black bars, as
    /// find_picture_area() gives it; empty for the whole picture. Reported in display pixels
    /// as SourceInfo::picture_area. Clipped to the picture and to even coordinates.
    PixelBox picture_area;
    bool full_resolution = false;  ///< also convert every frame to full-size BGR
    bool full_planes = false;      ///< also keep every frame's samples (Frame::full_planes)
    FastDecode fast_decode = FastDecode::off;
    /// Sparse decoding, for H.264 and HEVC of at least 1280x720 (else ignored): pictures that
    /// no other picture refers to are not decoded where the compressed stream around them is
    /// ordinary (no intra picture, no reference picture of unusual size near them). next()
    /// still delivers every frame, a skipped one as a DecodedPicture with `skipped` set and no
    /// samples, for the caller to fill in from its neighbours (run_pipeline() does).
    bool sparse_decode = false;
    std::optional<double> start_s;  ///< first time to deliver (frame-exact), seconds
    std::optional<double> end_s;    ///< deliver frames with time < end_s
    bool allow_network = false;     ///< permit non-file protocols (http, rtmp, ...)
    /// A live source chosen explicitly (`kinoglaz live`): a stream URL (udp, rtp, srt, http,
    /// https, tcp, rtsp, rtmp) is opened without `allow_network`, and a character device is
    /// opened as a V4L2 camera (the caller must have called avdevice_register_all()).
    /// Playlists and concat lists stay refused, and nested opens stay guarded.
    bool live = false;
    /// Live sources: a read (or the open) that waits longer than this fails, seconds; 0 = wait
    /// for ever. A stalled stream then ends instead of blocking its thread.
    double io_timeout_s = 0;
    /// Pictures larger than this (width x height) are refused before they are allocated,
    /// at open and mid-stream; a size that grows mid-stream is also refused where it would
    /// not fit the memory budget (see VideoDecoder::pictures_in_flight()).
    std::int64_t max_pixels = 8192LL * 8192LL;
};

/// The options of the engine's reads of a film besides its pass (whose options are
/// PassOptions::decode, completed by decode_options(), transition_pass.hpp), each set up here
/// only, from what a user decides (threads, 0 = all cores; network sources; a range).
/// Opening a film to learn what it is (SourceInfo), on one codec thread.
DecodeOptions probe_decode_options(bool allow_network);
/// Reading every frame only to count them and learn their times (`kinoglaz probe`): fast
/// decoding, since skipping the loop filter changes pixels, never the frames or their times.
DecodeOptions counting_decode_options(int threads, bool allow_network);
/// Full-size pictures of single frames (keyframes), decoded by seeking (grab_frames()).
DecodeOptions picture_decode_options(int threads, bool allow_network);
/// Every frame of the range [start_s, end_s) at full size for encoding it again (split,
/// reveal), without the analysis proxy: as BGR pictures (Frame::full_bgr), or with `samples`
/// as the coded samples (Frame::full_planes), for an encoder that takes them unchanged.
DecodeOptions full_frames_decode_options(int threads, bool allow_network, bool samples,
                                         std::optional<double> start_s,
                                         std::optional<double> end_s);

namespace detail {
struct PictureData;
struct DecoderState;
}  // namespace detail

/// A decoded, not yet converted picture. Move-only; cheap (holds a reference-counted buffer).
class DecodedPicture {
  public:
    DecodedPicture();
    explicit DecodedPicture(std::unique_ptr<detail::PictureData> data);
    DecodedPicture(DecodedPicture&&) noexcept;
    DecodedPicture& operator=(DecodedPicture&&) noexcept;
    ~DecodedPicture();

    FrameIndex index = 0;
    Timestamp timestamp;
    double time_s = 0;
    double duration_s = 0;
    bool corrupt = false;
    /// The codec marked this picture as one decoding can start from (an IDR picture or a
    /// recovery point): a seek to a later frame decodes from the last such picture on.
    bool key = false;
    /// Not decoded (DecodeOptions::sparse_decode): a frame in its place, without samples.
    bool skipped = false;

    /// The decoded samples; null for a skipped picture.
    detail::PictureData* data() const noexcept { return data_.get(); }

  private:
    std::unique_ptr<detail::PictureData> data_;
};

/// Decodes the best video stream of a file or URL in presentation order.
///
/// Thread-safety: `next()` must be called from one thread at a time (the pipeline's serial
/// decode stage); `convert()` is safe to call concurrently from many threads.
class VideoDecoder {
  public:
    /// Opens INPUT and its decoder. Throws Error(bad_input) naming the file and the reason
    /// (missing, a directory, empty, not media, no video stream, unsupported codec, too large;
    /// a FIFO, socket or device; a playlist, or an ffconcat list naming anything but media
    /// files inside its own folder), Error(cancelled) when cancel_flag() stops it.
    VideoDecoder(const std::string& input, const DecodeOptions& options);
    ~VideoDecoder();
    VideoDecoder(const VideoDecoder&) = delete;
    VideoDecoder& operator=(const VideoDecoder&) = delete;

    /// Stream facts. `frame_count` is the container's hint until a full pass has finished;
    /// `decode_errors` grows while decoding.
    const SourceInfo& info() const noexcept;

    /// The next picture in presentation order, or nullopt at the end of the stream (or past
    /// `end_s`). Corrupt packets are skipped and counted in `info().decode_errors`. Times never
    /// go backwards (see `SourceInfo::timestamp_glitches`). Throws Error(bad_input) when the
    /// picture size grows mid-stream beyond the limit (see `DecodeOptions::max_pixels`).
    std::optional<DecodedPicture> next();

    /// Builds the analysis proxy (and the full-size image if requested) for a decoded
    /// (not skipped) picture.
    Frame convert(const DecodedPicture& picture) const;

    /// Pictures sparse decoding has left out so far (DecodeOptions::sparse_decode).
    std::int64_t pictures_skipped() const noexcept;

    /// Pictures the codec has decoded so far, with those decoded on the way to a sought or
    /// skipped-to frame and dropped.
    std::int64_t pictures_decoded() const noexcept;

    /// Positions the decoder so that `next()` delivers frame `index` (0-based, presentation
    /// order) and what follows it: seeks to the keyframe before it and decodes forward.
    /// With `end`, only the frames before frame `end` (> index): the codec is then drained as
    /// soon as their packets are in, rather than fed the packets after them until its
    /// reordering delay lets them out. The first call demuxes the file once to index every
    /// frame's timestamp.
    void seek(FrameIndex index, std::optional<FrameIndex> end = std::nullopt);

    /// Goes on decoding from where it is, without seeking, to frame `index` (at or after the
    /// next picture): the frames before it are dropped, and those no other picture refers to
    /// are not decoded at all, as on the way to a sought frame. Only where frames are reached
    /// by seeking (seeks_by_timestamp()).
    void skip_to(FrameIndex index);

    /// The frame from which `seek(index)` decodes: the last keyframe at or before frame
    /// `index`, by the container's keyframe flags; `index` itself where frames are not
    /// reached by seeking (see seeks_by_timestamp()). Demuxes the file on the first call, as
    /// seek() does.
    FrameIndex seek_start(FrameIndex index);

    /// Whether frames are reached by seeking: every packet has a timestamp and they never go
    /// backwards. Otherwise (raw elementary streams such as .h264, spliced recordings) `seek()`
    /// and time ranges decode forward from the first frame, counting frames, and give the same
    /// indices and times as a full pass. The first call demuxes the file once, as `seek()`.
    bool seeks_by_timestamp();

    /// How many decoded pictures a consumer may hold at once (queued, being converted) for
    /// decoding to stay within kinoglaz's memory budget for pictures (2 GiB, together with the
    /// codec's own: its references and one picture per frame thread, whose number the budget
    /// also bounds). At least 2, at most 64; fewer for larger pictures.
    std::size_t pictures_in_flight() const noexcept;

    /// Decodes to the end, counting frames; returns the exact frame count and sets
    /// `info().frame_count`, `duration_s` and `frame_count_exact`.
    std::int64_t count_frames();

  private:
    std::unique_ptr<detail::DecoderState> state_;
};

/// Decodes chosen frames of a film one at a time, converted as `options` asks (full-size BGR
/// when `options.full_resolution` is set), for callers that pick each next frame as they go
/// (several grabbers on one film share out its keyframes). A frame is reached by seeking (a
/// decode from the keyframe before it, drained once it is in), or by decoding on from the
/// last one grabbed where no keyframe lies between, so increasing indices are cheapest.
/// Memory: one decoder, no frame held. Thread-safety: one thread at a time.
class FrameGrabber {
  public:
    /// Opens INPUT as VideoDecoder does (and throws as it does).
    FrameGrabber(const std::string& input, const DecodeOptions& options);
    /// Frame TARGET (0-based presentation index), or the first decodable one after it;
    /// nullopt past the end. NEXT, the frame the caller will ask for next where known, lets
    /// the decoder go on past TARGET when walking there beats seeking.
    std::optional<Frame> grab(FrameIndex target, std::optional<FrameIndex> next = std::nullopt);
    /// The frame from which a seek to TARGET decodes (VideoDecoder::seek_start()): a grab of
    /// TARGET right after one of frame F decodes on from F, not seeks, where this is <= F.
    FrameIndex seek_start(FrameIndex target) { return decoder_.seek_start(target); }
    /// The film's facts (VideoDecoder::info()).
    const SourceInfo& info() const noexcept { return decoder_.info(); }
    /// Whether frames are reached by seeking (VideoDecoder::seeks_by_timestamp()).
    bool seeks_by_timestamp() { return decoder_.seeks_by_timestamp(); }

  private:
    bool walks(FrameIndex from, FrameIndex target);
    bool seek(FrameIndex target, bool bounded);
    std::optional<Frame> deliver(FrameIndex target);

    VideoDecoder decoder_;
    FrameIndex position_ = -1;  // index of the next picture next() would deliver, if known
};

/// The film's active picture, coded pixels (even, for DecodeOptions::picture_area): the frame
/// less the black bars that the film shows throughout, found on a few codec keyframes spread
/// over it (each decoded alone). A side counts as a bar only where most sampled pictures
/// that are not black end exactly there, so that a dark scene's black edge is not taken for
/// one; empty when no side has a bar, when the film cannot be sought (a live stream), or when
/// too few pictures tell.
PixelBox find_picture_area(const std::string& input, bool allow_network);

/// Decodes the given frames (0-based presentation indices) of INPUT, converted (full-size BGR
/// when `options.full_resolution` is set), and hands each to `each` as soon as it is decoded,
/// in increasing index order: memory stays one frame whatever the count. Frames with no
/// keyframe between them are reached by decoding forward, others by seeking. Indices past the
/// end are skipped.
void grab_frames(const std::string& input, std::vector<FrameIndex> indices,
                 const DecodeOptions& options,
                 const std::function<void(FrameIndex, const Frame&)>& each);

/// What copy_video_range() wrote besides the pictures.
struct RangeCopy {
    bool audio = false;          ///< the first audio stream was copied
    std::string audio_left_out;  ///< codec of a first audio stream OUTPUT's container cannot
                                 ///< hold without re-encoding (so left out); else empty
};

/// Copies the video stream of INPUT from the keyframe at or before `start_s` to the keyframe
/// at or after `end_s` (seconds from the first frame) into OUTPUT without re-encoding; the
/// container follows OUTPUT's extension. The first audio stream is copied too: every packet
/// that overlaps the copied pictures' span, so the sound may begin and end up to one audio
/// packet (about 21 ms for 48 kHz AAC) outside it, in sync with the pictures.
/// Throws Error(bad_input) for the input, Error(io) for the output.
RangeCopy copy_video_range(const std::string& input, double start_s, double end_s,
                           const std::string& output, bool allow_network = false);

/// Opens INPUT, and, unless `trust_container` is set, decodes it once to count frames
/// exactly. Throws Error(bad_input) as the VideoDecoder constructor does.
SourceInfo probe(const std::string& input, const DecodeOptions& options, bool trust_container);

}  // namespace kinoglaz
