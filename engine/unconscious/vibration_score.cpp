#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "kinoglaz/vibration.hpp"

namespace kinoglaz {

namespace {

double iou(const cv::Rect& a, const cv::Rect& b) {
    const double inter = (a & b).area();
    const double uni = double(a.area()) + double(b.area()) - inter;
    return uni > 0 ? inter / uni : 0;
}

}  // namespace

bool vibrations_match(const Event& truth, const Event& pred, double frequency_tolerance) noexcept {
    return events_match(truth, pred) &&
           std::abs(pred.peak_hz - truth.peak_hz) <= frequency_tolerance * truth.peak_hz;
}

std::vector<Event> events_of_kind(const std::vector<Event>& events, EventKind kind) {
    std::vector<Event> out;
    std::copy_if(events.begin(), events.end(), std::back_inserter(out),
                 [&](const Event& e) { return e.kind == kind; });
    return out;
}

EventScore score_vibrations(const std::vector<Event>& truth, const std::vector<Event>& pred,
                            double frequency_tolerance) {
    std::vector<std::tuple<double, double, std::size_t, std::size_t>> pairs;
    for (std::size_t i = 0; i < truth.size(); ++i)
        for (std::size_t j = 0; j < pred.size(); ++j)
            if (vibrations_match(truth[i], pred[j], frequency_tolerance))
                pairs.emplace_back(-iou(truth[i].bbox, pred[j].bbox),
                                   std::abs(truth[i].peak_hz - pred[j].peak_hz), i, j);
    std::sort(pairs.begin(), pairs.end());
    std::vector<bool> t_used(truth.size(), false), p_used(pred.size(), false);
    EventScore s;
    for (const auto& [neg_iou, df, i, j] : pairs) {
        if (t_used[i] || p_used[j]) continue;
        t_used[i] = p_used[j] = true;
        ++s.true_positives;
    }
    s.false_positives = int(pred.size()) - s.true_positives;
    s.false_negatives = int(truth.size()) - s.true_positives;
    s.precision = pred.empty() ? 1.0 : double(s.true_positives) / double(pred.size());
    s.recall = truth.empty() ? 1.0 : double(s.true_positives) / double(truth.size());
    s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0;
    return s;
}

}  // namespace kinoglaz
