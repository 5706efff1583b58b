#pragma once
// One function per subcommand; each takes the arguments after the subcommand's name and
// returns the exit status. Errors are thrown as kinoglaz::Error and mapped in main().

#include <string>
#include <vector>

namespace kinoglaz::cli {

using Argv = std::vector<std::string>;

int run_probe(const Argv& args);
int run_cuts(const Argv& args);
int run_analyze(const Argv& args);
int run_eval(const Argv& args);
int run_split(const Argv& args);
int run_reveal(const Argv& args);
int run_batch(const Argv& args);
int run_rebuild(const Argv& args);
int run_live(const Argv& args);

/// The usage text of one command (or of all, for an empty name).
std::string usage(const std::string& command);

}  // namespace kinoglaz::cli
