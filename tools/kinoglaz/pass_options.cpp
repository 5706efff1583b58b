#include "pass_options.hpp"

#include <cstdio>

#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>

namespace kinoglaz::cli {

SecondsRange time_range(const Args& args, const std::string& input, bool allow_network) {
    const auto start = args.time("--start"), end = args.time("--end"),
               duration = args.time("--duration");
    if (end && duration) throw_bad_usage("usage", "give --end or --duration, not both");
    Rational rate;
    if ((start && start->needs_rate()) || (end && end->needs_rate()) ||
        (duration && duration->needs_rate())) {
        const SourceInfo info = probe(input, probe_decode_options(allow_network), true);
        rate = info.fps_nominal.valid() ? info.fps_nominal : info.fps_average;
    }
    auto seconds = [&](const std::optional<TimeSpec>& spec,
                       const char* name) -> std::optional<double> {
        if (!spec) return std::nullopt;
        const auto s = spec->seconds_at(rate);
        if (!s) {
            char fps[32];
            std::snprintf(fps, sizeof fps, "%.6g", rate.to_double());
            throw_bad_usage("usage", std::string(name) + " names no frame at " + fps + " fps");
        }
        return s;
    };
    SecondsRange range{seconds(start, "--start"), seconds(end, "--end")};
    if (duration) {
        // A duration in frames spans that many frames from the start's frame.
        const double from = range.start_s.value_or(0);
        const auto length =
            duration->needs_rate() && duration->frame_at(rate)
                ? std::optional<double>(double(*duration->frame_at(rate)) / rate.to_double())
                : seconds(duration, "--duration");
        range.end_s = from + *length;
    }
    if (range.end_s && *range.end_s <= range.start_s.value_or(0))
        throw_bad_usage("usage", "the range is empty: its end must come after its start");
    return range;
}

PassOptions pass_options(const Args& args, const std::string& input) {
    PassOptions o;
    o.decode.threads = args.integer("--threads", 0, 256).value_or(0);
    o.sensitivity = args.number("--sensitivity", 0, 1).value_or(0.5);
    o.progress = !args.flag("--quiet");
    o.decode.allow_network = args.flag("--allow-network");
    o.decode.fast_decode = args.flag("--exact-decode") ? FastDecode::off : FastDecode::auto_;
    const SecondsRange range = time_range(args, input, o.decode.allow_network);
    o.decode.start_s = range.start_s;
    o.decode.end_s = range.end_s;
    o.metrics_csv = args.value("--metrics").value_or("");
    return o;
}

}  // namespace kinoglaz::cli
