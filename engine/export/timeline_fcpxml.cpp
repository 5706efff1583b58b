// Final Cut Pro XML 1.11 (also read by DaVinci Resolve). Every time is a whole number of
// frame durations, written as an exact rational so that NTSC rates do not drift.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "export_detail.hpp"
#include "kinoglaz/export/export.hpp"

namespace kinoglaz {

namespace {

using detail::xml_escape;

// Cross Dissolve, as Final Cut Pro names it in its own exports.
constexpr const char* kCrossDissolveUid = "FxPlug:4731E73A-8DAC-4113-9A30-AE85B1761265";

struct FcpTime {
    Rational rate;  // frames per second
    // frames / rate = frames * den / num seconds.
    std::string operator()(FrameIndex frames) const {
        if (frames == 0) return "0s";
        const std::int64_t n = frames * rate.den;
        if (n % rate.num == 0) return std::to_string(n / rate.num) + "s";
        return std::to_string(n) + "/" + std::to_string(rate.num) + "s";
    }
    std::string frame_duration() const {
        return std::to_string(rate.den) + "/" + std::to_string(rate.num) + "s";
    }
};

// The rates Final Cut Pro offers for projects and clips.
constexpr Rational kFcpRates[] = {{24000, 1001}, {24, 1},        {25, 1}, {30000, 1001}, {30, 1},
                                  {48000, 1001}, {48, 1},        {50, 1}, {60000, 1001}, {60, 1},
                                  {100, 1},      {120000, 1001}, {120, 1}};

// The FCP rate nearest `r` (by ratio), `r` itself when it is one.
Rational fcp_rate(const Rational& r) {
    const double f = r.to_double();
    Rational best = kFcpRates[0];
    for (const auto& c : kFcpRates) {
        if (c.num * r.den == r.num * c.den) return c;
        if (std::abs(std::log(f / c.to_double())) < std::abs(std::log(f / best.to_double())))
            best = c;
    }
    return best;
}

}  // namespace

std::string timeline_fcpxml(const Analysis& a, const ExportOptions& options) {
    const Rational rate = fcp_rate(timeline_rate(a.source, options.timeline_rate));
    const FcpTime t{rate};
    const bool drop = rate.num * 1001 == 30000 * rate.den || rate.num * 1001 == 60000 * rate.den;
    const char* tc_format = drop ? "DF" : "NDF";
    const detail::FrameClock clock(a, rate);
    const FrameIndex total = detail::film_timeline_frames(a, clock);
    const std::string name = detail::plain_text(detail::display_name(a.source.path));
    const auto items = detail::edit_list(a, clock);
    // Record time is source time: a timeline of part of the film starts where that part does.
    const FrameIndex origin = items.empty() ? 0 : items.front().frames.start;
    const FrameIndex length = items.empty() ? 0 : items.back().frames.end - origin;

    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE fcpxml>\n\n";
    out += "<fcpxml version=\"1.11\">\n    <resources>\n";
    out += "        <format id=\"r1\" frameDuration=\"" + t.frame_duration() + "\"";
    if (a.source.width > 0 && a.source.height > 0)
        out += " width=\"" + std::to_string(a.source.width) + "\" height=\"" +
               std::to_string(a.source.height) + "\"";
    out += "/>\n";
    out += "        <asset id=\"r2\" name=\"" + xml_escape(name) + "\" start=\"0s\" duration=\"" +
           t(total) + "\" hasVideo=\"1\" format=\"r1\" videoSources=\"1\">\n";
    out += "            <media-rep kind=\"original-media\" src=\"" +
           xml_escape(detail::media_reference(a.source.path, options)) + "\"/>\n";
    out += "        </asset>\n";
    out += "        <effect id=\"r3\" name=\"Cross Dissolve\" uid=\"" +
           std::string(kCrossDissolveUid) + "\"/>\n";
    out += "    </resources>\n";
    out += "    <library>\n        <event name=\"kinoglaz\">\n";
    out += "            <project name=\"" + xml_escape(name) + " (kinoglaz shots)\">\n";
    out += "                <sequence format=\"r1\" duration=\"" + t(length) + "\" tcStart=\"" +
           t(origin) + "\" tcFormat=\"" + tc_format + "\">\n";
    out += "                    <spine>\n";
    const std::string ind = "                        ";

    // Events and beats become markers of the item in which they start (marker times are the
    // item's own).
    auto markers_in = [&](const FrameRange& r) {
        std::string m;
        for (std::size_t i = 0; i < a.events.size(); ++i) {
            const Event& e = a.events[i];
            const FrameIndex start = clock.frame(e.frames.start);
            if (!r.contains(start)) continue;
            const FrameIndex len =
                std::max<FrameIndex>(1, std::min(clock.frame(e.frames.end), r.end) - start);
            m += ind + "    <marker start=\"" + t(start) + "\" duration=\"" + t(len) +
                 "\" value=\"event " + std::to_string(i) + "\" note=\"" +
                 xml_escape("micro-gesture, score " + detail::decimal(e.score, 2) +
                            (e.clip.empty() ? std::string() : ", clip " + e.clip)) +
                 "\"/>\n";
        }
        // The soundtrack's beats, one frame long, so that an editor can cut to them.
        if (a.audio)
            for (double b : a.audio->beats) {
                const FrameIndex f = clock.frame_at(b);
                if (b < 0 || !r.contains(f)) continue;
                m += ind + "    <marker start=\"" + t(f) + "\" duration=\"" + t(1) +
                     "\" value=\"beat\" note=\"" +
                     xml_escape(detail::decimal(a.audio->tempo_bpm, 1) + " bpm") + "\"/>\n";
            }
        return m;
    };

    for (std::size_t k = 0; k < items.size(); ++k) {
        const auto& item = items[k];
        // A transition needs an outgoing item; at the very start the fade stays in the media.
        if (item.in != nullptr && k > 0) {
            const TransitionType type = item.in->type;
            const std::string tname = type == TransitionType::fade_out  ? "Fade to Black"
                                      : type == TransitionType::fade_in ? "Fade from Black"
                                      : type == TransitionType::wipe    ? "Wipe"
                                                                        : "Cross Dissolve";
            out += ind + "<transition name=\"" + xml_escape(tname) + "\" offset=\"" +
                   t(item.frames.start) + "\" duration=\"" + t(item.in_length) + "\">\n";
            out += ind + "    <filter-video ref=\"r3\" name=\"Cross Dissolve\"/>\n";
            out += ind + "</transition>\n";
        }
        const std::string markers = markers_in(item.frames);
        if (item.kind == detail::EditItem::Kind::gap) {
            out += ind + "<gap name=\"Black\" offset=\"" + t(item.frames.start) + "\" start=\"" +
                   t(item.frames.start) + "\" duration=\"" + t(item.frames.length()) + "\"";
        } else {
            const Shot& s = a.shots[item.shot];
            out += ind + "<asset-clip ref=\"r2\" offset=\"" + t(item.frames.start) +
                   "\" name=\"Shot " + detail::shot_number(s.index) + "\" start=\"" +
                   t(item.frames.start) + "\" duration=\"" + t(item.frames.length()) +
                   "\" format=\"r1\" tcFormat=\"" + tc_format + "\"";
        }
        if (markers.empty()) {
            out += "/>\n";
        } else {
            out += ">\n" + markers + ind +
                   (item.kind == detail::EditItem::Kind::gap ? "</gap>\n" : "</asset-clip>\n");
        }
    }
    out += "                    </spine>\n                </sequence>\n            </project>\n";
    out += "        </event>\n    </library>\n</fcpxml>\n";
    return out;
}

}  // namespace kinoglaz
