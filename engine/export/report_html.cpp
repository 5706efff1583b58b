// report.html: the page a scholar opens first. The layout, styles and script are the template
// data/report/report.template.html (embedded at build time); this file fills in the parts.

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <kinoglaz/core.hpp>
#include "export_detail.hpp"
#include "kinoglaz/export/export.hpp"
#include "report_template.hpp"

namespace kinoglaz {

namespace {

using detail::decimal;
using detail::scene_colour;
using detail::xml_escape;

std::string words(std::string_view name) {
    std::string w(name);
    for (char& c : w)
        if (c == '_') c = ' ';
    while (!w.empty() && w.back() == ' ') w.pop_back();
    return w;
}

std::string seek_button(double seconds, const std::string& label) {
    return "<button type=\"button\" class=\"seek\" data-start=\"" + decimal(seconds, 6) +
           "\" data-label=\"" + xml_escape(label) + "\">" + xml_escape(format_clock(seconds)) +
           "</button>";
}

// Rhythm figures, from the analysis when it has them, else from the shots themselves.
struct Figures {
    int shots = 0;
    double asl = 0, msl = 0, sd = 0, cv = 0, mu = 0, sigma = 0;
};

Figures rhythm_figures(const Analysis& a) {
    Figures f;
    if (a.rhythm.shot_count > 0) {
        const Rhythm& r = a.rhythm;
        return {r.shot_count, r.asl_s, r.msl_s, r.std_s, r.cv, r.lognormal_mu, r.lognormal_sigma};
    }
    std::vector<double> len;
    for (const auto& s : a.shots)
        if (s.length_s() > 0) len.push_back(s.length_s());
    f.shots = int(a.shots.size());
    if (len.empty()) return f;
    std::sort(len.begin(), len.end());
    const double n = double(len.size());
    f.asl = std::accumulate(len.begin(), len.end(), 0.0) / n;
    f.msl =
        len.size() % 2 ? len[len.size() / 2] : (len[len.size() / 2 - 1] + len[len.size() / 2]) / 2;
    double ss = 0, lsum = 0, lss = 0;
    for (double x : len) {
        ss += (x - f.asl) * (x - f.asl);
        lsum += std::log(x);
    }
    f.sd = std::sqrt(ss / n);
    f.cv = f.asl > 0 ? f.sd / f.asl : 0;
    f.mu = lsum / n;
    for (double x : len) lss += (std::log(x) - f.mu) * (std::log(x) - f.mu);
    f.sigma = std::sqrt(lss / n);
    return f;
}

double film_duration(const Analysis& a) {
    double d = a.source.duration_s;
    for (const auto& s : a.shots) d = std::max(d, s.end_time_s);
    return d;
}

// The page's one cutting-rate figure, in the header and the rhythm caption alike: cuts (every
// shot start but the first, as compute_rhythm and the corpus tables count them) per minute of
// what was analysed: the whole film (as the corpus tables divide), or the shots' span after a
// --start/--end analysis.
constexpr const char* kCutRateName = "Cuts per minute";

std::optional<double> cuts_per_minute(const Analysis& a) {
    if (a.shots.empty()) return std::nullopt;
    double begin = 0, end = film_duration(a);
    if (!a.source.frame_count_exact) {
        begin = a.shots.front().start_time_s;
        end = a.shots.front().end_time_s;
        for (const auto& s : a.shots) {
            begin = std::min(begin, s.start_time_s);
            end = std::max(end, s.end_time_s);
        }
    }
    if (!(end > begin)) return std::nullopt;
    return double(a.shots.size() - 1) * 60.0 / (end - begin);
}

// A set-up graph thumbnail exactly as Graphviz draws one: an <image> of a keyframe in the folder
// (keyframe_path()) and nothing else, the one link the inline graph may hold.
bool keyframe_image(const std::string& tag) {
    static const std::regex image(
        "<image xlink:href=\"keyframes/shot-[0-9]+\\.jpg\" width=\"[0-9.]+px\" "
        "height=\"[0-9.]+px\" preserveAspectRatio=\"xMinYMin meet\" x=\"-?[0-9.]+\" "
        "y=\"-?[0-9.]+\"/>");
    return std::regex_match(tag, image);
}

// The inline graph comes from Graphviz; it is dropped (for the built-in diagram) if any of its
// tags could run code or link anywhere but to a thumbnail, whatever the DOT it was drawn from said.
// Text between tags is escaped by Graphviz and may mention anything.
bool inert_svg(const std::string& svg) {
    static const std::regex tag("<[^>]*>");
    static const std::regex active(
        "^<\\s*(script|foreignobject|iframe|object|embed|use)\\b|href|javascript:|\\son[a-z]+\\s*=",
        std::regex::icase);
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), tag); it != std::sregex_iterator();
         ++it)
        if (std::regex_search(it->str(), active) && !keyframe_image(it->str())) return false;
    return true;
}

