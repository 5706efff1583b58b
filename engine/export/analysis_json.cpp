#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include <kinoglaz/core.hpp>
#include "export_detail.hpp"
#include "kinoglaz/export/export.hpp"
#include "kinoglaz/internal/json_number.hpp"

namespace kinoglaz {

using nlohmann::ordered_json;

namespace {

// Times are written with millisecond-and-better precision but no float noise, so that
// equal analyses give equal bytes.
double rounded(double v, double scale = 1e6) {
    return std::round(v * scale) / scale;
}

ordered_json rational(const Rational& r) {
    return ordered_json::array({r.num, r.den});
}

ordered_json source_object(const SourceInfo& s) {
    // A file name is bytes: one that is not UTF-8 gets "path_bytes" (see kinoglaz/text.hpp).
    ordered_json o;
    put_user_text(o, "path", s.path);
    o.update(ordered_json{
        {"width", s.width},
        {"height", s.height},
        {"fps", rounded(s.fps)},
        {"frame_count", s.frame_count},
        {"duration_s", rounded(s.duration_s)},
        {"frame_count_exact", s.frame_count_exact},
        {"container", s.container},
        {"codec", s.codec},
        {"pixel_format", s.pixel_format},
        {"coded_width", s.coded_width},
        {"coded_height", s.coded_height},
        {"sample_aspect_ratio", rational(s.sample_aspect)},
        {"rotation", s.rotation_deg},
        {"time_base", rational(s.time_base)},
        {"fps_nominal", rational(s.fps_nominal)},
        {"fps_average", rational(s.fps_average)},
        {"start_time_s", rounded(s.start_time_s)},
        {"decode_errors", s.decode_errors},
        {"timestamp_glitches", s.timestamp_glitches},
    });
    if (!s.picture_area.empty())
        o["picture_area"] = ordered_json{{"x", s.picture_area.x},
                                         {"y", s.picture_area.y},
                                         {"width", s.picture_area.width},
                                         {"height", s.picture_area.height}};
    return o;
}

ordered_json transition_object(const Transition& t, const CutSound* sound) {
    ordered_json o{{"type", std::string(to_string(t.type))},
                   {"start_frame", t.frames.start},
                   {"end_frame", t.frames.end},
                   {"start_time", rounded(t.start_time_s)},
                   {"end_time", rounded(t.end_time_s)},
                   {"confidence", rounded(t.confidence, 1e4)}};
    if (t.by_user) o["source"] = "user";
    if (sound && sound->beat_offset_s) o["beat_offset_s"] = rounded(*sound->beat_offset_s);
    if (sound && sound->onset_offset_s) o["onset_offset_s"] = rounded(*sound->onset_offset_s);
    return o;
}

// The cut's entry in the audio section, found by its frame.
const CutSound* cut_sound(const Analysis& a, const Transition& t) {
    if (!a.audio || t.type != TransitionType::cut) return nullptr;
    const auto& cuts = a.audio->cuts;
    auto it = std::lower_bound(cuts.begin(), cuts.end(), t.frames.start,
                               [](const CutSound& c, FrameIndex f) { return c.frame < f; });
    return it != cuts.end() && it->frame == t.frames.start ? &*it : nullptr;
}

ordered_json audio_object(const AudioAnalysis& a) {
    auto times = [](const std::vector<double>& v) {
        auto out = ordered_json::array();
        for (double x : v) out.push_back(rounded(x));
        return out;
    };
    ordered_json o{{"stream", a.stream},
                   {"codec", a.codec},
                   {"channels", a.channels},
                   {"sample_rate", a.sample_rate},
                   {"start_s", rounded(a.start_s)},
                   {"duration_s", rounded(a.duration_s)},
                   {"tempo_bpm", rounded(a.tempo_bpm, 1e3)},
                   {"beats", times(a.beats)}};
    if (!a.downbeats.empty()) {
        o["downbeats"] = times(a.downbeats);
        o["beats_per_bar"] = a.beats_per_bar;
    }
    o["onsets"] = times(a.onsets);
    o["decode_errors"] = a.decode_errors;
    if (!a.error.empty()) o["error"] = a.error;
    return o;
}

ordered_json shot_object(const Shot& s) {
    ordered_json o{{"index", s.index},
                   {"start_frame", s.frames.start},
                   {"end_frame", s.frames.end},
                   {"start_time", rounded(s.start_time_s)},
                   {"end_time", rounded(s.end_time_s)},
                   {"length_s", rounded(s.length_s())},
                   {"scene", s.scene},
                   {"setup", s.setup},
                   {"scale", std::string(to_string(s.scale))},
                   {"camera", std::string(to_string(s.camera))},
                   {"keyframe", s.keyframe},
                   {"brightness", rounded(s.descriptor.brightness, 1e3)},
                   {"colourfulness", rounded(s.descriptor.colourfulness, 1e3)},
                   {"motion_energy", rounded(s.descriptor.motion_energy, 1e5)}};
    // Provenance only where a person set something, so that an unedited analysis is unchanged.
    if (s.scale_by_user) o["scale_source"] = "user";
    if (s.camera_by_user) o["camera_source"] = "user";
    if (s.setup_by_user) o["setup_source"] = "user";
    if (s.scene_by_user) o["scene_source"] = "user";
    if (!s.note.empty()) o["note"] = s.note;
    return o;
}

ordered_json doubles(const std::vector<double>& v, double scale = 1e4) {
    auto out = ordered_json::array();
    for (double x : v) out.push_back(rounded(x, scale));
    return out;
}

}  // namespace

std::string source_json(const SourceInfo& source) {
    return detail::json_text(source_object(source)) + "\n";
}

std::string analysis_json(const Analysis& a, JsonContent content) {
    ordered_json doc;
    doc["schema"] = Analysis::kSchema;
    doc["source"] = source_object(a.source);
    auto transitions = ordered_json::array();
    for (const auto& t : a.transitions)
        transitions.push_back(transition_object(t, cut_sound(a, t)));
    doc["transitions"] = transitions;
    if (content == JsonContent::full) {
        auto shots = ordered_json::array();
        for (const auto& s : a.shots) shots.push_back(shot_object(s));
        doc["shots"] = shots;
        auto scenes = ordered_json::array();
        for (const auto& s : a.scenes)
            scenes.push_back(
                {{"index", s.index}, {"first_shot", s.first_shot}, {"last_shot", s.last_shot}});
        doc["scenes"] = scenes;
        auto nodes = ordered_json::array();
        for (const auto& s : a.shots)
            nodes.push_back({{"id", s.index},
                             {"start_time", rounded(s.start_time_s)},
                             {"end_time", rounded(s.end_time_s)},
                             {"keyframe", s.keyframe},
                             {"scene", s.scene},
                             {"setup", s.setup}});
        auto edges = ordered_json::array();
        for (const auto& e : a.edges)
            edges.push_back({{"from", e.from},
                             {"to", e.to},
                             {"kind", e.kind},
                             {"weight", rounded(e.weight, 1e4)}});
        doc["graph"] = {{"nodes", nodes}, {"edges", edges}};
        auto patterns = ordered_json::array();
        for (const auto& p : a.patterns) {
            ordered_json o{{"kind", p.kind}, {"shots", p.shots}};
            if (!p.setups.empty()) o["setups"] = p.setups;
            patterns.push_back(o);
        }
        doc["patterns"] = patterns;
        const auto& r = a.rhythm;
        doc["rhythm"] = {{"shot_count", r.shot_count},
                         {"asl_s", rounded(r.asl_s)},
                         {"msl_s", rounded(r.msl_s)},
                         {"std_s", rounded(r.std_s)},
                         {"cv", rounded(r.cv)},
                         {"lognormal_mu", rounded(r.lognormal_mu)},
                         {"lognormal_sigma", rounded(r.lognormal_sigma)},
                         {"window_s", rounded(r.window_s)},
                         {"cuts_per_minute", doubles(r.cuts_per_minute)},
                         {"cutting_curve", doubles(r.cutting_curve)}};
        if (a.audio && a.audio->on_beat_share)
            doc["rhythm"]["on_beat_share"] = rounded(*a.audio->on_beat_share);
        if (a.audio && a.audio->on_onset_share)
            doc["rhythm"]["on_onset_share"] = rounded(*a.audio->on_onset_share);
        auto events = ordered_json::array();
        for (const auto& e : a.events)
            events.push_back({{"kind", event_kind_name(e.kind)},
                              {"start_frame", e.frames.start},
                              {"end_frame", e.frames.end},
                              {"start_time", rounded(e.start_time_s)},
                              {"end_time", rounded(e.end_time_s)},
                              {"bbox", {e.bbox.x, e.bbox.y, e.bbox.width, e.bbox.height}},
                              {"amplitude_px", rounded(e.amplitude_px, 1e4)},
                              {"peak_hz", rounded(e.peak_hz, 1e4)},
                              {"score", rounded(e.score, 1e4)},
                              {"clip", e.clip}});
        doc["events"] = events;
        if (a.audio) doc["audio"] = audio_object(*a.audio);
        if (!a.removed_transitions.empty()) {
            auto removed = ordered_json::array();
            for (const auto& t : a.removed_transitions)
                removed.push_back(transition_object(t, nullptr));
            doc["removed_transitions"] = removed;
        }
    }
    return detail::json_text(doc) + "\n";
}

namespace {

template <class T>
T get_or(const ordered_json& o, const char* key, T fallback) {
    auto it = o.find(key);
    if (it == o.end() || it->is_null()) return fallback;
    return detail::json_number<T>(*it);
}

// A [num, den] pair, or `fallback` when absent or malformed.
Rational rational_or(const ordered_json& o, const char* key, Rational fallback) {
    auto it = o.find(key);
    if (it == o.end() || !it->is_array() || it->size() != 2) return fallback;
    return {detail::json_number<std::int64_t>((*it)[0]),
            detail::json_number<std::int64_t>((*it)[1])};
}

}  // namespace

Analysis parse_analysis_json(const std::string& text, const std::string& origin) {
    ordered_json doc = ordered_json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) throw_bad_input(origin, "not a JSON object");
    Analysis a;
    try {
        if (auto it = doc.find("source"); it != doc.end() && it->is_object()) {
            a.source.path = get_or<std::string>(*it, "path", "");
            a.source.path = get_user_text(*it, "path", a.source.path);
            a.source.width = get_or<int>(*it, "width", 0);
            a.source.height = get_or<int>(*it, "height", 0);
            a.source.fps = get_or<double>(*it, "fps", 0);
            a.source.frame_count = get_or<std::int64_t>(*it, "frame_count", 0);
            a.source.duration_s = get_or<double>(*it, "duration_s", 0);
            a.source.frame_count_exact = get_or<bool>(*it, "frame_count_exact", false);
            a.source.container = get_or<std::string>(*it, "container", "");
            a.source.codec = get_or<std::string>(*it, "codec", "");
            a.source.pixel_format = get_or<std::string>(*it, "pixel_format", "");
            a.source.coded_width = get_or<int>(*it, "coded_width", 0);
            a.source.coded_height = get_or<int>(*it, "coded_height", 0);
            a.source.sample_aspect = rational_or(*it, "sample_aspect_ratio", {1, 1});
            a.source.rotation_deg = get_or<int>(*it, "rotation", 0);
            a.source.time_base = rational_or(*it, "time_base", {1, 1});
            a.source.fps_nominal = rational_or(*it, "fps_nominal", {0, 1});
            a.source.fps_average = rational_or(*it, "fps_average", {0, 1});
            a.source.start_time_s = get_or<double>(*it, "start_time_s", 0);
            a.source.decode_errors = get_or<std::int64_t>(*it, "decode_errors", 0);
            a.source.timestamp_glitches = get_or<std::int64_t>(*it, "timestamp_glitches", 0);
            if (auto area = it->find("picture_area"); area != it->end() && area->is_object())
                a.source.picture_area = {get_or<int>(*area, "x", 0), get_or<int>(*area, "y", 0),
                                         get_or<int>(*area, "width", 0),
                                         get_or<int>(*area, "height", 0)};
        }
        std::vector<CutSound> cut_sounds;  // kept when the file has an audio section
        auto tr = doc.find("transitions");
        if (tr == doc.end() || !tr->is_array()) throw_bad_input(origin, "no 'transitions' array");
        auto transition = [&](const ordered_json& t, std::size_t k, const char* list) {
            const std::string where = std::string(list) + "[" + std::to_string(k) + "]";
            if (!t.is_object()) throw_bad_input(origin, where + " is not an object");
            Transition x;
            const std::string name = get_or<std::string>(t, "type", "");
            auto type = transition_type_from_string(name);
            if (!type) throw_bad_input(origin, where + ": unknown transition type '" + name + "'");
            x.type = *type;
            x.frames = {detail::json_number<FrameIndex>(t.at("start_frame")),
                        detail::json_number<FrameIndex>(t.at("end_frame"))};
            if (x.frames.end < x.frames.start)
                throw_bad_input(origin, where + ": transition ends before it starts");
            x.start_time_s = get_or<double>(t, "start_time", 0);
            x.end_time_s = get_or<double>(t, "end_time", 0);
            x.confidence = get_or<float>(t, "confidence", 1.0f);
            x.by_user = get_or<std::string>(t, "source", "") == "user";
            return x;
        };
        if (auto rm = doc.find("removed_transitions"); rm != doc.end() && rm->is_array())
            for (std::size_t k = 0; k < rm->size(); ++k)
                a.removed_transitions.push_back(transition((*rm)[k], k, "removed_transitions"));
        for (std::size_t k = 0; k < tr->size(); ++k) {
            const auto& t = (*tr)[k];
            const Transition x = transition(t, k, "transitions");
            a.transitions.push_back(x);
            if (x.type == TransitionType::cut &&
                (t.contains("beat_offset_s") || t.contains("onset_offset_s"))) {
                CutSound c{x.frames.start, x.start_time_s, {}, {}};
                if (auto b = t.find("beat_offset_s"); b != t.end() && !b->is_null())
                    c.beat_offset_s = detail::json_number<double>(*b);
                if (auto o = t.find("onset_offset_s"); o != t.end() && !o->is_null())
                    c.onset_offset_s = detail::json_number<double>(*o);
                cut_sounds.push_back(c);
            }
        }
        if (auto au = doc.find("audio"); au != doc.end() && au->is_object()) {
            AudioAnalysis x;
            x.stream = get_or<int>(*au, "stream", -1);
            x.codec = get_or<std::string>(*au, "codec", "");
            x.channels = get_or<int>(*au, "channels", 0);
            x.sample_rate = get_or<int>(*au, "sample_rate", 0);
            x.start_s = get_or<double>(*au, "start_s", 0);
            x.duration_s = get_or<double>(*au, "duration_s", 0);
            x.tempo_bpm = get_or<double>(*au, "tempo_bpm", 0);
            x.beats_per_bar = get_or<int>(*au, "beats_per_bar", 0);
            x.decode_errors = get_or<std::int64_t>(*au, "decode_errors", 0);
            x.error = get_or<std::string>(*au, "error", "");
            auto times = [&](const char* key, std::vector<double>& out) {
                auto it = au->find(key);
                if (it == au->end() || it->is_null()) return;
                if (!it->is_array())
                    throw_bad_input(origin, std::string("audio ") + key + " is not an array");
                for (const auto& v : *it) out.push_back(detail::json_number<double>(v));
            };
            times("beats", x.beats);
            times("downbeats", x.downbeats);
            times("onsets", x.onsets);
            x.cuts = std::move(cut_sounds);
            if (auto r = doc.find("rhythm"); r != doc.end() && r->is_object()) {
                if (r->contains("on_beat_share"))
                    x.on_beat_share = get_or<double>(*r, "on_beat_share", 0);
                if (r->contains("on_onset_share"))
                    x.on_onset_share = get_or<double>(*r, "on_onset_share", 0);
            }
            a.audio = std::move(x);
        }
        if (auto ev = doc.find("events"); ev != doc.end() && ev->is_array()) {
            for (const auto& e : *ev) {
                Event x;
                // Written before kinds existed, every event was a micro-gesture.
                const auto kind = get_or<std::string>(e, "kind", "gesture");
                if (auto k = event_kind_from_string(kind))
                    x.kind = *k;
                else
                    throw_bad_input(origin, "unknown event kind '" + kind + "'");
                x.frames = {detail::json_number<FrameIndex>(e.at("start_frame")),
                            detail::json_number<FrameIndex>(e.at("end_frame"))};
                const auto& b = e.at("bbox");
                if (!b.is_array() || b.size() != 4)
                    throw_bad_input(origin, "event bbox is not [x,y,w,h]");
                x.bbox = cv::Rect(detail::json_number<int>(b[0]), detail::json_number<int>(b[1]),
                                  detail::json_number<int>(b[2]), detail::json_number<int>(b[3]));
                x.amplitude_px = get_or<double>(e, "amplitude_px", 0);
                x.peak_hz = get_or<double>(e, "peak_hz", get_or<double>(e, "freq_hz", 0));
                x.score = get_or<double>(e, "score", 1);
                x.start_time_s = get_or<double>(e, "start_time", 0);
                x.end_time_s = get_or<double>(e, "end_time", 0);
                x.clip = get_or<std::string>(e, "clip", "");
                a.events.push_back(x);
            }
        }
        if (auto sh = doc.find("shots"); sh != doc.end() && sh->is_array()) {
            for (std::size_t k = 0; k < sh->size(); ++k) {
                const auto& s = (*sh)[k];
                const std::string where = "shots[" + std::to_string(k) + "]";
                if (!s.is_object()) throw_bad_input(origin, where + " is not an object");
                Shot x;
                x.index = get_or<int>(s, "index", int(k));
                x.frames = {detail::json_number<FrameIndex>(s.at("start_frame")),
                            detail::json_number<FrameIndex>(s.at("end_frame"))};
                x.start_time_s = get_or<double>(s, "start_time", 0);
                x.end_time_s = get_or<double>(s, "end_time", 0);
                x.scene = get_or<int>(s, "scene", 0);
                x.setup = get_or<int>(s, "setup", 0);
                const std::string scale = get_or<std::string>(s, "scale", "unknown");
                const auto sc = shot_scale_from_string(scale);
                if (!sc) throw_bad_input(origin, where + ": unknown scale '" + scale + "'");
                x.scale = *sc;
                const std::string camera = get_or<std::string>(s, "camera", "static");
                const auto cam = camera_movement_from_string(camera);
                if (!cam) throw_bad_input(origin, where + ": unknown camera '" + camera + "'");
                x.camera = *cam;
                x.keyframe = get_or<FrameIndex>(s, "keyframe", x.frames.start);
                x.descriptor.brightness = get_or<float>(s, "brightness", 0.f);
                x.descriptor.colourfulness = get_or<float>(s, "colourfulness", 0.f);
                x.descriptor.motion_energy = get_or<float>(s, "motion_energy", 0.f);
                x.scale_by_user = get_or<std::string>(s, "scale_source", "") == "user";
                x.camera_by_user = get_or<std::string>(s, "camera_source", "") == "user";
                x.setup_by_user = get_or<std::string>(s, "setup_source", "") == "user";
                x.scene_by_user = get_or<std::string>(s, "scene_source", "") == "user";
                x.note = get_or<std::string>(s, "note", "");
                a.shots.push_back(std::move(x));
            }
        }
        if (auto sc = doc.find("scenes"); sc != doc.end() && sc->is_array()) {
            for (std::size_t k = 0; k < sc->size(); ++k) {
                const auto& s = (*sc)[k];
                if (!s.is_object())
                    throw_bad_input(origin, "scenes[" + std::to_string(k) + "] is not an object");
                a.scenes.push_back({get_or<int>(s, "index", int(k)),
                                    detail::json_number<int>(s.at("first_shot")),
                                    detail::json_number<int>(s.at("last_shot"))});
            }
        }
    } catch (const nlohmann::json::exception& e) {
        throw_bad_input(origin, std::string("malformed analysis: ") + e.what());
    } catch (const detail::BadJsonNumber& e) {
        throw_bad_input(origin, std::string("malformed analysis: ") + e.what());
    }
    return a;
}

}  // namespace kinoglaz
