#include <algorithm>
#include <cmath>
#include <tuple>

#include "kinoglaz/eval.hpp"

namespace kinoglaz {

double PrecisionRecall::precision() const noexcept {
    int predicted = true_positives + false_positives;
    return predicted == 0 ? 1.0 : double(true_positives) / predicted;
}
double PrecisionRecall::recall() const noexcept {
    int actual = true_positives + false_negatives;
    return actual == 0 ? 1.0 : double(true_positives) / actual;
}
double PrecisionRecall::f1() const noexcept {
    double p = precision(), r = recall();
    return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
}
PrecisionRecall& PrecisionRecall::operator+=(const PrecisionRecall& o) noexcept {
    true_positives += o.true_positives;
    false_positives += o.false_positives;
    false_negatives += o.false_negatives;
    return *this;
}

TransitionScore& TransitionScore::operator+=(const TransitionScore& o) {
    cuts += o.cuts;
    gradual += o.gradual;
    all += o.all;
    gradual_matched += o.gradual_matched;
    gradual_type_correct += o.gradual_type_correct;
    for (const auto& [k, v] : o.false_positives_on) false_positives_on[k] += v;
    missed.insert(missed.end(), o.missed.begin(), o.missed.end());
    false_alarms.insert(false_alarms.end(), o.false_alarms.begin(), o.false_alarms.end());
    return *this;
}

namespace {

// A prediction as an interval of frames it touches: a cut touches its one frame.
FrameRange extent(const Transition& t) {
    return {t.frames.start, std::max(t.frames.end, t.frames.start + 1)};
}
bool overlaps(FrameRange a, FrameRange b) {
    return a.start < b.end && b.start < a.end;
}
double centre(const Transition& t) {
    return 0.5 * double(t.frames.start + t.frames.end);
}

// The truth window a prediction must touch to match.
FrameRange window(const Transition& truth, int tolerance) {
    if (truth.type == TransitionType::cut)
        return {truth.frames.start - tolerance, truth.frames.start + tolerance + 1};
    return {truth.frames.start - 2, truth.frames.end + 2};
}

// Greedy one-to-one matching, closest pairs first. `can_match(t, p)` says whether a pair
// qualifies; returns for each truth the matched prediction (or -1).
template <class Pred>
std::vector<int> greedy_match(const std::vector<Transition>& truth,
                              const std::vector<Transition>& pred, std::vector<bool>& pred_used,
                              Pred can_match) {
    std::vector<std::tuple<double, int, int>> pairs;
    for (int i = 0; i < int(truth.size()); ++i)
        for (int j = 0; j < int(pred.size()); ++j)
            if (!pred_used[j] && can_match(truth[i], pred[j]))
                pairs.emplace_back(std::abs(centre(truth[i]) - centre(pred[j])), i, j);
    std::sort(pairs.begin(), pairs.end());
    std::vector<int> match(truth.size(), -1);
    for (auto [d, i, j] : pairs) {
        if (match[i] >= 0 || pred_used[j]) continue;
        match[i] = j;
        pred_used[j] = true;
    }
    return match;
}

}  // namespace

TransitionScore score_transitions(const Truth& truth, const std::vector<Transition>& pred,
                                  int tolerance) {
    TransitionScore score;
    std::vector<Transition> truth_cuts, truth_gradual;
    for (const auto& t : truth.transitions)
        (t.type == TransitionType::cut ? truth_cuts : truth_gradual).push_back(t);

    // Typed matching: cuts first (a cut prediction within tolerance), then gradual truths
    // take any prediction not already used as a cut match.
    std::vector<bool> used(pred.size(), false);
    auto cut_match =
        greedy_match(truth_cuts, pred, used, [&](const Transition& t, const Transition& p) {
            return p.type == TransitionType::cut &&
                   std::abs(p.frames.start - t.frames.start) <= tolerance;
        });
    auto grad_match =
        greedy_match(truth_gradual, pred, used, [&](const Transition& t, const Transition& p) {
            return overlaps(extent(p), window(t, tolerance));
        });
    for (int m : cut_match) (m >= 0 ? score.cuts.true_positives : score.cuts.false_negatives)++;
    for (std::size_t i = 0; i < truth_gradual.size(); ++i) {
        int m = grad_match[i];
        if (m < 0) {
            ++score.gradual.false_negatives;
            continue;
        }
        ++score.gradual.true_positives;
        if (pred[m].gradual()) {
            ++score.gradual_matched;
            if (pred[m].type == truth_gradual[i].type) ++score.gradual_type_correct;
        }
    }
    for (std::size_t j = 0; j < pred.size(); ++j)
        if (!used[j]) (pred[j].gradual() ? score.gradual : score.cuts).false_positives++;

    // Type-agnostic matching over everything.
    std::vector<bool> used_all(pred.size(), false);
    auto all_match = greedy_match(truth.transitions, pred, used_all,
                                  [&](const Transition& t, const Transition& p) {
                                      return overlaps(extent(p), window(t, tolerance));
                                  });
    for (std::size_t i = 0; i < truth.transitions.size(); ++i) {
        if (all_match[i] >= 0) {
            ++score.all.true_positives;
        } else {
            ++score.all.false_negatives;
            score.missed.push_back(truth.transitions[i]);
        }
    }
    for (std::size_t j = 0; j < pred.size(); ++j) {
        if (used_all[j]) continue;
        ++score.all.false_positives;
        score.false_alarms.push_back(pred[j]);
        for (const auto& d : truth.distractors)
            if (overlaps(extent(pred[j]), {d.frames.start - tolerance, d.frames.end + tolerance})) {
                ++score.false_positives_on[d.kind];
                break;
            }
    }
    return score;
}

}  // namespace kinoglaz
