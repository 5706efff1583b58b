#include "export_detail.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <optional>
#include <regex>
#include <set>

namespace kinoglaz::detail {

FrameIndex film_frames(const Analysis& a) {
    FrameIndex n = a.source.frame_count;
    for (const auto& s : a.shots) n = std::max(n, s.frames.end);
    for (const auto& t : a.transitions) n = std::max(n, t.frames.end);
    return n;
}

FrameRange analysed_frames(const Analysis& a) {
    // Only a pass over the whole film counts its frames; black leader and tail belong to no
    // shot but are the film's. A --start/--end pass leaves the container's hint, and what it
    // covered is known only by what it found.
    if (a.source.frame_count_exact || a.shots.empty()) return {0, film_frames(a)};
    FrameRange r{a.shots.front().frames.start, a.shots.front().frames.end};
    for (const auto& s : a.shots) {
        r.start = std::min(r.start, s.frames.start);
        r.end = std::max(r.end, s.frames.end);
    }
    for (const auto& t : a.transitions) {
        r.start = std::min(r.start, t.frames.start);
        r.end = std::max(r.end, t.frames.end);
    }
    return r;
}

FrameClock::FrameClock(const Analysis& a, Rational rate)
    : rate_(rate), frame_times_(&a.frame_times) {
    if (!(rate_.num > 0 && rate_.den > 0)) rate_ = {25, 1};
    seconds_per_frame_ = a.source.fps > 0 ? 1.0 / a.source.fps : 1.0 / rate_.to_double();
    auto note = [&](FrameIndex f, double s) {
        if (std::isfinite(s)) known_.emplace(f, s);
    };
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
    if (a.source.frame_count_exact && a.source.frame_count > 0 && a.source.duration_s > 0)
        note(a.source.frame_count, a.source.duration_s);
}

double FrameClock::seconds(FrameIndex frame) const {
    if (frame >= 0 && frame < FrameIndex(frame_times_->size()))
        return (*frame_times_)[std::size_t(frame)];
    if (known_.empty()) return double(frame) * seconds_per_frame_;
    const auto after = known_.lower_bound(frame);
    if (after != known_.end() && after->first == frame) return after->second;
    if (after == known_.begin())
        return after->second - double(after->first - frame) * seconds_per_frame_;
    const auto before = std::prev(after);
    if (after == known_.end())
        return before->second + double(frame - before->first) * seconds_per_frame_;
    const double w = double(frame - before->first) / double(after->first - before->first);
    return before->second + w * (after->second - before->second);
}

FrameIndex FrameClock::frame_at(double seconds) const {
    if (!std::isfinite(seconds)) return 0;
    return std::llround(seconds * double(rate_.num) / double(rate_.den));
}

FrameIndex FrameClock::frame(FrameIndex decoded) const {
    return frame_at(seconds(decoded));
}

std::vector<EditItem> edit_list(const Analysis& a, const FrameClock& clock) {
    std::vector<int> order(a.shots.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int x, int y) {
        return a.shots[x].frames.start < a.shots[y].frames.start;
    });
    std::vector<const Transition*> fade_outs;
    for (const auto& t : a.transitions)
        if (t.type == TransitionType::fade_out && !t.frames.empty()) fade_outs.push_back(&t);

    // First in decoded frames, where shots and transitions meet exactly.
    const FrameRange analysed = analysed_frames(a);
    std::vector<EditItem> items;
    FrameIndex pos = analysed.start;
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
    if (analysed.end > pos) items.push_back({EditItem::Kind::gap, -1, {pos, analysed.end}});

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
        if (fits) it->in = &t;
    }

    // Then on the editor's clock: every boundary at the timeline frame nearest its real time.
    std::vector<EditItem> timeline;
    FrameIndex at =
        items.empty() ? 0 : std::max<FrameIndex>(0, clock.frame(items.front().frames.start));
    for (EditItem item : items) {
        const FrameIndex end = std::max(at, clock.frame(item.frames.end));
        if (end <= at) continue;
        if (item.in != nullptr) {
            const FrameIndex len =
                clock.frame(item.in->frames.end) - clock.frame(item.in->frames.start);
            item.in_length = std::clamp<FrameIndex>(len, 0, end - at);
            if (item.in_length == 0) item.in = nullptr;
        }
        item.frames = {at, end};
        timeline.push_back(item);
        at = end;
    }
    return timeline;
}

FrameIndex film_timeline_frames(const Analysis& a, const FrameClock& clock) {
    FrameIndex n = a.source.duration_s > 0 ? clock.frame_at(a.source.duration_s) : 0;
    n = std::max(n, clock.frame(film_frames(a)));
    for (const auto& s : a.shots) n = std::max(n, clock.frame(s.frames.end));
    return n;
}

