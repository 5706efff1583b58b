// CMX 3600 edit decision list of the shots, source and record timecodes on the film's clock.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "export_detail.hpp"
#include "kinoglaz/export/export.hpp"

namespace kinoglaz {

namespace {

struct TimecodeBase {
    std::int64_t fps = 25;  ///< frames per timecode second
    std::int64_t drop = 0;  ///< frame numbers dropped per minute (not every tenth)
};

TimecodeBase timecode_base(const Rational& r) {
    TimecodeBase b;
    const double f = r.to_double();
    b.fps = f > 0 ? std::max<std::int64_t>(1, std::llround(f)) : 25;
    // NTSC rates are counted in drop-frame timecode so that timecode follows the clock.
    if (r.den != 0 && (r.num * 1001 == 30000 * r.den || r.num * 1001 == 60000 * r.den))
        b.drop = b.fps / 15;  // 2 at 29.97, 4 at 59.94
    return b;
}

std::string edl_title(const std::string& path) {
    // The title is free text, but many readers choke on non-ASCII and overlong lines.
    std::string t;
    for (unsigned char c : detail::display_name(path)) t += (c >= 0x20 && c < 0x7f) ? char(c) : '_';
    return t.substr(0, 70);
}

// "23.976", "25", "29.97", "12.5" (the exact ratio when three decimals do not name it).
std::string rate_name(const Rational& r) {
    const double f = r.to_double();
    const std::string d = detail::decimal(f, 3);
    if (r.den == 1 || r.den == 1001 || std::abs(std::stod(d) - f) < 1e-9) return d;
    return std::to_string(r.num) + "/" + std::to_string(r.den);
}

std::string reel_field(const char* reel) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%-8s", reel);
    return buf;
}

}  // namespace

std::string smpte_timecode(FrameIndex frame, const Rational& fps) {
    const TimecodeBase b = timecode_base(fps);
    std::int64_t f = std::max<FrameIndex>(frame, 0);
    if (b.drop > 0) {
        // Frame numbers 0..drop-1 are skipped at the start of every minute except each tenth.
        const std::int64_t per_10min = b.fps * 600 - b.drop * 9;
        const std::int64_t per_min = b.fps * 60 - b.drop;
        const std::int64_t tens = f / per_10min;
        const std::int64_t rem = f % per_10min;
        f += b.drop * 9 * tens;
        if (rem > b.drop) f += b.drop * ((rem - b.drop) / per_min);
    }
    const std::int64_t ff = f % b.fps;
    const std::int64_t total_s = f / b.fps;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld%c%02lld",
                  static_cast<long long>((total_s / 3600) % 24),
                  static_cast<long long>((total_s / 60) % 60), static_cast<long long>(total_s % 60),
                  b.drop > 0 ? ';' : ':', static_cast<long long>(ff));
    return buf;
}

std::string cuts_edl(const Analysis& a, const ExportOptions& options) {
    const Rational r = timeline_rate(a.source, options.timeline_rate);
    const bool drop = timecode_base(r).drop > 0;
    // Comments are one line each: a name with a line break must not add events.
    const std::string clip_name = detail::plain_text(detail::display_name(a.source.path));
    auto tc = [&](FrameIndex f) { return smpte_timecode(f, r); };

    std::string out = "TITLE: " + edl_title(a.source.path) + "\n";
    out += drop ? "FCM: DROP FRAME\n" : "FCM: NON-DROP FRAME\n";
    // Timecode says nothing of its rate; an editor must set the project to this one.
    out += "* RATE: " + rate_name(r) + (drop ? " DF" : " NDF") + "\n";

    const detail::FrameClock clock(a, r);
    const auto items = detail::edit_list(a, clock);
    int number = 0;
    auto line = [&](const char* reel, const std::string& transition, FrameIndex src_in,
                    FrameIndex src_out, FrameIndex rec_in, FrameIndex rec_out) {
        char num[16];
        std::snprintf(num, sizeof num, "%03d", number);
        // The transition field is 9 columns ("C        ", "D    030 "); a duration beyond 999
        // frames widens it, still separated from the timecodes by a space.
        std::string tr = transition;
        tr.resize(std::max<std::size_t>(tr.size() + 1, 9), ' ');
        return std::string(num) + "  " + reel_field(reel) + " V     " + tr + tc(src_in) + " " +
               tc(src_out) + " " + tc(rec_in) + " " + tc(rec_out) + "\n";
    };
    for (std::size_t k = 0; k < items.size(); ++k) {
        const auto& item = items[k];
        const bool black = item.kind == detail::EditItem::Kind::gap;
        const char* reel = black ? "BL" : "AX";
        // Black has no timecode of its own: its source runs from zero.
        const FrameIndex src_in = black ? 0 : item.frames.start;
        const FrameIndex src_out = src_in + item.frames.length();
        ++number;
        out += "\n";
        if (item.in != nullptr) {
            // CMX dissolve: the outgoing source held for zero frames at the edit point, then
            // the incoming source with the transition code and its length in frames.
            const bool from_black = k == 0 || items[k - 1].kind == detail::EditItem::Kind::gap;
            const FrameIndex out_src =
                from_black ? items[k == 0 ? 0 : k - 1].frames.length() : item.frames.start;
            const FrameIndex edit = item.frames.start;
            out += line(from_black ? "BL" : "AX", "C", k == 0 ? 0 : out_src, k == 0 ? 0 : out_src,
                        edit, edit);
            char code[32];
            std::snprintf(code, sizeof code, "%s %03lld",
                          item.in->type == TransitionType::wipe ? "W001" : "D   ",
                          static_cast<long long>(item.in_length));
            // "D    012": the code padded to 4, one space, a 3-digit duration.
            out += line(reel, code, src_in, src_out, item.frames.start, item.frames.end);
            out += "* FROM CLIP NAME: " + std::string(from_black ? "BLACK" : clip_name) + "\n";
            out += "* TO CLIP NAME: " + std::string(black ? "BLACK" : clip_name) + "\n";
        } else {
            out += line(reel, "C", src_in, src_out, item.frames.start, item.frames.end);
            out += "* FROM CLIP NAME: " + std::string(black ? "BLACK" : clip_name) + "\n";
        }
        if (!black) {
            const Shot& s = a.shots[item.shot];
            out += "* COMMENT: SHOT " + detail::shot_number(s.index) + " SCENE " +
                   std::to_string(s.scene) + " " + std::string(to_string(s.scale)) + "\n";
        } else {
            out += "* COMMENT: BLACK HOLD\n";
        }
    }
    return out;
}

}  // namespace kinoglaz
