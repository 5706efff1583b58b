#pragma once
/// Scoring predicted transitions against truth, TRECVID-style: greedy one-to-one matching,
/// closest pairs first. Cuts match within ±tolerance frames; gradual transitions match any
/// prediction overlapping [start - 2, end + 2].

#include <map>
#include <string>
#include <vector>

#include <kinoglaz/analysis.hpp>
#include <kinoglaz/unconscious.hpp>

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

/// The montage facts a truth file or an analysis.json holds, as the montage scores read them.
/// In a truth file a shot's set-up is its `group` (a name); in an analysis.json its `setup` (an
/// integer, kept as its decimal text). Absent sections leave their vectors empty.
struct MontageFacts {
    struct Shot {
        FrameRange frames;
        std::string setup;  ///< empty when unknown
    };
    std::vector<Shot> shots;
    std::vector<int> scene_first_shots;          ///< each scene's first shot index, in order
    std::vector<std::vector<int>> alternations;  ///< the shot indices of each alternation
};

/// Reads the montage facts of a truth file or analysis.json (`shots`, `scenes`, and
/// `alternations` or `patterns` of kind "alternation"). Throws Error(bad_input) naming `origin`
/// on malformed input.
MontageFacts parse_montage_facts(const std::string& text, const std::string& origin);

/// Montage scores of one file (or, summed, of several), at shot level as the MovieScenes
/// benchmarks score scene boundaries. Each predicted shot maps to the truth shot holding its
/// middle frame.
///  - scene_boundaries: a predicted scene opening (every scene but the first) is right when its
///    first shot maps to a truth shot that opens a truth scene (each truth opening counted once);
///  - alternations: a truth alternation is found when one predicted alternation covers ≥ 75 %
///    of its shots with ≥ 75 % of the prediction's shots inside it;
///  - setup_pairs: over all pairs of predicted shots that map to distinct truth shots with a
///    set-up, "same set-up" predicted against "same set-up" in the truth.
struct MontageScore {
    PrecisionRecall scene_boundaries;
    PrecisionRecall alternations;
    PrecisionRecall setup_pairs;
    MontageScore& operator+=(const MontageScore& o) noexcept;
};

/// Scores `predicted` against `truth` (see MontageScore).
MontageScore score_montage(const MontageFacts& truth, const MontageFacts& predicted);

}  // namespace kinoglaz
