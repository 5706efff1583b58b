#include "fuzz_targets.hpp"

#include <cmath>
#include <cstdlib>
#include <string_view>

#include <kinoglaz/core.hpp>

namespace kinoglaz::fuzz {

void time_one(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto value = parse_time(text);
    if (!value) return;
    if (!std::isfinite(*value) || *value < 0) std::abort();
    // A clock string of a parsed time must itself be a valid time argument.
    if (*value < 1e9 && !parse_time(format_clock(*value))) std::abort();
}

}  // namespace kinoglaz::fuzz
