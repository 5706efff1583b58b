#pragma once
// Running external programs (ffmpeg, ffprobe, the kinoglaz binary) from tests.

#include <string>

namespace kinoglaz::test {

struct RunResult {
    int status = -1;  ///< exit status, or -1 if the program could not run
    std::string out;  ///< standard output
    std::string err;  ///< standard error
};

/// Runs a shell command line; captures stdout and stderr separately.
RunResult run(const std::string& command_line);

/// Path of the built kinoglaz binary.
std::string kinoglaz_bin();

/// Quotes a string for the shell.
std::string shell_quote(const std::string& s);

/// True if a program is on PATH.
bool have_program(const std::string& name);

/// Runs a command line under a pseudo-terminal (util-linux `script`), so that kinoglaz sees a
/// terminal on stderr; returns everything it drew, carriage returns turned into newlines.
std::string on_a_terminal(const std::string& command_line);

/// True if `screen` holds the final line of a stage's progress bar:
/// "<label> [###...] 100% N/N <unit> ... done in X s".
bool stage_finished(const std::string& screen, const std::string& label);

}  // namespace kinoglaz::test
