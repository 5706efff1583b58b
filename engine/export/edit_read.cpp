// Readers of edited exports: each turns a file back into marks (where shots change) and labels,
// in the film's decoded frames. They invert the writers of this folder; reconcile
// (edit_apply.cpp) compares what they read in the edited file with what they read in the
// unedited export.

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <nlohmann/json.hpp>

#include <kinoglaz/core.hpp>
#include "export_detail.hpp"
#include "kinoglaz/export/edits.hpp"
#include "kinoglaz/internal/json_number.hpp"

namespace kinoglaz {

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& origin, const std::string& where,
                       const std::string& reason) {
    throw_bad_input(origin, where + ": " + reason);
}

std::string trim(std::string_view s) {
    std::size_t a = 0, b = s.size();
    while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
    while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
    return std::string(s.substr(a, b - a));
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::string line;
    std::istringstream in(text);
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(line);
    }
    return lines;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() &&
            std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += char(std::strtol(std::string(s.substr(i + 1, 2)).c_str(), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// The film a file names (a path or URL, maybe percent-encoded) must be the analysis's film.
void check_film_name(const std::string& named, const Analysis& base, const std::string& origin,
                     const std::string& where) {
    if (named.empty()) return;
    const std::string ours = detail::plain_text(detail::display_name(base.source.path));
    const std::string theirs = detail::plain_text(detail::display_name(percent_decode(named)));
    if (theirs != ours && detail::display_name(named) != ours)
        fail(origin, where,
             "belongs to the film '" + theirs + "', not to this analysis's '" + ours + "'");
}

void check_range(FrameIndex f, const FilmClock& clock, const std::string& origin,
                 const std::string& where) {
    if (f < clock.first() || f > clock.end())
        fail(origin, where,
             "frame " + std::to_string(f) + " is outside the film (frames " +
                 std::to_string(clock.first()) + " to " + std::to_string(clock.end()) + ")");
}

void check_seconds(double s, const FilmClock& clock, const std::string& origin,
                   const std::string& where) {
    const double frame = clock.end() > clock.first()
                             ? (clock.seconds(clock.end()) - clock.seconds(clock.first())) /
                                   double(clock.end() - clock.first())
                             : 0.04;
    if (!std::isfinite(s) || s < clock.seconds(clock.first()) - frame ||
        s > clock.seconds(clock.end()) + frame)
        fail(origin, where,
             "time " + detail::decimal(s, 3) + " s is outside the film (0 to " +
                 detail::decimal(clock.seconds(clock.end()), 3) + " s)");
}

EditMark mark(EditMark::Kind kind, TransitionType type, FrameIndex s, FrameIndex e,
              std::string where) {
    EditMark m;
    m.kind = kind;
    m.transition.type = type;
    m.transition.frames = {s, std::max(s, e)};
    m.where = std::move(where);
    return m;
}

std::optional<ShotScale> scale_label(const std::string& v, const std::string& origin,
                                     const std::string& where) {
    if (v.empty()) return std::nullopt;
    auto s = shot_scale_from_string(v);
    if (!s)
        fail(origin, where,
             "unknown scale '" + v +
                 "' (extreme_close_up, close_up, medium_close_up, medium, medium_long, long, "
                 "extreme_long, unknown)");
    return s;
}

std::optional<CameraMovement> camera_label(const std::string& v, const std::string& origin,
                                           const std::string& where) {
    if (v.empty()) return std::nullopt;
    auto c = camera_movement_from_string(v);
    if (!c)
        fail(origin, where,
             "unknown camera '" + v + "' (static, pan, tilt, zoom, moving, handheld)");
    return c;
}

// ---- shots.csv -----------------------------------------------------------------------------

std::vector<std::string> csv_fields(const std::string& line) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"')
                fields.back() += '"', ++i;
            else if (c == '"')
                quoted = false;
            else
                fields.back() += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.emplace_back();
        } else {
            fields.back() += c;
        }
    }
    return fields;
}

FrameIndex integer(const std::string& v, const std::string& origin, const std::string& where,
                   const char* what) {
    const std::string t = trim(v);
    char* end = nullptr;
    errno = 0;
    const long long x = std::strtoll(t.c_str(), &end, 10);
    if (t.empty() || *end != '\0' || errno != 0)
        fail(origin, where, std::string(what) + " '" + t + "' is not a whole number");
    return FrameIndex(x);
}

