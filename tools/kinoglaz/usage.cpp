#include "commands.hpp"

namespace kinoglaz::cli {

namespace {

const char* kCommon =
    "  --threads N        worker and codec threads (default: all cores)\n"
    "  --quiet            no progress bar\n"
    "  --allow-network    allow URLs and non-file protocols\n";

}  // namespace

std::string usage(const std::string& command) {
    if (command == "probe")
        return "usage: kinoglaz probe INPUT [--fast] [--threads N]\n"
               "Prints the video stream's facts as JSON. frame_count is counted by decoding\n"
               "(as ffprobe -count_frames); --fast trusts the container's count instead.\n" +
               std::string(kCommon);
    if (command == "cuts")
        return "usage: kinoglaz cuts INPUT [--json] [--sensitivity S] [--threads N]\n"
               "Detects transitions (cut, dissolve, fade_in, fade_out, wipe) and prints a table,\n"
               "or with --json an object with 'source' and 'transitions'.\n"
               "  --sensitivity S    0..1, higher finds more (default 0.5)\n"
               "  --exact-decode     decode with the in-loop filter (slower, same result)\n"
               "  --start T --end T  only this range (seconds or HH:MM:SS.mmm)\n" +
               std::string(kCommon);
    if (command == "analyze")
        return "usage: kinoglaz analyze INPUT -o OUTDIR [--threads N] [--no-reveal] [--quiet]\n"
               "Writes the analysis folder (analysis.json and the exports) into OUTDIR.\n"
               "  --sensitivity S    transition sensitivity 0..1 (default 0.5)\n" +
               std::string(kCommon);
    if (command == "eval")
        return "usage: kinoglaz eval --truth T.json --pred analysis.json [--truth T2 --pred P2 ...]\n"
               "       [--tolerance F] [--json]\n"
               "Scores predicted transitions (and events) against truth files: precision, recall,\n"
               "F1 for cuts, gradual transitions and all, per file and micro-averaged. The last\n"
               "line is machine-readable JSON.\n";
    return "usage: kinoglaz COMMAND [options]\n"
           "\n"
           "commands:\n"
           "  analyze INPUT -o OUTDIR   full analysis folder (analysis.json, exports, report)\n"
           "  cuts INPUT [--json]       transitions only, fastest path\n"
           "  probe INPUT               stream facts as JSON\n"
           "  eval --truth T --pred P   score transitions against truth\n"
           "\n"
           "Run 'kinoglaz COMMAND --help' for a command's options.\n"
           "Exit status: 0 success, 1 bad input, 2 bad usage, 130 interrupted.\n";
}

}  // namespace kinoglaz::cli
