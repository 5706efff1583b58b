#pragma once
/// The decoding pass of `analyze`: transitions, the montage collector, the micro-gesture
/// finder and the vibration finder from one pass over the film, optionally split into
/// parallel segments.

#include <string>

#include <kinoglaz/montage.hpp>
#include <kinoglaz/unconscious.hpp>
#include "kinoglaz/pipeline/transition_pass.hpp"

namespace kinoglaz {

/// What the pass leaves for build_montage(), EventFinder::finish() and
/// VibrationFinder::finish().
struct AnalysisPass {
    PassResult pass;
    MontageCollector collector;
    EventFinder events;
    VibrationFinder vibrations;
    int segments = 1;  ///< parts the pass was joined from (1: one pass)
};

/// Runs the pass over INPUT with `segments` parallel segments (run_segmented_pass: 0 =
/// automatic_segments, 1 = one pass; `min_segment_s` as there). The collector and the two
/// finders hold exactly what one pass gives them, whatever the number of segments. Throws as
/// run_transition_pass.
AnalysisPass run_analysis_pass(const std::string& input, PassOptions options, int segments,
                               double min_segment_s = -1);

}  // namespace kinoglaz