EditedFile read_csv(const std::string& text, const std::string& origin, const FilmClock& clock) {
    EditedFile f;
    f.format = EditFormat::csv;
    const auto lines = lines_of(text);
    const auto header = csv_fields(lines.at(0));
    std::map<std::string, std::size_t> col;
    for (std::size_t i = 0; i < header.size(); ++i) col[trim(header[i])] = i;
    auto field = [&](const std::vector<std::string>& row, const char* name) -> std::string {
        auto it = col.find(name);
        return it == col.end() || it->second >= row.size() ? std::string() : trim(row[it->second]);
    };
    struct Row {
        FrameIndex start, end;
        std::string where;
    };
    std::vector<Row> rows;
    for (std::size_t n = 1; n < lines.size(); ++n) {
        if (trim(lines[n]).empty()) continue;
        const std::string where = "line " + std::to_string(n + 1);
        const auto row = csv_fields(lines[n]);
        const FrameIndex s = integer(field(row, "start_frame"), origin, where, "start_frame");
        const FrameIndex e = integer(field(row, "end_frame"), origin, where, "end_frame");
        check_range(s, clock, origin, where);
        check_range(e, clock, origin, where);
        if (e <= s) fail(origin, where, "the shot ends before it starts");
        if (!rows.empty() && s <= rows.back().start)
            fail(origin, where, "shots are not in order (this one starts before the one above)");
        if (!rows.empty() && s < rows.back().end && e <= rows.back().end)
            fail(origin, where, "the shot lies inside the one above");
        rows.push_back({s, e, where});
        EditShotLabels labels;
        labels.start = s;
        labels.where = where;
        labels.scale = scale_label(field(row, "scale"), origin, where);
        labels.camera = camera_label(field(row, "camera"), origin, where);
        if (col.count("setup") && !field(row, "setup").empty())
            labels.setup = int(integer(field(row, "setup"), origin, where, "setup"));
        if (col.count("scene") && !field(row, "scene").empty())
            labels.scene = int(integer(field(row, "scene"), origin, where, "scene"));
        if (col.count("note")) labels.note = field(row, "note");
        f.labels.push_back(std::move(labels));
    }
    using K = EditMark::Kind;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const Row& r = rows[i];
        if (i == 0) {
            f.marks.push_back(
                mark(K::cut_or_start, TransitionType::cut, r.start, r.start, r.where));
        } else {
            const FrameIndex end = rows[i - 1].end;
            if (r.start == end)
                f.marks.push_back(mark(K::exact, TransitionType::cut, r.start, r.start, r.where));
            else if (r.start < end)
                f.marks.push_back(
                    mark(K::gradual, TransitionType::dissolve, r.start, end, r.where));
            else {
                f.marks.push_back(
                    mark(K::cut_or_end, TransitionType::cut, end, end, rows[i - 1].where));
                f.marks.push_back(
                    mark(K::cut_or_start, TransitionType::cut, r.start, r.start, r.where));
            }
        }
        if (i + 1 == rows.size())
            f.marks.push_back(mark(K::cut_or_end, TransitionType::cut, r.end, r.end, r.where));
    }
    return f;
}

// ---- timelines (EDL, OTIO, FCPXML) -------------------------------------------------------

// One clip or gap of a timeline, in the timeline's frames; `in` is the transition into it.
struct Item {
    bool gap = false;
    FrameIndex start = 0, end = 0;
    bool has_in = false;
    FrameIndex in_start = 0, in_length = 0;
    TransitionType in_type = TransitionType::dissolve;
    std::string where;
};

void marks_from_items(const std::vector<Item>& items, const Rational& rate, const FilmClock& clock,
                      const std::string& origin, EditedFile& f) {
    auto frame = [&](FrameIndex tl, const std::string& where) {
        const double s = double(tl) * double(rate.den) / double(rate.num);
        check_seconds(s, clock, origin, where);
        return clock.frame_at(s);
    };
    using K = EditMark::Kind;
    for (std::size_t k = 0; k < items.size(); ++k) {
        const Item& cur = items[k];
        const Item* prev = k > 0 ? &items[k - 1] : nullptr;
        if (cur.end < cur.start) fail(origin, cur.where, "ends before it starts");
        if (prev && cur.start < prev->end && !cur.has_in)
            fail(origin, cur.where, "overlaps the item before it");
        if (cur.has_in) {
            const FrameIndex s = frame(cur.in_start, cur.where);
            const FrameIndex e = frame(cur.in_start + cur.in_length, cur.where);
            const TransitionType type = cur.gap                ? TransitionType::fade_out
                                        : (!prev || prev->gap) ? TransitionType::fade_in
                                                               : cur.in_type;
            f.marks.push_back(mark(K::exact, type, s, e, cur.where));
        } else if (!prev) {
            if (!cur.gap)
                f.marks.push_back(mark(K::cut_or_start, TransitionType::cut,
                                       frame(cur.start, cur.where), 0, cur.where));
        } else if (!(prev->gap && cur.gap)) {
            const FrameIndex at = frame(cur.start, cur.where);
            const K kind = cur.gap ? K::cut_or_end : prev->gap ? K::cut_or_start : K::exact;
            f.marks.push_back(mark(kind, TransitionType::cut, at, at, cur.where));
        }
        if (k + 1 == items.size() && !cur.gap) {
            const FrameIndex at = frame(cur.end, cur.where);
            f.marks.push_back(mark(K::cut_or_end, TransitionType::cut, at, at, cur.where));
        }
    }
}

