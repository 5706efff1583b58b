#pragma once
// Options common to the commands that decode a film (cuts, analyze).

#include <kinoglaz/pipeline.hpp>
#include "args.hpp"

namespace kinoglaz::cli {

/// Flags and options read by pass_options().
inline const std::set<std::string> kPassFlags{"--quiet", "--allow-network", "--exact-decode"};
inline const std::set<std::string> kPassOptions{"--threads", "--sensitivity", "--start",
                                                "--end",     "--duration",    "--metrics"};

/// A source range in seconds from the first frame.
struct SecondsRange {
    std::optional<double> start_s, end_s;
};

/// --start, --end and --duration (exclusive with --end) of `args` in seconds. Frame numbers and
/// SMPTE timecode count at INPUT's nominal frame rate, probed (without decoding) only when one
/// is given. Usage error (exit 2) for an empty range or a timecode the rate cannot have.
SecondsRange time_range(const Args& args, const std::string& input, bool allow_network);

/// PassOptions for INPUT from the parsed command line.
PassOptions pass_options(const Args& args, const std::string& input);

}  // namespace kinoglaz::cli