bool is_url(std::string_view path) {
    const auto p = path.find("://");
    if (p == std::string_view::npos || p == 0) return false;
    std::string scheme(path.substr(0, p));
    for (char& c : scheme) c = char(std::tolower(static_cast<unsigned char>(c)));
    // The protocols FFmpeg opens media from; javascript:, data: and the like are not among them.
    static const std::set<std::string, std::less<>> media_schemes{
        "file", "http",    "https", "ftp",    "sftp",    "rtmp", "rtmps", "rtmpt", "rtmpe",
        "rtsp", "rtsps",   "rtp",   "srt",    "udp",     "tcp",  "tls",   "hls",   "mmsh",
        "mmst", "icecast", "smb",   "gopher", "gophers", "ipfs", "ipns"};
    return media_schemes.count(scheme) > 0;
}

std::string json_text(const nlohmann::ordered_json& doc) {
    std::string text = doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    // DEL is a JSON character, but not one to leave raw; outside strings there is none.
    for (std::size_t p = text.find('\x7f'); p != std::string::npos; p = text.find('\x7f', p))
        text.replace(p, 1, "\\u007f");
    return text;
}

std::string media_url(const std::string& path) {
    if (path.empty() || is_url(path)) return path;
    std::error_code ec;
    auto abs = std::filesystem::absolute(path, ec);
    const std::string p =
        (ec ? std::filesystem::path(path) : abs).lexically_normal().generic_string();
    return "file://" + url_path_encode(p);
}

std::string relative_media_path(const std::string& path, const std::string& base) {
    if (path.empty() || base.empty() || is_url(path)) return {};
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path film = fs::absolute(path, ec).lexically_normal();
    if (ec) return {};
    const fs::path folder = fs::absolute(base, ec).lexically_normal();
    if (ec) return {};
    return film.lexically_relative(folder).generic_string();
}

std::string media_reference(const std::string& path, const ExportOptions& options) {
    if (!options.absolute_paths) {
        const std::string rel = relative_media_path(path, options.media_base);
        if (!rel.empty()) return url_path_encode(rel);
    }
    return media_url(path);
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

namespace {

// Calls out(bytes, code_point) for each UTF-8 character of `text`; a byte that does not start a
// valid, shortest-form sequence is passed as U+FFFD.
template <class Out>
void each_char(std::string_view text, Out&& out) {
    static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
    std::size_t i = 0;
    while (i < text.size()) {
        const auto b = static_cast<unsigned char>(text[i]);
        std::size_t n = b < 0x80           ? 1
                        : (b >> 5) == 0x6  ? 2
                        : (b >> 4) == 0xE  ? 3
                        : (b >> 3) == 0x1E ? 4
                                           : 0;
        char32_t cp = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
        bool ok = n > 0 && i + n <= text.size();
        for (std::size_t k = 1; ok && k < n; ++k) {
            const auto c = static_cast<unsigned char>(text[i + k]);
            ok = (c & 0xC0) == 0x80;
            cp = (cp << 6) | (c & 0x3F);
        }
        static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
        ok = ok && cp >= kMin[n] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
        if (!ok) {
            out(kReplacement, U'\uFFFD');
            ++i;
            continue;
        }
        out(text.substr(i, n), cp);
        i += n;
    }
}

bool control(char32_t cp) {
    return cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
}

}  // namespace

std::string plain_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    each_char(text, [&](std::string_view bytes, char32_t cp) {
        if (control(cp))
            out += ' ';
        else
            out += bytes;
    });
    return out;
}

std::string dot_quote(std::string_view v) {
    std::string out = "\"";
    for (std::size_t pos = 0; pos <= v.size();) {
        const auto nl = std::min(v.find('\n', pos), v.size());
        for (char c : plain_text(v.substr(pos, nl - pos))) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        if (nl < v.size()) out += "\\n";
        pos = nl + 1;
    }
    return out + "\"";
}

const char* scene_colour(int scene) noexcept {
    static constexpr const char* kColours[] = {"#3d78b4", "#e69f00", "#38761d", "#c2508a",
                                               "#bf9000", "#45818e", "#d55e00", "#7e5fc0"};
    return kColours[std::size_t(scene < 0 ? 0 : scene) % std::size(kColours)];
}

const char* scene_tint(int scene) noexcept {
    static constexpr const char* kTints[] = {"#cfe2f3", "#fce5cd", "#d9ead3", "#ead1dc",
                                             "#fff2cc", "#d0e0e3", "#f4cccc", "#d9d2e9"};
    return kTints[std::size_t(scene < 0 ? 0 : scene) % std::size(kTints)];
}

}  // namespace kinoglaz::detail

