#pragma once
/// What kinoglaz knows of an input before and after decoding it.

#include <string>

#include <kinoglaz/core.hpp>

namespace kinoglaz {

/// A rectangle of pixels; empty (width 0) for "none" or "the whole frame".
struct PixelBox {
    int x = 0, y = 0, width = 0, height = 0;
    bool empty() const noexcept { return width <= 0 || height <= 0; }
    bool operator==(const PixelBox&) const = default;
};

/// Stream facts of the video stream being analysed (the `probe` result).
///
/// `width`/`height` are the *display* size: coded size corrected by the sample aspect ratio
/// (square pixels) and by the rotation of the display matrix. Everything kinoglaz reports in
/// pixels (bounding boxes, keyframes, reveals) is in this display space.
struct SourceInfo {
    std::string path;
    std::string container;     ///< demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    std::string codec;         ///< decoder name, e.g. "h264"
    std::string pixel_format;  ///< e.g. "yuv420p"
    int coded_width = 0;       ///< pixels as stored, before SAR and rotation
    int coded_height = 0;
    int width = 0;   ///< display width after SAR and rotation
    int height = 0;  ///< display height after SAR and rotation
    Rational sample_aspect{1, 1};
    int rotation_deg = 0;  ///< clockwise rotation applied for display: 0, 90, 180, 270
    Rational time_base{1, 1};
    Rational fps_nominal{0, 1};  ///< the stream's r_frame_rate
    Rational fps_average{0, 1};  ///< the stream's avg_frame_rate
    double fps = 0;              ///< best single figure: frames / duration when known, else nominal
    std::int64_t frame_count = 0;    ///< frames that actually decode (exact after a full pass)
    bool frame_count_exact = false;  ///< true when counted by decoding, false when a container hint
    double duration_s = 0;           ///< last frame's time + its duration, from timestamps
    double start_time_s = 0;         ///< presentation time of the first frame in the stream's clock
    std::int64_t decode_errors = 0;  ///< packets or frames that failed to decode and were skipped
    /// Times the presentation timestamps went backwards (a splice, a reset clock); each time
    /// the frames were carried on one frame after the last, so times stay increasing.
    std::int64_t timestamp_glitches = 0;
    /// The film's active picture, display pixels: the frame less the black bars that every
    /// sampled part of the film shows (a letterboxed or windowboxed release), as
    /// find_picture_area() finds them before the pass; empty when there are none. The
    /// transition and montage features are measured inside it.
    PixelBox picture_area;
};

}  // namespace kinoglaz
