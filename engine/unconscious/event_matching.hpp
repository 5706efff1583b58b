#pragma once
// One-to-one matching of predicted events with truth, shared by the gesture and vibration
// scores (event_score.cpp, vibration_score.cpp).

#include <cstddef>
#include <tuple>
#include <vector>

#include <opencv2/core.hpp>

#include "kinoglaz/unconscious/unconscious.hpp"

namespace kinoglaz::detail {

// Intersection over union of two boxes, 0 when both are empty.
double box_iou(const cv::Rect& a, const cv::Rect& b) noexcept;

// A candidate pair: its ranking keys (smaller is better: the first, then the second) and the
// indices of the truth and the prediction.
using MatchPair = std::tuple<double, double, std::size_t, std::size_t>;

// Greedy one-to-one matching, best-ranked pairs first, and the score it gives to `truths`
// true and `preds` predicted events.
EventScore score_matching(std::vector<MatchPair> pairs, std::size_t truths, std::size_t preds);

}  // namespace kinoglaz::detail
