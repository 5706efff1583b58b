#include "kinoglaz/analysis_pass.hpp"

#include "kinoglaz/error.hpp"

namespace kinoglaz {

namespace {

// The collector and the finder of one segment.
class AnalysisSink final : public SegmentSink {
  public:
    void push(const FramePtr& frame, const FrameFeatures& features) override {
        collector.push(features);
        events.push(*frame, features);
        vibrations.push(*frame, features);
    }

    bool restarted_since(FrameIndex frame) const override {
        return first_restart_from(collector.restarts(), frame) &&
               first_restart_from(events.restarts(), frame) &&
               first_restart_from(vibrations.restarts(), frame);
    }

    bool take_over(SegmentSink& next, FrameIndex from) override {
        auto* other = dynamic_cast<AnalysisSink*>(&next);
        if (!other) throw Error(ErrorKind::internal, "analysis pass: sinks of different kinds");
        return collector.take_over(other->collector, from) &&
               events.take_over(other->events, from) &&
               vibrations.take_over(other->vibrations, from);
    }

    MontageCollector collector;
    EventFinder events;
    VibrationFinder vibrations;
};

}  // namespace

AnalysisPass run_analysis_pass(const std::string& input, PassOptions options, int segments,
                               double min_segment_s) {
    options.extra_features = options.extra_features | montage_features() | EventFinder::needs() |
                             VibrationFinder::needs();
    SegmentedPassResult result = run_segmented_pass(
        input, options, segments, [] { return std::make_unique<AnalysisSink>(); }, min_segment_s);
    auto& sink = static_cast<AnalysisSink&>(*result.sink);
    return {std::move(result.pass), std::move(sink.collector), std::move(sink.events),
            std::move(sink.vibrations), result.segments};
}

}  // namespace kinoglaz
