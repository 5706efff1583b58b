#include "kinoglaz/pipeline/analysis_pass.hpp"

namespace kinoglaz {

AnalysisPass run_analysis_pass(const std::string& input, PassOptions options, int segments,
                               double min_segment_s) {
    options.extra_features = options.extra_features | montage_features() | EventFinder::needs() |
                             VibrationFinder::needs();
    // Slots of the segmented pass's consumers: 0 the collector, 1 the gesture finder, 2 the
    // vibration finder.
    auto make_consumers = [] {
        std::vector<std::unique_ptr<SegmentConsumer>> consumers;
        consumers.push_back(std::make_unique<MontageCollector>());
        consumers.push_back(std::make_unique<EventFinder>());
        consumers.push_back(std::make_unique<VibrationFinder>());
        return consumers;
    };
    SegmentedPassResult result =
        run_segmented_pass(input, options, segments, make_consumers, min_segment_s);
    return {std::move(result.pass), std::move(static_cast<MontageCollector&>(*result.consumers[0])),
            std::move(static_cast<EventFinder&>(*result.consumers[1])),
            std::move(static_cast<VibrationFinder&>(*result.consumers[2])), result.segments};
}

}  // namespace kinoglaz
