#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "event_matching.hpp"
#include "kinoglaz/unconscious/vibration.hpp"

namespace kinoglaz {

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
    std::vector<detail::MatchPair> pairs;
    for (std::size_t i = 0; i < truth.size(); ++i)
        for (std::size_t j = 0; j < pred.size(); ++j)
            if (vibrations_match(truth[i], pred[j], frequency_tolerance))
                pairs.emplace_back(-detail::box_iou(truth[i].bbox, pred[j].bbox),
                                   std::abs(truth[i].peak_hz - pred[j].peak_hz), i, j);
    return detail::score_matching(std::move(pairs), truth.size(), pred.size());
}

}  // namespace kinoglaz
