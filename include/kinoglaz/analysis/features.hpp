#pragma once
/// Per-frame facts computed from the analysis proxy, travelling with the frame through
/// the pipeline. Detectors and the montage module read these and never pixels.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>

namespace kinoglaz {

/// Which optional extractors stage 2/4 of the pipeline must run (bit set).
enum class FeatureMask : std::uint32_t {
    basic = 1u << 0,  ///< luma statistics, thumbnails, grey difference to the previous frame
    camera_motion = 1u << 1,   ///< sparse-flow + RANSAC similarity transform to the previous frame
    appearance = 1u << 2,      ///< colour histogram and its distance, colourfulness
    smoothed_proxy = 1u << 3,  ///< Frame::proxy_smooth, made by the decoder's conversion
    translation = 1u << 4,     ///< phase-correlation shift between thumbnails
    compensated_difference = 1u << 5,  ///< the thumbnails' difference once the shift is undone
                                       ///< (needs translation)
    /// With camera_motion: measured on every other pair only (frames of even index), the
    /// others marked GlobalMotion::sampled_out. Half the cost of the camera's motion, the most
    /// costly pair feature; the shots' camera labels read medians, spreads and shares of the
    /// pairs, which a regular half sample keeps (benchmarks/README.md, "The camera's motion").
    sampled_camera_motion = 1u << 6,
};
constexpr FeatureMask operator|(FeatureMask a, FeatureMask b) {
    return FeatureMask(std::uint32_t(a) | std::uint32_t(b));
}
constexpr bool has(FeatureMask set, FeatureMask bit) {
    return (std::uint32_t(set) & std::uint32_t(bit)) != 0;
}

/// Bins of the joint HSV histogram: hue x saturation x value.
constexpr int kHueBins = 16, kSatBins = 4, kValBins = 4;
constexpr int kHistBins = kHueBins * kSatBins * kValBins;

/// Size of the grey thumbnail kept per frame (fixed, whatever the aspect ratio).
constexpr int kThumbWidth = 64, kThumbHeight = 36;

/// Global motion from the previous frame to this one, in proxy pixels.
struct GlobalMotion {
    bool valid = false;      ///< false when too few features were tracked
    float dx = 0, dy = 0;    ///< translation of the image content, proxy pixels
    float scale = 1;         ///< zoom factor (>1: content grows, i.e. zoom in)
    float angle_rad = 0;     ///< in-plane rotation
    float inlier_ratio = 0;  ///< share of tracked points agreeing with the model, 0..1
    float residual_px = 0;   ///< median residual of inliers, proxy pixels (local motion)
    int tracked = 0;         ///< points tracked
    /// Not measured: FeatureMask::sampled_camera_motion leaves this pair out (valid is false).
    bool sampled_out = false;
};

/// Everything stage 2 (per frame) and stage 4 (frame vs previous frame) compute.
struct FrameFeatures {
    FrameIndex index = 0;
    double time_s = 0;
    bool key = false;  ///< Frame::key: decoding can start at this frame
    int proxy_width = 0, proxy_height = 0;

    // --- per frame ---------------------------------------------------------------
    float luma_mean = 0;      ///< 0..255
    float luma_std = 0;       ///< 0..255, spatial standard deviation
    float luma_p05 = 0;       ///< 5th percentile of luma, 0..255
    float luma_p95 = 0;       ///< 95th percentile of luma: p95 - p05 small means a uniform
                              ///< frame, even with a small caption on it
    float colourfulness = 0;  ///< Hasler-Suesstrunk colourfulness (appearance)
    std::array<float, kHistBins> hist{};  ///< joint HSV histogram, sums to 1 (appearance)
    cv::Mat thumb;      ///< CV_8UC1 kThumbWidth x kThumbHeight, for cross-frame checks
    cv::Mat thumb_bgr;  ///< CV_8UC3 kThumbWidth x kThumbHeight, colour layout
    /// The active picture in the detection image's pixels: the frame less black bars
    /// (pillarbox, letterbox, windowbox), or the whole frame; empty when the frame is too dark
    /// to tell bars from picture. Hard cuts are judged on it, so that a cut inside a narrow
    /// picture counts as much as one in a full frame.
    cv::Rect picture;
    cv::Size picture_frame;  ///< the detection image's size, the frame `picture` lies in
    /// CV_8UC1 kThumbWidth x kThumbHeight of the active picture (shares `thumb` when the
    /// picture is the whole frame or unknown).
    cv::Mat picture_thumb;
    /// The same in colour (shares `thumb_bgr` likewise): the shot's colour layout is read from
    /// it, so that the bars of a letterboxed film do not make all its shots look alike.
    cv::Mat picture_thumb_bgr;
    /// Half spectrum (CV_32FC2) of the Hann-windowed grey thumbnail (translation): made once
    /// per frame, in parallel, and used by the phase correlation with both neighbours.
    cv::Mat thumb_spectrum;

    // --- pairwise to the previous frame (all 0 for the first frame) -----------------
    float hist_dist = 0;   ///< 1 - histogram intersection, 0..1 (appearance)
    float pixel_diff = 0;  ///< mean |Δ| of the grey detection image / 255, 0..1
    /// The same over both frames' active pictures (the union of their areas, or the one that
    /// is known: bars that appear or change count, bars that stay do not); equals pixel_diff
    /// without bars.
    float picture_diff = 0;
    /// Mean |Δ| of a chroma channel (Cb, Cr) of the colour thumbnails / 255, 0..1: the change
    /// that luma does not see (a red field cut to a green one of the same brightness).
    float chroma_diff = 0;
    /// Mean |Δ| of grey thumbnails after translation compensation (compensated_difference).
    float mc_diff = 0;
    /// Phase-correlation translation, thumb pixels (translation).
    float shift_dx = 0, shift_dy = 0;
    GlobalMotion motion;  ///< only with FeatureMask::camera_motion

    /// Names and values of the scalar features, for an optional per-frame CSV dump.
    std::vector<std::pair<std::string, double>> metrics() const;
};

/// The extractors the pipeline runs (stages 2 and 4), pure functions of their arguments: safe
/// to run on many threads at once.
/// Per-frame features of `frame` (luma, histogram, thumbnail, edges).
FrameFeatures compute_frame_features(const Frame& frame, FeatureMask mask);

/// Fills the pairwise fields of `current` from the previous frame. `previous` must have
/// been filled by compute_frame_features (its own pairwise fields are not read).
void compute_pair_features(const Frame& previous_frame, const FrameFeatures& previous,
                           const Frame& current_frame, FrameFeatures& current, FeatureMask mask);

/// 1 - histogram intersection of two normalised histograms, 0..1.
float histogram_distance(const std::array<float, kHistBins>& a,
                         const std::array<float, kHistBins>& b) noexcept;

/// Mean absolute difference of two equally sized CV_8U images, scaled to 0..1.
float mean_abs_difference(const cv::Mat& a, const cv::Mat& b);

}  // namespace kinoglaz
