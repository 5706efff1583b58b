#include <cstdio>

#include <kinoglaz/analyze.hpp>
#include <kinoglaz/core.hpp>
#include <kinoglaz/export.hpp>
#include "args.hpp"
#include "commands.hpp"

namespace kinoglaz::cli {

int run_rebuild(const Argv& argv) {
    Args args(argv, {"--force", "--quiet"},
              {"--from", "-o", "--film", "--timeline-rate", "--threads"});
    if (args.positional().size() != 1) throw_bad_usage("rebuild", "needs exactly one ANALYSIS_DIR");
    const auto from = args.value("--from");
    if (!from || from->empty()) throw_bad_usage("rebuild", "needs --from EDITED");
    const std::string dir = args.positional()[0];
    const std::string out = args.value("-o").value_or(dir);
    if (out.empty()) throw_bad_usage("rebuild", "-o needs a folder");
    RebuildOptions opts;
    opts.force = args.flag("--force");
    opts.film = args.value("--film").value_or("");
    opts.threads = args.integer("--threads", 0, 1024).value_or(0);
    opts.progress = !args.flag("--quiet");  // the bar shows only on a terminal
    if (auto rate = args.value("--timeline-rate")) {
        opts.exports.timeline_rate = parse_frame_rate(*rate);
        if (!opts.exports.timeline_rate)
            throw_bad_usage("rebuild",
                            "--timeline-rate wants a frame rate such as 24000/1001, "
                            "23.976 or 25, not '" +
                                *rate + "'");
    }
    const RebuildResult r = rebuild_folder(dir, *from, out, opts);
    if (!args.flag("--quiet"))
        std::fprintf(stderr,
                     "%s: %s; %zu transitions (%d by you, %d removed), %zu shots, %zu scenes, "
                     "%d labelled shots, %d keyframes decoded\n",
                     terminal_safe(*from).c_str(), std::string(to_string(r.format)).c_str(),
                     r.analysis.transitions.size(), r.added, r.removed, r.analysis.shots.size(),
                     r.analysis.scenes.size(), r.labels, r.decoded_keyframes);
    std::printf("%s\n", terminal_safe((r.folder / "report.html").string()).c_str());
    return 0;
}

}  // namespace kinoglaz::cli
