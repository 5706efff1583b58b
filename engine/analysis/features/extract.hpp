#pragma once
// Stateless per-frame extractors (stage 2) and frame-pair extractors (stage 4).
// Pure functions of their arguments: safe to run on many threads at once.

#include "kinoglaz/features.hpp"
#include "kinoglaz/frame.hpp"

namespace kinoglaz {

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
