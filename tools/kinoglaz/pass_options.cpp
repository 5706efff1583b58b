#include "pass_options.hpp"

namespace kinoglaz::cli {

PassOptions pass_options(const Args& args) {
    PassOptions o;
    o.threads = args.integer("--threads", 0, 256).value_or(0);
    o.sensitivity = args.number("--sensitivity", 0, 1).value_or(0.5);
    o.progress = !args.flag("--quiet");
    o.allow_network = args.flag("--allow-network");
    o.fast_decode = args.flag("--exact-decode") ? FastDecode::off : FastDecode::auto_;
    o.start_s = args.time("--start");
    o.end_s = args.time("--end");
    o.metrics_csv = args.value("--metrics").value_or("");
    return o;
}

}  // namespace kinoglaz::cli
