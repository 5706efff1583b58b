#include <filesystem>
#include <fstream>

#include "commands.hpp"
#include "kinoglaz/error.hpp"
#include "kinoglaz/export.hpp"
#include "pass_options.hpp"

namespace kinoglaz::cli {

int run_analyze(const Argv& argv) {
    auto flags = kPassFlags;
    flags.insert("--no-reveal");
    auto options = kPassOptions;
    options.insert("-o");
    Args args(argv, flags, options);
    if (args.positional().size() != 1) throw_bad_usage("analyze", "needs exactly one INPUT");
    auto out = args.value("-o");
    if (!out || out->empty()) throw_bad_usage("analyze", "needs -o OUTDIR");
    PassResult pass = run_transition_pass(args.positional()[0], pass_options(args));
    Analysis analysis;
    analysis.source = pass.source;
    analysis.transitions = pass.transitions;
    std::filesystem::path dir(*out);
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "analysis.json") << analysis_json(analysis);
    return 0;
}

}  // namespace kinoglaz::cli