std::string figure(const std::string& term, const std::string& value) {
    return "<div><dt>" + xml_escape(term) + "</dt><dd>" + xml_escape(value) + "</dd></div>";
}

std::string figures_html(const Analysis& a) {
    const Figures f = rhythm_figures(a);
    const double duration = film_duration(a);
    std::string out;
    out += figure("Duration", format_clock(duration));
    out += figure("Shots", std::to_string(a.shots.size()));
    out += figure("Scenes", std::to_string(a.scenes.size()));
    out += figure("ASL (average shot length)", decimal(f.asl, 2) + " s");
    out += figure("MSL (median shot length)", decimal(f.msl, 2) + " s");
    out += figure("CV (std / ASL)", decimal(f.cv, 2));
    out += figure("Lognormal μ, σ", decimal(f.mu, 2) + ", " + decimal(f.sigma, 2));
    const auto rate = cuts_per_minute(a);
    out += figure(kCutRateName, rate ? decimal(*rate, 1) : "—");
    std::map<std::string, int> kinds;
    for (const auto& t : a.transitions) ++kinds[words(to_string(t.type))];
    std::string tr;
    for (const auto& [k, n] : kinds) tr += (tr.empty() ? "" : ", ") + std::to_string(n) + " " + k;
    out += figure("Transitions", tr.empty() ? "none" : tr);
    out += figure("Revealed gestures", std::to_string(a.events.size()));
    if (a.audio && a.audio->tempo_bpm > 0)
        out += figure("Tempo", decimal(a.audio->tempo_bpm, 1) + " bpm");
    if (a.audio && a.audio->on_beat_share)
        out += figure("Cuts on the beat", decimal(100 * *a.audio->on_beat_share, 0) + " %");
    return out;
}

std::string subtitle(const Analysis& a) {
    const SourceInfo& s = a.source;
    std::string out = s.path;
    if (s.width > 0) out += " · " + std::to_string(s.width) + "×" + std::to_string(s.height);
    if (s.fps > 0) out += " · " + decimal(s.fps, 3) + " fps";
    if (s.frame_count > 0) out += " · " + std::to_string(s.frame_count) + " frames";
    if (!s.codec.empty()) out += " · " + s.codec;
    return xml_escape(out);
}

// ---- Scenes as bands (contact sheet and rhythm plot).

// A run of consecutive shots of one scene: positions in Analysis::shots.
struct SceneRun {
    int scene = 0;
    std::size_t first = 0, last = 0;
};

std::vector<SceneRun> scene_runs(const Analysis& a) {
    std::vector<SceneRun> runs;
    for (std::size_t i = 0; i < a.shots.size(); ++i)
        if (runs.empty() || a.shots[i].scene != runs.back().scene)
            runs.push_back({a.shots[i].scene, i, i});
        else
            runs.back().last = i;
    return runs;
}

// The opening of a scene's band on the contact sheet: a labelled group in the scene's colour.
std::string scene_band_open(const Analysis& a, const SceneRun& r) {
    const Shot& first = a.shots[r.first];
    const Shot& last = a.shots[r.last];
    std::set<int> setups;
    for (std::size_t i = r.first; i <= r.last; ++i) setups.insert(a.shots[i].setup);
    const std::size_t n = r.last - r.first + 1;
    const std::string facts =
        "from " + format_clock(first.start_time_s) + " · " + std::to_string(n) +
        (n == 1
             ? " shot (" + std::to_string(first.index) + ")"
             : " shots (" + std::to_string(first.index) + "–" + std::to_string(last.index) + ")") +
        " · " + decimal(last.end_time_s - first.start_time_s, 1) + " s · " +
        std::to_string(setups.size()) + (setups.size() == 1 ? " set-up" : " set-ups");
    const std::string name = "Scene " + std::to_string(r.scene);
    return "\n      <div class=\"scene-band\" role=\"group\" data-scene=\"" +
           std::to_string(r.scene) + "\" style=\"--scene: " + scene_colour(r.scene) +
           "\" aria-label=\"" + xml_escape(name + ", " + facts) +
           "\"><div class=\"scene-label\"><span class=\"scene-no\">" + xml_escape(name) +
           "</span> " + xml_escape(facts) + "</div><div class=\"scene-tiles\">";
}

