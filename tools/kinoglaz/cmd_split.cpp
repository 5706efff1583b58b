#include <cstdio>

#include "commands.hpp"
#include "kinoglaz/error.hpp"
#include "kinoglaz/montage_analysis.hpp"
#include "kinoglaz/split.hpp"
#include "kinoglaz/text.hpp"
#include "pass_options.hpp"

namespace kinoglaz::cli {

int run_split(const Argv& argv) {
    auto flags = kPassFlags;
    flags.insert("--copy");
    auto options = kPassOptions;
    options.insert("-o");
    Args args(argv, flags, options);
    if (args.positional().size() != 1) throw_bad_usage("split", "needs exactly one INPUT");
    auto out = args.value("-o");
    if (!out || out->empty()) throw_bad_usage("split", "needs -o DIR");
    const std::string input = args.positional()[0];
    PassOptions pass_opts = pass_options(args);
    pass_opts.extra_features = montage_features();

    // The shots come from the same pass and montage rules as `analyze`, so the files match
    // the shot list of an analysis folder.
    MontageCollector collector;
    PassResult pass = run_transition_pass(
        input, pass_opts, [&](const FramePtr&, const FrameFeatures& f) { collector.push(f); });
    Analysis analysis;
    analysis.source = pass.source;
    analysis.transitions = pass.transitions;
    build_montage(analysis, collector);

    SplitOptions split{.copy = args.flag("--copy"),
                       .threads = pass_opts.threads,
                       .allow_network = pass_opts.allow_network};
    for (const auto& path : split_shots(input, analysis.source, analysis.shots, *out, split))
        std::printf("%s\n", terminal_safe(path.string()).c_str());
    return 0;
}

}  // namespace kinoglaz::cli
