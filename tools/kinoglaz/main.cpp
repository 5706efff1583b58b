// kinoglaz: the command-line program. Dispatches to one file per command and turns errors
// into the contract's exit statuses: 1 bad input (one line on stderr), 2 bad usage.
#include <csignal>
#include <cstdio>
#include <exception>
#include <functional>
#include <map>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <kinoglaz/core.hpp>
#include "args.hpp"
#include "commands.hpp"

namespace {

extern "C" void on_signal(int) {
    kinoglaz::cancel_flag().store(true);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace kinoglaz;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
#ifdef __GLIBC__
    // Blocks of 4 MiB and more (a 1080p keyframe in BGR is 6 MiB) get pages of their own,
    // returned when freed. By default glibc raises this threshold to the largest block freed,
    // after which such blocks come from the heap and fragment it: `analyze` of a 2-hour
    // 1080p film grew by ~0.6 MB a keyframe (heap 1.3 GB, 96 MB of it in use); of a 4-minute
    // one, peak RSS 345 MB against 284 MB (benchmarks/README.md, "Long films").
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    // Fixing that threshold also fixes the trim threshold at its 128 KiB default, so every
    // arena gave back the top of its heap after each frame's temporaries (the camera's corner
    // search at the proxy size alone allocates ~0.7 MB) and faulted it in again: 207,000 page
    // faults on a 30 s 1080p film. Keeping 8 MiB (twice the mmap threshold, as glibc's own
    // adjustment would) removes two thirds of them and 2 % of analyze's CPU, and lowers peak
    // RSS (benchmarks/README.md, "Where analyze spends its time").
    mallopt(M_TRIM_THRESHOLD, 8 << 20);
#endif
    const std::map<std::string, std::function<int(const cli::Argv&)>> commands{
        {"probe", cli::run_probe}, {"cuts", cli::run_cuts},       {"analyze", cli::run_analyze},
        {"eval", cli::run_eval},   {"split", cli::run_split},     {"reveal", cli::run_reveal},
        {"batch", cli::run_batch}, {"rebuild", cli::run_rebuild}, {"live", cli::run_live},
    };
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::fputs(cli::usage("").c_str(), args.empty() ? stderr : stdout);
        return args.empty() ? 2 : 0;
    }
    if (args[0] == "--version" || args[0] == "version") {
        std::printf("kinoglaz %s\n", KINOGLAZ_VERSION);
        return 0;
    }
    auto it = commands.find(args[0]);
    if (it == commands.end()) {
        std::fprintf(stderr, "kinoglaz: unknown command '%s' (see kinoglaz --help)\n",
                     terminal_safe(args[0]).c_str());
        return 2;
    }
    std::vector<std::string> rest(args.begin() + 1, args.end());
    try {
        return it->second(rest);
    } catch (const cli::HelpRequest& help) {
        if (!help.list_options) {
            std::fputs(cli::usage(args[0]).c_str(), stdout);
            return 0;
        }
        for (const auto& option : help.accepted) std::printf("%s\n", option.c_str());
        return 0;
    } catch (const Error& e) {
        // Messages carry file names and other user text: one line, no control characters.
        std::fprintf(stderr, "kinoglaz: %s\n", terminal_safe(e.what()).c_str());
        switch (e.kind()) {
            case ErrorKind::bad_usage:
                return 2;
            case ErrorKind::cancelled:
                return 130;
            default:
                return 1;
        }
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "kinoglaz: out of memory\n");
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "kinoglaz: internal error: %s\n", terminal_safe(e.what()).c_str());
        return 1;
    }
}
