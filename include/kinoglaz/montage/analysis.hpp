#pragma once
/// The result of analysing one film: a struct that mirrors analysis.json.

#include <optional>
#include <string>
#include <vector>

#include <kinoglaz/analysis.hpp>
#include <kinoglaz/decode.hpp>
#include <kinoglaz/sound.hpp>
#include <kinoglaz/unconscious.hpp>
#include "kinoglaz/montage/montage.hpp"

namespace kinoglaz {

/// Everything kinoglaz found in one film. Every exporter takes `const Analysis&`.
struct Analysis {
    static constexpr const char* kSchema = "kinoglaz.analysis/1";
    SourceInfo source;
    std::vector<Transition> transitions;  ///< sorted by start frame
    std::vector<Shot> shots;              ///< sorted by start frame
    std::vector<Scene> scenes;
    std::vector<GraphEdge> edges;  ///< the shot graph; nodes are the shots
    std::vector<Pattern> patterns;
    Rhythm rhythm;
    std::vector<Event> events;
    std::optional<AudioAnalysis> audio;  ///< absent when the film has no audio (sound.hpp)
    /// Detected transitions a person removed (rebuild): written as `removed_transitions`, so
    /// that `analyze --keep-edits` does not bring them back. Sorted by start frame.
    std::vector<Transition> removed_transitions;
    double analysis_seconds = 0;  ///< wall time of the analysis (the one non-deterministic field)
    /// The pass's frame clock: the time of every decoded frame, seconds from the first frame
    /// (index = frame), after a pass over the whole film; the timeline exports read it. Not
    /// written to analysis.json: empty for an analysis read back from it (or of a --start/--end
    /// range), where the exports interpolate between the times of shots, transitions and events.
    std::vector<double> frame_times;
};

}  // namespace kinoglaz
