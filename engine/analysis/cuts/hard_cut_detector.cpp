#include "hard_cut_detector.hpp"

#include <cmath>

#include <kinoglaz/core.hpp>

namespace kinoglaz::detail {

namespace {
constexpr int kNeighbours = 2;          // frames on each side that define the local motion level
constexpr double kOneSidedRatio = 1.3;  // spike over the busier side when the other is calm

// The frame difference a cut must spike in: luma, or colour where luma stays (a cut between
// fields of like brightness and other hues).
double change_of(const FrameFeatures& f) {
    return std::max(f.picture_diff, f.chroma_diff);
}
}  // namespace

HardCutDetector::HardCutDetector(const HardCutOptions& options)
    : options_(options),
      return_frames_(std::clamp(int(std::lround(options.return_window_s * options.fps)), 2, 15)),
      lookahead_(std::max(kNeighbours, return_frames_)),
      window_(std::size_t(2 * (kNeighbours + return_frames_) + 4)) {
    if (!(options.fps > 0 && options.fps < 1000))
        throw_bad_usage("hard_cut", "fps must be in (0, 1000)");
    if (!(options.sensitivity >= 0 && options.sensitivity <= 1))
        throw_bad_usage("hard_cut", "sensitivity must be in [0, 1]");
}

void HardCutDetector::push(const FrameFeatures& f, std::vector<Transition>& out) {
    window_.push(f);
    while (next_to_decide_ + lookahead_ <= f.index) decide(next_to_decide_++, out);
}

void HardCutDetector::finish(FrameIndex end, std::vector<Transition>& out) {
    while (next_to_decide_ < end) decide(next_to_decide_++, out);
}

void HardCutDetector::decide(FrameIndex t, std::vector<Transition>& out) {
    if (!window_.has(t) || !window_.has(t - 1)) return;
    const double scale = sensitivity_scale(options_.sensitivity);
    const FrameFeatures& cur = window_.at(t);
    const double diff = change_of(cur);
    if (diff < options_.min_difference * scale) return;

    // Local motion level on each side: a cut is a spike, fast action a plateau. A cut into
    // (or out of) a very busy shot is a spike over one side and only a step over the other,
    // so a strong spike on one side lets a weaker one on the other pass.
    auto level = [&](int from, int to) {
        double m = 0;
        for (int k = from; k <= to; ++k)
            if (window_.has(t + k)) m = std::max(m, change_of(window_.at(t + k)));
        return std::max(m, 0.004);
    };
    const double left = diff / level(-kNeighbours, -1), right = diff / level(1, kNeighbours);
    const double ratio = std::min(left, right);
    const double min_ratio = options_.min_ratio * scale;
    if (ratio < min_ratio && !(std::max(left, right) >= 2 * min_ratio && ratio >= kOneSidedRatio))
        return;

    // Grey structure or colour: shots of similar light and shade may differ only in colour.
    auto distance = [](const FrameFeatures& x, const FrameFeatures& y) {
        return std::max(picture_distance(x, y), colour_distance(x, y));
    };
    const FrameFeatures& before = window_.at(t - 1);
    const double change = distance(before, cur);
    if (change < options_.min_content_change * scale) return;

    // A flash or exposure spike: the picture from before the spike comes back soon after — the
    // same structure, and colours that differ less than a cut's (a moving shot's chromaticity
    // drifts by more than half of that within a quarter of a second).
    const double same = 0.5 * options_.min_content_change * scale;
    const auto returns = [&](const FrameFeatures& x, const FrameFeatures& y) {
        return picture_distance(x, y) < same &&
               colour_distance(x, y) < options_.min_content_change * scale;
    };
    for (int a = 1; a <= return_frames_; ++a) {
        if (!window_.has(t - a)) break;
        for (int b = 0; b <= return_frames_ - a + 1; ++b) {
            if (!window_.has(t + b)) break;
            if (a == 1 && b == 0) continue;
            if (returns(window_.at(t - a), window_.at(t + b))) return;
        }
    }
    const double confidence =
        std::clamp(0.5 * std::min(1.0, (ratio - 1) / 4) + 0.5 * std::min(1.0, change), 0.0, 1.0);
    out.push_back({TransitionType::cut, {t, t}, 0, 0, float(confidence)});
}

}  // namespace kinoglaz::detail