// Alternating shaded bands behind the rhythm plot's bars, one per scene, numbered at the top
// where there is room, between heights TOP and BOTTOM.
template <class X>
std::string scene_bands_svg(const Analysis& a, const X& x, double top, double bottom) {
    std::string out = "<g class=\"scene-bands\">";
    const auto runs = scene_runs(a);
    for (std::size_t k = 0; k < runs.size(); ++k) {
        const Shot& first = a.shots[runs[k].first];
        const Shot& last = a.shots[runs[k].last];
        const double x0 = x(first.start_time_s), x1 = x(last.end_time_s);
        out += "<rect class=\"scene-band\" x=\"" + decimal(x0, 2) + "\" y=\"" + decimal(top, 1) +
               "\" width=\"" + decimal(std::max(0.5, x1 - x0), 2) + "\" height=\"" +
               decimal(bottom - top, 1) + "\" fill=\"" + (k % 2 ? "#ffffff" : "#e3e8ef") +
               "\"><title>Scene " + std::to_string(runs[k].scene) + ": " +
               format_clock(first.start_time_s) + " – " + format_clock(last.end_time_s) +
               "</title></rect>";
        if (x1 - x0 >= 16)
            out += "<text x=\"" + decimal((x0 + x1) / 2, 1) + "\" y=\"" + decimal(top + 14, 1) +
                   "\" text-anchor=\"middle\" font-size=\"13\" fill=\"#333\">" +
                   std::to_string(runs[k].scene) + "</text>";
    }
    return out + "</g>";
}

std::string contact_sheet(const Analysis& a, const ReportOptions& o) {
    std::set<int> with_image;
    if (o.shots_with_keyframes)
        with_image.insert(o.shots_with_keyframes->begin(), o.shots_with_keyframes->end());
    std::string out;
    const auto runs = scene_runs(a);
    auto run = runs.begin();
    for (const auto& s : a.shots) {
        if (run != runs.end() && &s == &a.shots[run->first]) out += scene_band_open(a, *run);
        const std::string label = "Shot " + std::to_string(s.index) + " at " +
                                  format_clock(s.start_time_s) + ", " + decimal(s.length_s(), 1) +
                                  " s";
        std::string meta = words(to_string(s.scale));
        if (s.scale == ShotScale::unknown) meta = "scale unknown";
        meta += " · " + words(to_string(s.camera)) + " · scene " + std::to_string(s.scene);
        out += "\n      <button type=\"button\" class=\"tile\" data-shot=\"" +
               std::to_string(s.index) + "\" data-start=\"" + decimal(s.start_time_s, 6) +
               "\" data-scene=\"" + std::to_string(s.scene) + "\" data-setup=\"" +
               std::to_string(s.setup) + "\" data-label=\"" + xml_escape(label) +
               "\" style=\"--scene: " + scene_colour(s.scene) + "\" aria-label=\"" +
               xml_escape(label + ", " + meta) + ". Play from here.\">";
        if (!o.shots_with_keyframes || with_image.count(s.index))
            out += "<img src=\"" + keyframe_path(s.index) + "\" alt=\"\" loading=\"lazy\">";
        else
            out += "<span class=\"noimg\">no still</span>";
        out += "<span class=\"cap\">#" + std::to_string(s.index) + " · " +
               xml_escape(format_clock(s.start_time_s)) + "</span><span class=\"meta\">" +
               xml_escape(decimal(s.length_s(), 1) + " s · " + meta) + "</span></button>";
        if (run != runs.end() && &s == &a.shots[run->last]) out += "</div></div>", ++run;
    }
    if (a.shots.empty()) out = "<p class=\"note\">No shots were found.</p>";
    return out;
}

