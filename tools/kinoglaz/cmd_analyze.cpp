#include <cstdio>

#include <kinoglaz/analyze.hpp>
#include <kinoglaz/core.hpp>
#include <kinoglaz/export.hpp>
#include "commands.hpp"
#include "pass_options.hpp"

namespace kinoglaz::cli {

int run_analyze(const Argv& argv) {
    auto flags = kPassFlags;
    flags.insert("--no-reveal");
    flags.insert("--force");
    flags.insert("--absolute-paths");
    flags.insert("--no-audio");
    auto options = kPassOptions;
    options.insert("-o");
    options.insert("--segments");
    options.insert("--timeline-rate");
    options.insert("--audio-stream");
    options.insert("--keep-edits");
    options.insert("--capture-fps");
    Args args(argv, flags, options);
    if (args.positional().size() != 1) throw_bad_usage("analyze", "needs exactly one INPUT");
    auto out = args.value("-o");
    if (!out || out->empty()) throw_bad_usage("analyze", "needs -o OUTDIR");
    const std::string input = args.positional()[0];
    AnalyzeOptions opts;
    opts.pass = pass_options(args, input);
    opts.reveal = !args.flag("--no-reveal");
    opts.segments = args.integer("--segments", 1, 64).value_or(1);
    opts.force = args.flag("--force");
    if (auto rate = args.value("--timeline-rate")) {
        opts.exports.timeline_rate = parse_frame_rate(*rate);
        if (!opts.exports.timeline_rate)
            throw_bad_usage("analyze",
                            "--timeline-rate wants a frame rate such as 24000/1001, "
                            "23.976 or 25, not '" +
                                *rate + "'");
    }
    opts.exports.absolute_paths = args.flag("--absolute-paths");
    opts.sound.enabled = !args.flag("--no-audio");
    opts.sound.stream = args.integer("--audio-stream", 0, 1 << 20);
    if (opts.sound.stream && !opts.sound.enabled)
        throw_bad_usage("analyze", "--audio-stream and --no-audio exclude each other");
    opts.sound.allow_network = opts.pass.decode.allow_network;
    if (auto keep = args.value("--keep-edits")) {
        if (keep->empty()) throw_bad_usage("analyze", "--keep-edits needs an analysis folder");
        opts.keep_edits = *keep;
    }
    opts.capture_fps = args.number("--capture-fps", 1, 1e6).value_or(0);
    auto [analysis, outdir] = analyze_to_folder(input, *out, opts);
    if (!args.flag("--quiet"))
        std::fprintf(stderr,
                     "%s: %lld frames, %zu transitions, %zu shots, %zu scenes, %zu events\n",
                     terminal_safe(input).c_str(), (long long)analysis.source.frame_count,
                     analysis.transitions.size(), analysis.shots.size(), analysis.scenes.size(),
                     analysis.events.size());
    std::printf("%s\n", terminal_safe((outdir / "report.html").string()).c_str());
    return 0;
}

}  // namespace kinoglaz::cli