// "HH:MM:SS:FF" or drop-frame "HH:MM:SS;FF" at `rate` (inverse of smpte_timecode()).
std::optional<FrameIndex> parse_timecode(const std::string& tc, const Rational& rate) {
    int h, m, s, ff;
    char sep;
    if (std::sscanf(tc.c_str(), "%d:%d:%d%c%d", &h, &m, &s, &sep, &ff) != 5) return std::nullopt;
    if ((sep != ':' && sep != ';' && sep != '.') || h < 0 || m < 0 || m > 59 || s < 0 || s > 59 ||
        ff < 0)
        return std::nullopt;
    const std::int64_t fps = std::max<std::int64_t>(1, std::llround(rate.to_double()));
    const bool ntsc = rate.num * 1001 == 30000 * rate.den || rate.num * 1001 == 60000 * rate.den;
    const std::int64_t drop = ntsc ? fps / 15 : 0;
    const std::int64_t minutes = std::int64_t(h) * 60 + m;
    return (minutes * 60 + s) * fps + ff - drop * (minutes - minutes / 10);
}

EditedFile read_edl(const std::string& text, const std::string& origin, const Analysis& base,
                    const FilmClock& clock) {
    EditedFile f;
    f.format = EditFormat::edl;
    const auto lines = lines_of(text);
    Rational rate = timeline_rate(base.source);
    for (const auto& line : lines)
        if (line.rfind("* RATE:", 0) == 0) {
            std::istringstream in(line.substr(7));
            std::string r;
            in >> r;
            if (auto parsed = parse_frame_rate(r)) rate = *parsed;
        }
    f.timeline_rate = rate;
    std::vector<Item> items;
    for (std::size_t n = 0; n < lines.size(); ++n) {
        const std::string& line = lines[n];
        const std::string where = "line " + std::to_string(n + 1);
        if (line.rfind("TITLE:", 0) == 0) {
            // The writer keeps printable ASCII of the file name, up to 70 characters.
            std::string ours;
            for (unsigned char c : detail::display_name(base.source.path))
                ours += (c >= 0x20 && c < 0x7f) ? char(c) : '_';
            const std::string title = trim(line.substr(6));
            if (!title.empty() && title != ours.substr(0, 70))
                fail(origin, where,
                     "TITLE '" + title + "' names another film than this analysis's '" +
                         ours.substr(0, 70) + "'");
            continue;
        }
        if (line.rfind("* COMMENT: SHOT ", 0) == 0 && !items.empty() && !items.back().gap) {
            std::istringstream in(line.substr(16));
            std::string shot, scene_word, scene, scale;
            in >> shot >> scene_word >> scene >> scale;
            EditShotLabels labels;
            labels.where = where;
            labels.start =
                clock.frame_at(double(items.back().start) * double(rate.den) / double(rate.num));
            labels.scale = scale_label(scale, origin, where);
            if (scene_word == "SCENE") {
                const bool number = !scene.empty() && scene.size() < 10 &&
                                    std::all_of(scene.begin(), scene.end(),
                                                [](unsigned char c) { return std::isdigit(c); });
                if (!number) fail(origin, where, "SCENE needs a scene number, not '" + scene + "'");
                labels.scene = std::atoi(scene.c_str());
            }
            f.labels.push_back(labels);
            continue;
        }
        if (line.empty() || !std::isdigit(static_cast<unsigned char>(line[0]))) continue;
        std::istringstream in(line);
        std::vector<std::string> tok;
        for (std::string t; in >> t;) tok.push_back(t);
        if (tok.size() < 8) fail(origin, where, "an event line needs 8 fields or more");
        if (tok[2] != "V" && tok[2] != "B") continue;  // audio events say nothing of shots
        Item item;
        item.where = where;
        item.gap = tok[1] == "BL";
        std::size_t at = 4;
        const std::string& code = tok[3];
        if (code == "C") {
        } else if (code == "D" || code[0] == 'W') {
            item.has_in = true;
            item.in_type = code == "D" ? TransitionType::dissolve : TransitionType::wipe;
            item.in_length = integer(tok[4], origin, where, "transition length");
            at = 5;
        } else {
            fail(origin, where, "unknown transition code '" + code + "' (C, D or Wnnn)");
        }
        if (tok.size() < at + 4) fail(origin, where, "an event line needs four timecodes");
        const auto rec_in = parse_timecode(tok[at + 2], rate);
        const auto rec_out = parse_timecode(tok[at + 3], rate);
        if (!rec_in || !rec_out) fail(origin, where, "malformed record timecode");
        if (*rec_out < *rec_in) fail(origin, where, "record out before record in");
        if (*rec_out == *rec_in) continue;  // the zero-length edit before a dissolve
        item.start = *rec_in;
        item.end = *rec_out;
        item.in_start = item.start;
        if (!items.empty() && item.start > items.back().end)
            items.push_back({true, items.back().end, item.start, false, 0, 0, {}, where});
        items.push_back(item);
    }
    if (items.empty()) throw_bad_input(origin, "no events");
    marks_from_items(items, rate, clock, origin, f);
    return f;
}

