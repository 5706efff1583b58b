#pragma once
// A small command-line parser: positional arguments plus --flag and --option VALUE.
// Unknown options and missing values are usage errors (exit 2).

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <kinoglaz/core.hpp>

namespace kinoglaz::cli {

/// Thrown by the Args constructor when the arguments ask for help (`--help`, `-h`) or for the
/// list of accepted options (`--list-options`, for shell completion and the tests that check
/// that --help names every option), before anything else is checked. main() answers it.
struct HelpRequest {
    bool list_options = false;
    std::vector<std::string> accepted;  ///< every flag and option, sorted
};

class Args {
  public:
    /// `flags` take no value; `options` take one value ("--x v" or "--x=v").
    Args(const std::vector<std::string>& argv, const std::set<std::string>& flags,
         const std::set<std::string>& options);

    const std::vector<std::string>& positional() const { return positional_; }
    bool flag(const std::string& name) const { return flags_.count(name) > 0; }
    std::optional<std::string> value(const std::string& name) const;
    /// Integer option within [lo, hi]; usage error otherwise.
    std::optional<int> integer(const std::string& name, int lo, int hi) const;
    /// Floating option within [lo, hi]; usage error otherwise.
    std::optional<double> number(const std::string& name, double lo, double hi) const;
    /// Time option (seconds, HH:MM:SS.mmm, SMPTE HH:MM:SS:FF or HH:MM:SS;FF, frames 123f);
    /// usage error otherwise.
    std::optional<TimeSpec> time(const std::string& name) const;

  private:
    std::vector<std::string> positional_;
    std::set<std::string> flags_;
    std::map<std::string, std::string> values_;
};

}  // namespace kinoglaz::cli
