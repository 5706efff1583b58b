#include "kinoglaz/core/time.hpp"

#include <algorithm>
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

std::optional<TimeSpec> parse_time_spec(std::string_view text) {
    TimeSpec spec;
    if (text.size() > 1 && text.back() == 'f') {
        const auto digits = text.substr(0, text.size() - 1);
        std::int64_t frame = 0;
        auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), frame);
        if (ec != std::errc() || p != digits.data() + digits.size() || frame < 0)
            return std::nullopt;
        spec.unit = TimeSpec::Unit::frame;
        spec.frame = frame;
        return spec;
    }
    // SMPTE: exactly four fields, the last after ':' or (drop-frame) ';'.
    const auto last_sep = text.find_last_of(":;");
    const bool drop = last_sep != std::string_view::npos && text[last_sep] == ';';
    if (drop || std::count(text.begin(), text.end(), ':') == 3) {
        int fields[4] = {};
        std::size_t from = 0;
        for (int i = 0; i < 4; ++i) {
            const std::size_t end =
                i < 3 ? text.find(i == 2 && drop ? ';' : ':', from) : text.size();
            if (end == std::string_view::npos || end == from || end - from > 2 + (i == 0))
                return std::nullopt;
            auto [p, ec] = std::from_chars(text.data() + from, text.data() + end, fields[i]);
            if (ec != std::errc() || p != text.data() + end) return std::nullopt;
            from = end + 1;
        }
        if (fields[1] >= 60 || fields[2] >= 60 || fields[0] < 0 || fields[3] < 0)
            return std::nullopt;
        spec.unit = TimeSpec::Unit::timecode;
        spec.hh = fields[0];
        spec.mm = fields[1];
        spec.ss = fields[2];
        spec.ff = fields[3];
        spec.drop_frame = drop;
        return spec;
    }
    const auto seconds = parse_time(text);
    if (!seconds) return std::nullopt;
    spec.seconds = *seconds;
    return spec;
}

std::optional<FrameIndex> TimeSpec::frame_at(Rational rate) const {
    if (unit == Unit::frame) return frame;
    if (!rate.valid() || rate.to_double() <= 0) return std::nullopt;
    if (unit == Unit::seconds) return FrameIndex(std::llround(seconds * rate.to_double()));
    // Timecode counts whole frames a second at the rounded rate (30 for 29.97).
    const std::int64_t base = std::llround(rate.to_double());
    if (ff >= base) return std::nullopt;
    const std::int64_t minutes = 60 * std::int64_t(hh) + mm;
    FrameIndex index = ((minutes * 60) + ss) * base + ff;
    if (drop_frame) {
        // Only 29.97 and 59.94 drop: 2 (or 4) numbers at each minute but every tenth.
        if (base % 30 != 0 || std::abs(rate.to_double() * 1.001 - double(base)) > 0.01)
            return std::nullopt;
        const std::int64_t dropped = base / 15;
        if (mm % 10 != 0 && ss == 0 && ff < dropped)
            return std::nullopt;  // numbers that do not exist
        index -= dropped * (minutes - minutes / 10);
    }
    return index;
}

std::optional<double> TimeSpec::seconds_at(Rational rate) const {
    if (unit == Unit::seconds) return seconds;
    const auto index = frame_at(rate);
    if (!index || !rate.valid() || rate.to_double() <= 0) return std::nullopt;
    return std::max(0.0, (double(*index) - 0.5) / rate.to_double());
}

}  // namespace kinoglaz
