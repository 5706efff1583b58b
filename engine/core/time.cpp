#include "kinoglaz/time.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

namespace kinoglaz {

std::string format_clock(double seconds) {
    if (!(seconds > 0)) seconds = 0;
    auto ms = static_cast<long long>(std::llround(seconds * 1000.0));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld.%03lld", ms / 3600000, ms / 60000 % 60,
                  ms / 1000 % 60, ms % 1000);
    return buf;
}

namespace {
std::optional<double> parse_number(std::string_view s) {
    if (s.empty() || s.front() == '+' || s.front() == '-') return std::nullopt;
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}
}  // namespace

std::optional<double> parse_time(std::string_view text) {
    std::vector<std::string_view> parts;
    std::size_t from = 0;
    while (true) {
        auto colon = text.find(':', from);
        parts.push_back(text.substr(from, colon - from));
        if (colon == std::string_view::npos) break;
        from = colon + 1;
    }
    if (parts.size() > 3) return std::nullopt;
    double total = 0;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        auto v = parse_number(parts[i]);
        if (!v) return std::nullopt;
        bool last = i + 1 == parts.size();
        // Hours and minutes are whole numbers; minutes and seconds below 60 when a larger
        // unit is given.
        if (!last && *v != std::floor(*v)) return std::nullopt;
        if (i > 0 && *v >= 60) return std::nullopt;
        total = total * 60 + *v;
    }
    return total;
}

}  // namespace kinoglaz
