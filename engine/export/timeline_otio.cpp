// OpenTimelineIO JSON. The schema versions written (Timeline.1, Stack.1, Track.1, Clip.2,
// ExternalReference.1, Gap.1, Transition.1, Marker.2, TimeRange.1, RationalTime.1) are the ones
// OpenTimelineIO 0.15+ writes itself, so its deserializer reads the file without upgrades.

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "export_detail.hpp"
#include "kinoglaz/export/export.hpp"

namespace kinoglaz {

namespace {

using nlohmann::ordered_json;

struct Otio {
    double rate;

    ordered_json time(FrameIndex frames) const {
        return {{"OTIO_SCHEMA", "RationalTime.1"}, {"rate", rate}, {"value", double(frames)}};
    }
    ordered_json range(FrameIndex start, FrameIndex duration) const {
        return {{"OTIO_SCHEMA", "TimeRange.1"},
                {"duration", time(duration)},
                {"start_time", time(start)}};
    }
};

double rounded(double v) {
    return std::round(v * 1e6) / 1e6;
}

ordered_json shot_metadata(const Shot& s) {
    return {{"kinoglaz",
             {{"shot", s.index},
              {"scene", s.scene},
              {"setup", s.setup},
              {"scale", std::string(to_string(s.scale))},
              {"camera", std::string(to_string(s.camera))},
              {"keyframe", s.keyframe},
              {"keyframe_image", keyframe_path(s.index)},
              {"start_frame", s.frames.start},
              {"end_frame", s.frames.end},
              {"start_time", rounded(s.start_time_s)},
              {"end_time", rounded(s.end_time_s)}}}};
}

}  // namespace

std::string timeline_otio(const Analysis& a, const ExportOptions& options) {
    const Rational r = timeline_rate(a.source, options.timeline_rate);
    const Otio otio{r.to_double()};
    const detail::FrameClock clock(a, r);
    const FrameIndex total = detail::film_timeline_frames(a, clock);
    const std::string name = detail::plain_text(detail::display_name(a.source.path));
    const std::string url = detail::media_reference(a.source.path, options);
    const auto items = detail::edit_list(a, clock);
    // Record time is source time: a timeline of part of the film starts where that part does.
    const FrameIndex origin = items.empty() ? 0 : items.front().frames.start;

    auto children = ordered_json::array();
    for (const auto& item : items) {
        if (item.in != nullptr) {
            const Transition& t = *item.in;
            const bool wipe = t.type == TransitionType::wipe;
            children.push_back(
                {{"OTIO_SCHEMA", "Transition.1"},
                 {"metadata",
                  {{"kinoglaz",
                    {{"type", std::string(to_string(t.type))},
                     {"start_frame", t.frames.start},
                     {"end_frame", t.frames.end},
                     {"confidence", std::round(double(t.confidence) * 1e4) / 1e4}}}}},
                 {"name", std::string(to_string(t.type))},
                 {"transition_type", wipe ? "Custom_Transition" : "SMPTE_Dissolve"},
                 {"parameters", ordered_json::object()},
                 // The edit point is the transition's first frame: all of it lies after the cut.
                 {"in_offset", otio.time(0)},
                 {"out_offset", otio.time(item.in_length)}});
        }
        if (item.kind == detail::EditItem::Kind::gap) {
            children.push_back({{"OTIO_SCHEMA", "Gap.1"},
                                {"metadata", ordered_json::object()},
                                {"name", "black"},
                                {"source_range", otio.range(0, item.frames.length())},
                                {"effects", ordered_json::array()},
                                {"markers", ordered_json::array()},
                                {"enabled", true}});
            continue;
        }
        const Shot& s = a.shots[item.shot];
        ordered_json ref{{"OTIO_SCHEMA", "ExternalReference.1"},
                         {"metadata", ordered_json::object()},
                         {"name", name},
                         {"available_range", otio.range(0, total)},
                         {"available_image_bounds", nullptr},
                         {"target_url", url}};
        children.push_back({{"OTIO_SCHEMA", "Clip.2"},
                            {"metadata", shot_metadata(s)},
                            {"name", "Shot " + detail::shot_number(s.index)},
                            {"source_range", otio.range(item.frames.start, item.frames.length())},
                            {"effects", ordered_json::array()},
                            {"markers", ordered_json::array()},
                            {"enabled", true},
                            {"media_references", {{"DEFAULT_MEDIA", ref}}},
                            {"active_media_reference_key", "DEFAULT_MEDIA"}});
    }

    // Track time is film time less the timeline's start (the items tile the analysed part of the
    // film), so markers of events sit on the track at their own frames less that start.
    auto markers = ordered_json::array();
    for (std::size_t i = 0; i < a.events.size(); ++i) {
        const Event& e = a.events[i];
        const FrameIndex start = clock.frame(e.frames.start);
        const FrameIndex length = std::max<FrameIndex>(clock.frame(e.frames.end) - start, 0);
        markers.push_back({{"OTIO_SCHEMA", "Marker.2"},
                           {"metadata",
                            {{"kinoglaz",
                              {{"bbox", {e.bbox.x, e.bbox.y, e.bbox.width, e.bbox.height}},
                               {"amplitude_px", std::round(e.amplitude_px * 1e4) / 1e4},
                               {"peak_hz", std::round(e.peak_hz * 1e4) / 1e4},
                               {"score", std::round(e.score * 1e4) / 1e4},
                               {"clip", e.clip}}}}},
                           {"name", "event " + std::to_string(i)},
                           {"color", "RED"},
                           {"marked_range", otio.range(start - origin, length)},
                           {"comment", "micro-gesture, score " + detail::decimal(e.score, 2) +
                                           (e.clip.empty() ? std::string() : ", clip " + e.clip)}});
    }
    // The soundtrack's beats as zero-length markers on the analysed part of the track.
    if (a.audio)
        for (double b : a.audio->beats) {
            const FrameIndex f = clock.frame_at(b);
            if (b < 0 || f < origin || f >= total) continue;
            markers.push_back(
                {{"OTIO_SCHEMA", "Marker.2"},
                 {"metadata", {{"kinoglaz", {{"time_s", std::round(b * 1e6) / 1e6}}}}},
                 {"name", "beat"},
                 {"color", "BLUE"},
                 {"marked_range", otio.range(f - origin, 0)},
                 {"comment", detail::decimal(a.audio->tempo_bpm, 1) + " bpm"}});
        }

    ordered_json track{{"OTIO_SCHEMA", "Track.1"},
                       {"metadata", ordered_json::object()},
                       {"name", "Shots"},
                       {"source_range", nullptr},
                       {"effects", ordered_json::array()},
                       {"markers", markers},
                       {"enabled", true},
                       {"children", children},
                       {"kind", "Video"}};
    ordered_json stack{{"OTIO_SCHEMA", "Stack.1"},
                       {"metadata", ordered_json::object()},
                       {"name", "tracks"},
                       {"source_range", nullptr},
                       {"effects", ordered_json::array()},
                       {"markers", ordered_json::array()},
                       {"enabled", true},
                       {"children", ordered_json::array({track})}};
    ordered_json timeline{{"OTIO_SCHEMA", "Timeline.1"},
                          {"metadata",
                           {{"kinoglaz",
                             {{"schema", Analysis::kSchema},
                              {"source", a.source.path},
                              {"rate", {r.num, r.den}},
                              {"frame_count", total}}}}},
                          {"name", name},
                          {"global_start_time", otio.time(origin)},
                          {"tracks", stack}};
    // A file name that is not UTF-8 is written with U+FFFD rather than failing the export.
    return detail::json_text(timeline) + "\n";
}

}  // namespace kinoglaz
