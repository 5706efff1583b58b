#pragma once
/// Scoring predicted transitions against truth, TRECVID-style: greedy one-to-one matching,
/// closest pairs first. Cuts match within ±tolerance frames; gradual transitions match any
/// prediction overlapping [start - 2, end + 2].

#include <map>
#include <string>
#include <vector>

#include "kinoglaz/event.hpp"
#include "kinoglaz/transition.hpp"

namespace kinoglaz {

/// Counts of one matching, with the derived figures (1 when there is nothing to find).
struct PrecisionRecall {
    int true_positives = 0;
    int false_positives = 0;
    int false_negatives = 0;
    double precision() const noexcept;
    double recall() const noexcept;
    double f1() const noexcept;
    PrecisionRecall& operator+=(const PrecisionRecall& o) noexcept;
};

/// Something in the truth that is *not* a transition (flash, brightness, fast_motion...).
struct Distractor {
    std::string kind;
    FrameRange frames;
};

/// A truth file (`kinoglaz.truth/1`), or any analysis.json used as truth.
struct Truth {
    std::vector<Transition> transitions;
    std::vector<Event> events;
    std::vector<Distractor> distractors;
    std::vector<FrameRange> quiet_ranges;  ///< stretches with no micro-motion event
};

/// Parses a truth file. Throws Error(bad_input) naming `origin` on malformed input.
Truth parse_truth_json(const std::string& text, const std::string& origin);

/// The score of one file (or, summed, of several).
struct TransitionScore {
    PrecisionRecall cuts;          ///< truth cuts vs predicted cuts
    PrecisionRecall gradual;       ///< truth gradual vs predicted gradual
    PrecisionRecall all;           ///< type-agnostic
    int gradual_matched = 0;       ///< truth gradual transitions matched by a gradual prediction
    int gradual_type_correct = 0;  ///< ... of which with the right type
    std::map<std::string, int>
        false_positives_on;                ///< unmatched predictions on a distractor, by kind
    std::vector<Transition> missed;        ///< truth transitions nothing matched (type-agnostic)
    std::vector<Transition> false_alarms;  ///< predictions nothing matched (type-agnostic)
    TransitionScore& operator+=(const TransitionScore& o);
};

/// Scores `predicted` against `truth`. `tolerance` is the cut tolerance in frames (>= 0).
TransitionScore score_transitions(const Truth& truth, const std::vector<Transition>& predicted,
                                  int tolerance = 1);

}  // namespace kinoglaz