namespace kinoglaz {

std::string xml_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    detail::each_char(text, [&](std::string_view bytes, char32_t cp) {
        switch (cp) {
            case U'&':
                out += "&amp;";
                break;
            case U'<':
                out += "&lt;";
                break;
            case U'>':
                out += "&gt;";
                break;
            case U'"':
                out += "&quot;";
                break;
            case U'\'':
                out += "&#39;";
                break;
            case U'\t':
                out += "&#9;";
                break;
            case U'\n':
                out += "&#10;";
                break;
            case U'\r':
                out += "&#13;";
                break;
            default:
                // Other control characters are not allowed in XML 1.0 (C0) or are invisible
                // trouble (DEL, C1); U+FFFE/U+FFFF are not XML characters either.
                if (detail::control(cp) || cp == 0xFFFE || cp == 0xFFFF)
                    out += ' ';
                else
                    out += bytes;
        }
    });
    return out;
}

namespace {

constexpr std::array<Rational, 12> kEditingRates{
    Rational{24000, 1001}, Rational{24, 1},  Rational{25, 1},        Rational{30000, 1001},
    Rational{30, 1},       Rational{48, 1},  Rational{50, 1},        Rational{60000, 1001},
    Rational{60, 1},       Rational{100, 1}, Rational{120000, 1001}, Rational{120, 1}};

Rational reduced(Rational r) {
    if (r.den < 0) r = {-r.num, -r.den};
    const std::int64_t g = std::gcd(r.num, r.den);
    if (g > 1) r = {r.num / g, r.den / g};
    return r;
}

// The standard editing rate within 0.1 % of `fps`, if any.
std::optional<Rational> standard_rate(double fps) {
    for (const auto& u : kEditingRates)
        if (std::abs(fps - u.to_double()) / u.to_double() < 1e-3) return u;
    return std::nullopt;
}

Rational nearest_standard_rate(double fps) {
    Rational best = kEditingRates[0];
    for (const auto& u : kEditingRates)
        if (std::abs(std::log(fps / u.to_double())) < std::abs(std::log(fps / best.to_double())))
            best = u;
    return best;
}

}  // namespace

Rational timeline_rate(const SourceInfo& s, std::optional<Rational> override) {
    if (override && override->num > 0 && override->den > 0) return reduced(*override);
    const double average = s.fps_average.num > 0 && s.fps_average.den > 0
                               ? s.fps_average.to_double()
                               : (s.fps > 0 ? s.fps : 0);
    // r_frame_rate is the rate a VFR film's timestamps are counted in (24000/1001 for a film
    // with dropped frames) and what an editor's project uses; but phone files give their clock
    // (90000/1, 1000/1) there, and no film has frames closer than its nominal rate allows.
    const Rational& n = s.fps_nominal;
    if (n.num > 0 && n.den > 0) {
        const double f = n.to_double();
        if (f >= 1 && f <= 240 && (average <= 0 || f >= average * 0.98)) {
            if (auto u = standard_rate(f)) return *u;
            // Whole, half and NTSC rates (16, 12.5, 15000/1001) are a film's own; a ratio
            // like 1000/33 is a muxer's approximation of a standard one.
            const Rational r = reduced(n);
            if (r.den == 1 || r.den == 2 || r.den == 1001) return r;
            return nearest_standard_rate(f);
        }
    }
    if (average > 0) return standard_rate(average).value_or(nearest_standard_rate(average));
    return {25, 1};
}

std::optional<Rational> parse_frame_rate(std::string_view text) {
    const std::string t(text);
    std::optional<Rational> r;
    if (std::regex_match(t, std::regex("[0-9]{1,9}/[0-9]{1,9}"))) {
        const auto slash = t.find('/');
        const Rational q{std::stoll(t.substr(0, slash)), std::stoll(t.substr(slash + 1))};
        if (q.num > 0 && q.den > 0) r = reduced(q);
    } else if (std::regex_match(t, std::regex("[0-9]{1,4}(\\.[0-9]{1,6})?"))) {
        const auto dot = t.find('.');
        const std::string frac = dot == std::string::npos ? "" : t.substr(dot + 1);
        std::int64_t den = 1;
        for (std::size_t k = 0; k < frac.size(); ++k) den *= 10;
        r = reduced(
            {std::stoll(t.substr(0, dot)) * den + (frac.empty() ? 0 : std::stoll(frac)), den});
    }
    if (!r || r->num <= 0) return std::nullopt;
    const double f = r->to_double();
    if (f < 1 || f > 1000) return std::nullopt;
    return standard_rate(f).value_or(*r);
}

}  // namespace kinoglaz