// OTIO RationalTime as frames at `rate`.
FrameIndex otio_frames(const json& t, const Rational& rate) {
    const double value = detail::json_number<double>(t.at("value"));
    const double r = detail::json_number<double>(t.at("rate"));
    if (r <= 0) throw detail::BadJsonNumber("rate <= 0");
    return std::llround(value / r * rate.to_double());
}

EditedFile read_otio(const std::string& text, const std::string& origin, const Analysis& base,
                     const FilmClock& clock) {
    EditedFile f;
    f.format = EditFormat::otio;
    const json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) throw_bad_input(origin, "not JSON");
    try {
        Rational rate = timeline_rate(base.source);
        const json* meta = nullptr;
        if (auto m = doc.find("metadata"); m != doc.end() && m->contains("kinoglaz"))
            meta = &(*m)["kinoglaz"];
        if (meta && meta->contains("rate") && (*meta)["rate"].is_array())
            rate = {detail::json_number<std::int64_t>((*meta)["rate"][0]),
                    detail::json_number<std::int64_t>((*meta)["rate"][1])};
        else if (doc.contains("global_start_time") && doc["global_start_time"].is_object())
            rate =
                parse_frame_rate(
                    std::to_string(detail::json_number<double>(doc["global_start_time"]["rate"])))
                    .value_or(rate);
        if (!rate.valid() || rate.to_double() <= 0) throw_bad_input(origin, "bad timeline rate");
        f.timeline_rate = rate;
        if (meta && meta->contains("source") && (*meta)["source"].is_string())
            check_film_name((*meta)["source"].get<std::string>(), base, origin,
                            "timeline metadata 'source'");
        const json& tracks = doc.at("tracks").at("children");
        const json* video = nullptr;
        for (const auto& t : tracks)
            if (t.value("kind", "") == "Video") {
                video = &t;
                break;
            }
        if (!video) throw_bad_input(origin, "no video track");
        std::vector<Item> items;
        bool pending = false;
        FrameIndex pending_before = 0, pending_after = 0;
        TransitionType pending_type = TransitionType::dissolve;
        // Where the track starts: the timeline's global start (a ranged analysis starts late).
        FrameIndex pos = 0;
        if (doc.contains("global_start_time") && doc["global_start_time"].is_object())
            pos = otio_frames(doc["global_start_time"], rate);
        const auto& children = video->at("children");
        for (std::size_t k = 0; k < children.size(); ++k) {
            const json& c = children[k];
            const std::string schema = c.value("OTIO_SCHEMA", "");
            const std::string where =
                "track item " + std::to_string(k) + " ('" + c.value("name", "") + "')";
            if (schema.rfind("Transition.", 0) == 0) {
                pending = true;
                pending_before = otio_frames(c.at("in_offset"), rate);
                pending_after = otio_frames(c.at("out_offset"), rate);
                const std::string tt = c.value("transition_type", "");
                pending_type =
                    tt == "SMPTE_Dissolve" ? TransitionType::dissolve : TransitionType::wipe;
                continue;
            }
            const bool gap = schema.rfind("Gap.", 0) == 0;
            if (!gap && schema.rfind("Clip.", 0) != 0)
                fail(origin, where, "unexpected " + schema + " in the video track");
            Item item;
            item.where = where;
            item.gap = gap;
            const json& range = c.at("source_range");
            const FrameIndex length = otio_frames(range.at("duration"), rate);
            if (gap) {
                item.start = items.empty() ? pos : items.back().end;
            } else {
                item.start = otio_frames(range.at("start_time"), rate);
                for (const char* key : {"media_references", "media_reference"}) {
                    if (!c.contains(key)) continue;
                    const json& refs = c[key];
                    const json* ref =
                        refs.contains("DEFAULT_MEDIA") ? &refs["DEFAULT_MEDIA"] : &refs;
                    if (ref->is_object() && ref->contains("target_url") &&
                        (*ref)["target_url"].is_string())
                        check_film_name((*ref)["target_url"].get<std::string>(), base, origin,
                                        where);
                }
                if (auto m = c.find("metadata"); m != c.end() && m->contains("kinoglaz")) {
                    const json& k = (*m)["kinoglaz"];
                    EditShotLabels labels;
                    labels.where = where;
                    labels.scale = scale_label(k.value("scale", ""), origin, where);
                    labels.camera = camera_label(k.value("camera", ""), origin, where);
                    if (k.contains("setup") && k["setup"].is_number_integer())
                        labels.setup = k["setup"].get<int>();
                    if (k.contains("scene") && k["scene"].is_number_integer())
                        labels.scene = k["scene"].get<int>();
                    labels.start = item.start;  // in timeline frames until converted below
                    f.labels.push_back(labels);
                }
            }
            item.end = item.start + length;
            if (pending) {
                item.has_in = true;
                item.in_start = item.start - pending_before;
                item.in_length = pending_before + pending_after;
                item.in_type = pending_type;
                pending = false;
            }
            pos = item.end;
            items.push_back(item);
        }
        if (items.empty()) throw_bad_input(origin, "the video track has no clips");
        for (auto& l : f.labels)
            l.start = clock.frame_at(double(l.start) * double(rate.den) / double(rate.num));
        marks_from_items(items, rate, clock, origin, f);
    } catch (const json::exception& e) {
        throw_bad_input(origin, std::string("malformed timeline: ") + e.what());
    } catch (const detail::BadJsonNumber& e) {
        throw_bad_input(origin, std::string("malformed timeline: ") + e.what());
    }
    return f;
}

