#include <cstdio>

#include <kinoglaz/core.hpp>
#include <kinoglaz/montage.hpp>
#include <kinoglaz/unconscious.hpp>
#include "commands.hpp"
#include "pass_options.hpp"

namespace kinoglaz::cli {

int run_split(const Argv& argv) {
    auto flags = kPassFlags;
    flags.insert("--copy");
    flags.insert("--force");
    auto options = kPassOptions;
    options.insert("-o");
    options.insert("--name");
    Args args(argv, flags, options);
    if (args.positional().size() != 1) throw_bad_usage("split", "needs exactly one INPUT");
    auto out = args.value("-o");
    if (!out || out->empty()) throw_bad_usage("split", "needs -o DIR");
    const std::string name_template = args.value("--name").value_or(SplitOptions{}.name_template);
    // A malformed template is refused before the analysis pass, not after it.
    check_name_template(name_template);
    const std::string input = args.positional()[0];
    // Refused before any work when DIR holds the user's files; never writes over the input.
    OutputFolder folder(*out, OutputKind::split, args.flag("--force"));
    folder.protect(input);
    PassOptions pass_opts = pass_options(args, input);
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
                       .threads = pass_opts.decode.threads,
                       .allow_network = pass_opts.decode.allow_network,
                       .name_template = name_template};
    // Checked before the first file is written: a name that would replace the input.
    for (const auto& name : shot_file_names(name_template, input, analysis.shots))
        if (folder.would_replace_protected(name))
            throw_bad_usage("split", (folder.outdir() / name).string() +
                                         " is the input itself; choose another -o");
    const auto files = split_shots(input, analysis.source, analysis.shots, folder.path(), split);
    folder.commit();
    for (const auto& path : files)
        std::printf("%s\n", terminal_safe((folder.outdir() / path.filename()).string()).c_str());
    return 0;
}

}  // namespace kinoglaz::cli
