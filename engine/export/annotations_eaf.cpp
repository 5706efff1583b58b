// ELAN annotation document, EAF 3.0, written the way ELAN itself writes one: time slots shared
// by annotations, one linguistic type per kind of tier, the four standard constraints.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "export_detail.hpp"
#include "kinoglaz/export/export.hpp"

namespace kinoglaz {

namespace {

using detail::xml_escape;

struct Annotation {
    std::int64_t begin_ms;
    std::int64_t end_ms;
    std::string value;
};

struct Tier {
    std::string id;
    std::string type;    ///< linguistic type id
    std::string parent;  ///< empty for a top-level tier
    std::vector<Annotation> annotations;
};

std::int64_t to_ms(double seconds) {
    return std::llround(std::max(0.0, seconds) * 1000.0);
}

std::string now_iso() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string mime_type(const std::string& path) {
    std::string ext;
    if (auto dot = path.find_last_of('.'); dot != std::string::npos) ext = path.substr(dot + 1);
    for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
    if (ext == "mov") return "video/quicktime";
    if (ext == "mpg" || ext == "mpeg" || ext == "vob" || ext == "ts") return "video/mpeg";
    if (ext == "webm") return "video/webm";
    if (ext == "mkv") return "video/x-matroska";
    if (ext == "avi") return "video/x-msvideo";
    return "video/mp4";
}

// An annotation must last at least a millisecond, and annotations on one tier must not
// overlap (ELAN refuses to edit such tiers): later ones start where earlier ones end.
void add(Tier& tier, std::int64_t begin, std::int64_t end, std::string value) {
    if (!tier.annotations.empty()) begin = std::max(begin, tier.annotations.back().end_ms);
    if (end <= begin) return;
    tier.annotations.push_back({begin, end, std::move(value)});
}

}  // namespace

std::string annotations_eaf(const Analysis& a, const std::string& date_iso,
                            const ExportOptions& options) {
    // Real times throughout; the rate only fills in frames the Analysis gives no time for.
    const detail::FrameClock clock(a, timeline_rate(a.source, options.timeline_rate));

    Tier shots{"shots", "shot", "", {}};
    Tier scale{"scale", "shot-property", "shots", {}};
    Tier camera{"camera", "shot-property", "shots", {}};
    Tier scenes{"scenes", "scene", "", {}};
    Tier transitions{"transitions", "transition", "", {}};

    // A shot's annotation runs to its end (a fade-out included) or, where a dissolve makes
    // shots overlap, to the next shot's start: one tier cannot hold overlapping annotations.
    std::map<int, std::pair<std::int64_t, std::int64_t>> shot_ms;
    for (std::size_t i = 0; i < a.shots.size(); ++i) {
        const Shot& s = a.shots[i];
        FrameIndex end = s.frames.end;
        if (i + 1 < a.shots.size()) end = std::min(end, a.shots[i + 1].frames.start);
        const std::int64_t b = to_ms(s.start_time_s);
        const std::int64_t e = to_ms(clock.seconds(end));
        const std::size_t before = shots.annotations.size();
        add(shots, b, e, "Shot " + std::to_string(s.index));
        if (shots.annotations.size() == before) continue;
        const auto& placed = shots.annotations.back();
        shot_ms[int(i)] = {placed.begin_ms, placed.end_ms};
        add(scale, placed.begin_ms, placed.end_ms, std::string(to_string(s.scale)));
        add(camera, placed.begin_ms, placed.end_ms, std::string(to_string(s.camera)));
    }
    for (const auto& sc : a.scenes) {
        std::int64_t b = -1, e = -1;
        for (int i = sc.first_shot; i <= sc.last_shot; ++i) {
            auto it = shot_ms.find(i);
            if (it == shot_ms.end()) continue;
            if (b < 0) b = it->second.first;
            e = it->second.second;
        }
        if (b >= 0)
            add(scenes, b, e,
                "Scene " + std::to_string(sc.index) + " (shots " + std::to_string(sc.first_shot) +
                    "-" + std::to_string(sc.last_shot) + ")");
    }
    for (const auto& t : a.transitions) {
        const std::int64_t b = to_ms(t.start_time_s);
        // A cut has no duration; it is shown as the first frame of the incoming shot.
        const std::int64_t e =
            t.frames.empty()
                ? b + to_ms(clock.seconds(t.frames.start + 1) - clock.seconds(t.frames.start))
                : to_ms(t.end_time_s);
        add(transitions, b, std::max(e, b + 1), std::string(to_string(t.type)));
    }
    // Events may overlap one another; they go to the first events tier that is free.
    std::vector<Tier> event_tiers{{"events", "event", "", {}}};
    std::vector<const Event*> events;
    for (const auto& e : a.events) events.push_back(&e);
    std::stable_sort(events.begin(), events.end(), [](const Event* x, const Event* y) {
        return x->start_time_s < y->start_time_s;
    });
    for (const Event* e : events) {
        const std::int64_t b = to_ms(e->start_time_s);
        const std::int64_t end = std::max(to_ms(e->end_time_s), b + 1);
        const char* what = e->kind == EventKind::vibration ? "vibration" : "micro-gesture";
        std::string value = std::string(what) + " score " + detail::decimal(e->score, 2) + ", " +
                            detail::decimal(e->peak_hz, 1) + " Hz, " +
                            detail::decimal(e->amplitude_px, 2) + " px";
        if (!e->clip.empty()) value += ", clip " + e->clip;
        auto free = std::find_if(event_tiers.begin(), event_tiers.end(), [&](const Tier& t) {
            return t.annotations.empty() || t.annotations.back().end_ms <= b;
        });
        if (free == event_tiers.end()) {
            event_tiers.push_back(
                {"events " + std::to_string(event_tiers.size() + 1), "event", "", {}});
            free = std::prev(event_tiers.end());
        }
        add(*free, b, end, std::move(value));
    }

    std::vector<Tier*> tiers{&shots, &scale, &camera, &scenes, &transitions};
    for (auto& t : event_tiers) tiers.push_back(&t);
    // The soundtrack's beats, each 50 ms long (or to the next beat), on a tier of their own.
    Tier beats{"beats", "beat", "", {}};
    if (a.audio && !a.audio->beats.empty()) {
        const auto& b = a.audio->beats;
        for (std::size_t k = 0; k < b.size(); ++k) {
            if (b[k] < 0) continue;
            const std::int64_t begin = to_ms(b[k]);
            std::int64_t end = begin + 50;
            if (k + 1 < b.size()) end = std::min(end, to_ms(b[k + 1]));
            add(beats, begin, std::max(end, begin + 1), "beat " + std::to_string(k));
        }
        if (!beats.annotations.empty()) tiers.push_back(&beats);
    }

    // Time slots: one per distinct time, numbered in time order.
    std::map<std::int64_t, std::string> slots;
    for (const Tier* t : tiers)
        for (const auto& an : t->annotations) {
            slots.emplace(an.begin_ms, "");
            slots.emplace(an.end_ms, "");
        }
    int n = 0;
    for (auto& [ms, id] : slots) id = "ts" + std::to_string(++n);

    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<ANNOTATION_DOCUMENT AUTHOR=\"kinoglaz\" DATE=\"" +
           xml_escape(date_iso.empty() ? now_iso() : date_iso) +
           "\" FORMAT=\"3.0\" VERSION=\"3.0\" "
           "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
           "xsi:noNamespaceSchemaLocation=\"http://www.mpi.nl/tools/elan/EAFv3.0.xsd\">\n";
    out += "    <HEADER MEDIA_FILE=\"\" TIME_UNITS=\"milliseconds\">\n";
    // ELAN tries MEDIA_URL, then RELATIVE_MEDIA_URL against the document's folder.
    const std::string relative =
        options.absolute_paths ? ""
                               : detail::relative_media_path(a.source.path, options.media_base);
    out += "        <MEDIA_DESCRIPTOR MEDIA_URL=\"" + xml_escape(detail::media_url(a.source.path)) +
           "\" MIME_TYPE=\"" + mime_type(a.source.path) + "\"";
    if (!relative.empty())
        out += " RELATIVE_MEDIA_URL=\"" +
               xml_escape((relative.rfind("../", 0) == 0 ? "" : "./") +
                          detail::url_path_encode(relative)) +
               "\"";
    out += "/>\n";
    int annotation_count = 0;
    for (const Tier* t : tiers) annotation_count += int(t->annotations.size());
    out += "        <PROPERTY NAME=\"lastUsedAnnotationId\">" + std::to_string(annotation_count) +
           "</PROPERTY>\n";
    out += "    </HEADER>\n    <TIME_ORDER>\n";
    for (const auto& [ms, id] : slots)
        out += "        <TIME_SLOT TIME_SLOT_ID=\"" + id + "\" TIME_VALUE=\"" + std::to_string(ms) +
               "\"/>\n";
    out += "    </TIME_ORDER>\n";
    int next_id = 0;
    for (const Tier* t : tiers) {
        out += "    <TIER LINGUISTIC_TYPE_REF=\"" + t->type + "\"" +
               (t->parent.empty() ? "" : " PARENT_REF=\"" + xml_escape(t->parent) + "\"") +
               " TIER_ID=\"" + xml_escape(t->id) + "\"";
        if (t->annotations.empty()) {
            out += "/>\n";
            continue;
        }
        out += ">\n";
        for (const auto& an : t->annotations) {
            out += "        <ANNOTATION>\n";
            out += "            <ALIGNABLE_ANNOTATION ANNOTATION_ID=\"a" +
                   std::to_string(++next_id) + "\" TIME_SLOT_REF1=\"" + slots[an.begin_ms] +
                   "\" TIME_SLOT_REF2=\"" + slots[an.end_ms] + "\">\n";
            out += "                <ANNOTATION_VALUE>" + xml_escape(an.value) +
                   "</ANNOTATION_VALUE>\n";
            out += "            </ALIGNABLE_ANNOTATION>\n        </ANNOTATION>\n";
        }
        out += "    </TIER>\n";
    }
    std::vector<const char*> types{"shot", "scene", "transition", "event"};
    if (!beats.annotations.empty()) types.push_back("beat");
    for (const char* type : types)
        out += "    <LINGUISTIC_TYPE GRAPHIC_REFERENCES=\"false\" LINGUISTIC_TYPE_ID=\"" +
               std::string(type) + "\" TIME_ALIGNABLE=\"true\"/>\n";
    out +=
        "    <LINGUISTIC_TYPE CONSTRAINTS=\"Included_In\" GRAPHIC_REFERENCES=\"false\" "
        "LINGUISTIC_TYPE_ID=\"shot-property\" TIME_ALIGNABLE=\"true\"/>\n";
    out +=
        "    <CONSTRAINT DESCRIPTION=\"Time subdivision of parent annotation's time interval, "
        "no time gaps allowed within this interval\" STEREOTYPE=\"Time_Subdivision\"/>\n";
    out +=
        "    <CONSTRAINT DESCRIPTION=\"Symbolic subdivision of a parent annotation. "
        "Annotations refering to the same parent are ordered\" "
        "STEREOTYPE=\"Symbolic_Subdivision\"/>\n";
    out +=
        "    <CONSTRAINT DESCRIPTION=\"1-1 association with a parent annotation\" "
        "STEREOTYPE=\"Symbolic_Association\"/>\n";
    out +=
        "    <CONSTRAINT DESCRIPTION=\"Time alignable annotations within the parent "
        "annotation's time interval, gaps are allowed\" STEREOTYPE=\"Included_In\"/>\n";
    out += "</ANNOTATION_DOCUMENT>\n";
    return out;
}

}  // namespace kinoglaz
