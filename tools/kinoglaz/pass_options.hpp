#pragma once
// Options common to the commands that decode a film (cuts, analyze).

#include "args.hpp"
#include "kinoglaz/transition_pass.hpp"

namespace kinoglaz::cli {

/// Flags and options read by pass_options().
inline const std::set<std::string> kPassFlags{"--quiet", "--allow-network", "--exact-decode"};
inline const std::set<std::string> kPassOptions{"--threads", "--sensitivity", "--start", "--end",
                                                "--metrics"};

/// PassOptions from the parsed command line.
PassOptions pass_options(const Args& args);

}  // namespace kinoglaz::cli
