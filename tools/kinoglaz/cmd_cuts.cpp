#include <cstdio>

#include <kinoglaz/core.hpp>
#include <kinoglaz/export.hpp>
#include "commands.hpp"
#include "pass_options.hpp"

namespace kinoglaz::cli {

int run_cuts(const Argv& argv) {
    auto flags = kPassFlags;
    flags.insert("--json");
    auto options = kPassOptions;
    options.insert("--segments");
    Args args(argv, flags, options);
    if (args.positional().size() != 1) throw_bad_usage("cuts", "needs exactly one INPUT");
    // 0: as many as pay off (run_segmented_pass decides; a single pass for large pictures).
    const int segments = args.integer("--segments", 1, 64).value_or(0);
    PassOptions options_for_pass = pass_options(args, args.positional()[0]);
    options_for_pass.decode.analysis_proxy = false;  // the detectors read only the detection image
    // Unreferenced pictures in ordinary stretches are filled in rather than decoded (H.264,
    // HEVC from 1280x720): the same transitions, fewer pictures decoded.
    options_for_pass.decode.sparse_decode = !args.flag("--exact-decode");
    PassResult pass = run_segmented_pass(args.positional()[0], options_for_pass, segments);
    if (args.flag("--json")) {
        Analysis a;
        a.source = pass.source;
        a.transitions = pass.transitions;
        std::fputs(analysis_json(a, JsonContent::transitions_only).c_str(), stdout);
        return 0;
    }
    std::printf("%s: %lld frames, %.3f s, %zu transitions\n",
                terminal_safe(pass.source.path).c_str(), (long long)pass.source.frame_count,
                pass.source.duration_s, pass.transitions.size());
    std::printf("%-9s %11s %11s %14s %14s %6s\n", "type", "start_frame", "end_frame", "start",
                "end", "conf");
    for (const auto& t : pass.transitions)
        std::printf("%-9s %11lld %11lld %14s %14s %6.2f\n", std::string(to_string(t.type)).c_str(),
                    (long long)t.frames.start, (long long)t.frames.end,
                    format_clock(t.start_time_s).c_str(), format_clock(t.end_time_s).c_str(),
                    t.confidence);
    return 0;
}

}  // namespace kinoglaz::cli
