// OpenTimelineIO JSON. The schema versions written (Timeline.1, Stack.1, Track.1, Clip.2,
// ExternalReference.1, Gap.1, Transition.1, Marker.2, TimeRange.1, RationalTime.1) are the ones
// OpenTimelineIO 0.15+ writes itself, so its deserializer reads the file without upgrades.

#include <cmath>

#include <nlohmann/json.hpp>

#include "export_detail.hpp"
#include "kinoglaz/export.hpp"

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

std::string timeline_otio(const Analysis& a) {
    const Rational r = detail::film_rate(a.source);
    const Otio otio{r.to_double()};
    const FrameIndex total = detail::film_frames(a);
    const std::string name = detail::display_name(a.source.path);
    const std::string url = detail::media_url(a.source.path);

    auto children = ordered_json::array();
    for (const auto& item : detail::edit_list(a)) {
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

    // Track time is film time (the items tile the film from frame 0), so markers of events
    // sit on the track at their own frames.
    auto markers = ordered_json::array();
    for (std::size_t i = 0; i < a.events.size(); ++i) {
        const Event& e = a.events[i];
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
                           {"marked_range", otio.range(e.frames.start, e.frames.length())},
                           {"comment", "micro-gesture, score " + detail::decimal(e.score, 2) +
                                           (e.clip.empty() ? std::string() : ", clip " + e.clip)}});
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
                          {"global_start_time", otio.time(0)},
                          {"tracks", stack}};
    // A file name that is not UTF-8 is written with U+FFFD rather than failing the export.
    return timeline.dump(2, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace kinoglaz
