#include <cstdio>

#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include <kinoglaz/export.hpp>
#include "args.hpp"
#include "commands.hpp"

namespace kinoglaz::cli {

int run_probe(const Argv& argv) {
    Args args(argv, {"--fast", "--quiet", "--allow-network"}, {"--threads"});
    if (args.positional().size() != 1) throw_bad_usage("probe", "needs exactly one INPUT");
    const DecodeOptions options = counting_decode_options(
        args.integer("--threads", 0, 256).value_or(0), args.flag("--allow-network"));
    SourceInfo info = probe(args.positional()[0], options, args.flag("--fast"));
    std::fputs(source_json(info).c_str(), stdout);
    return 0;
}

}  // namespace kinoglaz::cli
