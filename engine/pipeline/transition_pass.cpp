#include "kinoglaz/pipeline/transition_pass.hpp"

#include <fstream>

#include <kinoglaz/analysis.hpp>
#include <kinoglaz/core.hpp>
#include "pass_clock.hpp"

namespace kinoglaz {

namespace detail {

double detector_fps(const SourceInfo& info) {
    const double fps = info.fps_nominal.valid() ? info.fps_nominal.to_double() : info.fps;
    return fps > 0 && fps < 1000 ? fps : 25;
}

void count_frames(SourceInfo& source, const std::vector<double>& frame_times, double last_duration,
                  double fps) {
    const FrameIndex end = FrameIndex(frame_times.size());
    source.frame_count = end;
    source.frame_count_exact = true;
    if (last_duration <= 0) last_duration = 1.0 / fps;
    source.duration_s = frame_times.back() + last_duration;
    source.fps = double(end) / source.duration_s;
}

}  // namespace detail

DecodeOptions decode_options(const PassOptions& options) {
    DecodeOptions decode = options.decode;
    decode.reserve_analysis_core = true;
    decode.analysis_colour = false;  // the analyses read the proxy's luma only
    decode.smoothed_proxy = has(options.extra_features, FeatureMask::smoothed_proxy);
    return decode;
}

PassOptions with_picture_area(const std::string& input, const PassOptions& options) {
    PassOptions found = options;
    found.find_picture_area = false;
    if (options.find_picture_area && options.decode.picture_area.empty() && !options.decode.live)
        found.decode.picture_area = find_picture_area(input, options.decode.allow_network);
    return found;
}

PassResult run_transition_pass(const std::string& input, const PassOptions& given,
                               const FrameConsumer& extra) {
    const PassOptions options = with_picture_area(input, given);
    VideoDecoder decoder(input, decode_options(options));

    const SourceInfo& info = decoder.info();
    const DetectorOptions detector_options{.fps = detail::detector_fps(info),
                                           .sensitivity = options.sensitivity};
    DetectorBank bank(detector_options);

    std::ofstream metrics;
    if (!options.metrics_csv.empty()) {
        metrics.open(options.metrics_csv);
        if (!metrics) throw_io(options.metrics_csv, "cannot write");
    }

    PassResult result;
    PipelineOptions pipeline;
    pipeline.threads = options.decode.threads;
    pipeline.features = bank.needs() | options.extra_features;
    pipeline.progress = options.progress;
    pipeline.progress_label = "analysing";
    double last_duration = 0;
    run_pipeline(decoder, pipeline, [&](const FramePtr& frame, const FrameFeatures& features) {
        bank.push(features);
        if (features.index >= FrameIndex(result.frame_times.size()))
            result.frame_times.resize(std::size_t(features.index + 1), frame->time_s);
        result.frame_times[std::size_t(features.index)] = frame->time_s;
        last_duration = frame->duration_s;
        if (metrics.is_open()) {
            auto m = features.metrics();
            if (features.index == 0 || metrics.tellp() == 0) {
                for (std::size_t i = 0; i < m.size(); ++i) metrics << (i ? "," : "") << m[i].first;
                metrics << "\n";
            }
            for (std::size_t i = 0; i < m.size(); ++i) metrics << (i ? "," : "") << m[i].second;
            metrics << "\n";
        }
        if (extra) extra(frame, features);
    });
    if (result.frame_times.empty()) throw_bad_input(input, "no decodable video frames");

    result.source = info;
    const FrameIndex end = FrameIndex(result.frame_times.size());
    if (!options.decode.start_s && !options.decode.end_s)
        detail::count_frames(result.source, result.frame_times, last_duration,
                             detector_options.fps);
    result.transitions = bank.finish(end, result.frame_times);
    return result;
}

}  // namespace kinoglaz