// The sound lane of the rhythm plot, between heights TOP and BOTTOM: beats (upper half) and
// onsets (lower half) as ticks, each hard cut as a line across the lane. One path per kind
// keeps a feature film's thousands of beats small.
template <class X>
std::string sound_lane(const Analysis& a, const X& x, double top, double bottom) {
    const double mid = (top + bottom) / 2;
    const double duration = film_duration(a);
    auto ticks = [&](const std::vector<double>& times, double y0, double y1) {
        std::string d;
        for (double t : times)
            if (t >= 0 && t <= duration)
                d += "M" + decimal(x(t), 1) + " " + decimal(y0, 1) + "V" + decimal(y1, 1);
        return d;
    };
    const auto& au = *a.audio;
    std::string out =
        "<g class=\"sound-lane\"><title>Sound: " + std::to_string(au.beats.size()) + " beats (" +
        decimal(au.tempo_bpm, 1) + " bpm" +
        (au.beats_per_bar > 0
             ? ", " + std::to_string(au.beats_per_bar) + " to the bar, downbeats heavier"
             : std::string()) +
        ") above, " + std::to_string(au.onsets.size()) + " onsets below, cuts across</title>";
    out += "<path d=\"" + ticks(au.beats, top, mid - 1) +
           "\" stroke=\"#1f5fa8\" stroke-width=\"1.5\" fill=\"none\"/>";
    // Downbeats (first beats of bars), when found: heavier ticks reaching above the lane.
    if (!au.downbeats.empty())
        out += "<path class=\"downbeats\" d=\"" + ticks(au.downbeats, top - 3, mid - 1) +
               "\" stroke=\"#0b3a70\" stroke-width=\"3\" fill=\"none\"/>";
    out += "<path d=\"" + ticks(au.onsets, mid + 1, bottom) +
           "\" stroke=\"#c77700\" stroke-width=\"1\" fill=\"none\"/>";
    std::vector<double> cuts;
    for (const auto& t : a.transitions)
        if (t.type == TransitionType::cut) cuts.push_back(t.start_time_s);
    out += "<path d=\"" + ticks(cuts, top - 4, bottom + 2) +
           "\" stroke=\"#b00020\" stroke-width=\"1\" fill=\"none\"/>";
    out += "<text x=\"" + decimal(x(0) - 8) + "\" y=\"" + decimal(mid - 2, 1) +
           "\" text-anchor=\"end\" fill=\"#1f5fa8\" font-size=\"13\">beats</text>";
    out += "<text x=\"" + decimal(x(0) - 8) + "\" y=\"" + decimal(bottom, 1) +
           "\" text-anchor=\"end\" fill=\"#c77700\" font-size=\"13\">onsets</text>";
    return out + "</g>";
}