// ---- XML (FCPXML, EAF) through libxml2 -----------------------------------------------------

struct XmlDoc {
    std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc{nullptr, xmlFreeDoc};
};

XmlDoc parse_xml(const std::string& text, const std::string& origin) {
    XmlDoc d;
    // No network, no entity expansion beyond the built-in ones, no DTD loading.
    d.doc.reset(xmlReadMemory(text.data(), int(text.size()), origin.c_str(), nullptr,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
    if (!d.doc) {
        const xmlError* e = xmlGetLastError();
        throw_bad_input(origin,
                        "not well-formed XML" +
                            (e ? " (line " + std::to_string(e->line) + ")" : std::string()));
    }
    return d;
}

std::string attr(xmlNode* n, const char* name) {
    xmlChar* v = xmlGetProp(n, reinterpret_cast<const xmlChar*>(name));
    if (!v) return {};
    std::string s(reinterpret_cast<const char*>(v));
    xmlFree(v);
    return s;
}

bool named(xmlNode* n, const char* name) {
    return n->type == XML_ELEMENT_NODE &&
           xmlStrcmp(n->name, reinterpret_cast<const xmlChar*>(name)) == 0;
}

std::string element_where(xmlNode* n) {
    return "element <" + std::string(reinterpret_cast<const char*>(n->name)) + "> at line " +
           std::to_string(xmlGetLineNo(n));
}

std::vector<xmlNode*> children(xmlNode* n, const char* name = nullptr) {
    std::vector<xmlNode*> out;
    for (xmlNode* c = n ? n->children : nullptr; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && (!name || named(c, name))) out.push_back(c);
    return out;
}

xmlNode* find(xmlNode* n, const char* name) {
    for (xmlNode* c = n; c; c = c->next) {
        if (named(c, name)) return c;
        if (xmlNode* d = find(c->children, name)) return d;
    }
    return nullptr;
}

// FCPXML time "N/Ds" or "Ns" in frames at `rate`.
FrameIndex fcp_frames(const std::string& v, const Rational& rate, const std::string& origin,
                      const std::string& where) {
    long long n = 0, d = 1;
    char s = 0;
    if (std::sscanf(v.c_str(), "%lld/%lld%c", &n, &d, &s) == 3 && s == 's' && d > 0) {
    } else if (std::sscanf(v.c_str(), "%lld%c", &n, &s) == 2 && s == 's') {
        d = 1;
    } else {
        fail(origin, where, "malformed time '" + v + "'");
    }
    return std::llround(double(n) / double(d) * rate.to_double());
}

EditedFile read_fcpxml(const std::string& text, const std::string& origin, const Analysis& base,
                       const FilmClock& clock) {
    EditedFile f;
    f.format = EditFormat::fcpxml;
    const XmlDoc d = parse_xml(text, origin);
    xmlNode* root = xmlDocGetRootElement(d.doc.get());
    Rational rate = timeline_rate(base.source);
    if (xmlNode* format = find(root, "format")) {
        long long n = 0, den = 0;
        if (std::sscanf(attr(format, "frameDuration").c_str(), "%lld/%llds", &n, &den) == 2 &&
            n > 0 && den > 0)
            rate = {den, n};
        else if (std::sscanf(attr(format, "frameDuration").c_str(), "%llds", &n) == 1 && n > 0)
            rate = {1, n};
    }
    f.timeline_rate = rate;
    if (xmlNode* rep = find(root, "media-rep"))
        check_film_name(attr(rep, "src"), base, origin, element_where(rep));
    xmlNode* spine = find(root, "spine");
    if (!spine) throw_bad_input(origin, "no <spine>");
    std::vector<Item> items;
    bool pending = false;
    FrameIndex pending_start = 0, pending_length = 0;
    TransitionType pending_type = TransitionType::dissolve;
    for (xmlNode* c : children(spine)) {
        const std::string where = element_where(c);
        if (named(c, "transition")) {
            pending = true;
            pending_start = fcp_frames(attr(c, "offset"), rate, origin, where);
            pending_length = fcp_frames(attr(c, "duration"), rate, origin, where);
            pending_type =
                attr(c, "name") == "Wipe" ? TransitionType::wipe : TransitionType::dissolve;
            continue;
        }
        const bool gap = named(c, "gap");
        if (!gap && !named(c, "asset-clip") && !named(c, "clip") && !named(c, "ref-clip"))
            fail(origin, where, "unexpected element in the spine");
        Item item;
        item.where = where;
        item.gap = gap;
        item.start = fcp_frames(attr(c, "offset"), rate, origin, where);
        item.end = item.start + fcp_frames(attr(c, "duration"), rate, origin, where);
        if (pending) {
            item.has_in = true;
            item.in_start = pending_start;
            item.in_length = pending_length;
            item.in_type = pending_type;
            pending = false;
        }
        items.push_back(item);
    }
    if (items.empty()) throw_bad_input(origin, "the spine has no clips");
    marks_from_items(items, rate, clock, origin, f);
    return f;
}

EditedFile read_eaf(const std::string& text, const std::string& origin, const Analysis& base,
                    const FilmClock& clock) {
    EditedFile f;
    f.format = EditFormat::eaf;
    const XmlDoc d = parse_xml(text, origin);
    xmlNode* root = xmlDocGetRootElement(d.doc.get());
    if (xmlNode* media = find(root, "MEDIA_DESCRIPTOR"))
        check_film_name(attr(media, "MEDIA_URL"), base, origin, element_where(media));
    std::map<std::string, std::int64_t> slots;
    if (xmlNode* order = find(root, "TIME_ORDER"))
        for (xmlNode* s : children(order, "TIME_SLOT")) {
            const std::string v = attr(s, "TIME_VALUE");
            if (v.empty()) continue;  // unaligned slots carry no time
            slots[attr(s, "TIME_SLOT_ID")] = std::atoll(v.c_str());
        }
    auto ms = [&](xmlNode* a, const char* ref, const std::string& where) {
        auto it = slots.find(attr(a, ref));
        if (it == slots.end())
            fail(origin, where, std::string(ref) + " names no aligned time slot");
        const double s = double(it->second) / 1000.0;
        check_seconds(s, clock, origin, where);
        return s;
    };
    std::map<FrameIndex, EditShotLabels> labels;
    // The scenes tier: one annotation per scene ("Scene N (shots a-b)" as kinoglaz writes it,
    // or any text: then scenes are numbered in order). Each shot of the shots tier takes the
    // scene whose annotation holds its start, so moving a scene's edge moves its shots.
    struct SceneSpan {
        double begin, end;
        int number;
        std::string where;
    };
    std::vector<SceneSpan> scene_spans;
    std::vector<std::pair<double, FrameIndex>> shot_starts;
    for (xmlNode* tier : children(root, "TIER")) {
        std::string id = attr(tier, "TIER_ID");
        std::transform(id.begin(), id.end(), id.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        const bool notes = id == "notes" || id == "note" || id == "comments";
        if (id != "transitions" && id != "scale" && id != "camera" && id != "scenes" &&
            id != "shots" && !notes)
            continue;
        for (xmlNode* an : children(tier, "ANNOTATION"))
            for (xmlNode* a : children(an, "ALIGNABLE_ANNOTATION")) {
                const std::string where = "tier " + id + ", annotation " +
                                          attr(a, "ANNOTATION_ID") + " at line " +
                                          std::to_string(xmlGetLineNo(a));
                std::string value;
                if (xmlNode* v = find(a->children, "ANNOTATION_VALUE")) {
                    xmlChar* content = xmlNodeGetContent(v);
                    if (content) value = trim(reinterpret_cast<const char*>(content));
                    xmlFree(content);
                }
                const double b = ms(a, "TIME_SLOT_REF1", where), e = ms(a, "TIME_SLOT_REF2", where);
                if (e < b) fail(origin, where, "ends before it starts");
                const FrameIndex start = clock.frame_at(b);
                if (id == "shots") {
                    shot_starts.push_back({b, start});
                    continue;
                }
                if (id == "scenes") {
                    int number = int(scene_spans.size());
                    if (value.rfind("Scene ", 0) == 0 && value.size() > 6 &&
                        std::isdigit(static_cast<unsigned char>(value[6])))
                        number = std::atoi(value.c_str() + 6);
                    scene_spans.push_back({b, e, number, where});
                    continue;
                }
                if (id == "transitions") {
                    const auto type = transition_type_from_string(value);
                    if (!type)
                        fail(origin, where,
                             "unknown transition type '" + value +
                                 "' (cut, dissolve, fade_in, fade_out, wipe)");
                    const FrameIndex end = *type == TransitionType::cut ? start : clock.frame_at(e);
                    if (*type != TransitionType::cut && end <= start)
                        fail(origin, where, "a " + value + " needs at least one frame");
                    f.marks.push_back(mark(EditMark::Kind::exact, *type, start, end, where));
                    continue;
                }
                EditShotLabels& l = labels[start];
                l.start = start;
                if (l.where.empty()) l.where = where;
                if (id == "scale")
                    l.scale = scale_label(value, origin, where);
                else if (id == "camera")
                    l.camera = camera_label(value, origin, where);
                else
                    l.note = value;
            }
    }
    for (const auto& [t, start] : shot_starts)
        for (const SceneSpan& sc : scene_spans)
            if (t >= sc.begin && t < sc.end) {
                EditShotLabels& l = labels[start];
                l.start = start;
                if (l.where.empty()) l.where = sc.where;
                l.scene = sc.number;
                break;
            }
    std::stable_sort(f.marks.begin(), f.marks.end(), [](const EditMark& x, const EditMark& y) {
        return x.transition.frames.start < y.transition.frames.start;
    });
    for (auto& [start, l] : labels) f.labels.push_back(l);
    return f;
}

EditedFile read_json(const std::string& text, const std::string& origin, const Analysis& base,
                     const FilmClock& clock) {
    EditedFile f;
    f.format = EditFormat::json;
    const Analysis a = parse_analysis_json(text, origin);
    check_same_film(base.source, a.source, origin);
    for (std::size_t k = 0; k < a.transitions.size(); ++k) {
        const Transition& t = a.transitions[k];
        const std::string where = "transitions[" + std::to_string(k) + "]";
        check_range(t.frames.start, clock, origin, where);
        check_range(t.frames.end, clock, origin, where);
        f.marks.push_back(mark(EditMark::Kind::exact, t.type, t.frames.start, t.frames.end, where));
    }
    for (std::size_t k = 0; k < a.shots.size(); ++k) {
        const Shot& s = a.shots[k];
        EditShotLabels l;
        l.start = s.frames.start;
        l.where = "shots[" + std::to_string(k) + "]";
        l.scale = s.scale;
        l.camera = s.camera;
        l.setup = s.setup;
        l.scene = s.scene;
        l.note = s.note;
        f.labels.push_back(l);
    }
    return f;
}

}  // namespace

std::string_view to_string(EditFormat format) noexcept {
    switch (format) {
        case EditFormat::csv:
            return "shots.csv";
        case EditFormat::edl:
            return "EDL";
        case EditFormat::otio:
            return "OpenTimelineIO";
        case EditFormat::fcpxml:
            return "FCPXML";
        case EditFormat::eaf:
            return "ELAN";
        case EditFormat::json:
            return "analysis.json";
    }
    return "?";
}

EditFormat detect_edit_format(const std::string& text, const std::string& origin) {
    std::size_t i = 0;
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) i = 3;  // a byte-order mark some editors add
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const std::string_view head = std::string_view(text).substr(i, 4096);
    if (head.empty()) throw_bad_input(origin, "empty file");
    if (head[0] == '<') {
        // The root element's name, after the declaration, comments and DOCTYPE.
        std::size_t p = 0;
        while ((p = head.find('<', p)) != std::string_view::npos) {
            if (head.substr(p, 2) == "<?" || head.substr(p, 2) == "<!") {
                ++p;
                continue;
            }
            const std::string_view rest = head.substr(p + 1);
            if (rest.rfind("fcpxml", 0) == 0) return EditFormat::fcpxml;
            if (rest.rfind("ANNOTATION_DOCUMENT", 0) == 0) return EditFormat::eaf;
            break;
        }
        throw_bad_input(origin, "an XML file that is neither FCPXML nor ELAN");
    }
    if (head[0] == '{') {
        // By the root object's keys, wherever a tool put them.
        const json doc = json::parse(text, nullptr, false);
        if (doc.is_object() && doc.contains("OTIO_SCHEMA")) return EditFormat::otio;
        if (doc.is_object() && doc.contains("schema") && doc["schema"].is_string() &&
            doc["schema"].get<std::string>().rfind("kinoglaz.analysis/", 0) == 0)
            return EditFormat::json;
        throw_bad_input(origin, doc.is_discarded()
                                    ? "not well-formed JSON"
                                    : "a JSON file that is neither a kinoglaz analysis nor a "
                                      "timeline");
    }
    if (head.rfind("TITLE:", 0) == 0 || head.rfind("FCM:", 0) == 0) return EditFormat::edl;
    const std::string first_line(head.substr(0, head.find('\n')));
    if (first_line.find("start_frame") != std::string::npos &&
        first_line.find("end_frame") != std::string::npos)
        return EditFormat::csv;
    // An EDL without a title: its first line is an event ("001  AX  V  C  ...").
    if (std::isdigit(static_cast<unsigned char>(head[0])) &&
        first_line.find(" V ") != std::string::npos)
        return EditFormat::edl;
    throw_bad_input(origin,
                    "not an edited kinoglaz export (shots.csv, cuts.edl, timeline.otio, "
                    "timeline.fcpxml, annotations.eaf or analysis.json)");
}

EditedFile read_edited(const std::string& text, const std::string& origin, const Analysis& base,
                       const FilmClock& clock) {
    switch (detect_edit_format(text, origin)) {
        case EditFormat::csv:
            return read_csv(text, origin, clock);
        case EditFormat::edl:
            return read_edl(text, origin, base, clock);
        case EditFormat::otio:
            return read_otio(text, origin, base, clock);
        case EditFormat::fcpxml:
            return read_fcpxml(text, origin, base, clock);
        case EditFormat::eaf:
            return read_eaf(text, origin, base, clock);
        case EditFormat::json:
            return read_json(text, origin, base, clock);
    }
    throw_bad_input(origin, "unknown format");
}

std::string export_for_edit(const Analysis& base, EditFormat format, std::optional<Rational> rate) {
    ExportOptions options;
    options.timeline_rate = rate;
    switch (format) {
        case EditFormat::csv:
            return shots_csv(base);
        case EditFormat::edl:
            return cuts_edl(base, options);
        case EditFormat::otio:
            return timeline_otio(base, options);
        case EditFormat::fcpxml:
            return timeline_fcpxml(base, options);
        case EditFormat::eaf:
            return annotations_eaf(base, "2000-01-01T00:00:00Z", options);
        case EditFormat::json:
            return analysis_json(base);
    }
    return {};
}

}  // namespace kinoglaz
