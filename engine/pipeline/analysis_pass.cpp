#include "kinoglaz/pipeline/analysis_pass.hpp"

namespace kinoglaz {

AnalysisPass run_analysis_pass(const std::string& input, PassOptions options, int segments,
                               double min_segment_s, const MoreConsumerFactory& make_more) {
    options.extra_features = options.extra_features | montage_features() | EventFinder::needs() |
                             VibrationFinder::needs();
    // Slots of the segmented pass's consumers: 0 the collector, 1 the gesture finder, 2 the
    // vibration finder, 3 the caller's further one (after the collector, which it may read).
    auto make_consumers = [&] {
        std::vector<std::unique_ptr<SegmentConsumer>> consumers;
        auto collector = std::make_unique<MontageCollector>();
        const MontageCollector& made = *collector;
        consumers.push_back(std::move(collector));
        consumers.push_back(std::make_unique<EventFinder>());
        consumers.push_back(std::make_unique<VibrationFinder>());
        if (make_more) consumers.push_back(make_more(made));
        return consumers;
    };
    SegmentedPassResult result =
        run_segmented_pass(input, options, segments, make_consumers, min_segment_s);
    return {std::move(result.pass),
            std::move(static_cast<MontageCollector&>(*result.consumers[0])),
            std::move(static_cast<EventFinder&>(*result.consumers[1])),
            std::move(static_cast<VibrationFinder&>(*result.consumers[2])),
            result.segments,
            make_more ? std::move(result.consumers[3]) : nullptr};
}

}  // namespace kinoglaz