// Shot lengths along the film (bars at their place in time, coloured by scene) and the smoothed
// cutting curve, with axes in minutes and seconds.
std::string rhythm_svg(const Analysis& a) {
    // With sound, a lane under the bars: beats above, onsets below, each cut across both, so
    // that a cut on the beat reads as a line meeting a tick.
    const bool sound = a.audio && (!a.audio->beats.empty() || !a.audio->onsets.empty());
    const double lane = sound ? 44 : 0;
    const double W = 1200, H = 380 + lane, L = 70, R = 20, T = 20, B = 50;
    const double duration = std::max(film_duration(a), 1e-3);
    double ymax = 1;
    for (const auto& s : a.shots) ymax = std::max(ymax, s.length_s());
    // A round axis top: 1, 2, 5 x 10^k.
    double step = std::pow(10, std::floor(std::log10(ymax)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (ymax / (step * m) <= 6) {
            step *= m;
            break;
        }
    ymax = std::ceil(ymax / step) * step;
    auto x = [&](double t) { return L + (W - L - R) * t / duration; };
    auto y = [&](double v) { return T + (H - T - B - lane) * (1 - v / ymax); };

    std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + decimal(W) +
                      " " + decimal(H) +
                      "\" role=\"img\" aria-labelledby=\"rhythm-title\" font-family=\"DejaVu Sans, "
                      "Arial, sans-serif\" font-size=\"16\">";
    out += "<title id=\"rhythm-title\">Shot lengths along the film with the cutting curve</title>";
    out += scene_bands_svg(a, x, T, y(0));
    for (double v = 0; v <= ymax + 1e-9; v += step) {
        out += "<line x1=\"" + decimal(L) + "\" x2=\"" + decimal(W - R) + "\" y1=\"" +
               decimal(y(v), 1) + "\" y2=\"" + decimal(y(v), 1) +
               "\" stroke=\"#cccccc\" stroke-width=\"1\"/>";
        out += "<text x=\"" + decimal(L - 8) + "\" y=\"" + decimal(y(v) + 5, 1) +
               "\" text-anchor=\"end\" fill=\"#222\">" + decimal(v, 1) + " s</text>";
    }
    double tstep = 60;
    for (double c : {1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0})
        if (duration / c <= 12) {
            tstep = c;
            break;
        }
    for (double t = 0; t <= duration + 1e-9; t += tstep) {
        out += "<line x1=\"" + decimal(x(t), 1) + "\" x2=\"" + decimal(x(t), 1) + "\" y1=\"" +
               decimal(H - B) + "\" y2=\"" + decimal(H - B + 6) + "\" stroke=\"#222\"/>";
        const int sec = int(std::lround(t));
        const std::string lab =
            std::to_string(sec / 60) + ":" + (sec % 60 < 10 ? "0" : "") + std::to_string(sec % 60);
        out += "<text x=\"" + decimal(x(t), 1) + "\" y=\"" + decimal(H - B + 24) +
               "\" text-anchor=\"middle\" fill=\"#222\">" + lab + "</text>";
    }
    out += "<text x=\"" + decimal((L + W - R) / 2) + "\" y=\"" + decimal(H - 4) +
           "\" text-anchor=\"middle\" fill=\"#222\">time in the film (min:s)</text>";
    for (const auto& s : a.shots) {
        const double x0 = x(s.start_time_s), x1 = x(s.end_time_s);
        const double wdt = std::max(1.0, x1 - x0 - 0.5);
        out += "<rect x=\"" + decimal(x0, 2) + "\" y=\"" + decimal(y(s.length_s()), 2) +
               "\" width=\"" + decimal(wdt, 2) + "\" height=\"" +
               decimal(y(0) - y(s.length_s()), 2) + "\" fill=\"" + scene_colour(s.scene) +
               "\" fill-opacity=\"0.75\"><title>Shot " + std::to_string(s.index) + ": " +
               decimal(s.length_s(), 2) + " s at " + format_clock(s.start_time_s) +
               "</title></rect>";
    }
    // The cutting curve: the analysis's when it has one per shot, else a centred running mean.
    std::vector<double> curve = a.rhythm.cutting_curve;
    if (curve.size() != a.shots.size()) {
        curve.assign(a.shots.size(), 0);
        const int n = int(a.shots.size()), half = 4;
        for (int i = 0; i < n; ++i) {
            double sum = 0;
            int cnt = 0;
            for (int j = std::max(0, i - half); j <= std::min(n - 1, i + half); ++j, ++cnt)
                sum += a.shots[j].length_s();
            curve[i] = cnt ? sum / cnt : 0;
        }
    }
    if (!curve.empty()) {
        std::string pts;
        for (std::size_t i = 0; i < curve.size(); ++i) {
            const auto& s = a.shots[i];
            pts += decimal(x((s.start_time_s + s.end_time_s) / 2), 2) + "," +
                   decimal(y(std::clamp(curve[i], 0.0, ymax)), 2) + " ";
        }
        out += "<polyline points=\"" + pts +
               "\" fill=\"none\" stroke=\"#111111\" stroke-width=\"3\" "
               "stroke-linejoin=\"round\"><title>cutting curve (smoothed shot length)</title>"
               "</polyline>";
    }
    out += "<line x1=\"" + decimal(L) + "\" x2=\"" + decimal(W - R) + "\" y1=\"" + decimal(y(0)) +
           "\" y2=\"" + decimal(y(0)) + "\" stroke=\"#222\" stroke-width=\"2\"/>";
    if (sound) out += sound_lane(a, x, y(0) + 6, y(0) + lane - 2);
    out += "</svg>";
    return out;
}

// Without Graphviz: an arc diagram. Shots sit on a line in film order, coloured by scene;
// similarity arcs above, returns below, consecutive shots need no drawing.
std::string arc_diagram(const Analysis& a) {
    const std::size_t n = a.shots.size();
    if (n == 0) return "<p class=\"note\">No shots.</p>";
    const double gap = 28, L = 30, mid = 260;
    const double W = L * 2 + gap * double(n - 1);
    const double H = 520;
    auto cx = [&](int i) { return L + gap * i; };
    std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + decimal(W) +
                      "\" height=\"" + decimal(H) + "\" viewBox=\"0 0 " + decimal(W) + " " +
                      decimal(H) +
                      "\" role=\"img\" aria-label=\"Shot graph as an arc diagram\" "
                      "font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"14\">";
    for (const auto& e : a.edges) {
        if (e.from < 0 || e.to < 0 || std::size_t(e.from) >= n || std::size_t(e.to) >= n) continue;
        if (e.kind == "next") continue;
        const double x0 = cx(e.from), x1 = cx(e.to);
        const double r = std::abs(x1 - x0) / 2;
        const bool up = e.kind == "similar";
        const double h = std::min(mid - 30, r);
        const std::string colour = up ? "#1f5fbf" : "#b03020";
        const double width = up ? 1 + 3 * std::clamp(e.weight, 0.0, 1.0) : 2.5;
        out += "<path d=\"M" + decimal(x0, 1) + "," + decimal(mid) + " C" + decimal(x0, 1) + "," +
               decimal(up ? mid - h * 1.3 : mid + h * 1.3) + " " + decimal(x1, 1) + "," +
               decimal(up ? mid - h * 1.3 : mid + h * 1.3) + " " + decimal(x1, 1) + "," +
               decimal(mid) + "\" fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"" +
               decimal(width, 1) + "\"" + (up ? " stroke-dasharray=\"6 4\"" : "") + "><title>" +
               xml_escape(e.kind + " " + std::to_string(e.from) + " → " + std::to_string(e.to) +
                          (up ? " (" + decimal(e.weight, 2) + ")" : "")) +
               "</title></path>";
    }
    out += "<line x1=\"" + decimal(cx(0)) + "\" x2=\"" + decimal(cx(int(n - 1))) + "\" y1=\"" +
           decimal(mid) + "\" y2=\"" + decimal(mid) + "\" stroke=\"#555\" stroke-width=\"2\"/>";
    const int label_every = std::max(1, int(std::ceil(40.0 / gap)));
    for (std::size_t i = 0; i < n; ++i) {
        const auto& s = a.shots[i];
        out +=
            "<circle cx=\"" + decimal(cx(int(i))) + "\" cy=\"" + decimal(mid) +
            "\" r=\"9\" data-start=\"" + decimal(s.start_time_s, 6) + "\" data-label=\"" +
            xml_escape("Shot " + std::to_string(s.index) + " at " + format_clock(s.start_time_s)) +
            "\" style=\"cursor: pointer\" fill=\"" + scene_colour(s.scene) +
            "\" stroke=\"#111\" stroke-width=\"1.5\"><title>Shot " + std::to_string(s.index) +
            " · " + format_clock(s.start_time_s) + " · scene " + std::to_string(s.scene) +
            "</title></circle>";
        if (int(i) % label_every == 0)
            out += "<text x=\"" + decimal(cx(int(i))) + "\" y=\"" + decimal(mid + 30) +
                   "\" text-anchor=\"middle\" fill=\"#111\">" + std::to_string(s.index) + "</text>";
    }
    out += "</svg>";
    return out;
}

std::string transitions_table(const Analysis& a) {
    if (a.transitions.empty()) return "<p class=\"note\">No transitions: the film is one shot.</p>";
    // With sound, each cut's offsets to the nearest beat and onset (found by frame).
    const bool sound = a.audio && !a.audio->cuts.empty();
    std::map<FrameIndex, const CutSound*> cut_sound;
    if (sound)
        for (const auto& c : a.audio->cuts) cut_sound.emplace(c.frame, &c);
    auto offset = [](const std::optional<double>& v) {
        return v ? (*v >= 0 ? "+" : "−") + decimal(std::abs(*v), 3) + " s" : std::string("—");
    };
    std::string out =
        "<table><thead><tr><th scope=\"col\">#</th><th scope=\"col\">type</th>"
        "<th scope=\"col\">starts</th><th scope=\"col\">ends</th><th scope=\"col\">frames</th>"
        "<th scope=\"col\">length</th><th scope=\"col\">confidence</th>";
    if (sound) out += "<th scope=\"col\">to beat</th><th scope=\"col\">to onset</th>";
    out += "</tr></thead><tbody>";
    for (std::size_t i = 0; i < a.transitions.size(); ++i) {
        const Transition& t = a.transitions[i];
        std::string sound_cells;
        if (sound) {
            const auto it =
                t.type == TransitionType::cut ? cut_sound.find(t.frames.start) : cut_sound.end();
            const CutSound* c = it == cut_sound.end() ? nullptr : it->second;
            sound_cells = "<td class=\"num\">" + offset(c ? c->beat_offset_s : std::nullopt) +
                          "</td><td class=\"num\">" + offset(c ? c->onset_offset_s : std::nullopt) +
                          "</td>";
        }
        const std::string type = words(to_string(t.type));
        out += "<tr><td class=\"num\">" + std::to_string(i) + "</td><td>" + xml_escape(type) +
               "</td><td>" +
               seek_button(t.start_time_s, type + " at " + format_clock(t.start_time_s)) +
               "</td><td>" + xml_escape(format_clock(t.end_time_s)) + "</td><td class=\"num\">" +
               std::to_string(t.frames.start) +
               (t.frames.empty() ? "" : "–" + std::to_string(t.frames.end)) +
               "</td><td class=\"num\">" + decimal(t.end_time_s - t.start_time_s, 2) +
               " s</td><td class=\"num\">" + decimal(t.confidence, 2) + "</td>" + sound_cells +
               "</tr>";
    }
    return out + "</tbody></table>";
}

std::string patterns_table(const Analysis& a) {
    if (a.patterns.empty()) return "<p class=\"note\">No montage patterns were found.</p>";
    std::string out =
        "<table><thead><tr><th scope=\"col\">pattern</th><th scope=\"col\">starts</th>"
        "<th scope=\"col\">shots</th><th scope=\"col\">set-ups</th></tr></thead><tbody>";
    auto list = [](const std::vector<int>& v) {
        std::string s;
        for (int x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
        return s;
    };
    for (const auto& p : a.patterns) {
        std::string start = "—";
        if (!p.shots.empty() && p.shots.front() >= 0 &&
            std::size_t(p.shots.front()) < a.shots.size()) {
            const auto& s = a.shots[p.shots.front()];
            start = seek_button(s.start_time_s,
                                words(p.kind) + " from shot " + std::to_string(s.index));
        }
        out += "<tr><td>" + xml_escape(words(p.kind)) + "</td><td>" + start + "</td><td>" +
               xml_escape(list(p.shots)) + "</td><td>" + xml_escape(list(p.setups)) + "</td></tr>";
    }
    return out + "</tbody></table>";
}

std::string events_html(const Analysis& a, const ReportOptions& o) {
    if (a.events.empty())
        return "<p class=\"note\">No micro-gestures or vibrations were revealed in this film.</p>";
    std::set<int> present;
    if (o.events_with_clips)
        present.insert(o.events_with_clips->begin(), o.events_with_clips->end());
    std::string clips, rest;
    for (std::size_t i = 0; i < a.events.size(); ++i) {
        const Event& e = a.events[i];
        const std::string when = format_clock(e.start_time_s) + "–" + format_clock(e.end_time_s);
        const bool vibration = e.kind == EventKind::vibration;
        const std::string facts =
            std::string(vibration ? "vibration · " : "") + "score " + decimal(e.score, 2) + " · " +
            decimal(e.peak_hz, 1) + " Hz · " + decimal(e.amplitude_px, 2) + " px at [" +
            std::to_string(e.bbox.x) + ", " + std::to_string(e.bbox.y) + ", " +
            std::to_string(e.bbox.width) + "×" + std::to_string(e.bbox.height) + "]";
        const std::string seek = seek_button(
            e.start_time_s, std::string(vibration ? "Vibration " : "Gesture ") + std::to_string(i) +
                                " at " + format_clock(e.start_time_s));
        const bool has_clip = !e.clip.empty() && (!o.events_with_clips || present.count(int(i)));
        if (has_clip) {
            clips += "<figure><video controls preload=\"metadata\" src=\"" +
                     xml_escape(detail::url_path_encode(e.clip)) + "\" aria-label=\"" +
                     xml_escape("Revealed gesture " + std::to_string(i) + ", " + when) +
                     "\"></video><figcaption><strong>Gesture " + std::to_string(i) +
                     "</strong> · " + xml_escape(when) + "<br>" + xml_escape(facts) +
                     "<br>In the film: " + seek + "</figcaption></figure>";
        } else {
            rest += "<li>Gesture " + std::to_string(i) + " · " + xml_escape(when) + " · " +
                    xml_escape(facts) + " " + seek + "</li>";
        }
    }
    std::string out;
    if (!clips.empty()) out += "<div class=\"clips\">" + clips + "</div>";
    if (!rest.empty()) out += "<p class=\"note\">Without a revealed clip:</p><ul>" + rest + "</ul>";
    return out;
}

std::string scene_swatches(const Analysis& a) {
    std::set<int> scenes;
    for (const auto& s : a.shots) scenes.insert(s.scene);
    std::string out;
    int shown = 0;
    for (int sc : scenes) {
        if (++shown > 24) {
            out += "<span>…</span>";
            break;
        }
        out += "<span><span class=\"swatch\" style=\"background:" + std::string(scene_colour(sc)) +
               "\"></span>scene " + std::to_string(sc) + "</span>";
    }
    return out;
}

// The legend of the built-in arc diagram of shots.
std::string graph_legend(const Analysis& a) {
    return "<span><span class=\"swatch\" style=\"background:#1f5fbf\"></span>similar (dashed, "
           "width = similarity)</span><span><span class=\"swatch\" style=\"background:#b03020\">"
           "</span>returns to an earlier set-up</span><span><span class=\"swatch\" "
           "style=\"background:#555555\"></span>next shot</span><br>" +
           scene_swatches(a);
}

// The legend of the set-up graph.
std::string setup_graph_legend(const Analysis& a) {
    return "Each box is a camera set-up within a scene: its still (from its most typical shot), "
           "its shots and screen time there. Arrows are cuts from one set-up to another, "
           "labelled with their count. Frames are scenes, in film order. Wheel or buttons to "
           "zoom, drag to move; select a set-up to play its first shot.<br>" +
           scene_swatches(a);
}

// The analysis for the page's correction panel, as the content of a <script type=
// "application/json">: '<' is written \u003c and '/' as \/ (both valid JSON), so no text in it
// can close the element or open another, and no path in it reads as a link of the page.
std::string edit_data(const Analysis& a) {
    const std::string json = analysis_json(a);
    std::string out;
    out.reserve(json.size() + json.size() / 8);
    for (char c : json) {
        if (c == '<')
            out += "\\u003c";
        else if (c == '/')
            out += "\\/";
        else
            out += c;
    }
    return out;
}

std::string fill(std::string_view tpl, const std::map<std::string, std::string>& values) {
    std::string out;
    out.reserve(tpl.size() * 2);
    std::size_t pos = 0;
    while (pos < tpl.size()) {
        const auto open = tpl.find("{{", pos);
        if (open == std::string_view::npos) break;
        const auto close = tpl.find("}}", open + 2);
        if (close == std::string_view::npos) break;
        out.append(tpl.substr(pos, open - pos));
        const std::string key(tpl.substr(open + 2, close - open - 2));
        const auto it = values.find(key);
        if (it == values.end())
            throw Error(ErrorKind::internal, "report template: unknown field " + key);
        out += it->second;
        pos = close + 2;
    }
    out.append(tpl.substr(pos));
    return out;
}

}  // namespace

std::string report_html(const Analysis& a, const ReportOptions& o) {
    const std::string name = detail::display_name(a.source.path);
    std::string video = o.video_src.empty() ? detail::media_url(a.source.path) : o.video_src;
    std::string aspect = "16 / 9";
    if (a.source.width > 0 && a.source.height > 0)
        aspect = std::to_string(a.source.width) + " / " + std::to_string(a.source.height);
    const Figures f = rhythm_figures(a);
    std::string caption =
        "Bars: each shot's length at its place in the film, coloured by scene. Line: the cutting "
        "curve (smoothed shot length). Shaded bands: the scenes, numbered at the top. ASL " +
        decimal(f.asl, 2) + " s, MSL " + decimal(f.msl, 2) + " s.";
    if (const auto rate = cuts_per_minute(a)) {
        caption += std::string(" ") + kCutRateName + ": " + decimal(*rate, 1);
        if (a.rhythm.cuts_per_minute.size() > 1) {
            const auto [lo, hi] = std::minmax_element(a.rhythm.cuts_per_minute.begin(),
                                                      a.rhythm.cuts_per_minute.end());
            caption += " (" + decimal(*lo, 1) + " to " + decimal(*hi, 1) + " in " +
                       decimal(a.rhythm.window_s, 0) + " s windows)";
        }
        caption += ".";
    }
    if (a.audio && (!a.audio->beats.empty() || !a.audio->onsets.empty())) {
        caption += " Lane: the soundtrack's beats (" + decimal(a.audio->tempo_bpm, 1) +
                   " bpm) above, its onsets below, each cut across.";
        if (a.audio->on_beat_share)
            caption +=
                " " + decimal(100 * *a.audio->on_beat_share, 0) +
                " % of the cuts fall within half a frame of a beat" +
                (a.audio->on_onset_share ? ", " + decimal(100 * *a.audio->on_onset_share, 0) +
                                               " % within a frame of an onset."
                                         : std::string("."));
    } else if (a.audio && !a.audio->error.empty()) {
        caption += " Sound: " + a.audio->error + ".";
    }
    const bool setup_graph = !o.graph_svg.empty() && inert_svg(o.graph_svg);
    const std::map<std::string, std::string> values{
        {"GENERATOR", "kinoglaz"},
        {"TITLE", xml_escape(name)},
        {"SUBTITLE", subtitle(a)},
        {"FIGURES", figures_html(a)},
        {"VIDEO_SRC", xml_escape(video)},
        {"ASPECT", aspect},
        {"CONTACT_SHEET", contact_sheet(a, o)},
        {"RHYTHM_SVG", rhythm_svg(a)},
        {"RHYTHM_CAPTION", xml_escape(caption)},
        {"GRAPH_LEGEND", setup_graph ? setup_graph_legend(a) : graph_legend(a)},
        {"GRAPH_SVG", setup_graph ? o.graph_svg : arc_diagram(a)},
        {"TRANSITIONS", transitions_table(a)},
        {"EDIT_DATA", edit_data(a)},
        {"PATTERNS", patterns_table(a)},
        {"EVENTS", events_html(a, o)},
        {"FOOTER",
         "Made by kinoglaz from " + xml_escape(name) + " (" + xml_escape(Analysis::kSchema) + ")."},
    };
    return fill(detail::kReportTemplate, values);
}

}  // namespace kinoglaz
