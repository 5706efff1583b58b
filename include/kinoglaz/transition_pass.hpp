#pragma once
/// The one decoding pass that every analysis starts with: decode, extract features, detect
/// transitions — and hand every frame to further ordered consumers (montage, events).

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kinoglaz/decoder.hpp"
#include "kinoglaz/features.hpp"
#include "kinoglaz/pipeline.hpp"
#include "kinoglaz/source.hpp"
#include "kinoglaz/transition.hpp"

namespace kinoglaz {

/// Options of a pass; validated before the first frame is decoded.
struct PassOptions {
    int threads = 0;           ///< 0 = all cores
    double sensitivity = 0.5;  ///< transition sensitivity, 0..1
    bool progress = false;     ///< progress bar on a terminal
    FastDecode fast_decode = FastDecode::auto_;
    std::optional<double> start_s, end_s;
    bool allow_network = false;
    bool full_resolution = false;  ///< also build full-size frames for extra consumers
    FeatureMask extra_features = FeatureMask::basic;  ///< what extra consumers need
    std::string metrics_csv;  ///< if set, write every frame's feature metrics here
};

/// The result of a pass.
struct PassResult {
    SourceInfo source;                    ///< frame_count and duration exact after the pass
    std::vector<Transition> transitions;  ///< resolved, sorted, with times
    std::vector<double> frame_times;      ///< time of every frame delivered, seconds
};

/// Runs the pass over INPUT. `extra` (optional) sees every frame in order after the
/// detectors. Throws Error(bad_input) for unreadable input or a stream with no frames.
PassResult run_transition_pass(const std::string& input, const PassOptions& options,
                               const FrameConsumer& extra = {});

}  // namespace kinoglaz
