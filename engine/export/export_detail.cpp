#include "export_detail.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>

namespace kinoglaz::detail {

namespace {

Rational reduced(Rational r) {
    if (r.den < 0) r = {-r.num, -r.den};
    const std::int64_t g = std::gcd(r.num, r.den);
    if (g > 1) r = {r.num / g, r.den / g};
    return r;
}

}  // namespace

Rational film_rate(const SourceInfo& s) {
    // r_frame_rate is exact for constant-rate files but can be a time base (90000/1) for VFR
    // ones, so it is only trusted when it agrees with the measured rate.
    auto plausible = [&](const Rational& r) {
        if (!r.valid() || r.num <= 0 || r.den <= 0) return false;
        const double f = r.to_double();
        if (f < 1 || f > 1000) return false;
        return s.fps <= 0 || std::abs(f - s.fps) / s.fps < 0.02;
    };
    Rational r{0, 1};
    if (plausible(s.fps_nominal))
        r = reduced(s.fps_nominal);
    else if (plausible(s.fps_average))
        r = reduced(s.fps_average);
    const double f = r.valid() ? r.to_double() : (s.fps > 0 ? s.fps : 25.0);
    // Editors know only the usual rates; an average such as 1350000/45047 is snapped to them.
    static constexpr std::array<Rational, 12> usual{
        Rational{24000, 1001}, Rational{24, 1},  Rational{25, 1},        Rational{30000, 1001},
        Rational{30, 1},       Rational{48, 1},  Rational{50, 1},        Rational{60000, 1001},
        Rational{60, 1},       Rational{100, 1}, Rational{120000, 1001}, Rational{120, 1}};
    for (const auto& u : usual)
        if (std::abs(f - u.to_double()) / u.to_double() < 1e-3) return u;
    if (r.valid() && r.den <= 1001) return r;
    return reduced(Rational{std::llround(f * 1000), 1000});
}

FrameIndex film_frames(const Analysis& a) {
    FrameIndex n = a.source.frame_count;
    for (const auto& s : a.shots) n = std::max(n, s.frames.end);
    for (const auto& t : a.transitions) n = std::max(n, t.frames.end);
    return n;
}

std::vector<EditItem> edit_list(const Analysis& a) {
    std::vector<int> order(a.shots.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int x, int y) {
        return a.shots[x].frames.start < a.shots[y].frames.start;
    });
    std::vector<const Transition*> fade_outs;
    for (const auto& t : a.transitions)
        if (t.type == TransitionType::fade_out && !t.frames.empty()) fade_outs.push_back(&t);

    std::vector<EditItem> items;
    FrameIndex pos = 0;
    for (std::size_t k = 0; k < order.size(); ++k) {
        const Shot& shot = a.shots[order[k]];
        const FrameIndex start = std::max(shot.frames.start, pos);
        FrameIndex end = shot.frames.end;
        if (k + 1 < order.size()) end = std::min(end, a.shots[order[k + 1]].frames.start);
        // A fade-out belongs to its shot, but as an edit it is a dissolve into black.
        for (const Transition* t : fade_outs)
            if (t->frames.start > start && t->frames.start < end &&
                t->frames.end >= shot.frames.end - 1)
                end = t->frames.start;
        if (end <= start) continue;  // nothing of this shot is visible on its own
        if (start > pos) items.push_back({EditItem::Kind::gap, -1, {pos, start}});
        items.push_back({EditItem::Kind::clip, order[k], {start, end}});
        pos = end;
    }
    const FrameIndex total = film_frames(a);
    if (total > pos) items.push_back({EditItem::Kind::gap, -1, {pos, total}});

    for (const auto& t : a.transitions) {
        if (!t.gradual() || t.frames.empty()) continue;
        auto it = std::find_if(items.begin(), items.end(),
                               [&](const EditItem& i) { return i.frames.start == t.frames.start; });
        if (it == items.end() || it->in != nullptr) continue;
        const bool into_clip = it->kind == EditItem::Kind::clip;
        const bool from_clip = it != items.begin() && std::prev(it)->kind == EditItem::Kind::clip;
        const bool fits = t.type == TransitionType::fade_out  ? from_clip
                          : t.type == TransitionType::fade_in ? into_clip
                                                              : into_clip && from_clip;
        if (!fits) continue;
        it->in = &t;
        it->in_length = std::min(t.frames.length(), it->frames.length());
    }
    return items;
}

FrameClock::FrameClock(const Analysis& a) : rate_(film_rate(a.source)) {
    auto note = [&](FrameIndex f, double s) { known_.emplace(f, s); };
    for (const auto& s : a.shots) {
        note(s.frames.start, s.start_time_s);
        note(s.frames.end, s.end_time_s);
    }
    for (const auto& t : a.transitions) {
        note(t.frames.start, t.start_time_s);
        if (!t.frames.empty()) note(t.frames.end, t.end_time_s);
    }
    for (const auto& e : a.events) {
        note(e.frames.start, e.start_time_s);
        note(e.frames.end, e.end_time_s);
    }
    // An analysis without times (all zero) must not pin every frame to 0 s.
    bool any_time = false;
    for (const auto& [f, s] : known_) any_time = any_time || s != 0;
    if (!any_time) known_.clear();
}

double FrameClock::seconds(FrameIndex frame) const {
    if (auto it = known_.find(frame); it != known_.end()) return it->second;
    return double(frame) * double(rate_.den) / double(rate_.num);
}

bool is_url(std::string_view path) {
    const auto p = path.find("://");
    if (p == std::string_view::npos || p == 0) return false;
    return std::all_of(path.begin(), path.begin() + p, [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
    });
}

std::string media_url(const std::string& path) {
    if (path.empty() || is_url(path)) return path;
    std::error_code ec;
    auto abs = std::filesystem::absolute(path, ec);
    const std::string p =
        (ec ? std::filesystem::path(path) : abs).lexically_normal().generic_string();
    return "file://" + url_path_encode(p);
}

std::string url_path_encode(std::string_view path) {
    std::string out;
    for (unsigned char c : path) {
        if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
            out += char(c);
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

std::string display_name(const std::string& path) {
    std::string p = path;
    while (!p.empty() && p.back() == '/') p.pop_back();
    const auto slash = p.find_last_of('/');
    std::string name = slash == std::string::npos ? p : p.substr(slash + 1);
    return name.empty() ? std::string("film") : name;
}

std::string decimal(double value, int decimals) {
    if (!std::isfinite(value)) return "0";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    std::string s = buf;
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    if (s == "-0") s = "0";
    return s;
}

std::string shot_number(int index) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%03d", index);
    return buf;
}

}  // namespace kinoglaz::detail

namespace kinoglaz {

std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                // Control characters other than tab/newline are not allowed in XML 1.0.
                if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
                    out += ' ';
                else
                    out += c;
        }
    }
    return out;
}

}  // namespace kinoglaz
