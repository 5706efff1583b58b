#pragma once
// Options shared by the commands that magnify motion (reveal, live): number lists, --band and
// --method, each refused with one line naming the command.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <kinoglaz/unconscious.hpp>
#include "args.hpp"

namespace kinoglaz::cli {

/// Exactly `count` finite numbers separated by `sep` ("2:8", "10,20,300,200"), or nullopt.
std::optional<std::vector<double>> numbers(const std::string& text, char sep, std::size_t count);

/// --band LO:HI in Hz with 0 < LO < HI, when given.
std::optional<std::pair<double, double>> band_option(const Args& args, const char* command);

/// --method eulerian|phase, when given.
std::optional<MagnifyMethod> method_option(const Args& args, const char* command);

}  // namespace kinoglaz::cli
