#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "event_matching.hpp"
#include "kinoglaz/unconscious/unconscious.hpp"

namespace kinoglaz {

namespace {

// An empty range (a point event) still occupies its frame.
FrameRange occupied(const FrameRange& r) {
    return {r.start, std::max(r.end, r.start + 1)};
}

}  // namespace

namespace detail {

double box_iou(const cv::Rect& a, const cv::Rect& b) noexcept {
    const double inter = (a & b).area();
    const double uni = double(a.area()) + double(b.area()) - inter;
    return uni > 0 ? inter / uni : 0;
}

EventScore score_matching(std::vector<MatchPair> pairs, std::size_t truths, std::size_t preds) {
    std::sort(pairs.begin(), pairs.end());
    std::vector<bool> t_used(truths, false), p_used(preds, false);
    EventScore s;
    for (const auto& [key, second_key, i, j] : pairs) {
        if (t_used[i] || p_used[j]) continue;
        t_used[i] = p_used[j] = true;
        ++s.true_positives;
    }
    s.false_positives = int(preds) - s.true_positives;
    s.false_negatives = int(truths) - s.true_positives;
    s.precision = preds == 0 ? 1.0 : double(s.true_positives) / double(preds);
    s.recall = truths == 0 ? 1.0 : double(s.true_positives) / double(truths);
    s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0;
    return s;
}

}  // namespace detail

bool events_match(const Event& truth, const Event& pred) noexcept {
    FrameRange a = occupied(truth.frames), b = occupied(pred.frames);
    if (!(a.start < b.end && b.start < a.end)) return false;
    if (detail::box_iou(truth.bbox, pred.bbox) >= 0.1) return true;
    cv::Point2d c(pred.bbox.x + pred.bbox.width / 2.0, pred.bbox.y + pred.bbox.height / 2.0);
    const auto& t = truth.bbox;
    return c.x >= t.x && c.x < t.x + t.width && c.y >= t.y && c.y < t.y + t.height;
}

EventScore score_events(const std::vector<Event>& truth, const std::vector<Event>& pred) {
    // Candidate pairs, best first: larger box overlap, then closer centres.
    std::vector<detail::MatchPair> pairs;
    for (std::size_t i = 0; i < truth.size(); ++i)
        for (std::size_t j = 0; j < pred.size(); ++j) {
            if (!events_match(truth[i], pred[j])) continue;
            const auto &a = truth[i].bbox, &b = pred[j].bbox;
            double d = std::hypot(a.x + a.width / 2.0 - b.x - b.width / 2.0,
                                  a.y + a.height / 2.0 - b.y - b.height / 2.0);
            pairs.emplace_back(-detail::box_iou(a, b), d, i, j);
        }
    return detail::score_matching(std::move(pairs), truth.size(), pred.size());
}

}  // namespace kinoglaz
