// The analysis folder's formats, each read back with a real parser: Graphviz, xmllint against
// the official EAF schema and FCPXML DTD, a small OpenTimelineIO reader, and parsers written
// here for CSV, CMX 3600 and WebVTT.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include <kinoglaz/export.hpp>
#include "export_test_util.hpp"
#include "synthetic_analysis.hpp"

namespace kinoglaz::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr Rational k25{25, 1};
constexpr Rational kNtsc{30000, 1001};

// ---------------------------------------------------------------- CSV (RFC 4180)

std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows(1);
    std::string field;
    bool quoted = false, any = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"')
                field += '"', ++i;
            else if (c == '"')
                quoted = false;
            else
                field += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            rows.back().push_back(field), field.clear();
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            rows.back().push_back(field), field.clear(), rows.emplace_back(), ++i;
        } else {
            EXPECT_NE(c, '\n') << "bare LF in CSV (RFC 4180 wants CRLF)";
            field += c;
        }
        any = true;
    }
    if (!field.empty()) rows.back().push_back(field);
    if (rows.back().empty()) rows.pop_back();
    if (!any) rows.clear();
    return rows;
}

TEST(Csv, ParsesBackToTheShots) {
    const Analysis a = synthetic_analysis(k25);
    const auto rows = parse_csv(shots_csv(a));
    ASSERT_EQ(rows.size(), a.shots.size() + 1);
    const std::vector<std::string> header{"index",    "start_frame", "end_frame", "start_time",
                                          "end_time", "length_s",    "scene",     "setup",
                                          "scale",    "camera",      "keyframe",  "keyframe_image"};
    EXPECT_EQ(rows[0], header);
    for (std::size_t i = 0; i < a.shots.size(); ++i) {
        const auto& r = rows[i + 1];
        const Shot& s = a.shots[i];
        ASSERT_EQ(r.size(), header.size());
        EXPECT_EQ(std::stoi(r[0]), s.index);
        EXPECT_EQ(std::stoll(r[1]), s.frames.start);
        EXPECT_EQ(std::stoll(r[2]), s.frames.end);
        EXPECT_NEAR(std::stod(r[3]), s.start_time_s, 1e-6);
        EXPECT_NEAR(std::stod(r[4]), s.end_time_s, 1e-6);
        EXPECT_NEAR(std::stod(r[5]), s.length_s(), 1e-6);
        EXPECT_EQ(std::stoi(r[6]), s.scene);
        EXPECT_EQ(std::stoi(r[7]), s.setup);
        EXPECT_EQ(r[8], to_string(s.scale));
        EXPECT_EQ(r[9], to_string(s.camera));
        EXPECT_EQ(std::stoll(r[10]), s.keyframe);
        EXPECT_EQ(r[11], keyframe_path(s.index));
    }
    EXPECT_EQ(keyframe_path(7), "keyframes/shot-007.jpg");
    EXPECT_EQ(keyframe_path(1234), "keyframes/shot-1234.jpg");
}

// ---------------------------------------------------------------- Graphviz and GraphML

TEST(ShotGraph, DotRendersWithGraphviz) {
    REQUIRE_PROGRAM("dot");
    REQUIRE_PROGRAM("xmllint");
    const Analysis a = synthetic_analysis(k25);
    const fs::path dir = temp_dir("dot");
    write_file(dir / "shotgraph.dot", shotgraph_dot(a));
    const auto r = run("dot -Tsvg " + shell_quote((dir / "shotgraph.dot").string()) + " -o " +
                       shell_quote((dir / "g.svg").string()));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "") << "Graphviz warned";
    auto count = [&](const std::string& xpath) {
        const auto x = run("xmllint --xpath " + shell_quote("count(" + xpath + ")") + " " +
                           shell_quote((dir / "g.svg").string()));
        EXPECT_EQ(x.status, 0) << x.err;
        return std::atoi(x.out.c_str());
    };
    EXPECT_EQ(count("//*[local-name()='g'][contains(@class,'node')]"), int(a.shots.size()));
    EXPECT_EQ(count("//*[local-name()='g'][contains(@class,'edge')]"), int(a.edges.size()));
    EXPECT_EQ(count("//*[local-name()='g'][contains(@class,'cluster')]"), int(a.scenes.size()));
    // The three edge kinds are drawn differently.
    const std::string dot = shotgraph_dot(a);
    for (const char* style : {"style=solid", "style=dashed", "style=bold"})
        EXPECT_NE(dot.find(style), std::string::npos) << style;
    // Node labels carry timecodes.
    EXPECT_NE(dot.find(format_clock(a.shots[3].start_time_s)), std::string::npos);
    fs::remove_all(dir);
}

TEST(ShotGraph, RenderDotSvgGivesSvgOrNothing) {
    REQUIRE_PROGRAM("dot");
    const Analysis a = synthetic_analysis(k25);
    const std::string svg = render_dot_svg(shotgraph_dot(a));
    ASSERT_EQ(svg.rfind("<svg", 0), 0u);
    EXPECT_NE(svg.find("</svg>"), std::string::npos);
    EXPECT_EQ(render_dot_svg("digraph { this is not dot ;;; -> }"), "");
}

TEST(ShotGraph, GraphmlIsXmlWithDeclaredTypedKeys) {
    REQUIRE_PROGRAM("xmllint");
    const Analysis a = synthetic_analysis(k25);
    const fs::path dir = temp_dir("graphml");
    const fs::path file = dir / "shotgraph.graphml";
    write_file(file, shotgraph_graphml(a));
    const auto lint = run("xmllint --noout " + shell_quote(file.string()));
    ASSERT_EQ(lint.status, 0) << lint.err;
    auto xpath = [&](const std::string& expr) { return test::xpath(file, expr); };
    const auto key_tags = find_all(xpath("//*[local-name()='key']"), "<key[^>]*>");
    std::map<std::string, std::string> key_domain;
    for (const auto& tag : key_tags) {
        EXPECT_FALSE(attr(tag, "attr.type").empty()) << tag;
        EXPECT_FALSE(attr(tag, "attr.name").empty()) << tag;
        key_domain[attr(tag, "id")] = attr(tag, "for");
    }
    const auto used = find_all(xpath("//*[local-name()='data']/@key"), "key=\"([^\"]*)\"");
    ASSERT_FALSE(used.empty());
    for (const auto& k : used) EXPECT_TRUE(key_domain.count(k)) << "undeclared key " << k;
    EXPECT_EQ(std::atoi(xpath("count(//*[local-name()='node'])").c_str()), int(a.shots.size()));
    EXPECT_EQ(std::atoi(xpath("count(//*[local-name()='edge'])").c_str()), int(a.edges.size()));
    EXPECT_EQ(xpath("string(//*[local-name()='graph']/@edgedefault)"), "directed");
    fs::remove_all(dir);
}

// ---------------------------------------------------------------- OpenTimelineIO

TEST(Otio, ReaderLoadsTheOfficialSamples) {
    REQUIRE_PROGRAM("python3");
    REQUIRE_FORMATS(formats);
    const json simple = otio_check(formats / "otio-samples" / "simple_cut.otio");
    ASSERT_EQ(simple["tracks"].size(), 1u);
    EXPECT_EQ(simple["tracks"][0]["items"].size(), 4u);
    EXPECT_NEAR(simple["tracks"][0]["duration_s"].get<double>() * 24, 19, 1e-9);
    const json multi = otio_check(formats / "otio-samples" / "multiple_track.otio");
    EXPECT_EQ(multi["tracks"].size(), 3u);
    EXPECT_EQ(multi["schemas"]["Gap.1"], 2);
    const json trans = otio_check(formats / "otio-samples" / "transition_test.otio");
    EXPECT_EQ(trans["tracks"][0]["transitions"].size(), 3u);
    EXPECT_NEAR(trans["tracks"][0]["duration_s"].get<double>() * 24, 150, 1e-9);
}

TEST(Otio, ReaderRejectsBrokenTimelines) {
    REQUIRE_PROGRAM("python3");
    const fs::path dir = temp_dir("otio-bad");
    json doc = json::parse(timeline_otio(synthetic_analysis(k25)));
    auto& items = doc["tracks"]["children"][0]["children"];
    json unknown = doc;
    unknown["tracks"]["children"][0]["children"][0]["OTIO_SCHEMA"] = "Clip.9";
    json no_key = doc;
    no_key["tracks"]["children"][0]["children"][0]["active_media_reference_key"] = "NOPE";
    json too_long = doc;
    for (auto& it : too_long["tracks"]["children"][0]["children"])
        if (it["OTIO_SCHEMA"] == "Transition.1") it["out_offset"]["value"] = 1e6;
    ASSERT_FALSE(items.empty());
    for (const json* bad : {&unknown, &no_key, &too_long}) {
        write_file(dir / "bad.otio", bad->dump());
        int status = 0;
        otio_check(dir / "bad.otio", &status);
        EXPECT_NE(status, 0);
    }
    fs::remove_all(dir);
}

void expect_otio_matches(const Analysis& a, int scale) {
    const fs::path dir = temp_dir("otio");
    write_file(dir / "timeline.otio", timeline_otio(a));
    const json t = otio_check(dir / "timeline.otio");
    ASSERT_TRUE(t.contains("tracks"));
    ASSERT_EQ(t["tracks"].size(), 1u);
    const json& track = t["tracks"][0];
    EXPECT_EQ(track["kind"], "Video");
    const double rate = a.source.fps_nominal.to_double();
    EXPECT_NEAR(track["rate"].get<double>(), rate, 1e-9);
    auto frames = [&](const json& v) { return std::llround(v.get<double>() * rate); };
    const auto expected = synthetic_edit_list(scale);
    ASSERT_EQ(track["items"].size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const json& it = track["items"][i];
        const ExpectedItem& e = expected[i];
        EXPECT_EQ(it["schema"], e.clip ? "Clip.2" : "Gap.1") << i;
        EXPECT_EQ(frames(it["start_s"]), e.frames.start) << i;
        EXPECT_EQ(frames(it["duration_s"]), e.frames.length()) << i;
        if (e.clip) {
            EXPECT_EQ(frames(it["source_start_s"]), e.frames.start) << "record != source " << i;
            EXPECT_EQ(it["target_url"].get<std::string>().rfind("file:///", 0), 0u);
        }
    }
    EXPECT_EQ(frames(track["duration_s"]), a.source.frame_count) << "items do not tile the film";
    std::vector<std::pair<FrameIndex, FrameIndex>> got, want;
    for (const auto& tr : track["transitions"]) {
        EXPECT_EQ(frames(tr["in_s"]), 0);
        got.emplace_back(frames(tr["at_s"]), frames(tr["out_s"]));
    }
    for (const auto& e : expected)
        if (!e.transition_in.empty()) want.emplace_back(e.frames.start, e.transition_length);
    EXPECT_EQ(got, want);
    ASSERT_EQ(track["markers"].size(), a.events.size());
    for (std::size_t i = 0; i < a.events.size(); ++i)
        EXPECT_EQ(frames(track["markers"][i]["start_s"]), a.events[i].frames.start);
    fs::remove_all(dir);
}

TEST(Otio, TrackTilesTheFilmAt25) {
    REQUIRE_PROGRAM("python3");
    expect_otio_matches(synthetic_analysis(k25), 1);
}

TEST(Otio, TrackTilesTheFilmAtNtscRate) {
    REQUIRE_PROGRAM("python3");
    expect_otio_matches(synthetic_analysis(kNtsc, 60), 60);
}

// ---------------------------------------------------------------- CMX 3600

TEST(Edl, SmpteTimecodeCountsDropFrames) {
    EXPECT_EQ(smpte_timecode(0, k25), "00:00:00:00");
    EXPECT_EQ(smpte_timecode(25 * 3600 + 24, k25), "01:00:00:24");
    EXPECT_EQ(smpte_timecode(1799, kNtsc), "00:00:59;29");
    EXPECT_EQ(smpte_timecode(1800, kNtsc), "00:01:00;02");  // ;00 and ;01 do not exist
    EXPECT_EQ(smpte_timecode(17981, kNtsc), "00:09:59;29");
    EXPECT_EQ(smpte_timecode(17982, kNtsc), "00:10:00;00");   // every tenth minute keeps them
    EXPECT_EQ(smpte_timecode(107892, kNtsc), "01:00:00;00");  // an hour of 29.97
    EXPECT_EQ(smpte_timecode(3600, Rational{60000, 1001}), "00:01:00;04");
    EXPECT_EQ(smpte_timecode(24, Rational{24000, 1001}), "00:00:01:00");
}

void expect_edl_matches(const Analysis& a, int scale, int fps, bool drop) {
    const std::string text = cuts_edl(a);
    const Edl edl = parse_edl(text, fps);
    EXPECT_EQ(edl.title, "a film.mp4");
    EXPECT_EQ(edl.drop, drop);
    const auto expected = synthetic_edit_list(scale);
    ASSERT_EQ(edl.events.size(), expected.size());
    FrameIndex record = 0;
    std::vector<FrameIndex> shot_starts;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const EdlEvent& e = edl.events[i];
        const ExpectedItem& x = expected[i];
        EXPECT_EQ(e.reel, x.clip ? "AX" : "BL") << i;
        EXPECT_EQ(e.rec_in, record) << "record side must be continuous, event " << i;
        EXPECT_EQ(e.rec_in, x.frames.start) << i;
        EXPECT_EQ(e.rec_out, x.frames.end) << i;
        EXPECT_EQ(e.src_out - e.src_in, e.rec_out - e.rec_in) << i;
        if (x.clip) {
            EXPECT_EQ(e.src_in, e.rec_in) << i;
            shot_starts.push_back(e.rec_in);
            const std::string want =
                x.transition_in.empty() ? "FROM CLIP NAME: a film.mp4" : "TO CLIP NAME: a film.mp4";
            EXPECT_NE(std::find(e.comments.begin(), e.comments.end(), want), e.comments.end()) << i;
        }
        EXPECT_EQ(e.transition, x.transition_in.empty() ? "C" : "D") << i;
        EXPECT_EQ(e.duration, x.transition_length) << i;
        record = e.rec_out;
    }
    EXPECT_EQ(record, a.source.frame_count);
    std::vector<FrameIndex> want;
    for (const auto& s : a.shots) want.push_back(s.frames.start);
    EXPECT_EQ(shot_starts, want) << "the cut list is the shots";
}

TEST(Edl, ParsesBackToTheCutListAt25) {
    const Analysis a = synthetic_analysis(k25);
    expect_edl_matches(a, 1, 25, false);
    EXPECT_NE(cuts_edl(a).find("FCM: NON-DROP FRAME"), std::string::npos);
    EXPECT_EQ(parse_edl(cuts_edl(a), 25).rate, "25 NDF");
}

TEST(Edl, DropFrameTimecodeAtNtscRate) {
    const Analysis a = synthetic_analysis(kNtsc, 60);
    expect_edl_matches(a, 60, 30, true);
    EXPECT_NE(cuts_edl(a).find("FCM: DROP FRAME"), std::string::npos);
    EXPECT_EQ(parse_edl(cuts_edl(a), 30).rate, "29.97 DF");
}

// ---------------------------------------------------------------- ELAN

TEST(Eaf, ValidatesAgainstTheElanSchema) {
    REQUIRE_PROGRAM("xmllint");
    REQUIRE_FORMATS(formats);
    const Analysis a = synthetic_analysis(k25);
    const fs::path dir = temp_dir("eaf");
    const fs::path file = dir / "annotations.eaf";
    write_file(file, annotations_eaf(a, "2026-01-02T03:04:05Z"));
    const auto v =
        run("xmllint --noout --schema " + shell_quote((formats / "EAFv3.0.xsd").string()) + " " +
            shell_quote(file.string()));
    EXPECT_EQ(v.status, 0) << v.err;
    EXPECT_NE(v.err.find("validates"), std::string::npos) << v.err;
    fs::remove_all(dir);
}

TEST(Eaf, TimeSlotsFollowTheAnalysis) {
    REQUIRE_PROGRAM("xmllint");
    const Analysis a = synthetic_analysis(kNtsc, 3);
    const fs::path dir = temp_dir("eaf-slots");
    const fs::path file = dir / "annotations.eaf";
    const std::string text = annotations_eaf(a);
    write_file(file, text);
    auto xpath = [&](const std::string& expr) {
        const std::string out = test::xpath(file, expr);
        EXPECT_FALSE(out.empty()) << expr;
        return out;
    };
    std::map<std::string, long long> slot_ms;
    long long last = -1;
    for (const auto& tag : find_all(xpath("//TIME_SLOT"), "<TIME_SLOT[^>]*>")) {
        const long long ms = std::stoll(attr(tag, "TIME_VALUE"));
        EXPECT_GE(ms, last) << "time slots in time order";
        last = ms;
        slot_ms[attr(tag, "TIME_SLOT_ID")] = ms;
    }
    auto tier = [&](const std::string& id) {
        std::vector<std::tuple<long long, long long, std::string>> out;
        const std::string xml = xpath("//TIER[@TIER_ID='" + id + "']//ALIGNABLE_ANNOTATION");
        const auto tags = find_all(xml, "<ALIGNABLE_ANNOTATION[^>]*>");
        const auto values = find_all(xml, "<ANNOTATION_VALUE>([^<]*)</ANNOTATION_VALUE>");
        EXPECT_EQ(tags.size(), values.size());
        for (std::size_t i = 0; i < tags.size() && i < values.size(); ++i) {
            const long long b = slot_ms.at(attr(tags[i], "TIME_SLOT_REF1"));
            const long long e = slot_ms.at(attr(tags[i], "TIME_SLOT_REF2"));
            EXPECT_LT(b, e) << id << " annotation " << i;
            if (!out.empty()) {
                EXPECT_LE(std::get<1>(out.back()), b) << "overlap on tier " << id;
            }
            out.emplace_back(b, e, values[i]);
        }
        return out;
    };
    const auto ms = [](double s) { return std::llround(s * 1000); };
    const auto shots = tier("shots");
    ASSERT_EQ(shots.size(), a.shots.size());
    for (std::size_t k = 0; k < a.shots.size(); ++k) {
        const Shot& s = a.shots[k];
        // A shot ends at its end, or where the next one starts when a dissolve overlaps them.
        const double end = k + 1 < a.shots.size()
                               ? std::min(s.end_time_s, a.shots[k + 1].start_time_s)
                               : s.end_time_s;
        EXPECT_EQ(std::get<0>(shots[k]), ms(s.start_time_s));
        EXPECT_EQ(std::get<1>(shots[k]), ms(end));
        EXPECT_EQ(std::get<2>(shots[k]), "Shot " + std::to_string(s.index));
    }
    const auto scale = tier("scale");
    ASSERT_EQ(scale.size(), a.shots.size());
    for (std::size_t i = 0; i < scale.size(); ++i) {
        EXPECT_EQ(std::get<0>(scale[i]), std::get<0>(shots[i]));
        EXPECT_EQ(std::get<2>(scale[i]), to_string(a.shots[i].scale));
    }
    EXPECT_EQ(tier("camera").size(), a.shots.size());
    const auto scenes = tier("scenes");
    ASSERT_EQ(scenes.size(), a.scenes.size());
    EXPECT_EQ(std::get<0>(scenes[2]), ms(a.shots[4].start_time_s));
    const auto transitions = tier("transitions");
    ASSERT_EQ(transitions.size(), a.transitions.size());
    for (std::size_t i = 0; i < transitions.size(); ++i) {
        EXPECT_EQ(std::get<0>(transitions[i]), ms(a.transitions[i].start_time_s));
        EXPECT_EQ(std::get<2>(transitions[i]), to_string(a.transitions[i].type));
        if (a.transitions[i].gradual()) {
            EXPECT_EQ(std::get<1>(transitions[i]), ms(a.transitions[i].end_time_s));
        }
    }
    // Events 0 and 1 overlap, so they go to two tiers.
    EXPECT_EQ(tier("events").size() + tier("events 2").size(), a.events.size());
    EXPECT_EQ(tier("events 2").size(), 1u);
    EXPECT_EQ(xpath("string(//MEDIA_DESCRIPTOR/@MEDIA_URL)"),
              "file:///tmp/kinoglaz%20films/a%20film.mp4");
    EXPECT_EQ(xpath("string(//MEDIA_DESCRIPTOR/@MIME_TYPE)"), "video/mp4");
    EXPECT_EQ(xpath("string(//HEADER/@TIME_UNITS)"), "milliseconds");
    fs::remove_all(dir);
}

// ---------------------------------------------------------------- FCPXML

void expect_fcpxml_valid(const Analysis& a, int scale, const std::string& tc_format) {
    REQUIRE_PROGRAM("xmllint");
    REQUIRE_FORMATS(formats);
    const fs::path dir = temp_dir("fcpxml");
    const fs::path file = dir / "timeline.fcpxml";
    const std::string text = timeline_fcpxml(a);
    write_file(file, text);
    const auto version = find_all(text, "<fcpxml version=\"([0-9.]+)\"");
    ASSERT_EQ(version.size(), 1u);
    std::string dtd_version = version[0];
    for (char& c : dtd_version)
        if (c == '.') c = '_';
    const fs::path dtd = formats / ("FCPXMLv" + dtd_version + ".dtd");
    ASSERT_TRUE(fs::exists(dtd)) << dtd;
    const auto v = run("xmllint --noout --dtdvalid " + shell_quote(dtd.string()) + " " +
                       shell_quote(file.string()));
    EXPECT_EQ(v.status, 0) << v.err;
    EXPECT_EQ(v.err, "");

    // Rational times: every one a whole number of frame durations.
    const auto fd = find_all(text, "frameDuration=\"([0-9]+/[0-9]+)s\"");
    ASSERT_EQ(fd.size(), 1u);
    const long long fd_num = std::stoll(fd[0]),
                    fd_den = std::stoll(fd[0].substr(fd[0].find('/') + 1));
    EXPECT_EQ(fd_num * a.source.fps_nominal.num, fd_den * a.source.fps_nominal.den);
    auto to_frames = [&](const std::string& t) -> FrameIndex {
        static const std::regex re("^([0-9]+)(?:/([0-9]+))?s$");
        std::smatch m;
        EXPECT_TRUE(std::regex_match(t, m, re)) << "not a rational time: " << t;
        if (m.empty()) return -1;
        const long long n = std::stoll(m[1].str()), d = m[2].matched ? std::stoll(m[2].str()) : 1;
        // n/d seconds = k * fd_num/fd_den  <=>  n * fd_den = k * d * fd_num
        EXPECT_EQ((n * fd_den) % (d * fd_num), 0) << t << " is not on a frame boundary";
        return (n * fd_den) / (d * fd_num);
    };
    const auto expected = synthetic_edit_list(scale);
    const auto spine_items = find_all(text, "<(?:asset-clip|gap|transition) [^>]*>");
    std::size_t k = 0;
    FrameIndex pos = 0;
    for (const auto& tag : spine_items) {
        const FrameIndex offset = to_frames(attr(tag, "offset"));
        const FrameIndex duration = to_frames(attr(tag, "duration"));
        if (tag.rfind("<transition", 0) == 0) {
            ASSERT_LT(k, expected.size());
            EXPECT_EQ(offset, expected[k].frames.start);
            EXPECT_EQ(duration, expected[k].transition_length);
            continue;
        }
        ASSERT_LT(k, expected.size());
        EXPECT_EQ(tag.rfind(expected[k].clip ? "<asset-clip" : "<gap", 0), 0u) << tag;
        EXPECT_EQ(offset, pos) << "spine items must tile the sequence";
        EXPECT_EQ(offset, expected[k].frames.start);
        EXPECT_EQ(duration, expected[k].frames.length());
        if (expected[k].clip) {
            EXPECT_EQ(to_frames(attr(tag, "start")), expected[k].frames.start);
            EXPECT_EQ(attr(tag, "tcFormat"), tc_format);
        }
        pos = offset + duration;
        ++k;
    }
    EXPECT_EQ(k, expected.size());
    const auto seq = find_all(text, "<sequence [^>]*>");
    ASSERT_EQ(seq.size(), 1u);
    EXPECT_EQ(to_frames(attr(seq[0], "duration")), pos);
    EXPECT_EQ(attr(seq[0], "tcFormat"), tc_format);
    for (const auto& m : find_all(text, "<marker [^>]*>")) to_frames(attr(m, "start"));
    EXPECT_EQ(find_all(text, "<marker ").size(), a.events.size());
    fs::remove_all(dir);
}

TEST(Fcpxml, ValidatesAgainstItsDtdWithExactTimesAt25) {
    expect_fcpxml_valid(synthetic_analysis(k25), 1, "NDF");
}

TEST(Fcpxml, ValidatesAgainstItsDtdWithExactTimesAtNtscRate) {
    const Analysis a = synthetic_analysis(kNtsc, 60);
    expect_fcpxml_valid(a, 60, "DF");
    EXPECT_NE(timeline_fcpxml(a).find("frameDuration=\"1001/30000s\""), std::string::npos);
}

// ---------------------------------------------------------------- WebVTT

TEST(Vtt, ParsesBackToOneChapterPerScene) {
    const Analysis a = synthetic_analysis(k25);
    const std::string text = chapters_vtt(a);
    ASSERT_EQ(text.rfind("WEBVTT\n", 0), 0u);
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);
    struct Cue {
        std::string id;
        double start, end;
        std::string title;
    };
    std::vector<Cue> cues;
    auto seconds = [](const std::string& t) {
        int h, m, s, ms;
        EXPECT_EQ(std::sscanf(t.c_str(), "%d:%d:%d.%d", &h, &m, &s, &ms), 4) << t;
        EXPECT_EQ(t.size(), 12u) << "HH:MM:SS.mmm: " << t;
        return h * 3600 + m * 60 + s + ms / 1000.0;
    };
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        Cue c;
        c.id = line;
        std::string timing, title;
        ASSERT_TRUE(std::getline(in, timing));
        const auto arrow = timing.find(" --> ");
        ASSERT_NE(arrow, std::string::npos) << timing;
        c.start = seconds(timing.substr(0, arrow));
        c.end = seconds(timing.substr(arrow + 5));
        ASSERT_TRUE(std::getline(in, c.title));
        EXPECT_FALSE(c.title.empty());
        cues.push_back(c);
    }
    ASSERT_EQ(cues.size(), a.scenes.size());
    for (std::size_t i = 0; i < cues.size(); ++i) {
        const Scene& sc = a.scenes[i];
        EXPECT_NEAR(cues[i].start, a.shots[sc.first_shot].start_time_s, 5e-4);
        if (i + 1 < cues.size()) {
            EXPECT_NEAR(cues[i].end,
                        std::min(a.shots[sc.last_shot].end_time_s,
                                 a.shots[a.scenes[i + 1].first_shot].start_time_s),
                        5e-4);
        }
        EXPECT_LT(cues[i].start, cues[i].end);
        if (i > 0) {
            EXPECT_LE(cues[i - 1].end, cues[i].start);
        }
        EXPECT_NE(cues[i].title.find("Scene " + std::to_string(sc.index)), std::string::npos);
    }
    EXPECT_NEAR(cues.back().end, a.shots.back().end_time_s, 5e-4);
}

}  // namespace
}  // namespace kinoglaz::test

namespace kinoglaz::test {
namespace {

// ---------------------------------------------------------------- degenerate analyses

TEST(Formats, EmptyAndOddAnalysesStayValid) {
    REQUIRE_PROGRAM("xmllint");
    REQUIRE_PROGRAM("python3");
    REQUIRE_PROGRAM("dot");
    REQUIRE_FORMATS(formats);
    // No shots at all (a film kinoglaz could not segment), at 23.976 with an odd VFR nominal
    // rate; then one shot with edges to shots that do not exist.
    Analysis empty;
    empty.source.path = "relative dir/film #1.mov";
    empty.source.fps = 23.976;
    empty.source.fps_nominal = {90000, 1};
    empty.source.fps_average = {24000, 1001};
    empty.source.frame_count = 240;
    Analysis one = empty;
    Shot s;
    s.frames = {0, 240};
    s.end_time_s = 240 * 1001 / 24000.0;
    one.shots.push_back(s);
    one.scenes.push_back({0, 0, 0});
    one.edges.push_back({0, 5, "similar", 0.5});
    const fs::path dir = temp_dir("odd");
    for (const Analysis* a : {&empty, &one}) {
        write_file(dir / "t.otio", timeline_otio(*a));
        const json t = otio_check(dir / "t.otio");
        ASSERT_EQ(t["tracks"].size(), 1u);
        EXPECT_NEAR(t["tracks"][0]["duration_s"].get<double>(), 240 * 1001 / 24000.0, 1e-9);
        EXPECT_NEAR(t["tracks"][0]["rate"].get<double>(), 24000 / 1001.0, 1e-9);

        write_file(dir / "a.eaf", annotations_eaf(*a));
        const auto eaf =
            run("xmllint --noout --schema " + shell_quote((formats / "EAFv3.0.xsd").string()) +
                " " + shell_quote((dir / "a.eaf").string()));
        EXPECT_EQ(eaf.status, 0) << eaf.err;
        write_file(dir / "t.fcpxml", timeline_fcpxml(*a));
        const auto fcp = run("xmllint --noout --dtdvalid " +
                             shell_quote((formats / "FCPXMLv1_11.dtd").string()) + " " +
                             shell_quote((dir / "t.fcpxml").string()));
        EXPECT_EQ(fcp.status, 0) << fcp.err;
        EXPECT_NE(timeline_fcpxml(*a).find("frameDuration=\"1001/24000s\""), std::string::npos);
        write_file(dir / "g.dot", shotgraph_dot(*a));
        EXPECT_EQ(run("dot -Tsvg -o /dev/null " + shell_quote((dir / "g.dot").string())).status, 0);
        write_file(dir / "g.graphml", shotgraph_graphml(*a));
        EXPECT_EQ(run("xmllint --noout " + shell_quote((dir / "g.graphml").string())).status, 0);
        const Edl edl = parse_edl(cuts_edl(*a), 24);
        ASSERT_FALSE(edl.events.empty());
        EXPECT_EQ(edl.events.back().rec_out, 240);
        EXPECT_EQ(parse_csv(shots_csv(*a)).size(), a->shots.size() + 1);
        EXPECT_NE(report_html(*a).find("</html>"), std::string::npos);
    }
    EXPECT_EQ(chapters_vtt(empty), "WEBVTT\n");
    EXPECT_EQ(parse_edl(cuts_edl(empty), 24).events.at(0).reel, "BL");
    EXPECT_NE(timeline_otio(one).find("file://"), std::string::npos);
    EXPECT_NE(timeline_otio(one).find("film%20%231.mov"), std::string::npos);
    fs::remove_all(dir);
}

}  // namespace
}  // namespace kinoglaz::test

namespace kinoglaz::test {
namespace {

// A feature film's worth of shots (2,500, more than CMX 3600's 999 events) at 23.976, with
// dissolves and fade pairs scattered through it: every format still parses back to the shots.
Analysis long_film() {
    const Rational fps{24000, 1001};
    const auto time = [&](FrameIndex f) { return double(f) * 1001 / 24000; };
    Analysis a;
    a.source.path = "/films/long film.mkv";
    a.source.fps_nominal = a.source.fps_average = fps;
    a.source.fps = fps.to_double();
    a.source.width = 1920;
    a.source.height = 800;
    unsigned seed = 12345;
    auto rnd = [&](int lo, int hi) {
        seed = seed * 1103515245u + 12345u;
        return lo + int((seed >> 8) % unsigned(hi - lo + 1));
    };
    FrameIndex pos = 0;
    for (int i = 0; i < 2500; ++i) {
        Shot s;
        s.index = i;
        s.frames.start = pos;
        const FrameIndex len = rnd(12, 200);
        s.frames.end = pos + len;
        s.scene = i / 10;
        s.setup = i % 13;
        s.keyframe = pos + len / 2;
        pos = s.frames.end;
        if (i + 1 < 2500) {
            Transition t;
            const int kind = rnd(0, 20);
            if (kind == 0) {  // dissolve: the next shot starts inside this one
                t.type = TransitionType::dissolve;
                t.frames = {pos - 8, pos};
                pos -= 8;
            } else if (kind == 1) {  // fade out, black hold, fade in
                Transition out;
                out.type = TransitionType::fade_out;
                out.frames = {pos - 10, pos};
                out.start_time_s = time(out.frames.start);
                out.end_time_s = time(out.frames.end);
                a.transitions.push_back(out);
                t.type = TransitionType::fade_in;
                pos += 6;
                t.frames = {pos, pos + 10};
            } else {
                t.frames = {pos, pos};
            }
            t.start_time_s = time(t.frames.start);
            t.end_time_s = time(t.frames.end);
            a.transitions.push_back(t);
        }
        s.start_time_s = time(s.frames.start);
        s.end_time_s = time(s.frames.end);
        a.shots.push_back(s);
        if (i > 0) a.edges.push_back({i - 1, i, "next", 1});
        if (i > 20 && i % 5 == 0) a.edges.push_back({i - 13, i, "similar", 0.8});
    }
    for (int sc = 0; sc < 250; ++sc) a.scenes.push_back({sc, sc * 10, sc * 10 + 9});
    a.source.frame_count = a.shots.back().frames.end;
    return a;
}

TEST(Formats, LongFilmParsesBackInEveryFormat) {
    REQUIRE_PROGRAM("xmllint");
    REQUIRE_PROGRAM("python3");
    REQUIRE_FORMATS(formats);
    const Analysis a = long_film();
    const fs::path dir = temp_dir("long");
    const Edl edl = parse_edl(cuts_edl(a), 24);
    std::vector<FrameIndex> starts, want;
    for (const auto& e : edl.events)
        if (e.reel == "AX") starts.push_back(e.rec_in);
    for (const auto& s : a.shots) want.push_back(s.frames.start);
    EXPECT_EQ(starts, want);
    EXPECT_EQ(edl.events.back().rec_out, a.source.frame_count);

    write_file(dir / "t.otio", timeline_otio(a));
    const json t = otio_check(dir / "t.otio");
    ASSERT_EQ(t["tracks"].size(), 1u);
    EXPECT_NEAR(t["tracks"][0]["duration_s"].get<double>() * 24000 / 1001,
                double(a.source.frame_count), 1e-6);

    write_file(dir / "a.eaf", annotations_eaf(a));
    EXPECT_EQ(run("xmllint --noout --schema " + shell_quote((formats / "EAFv3.0.xsd").string()) +
                  " " + shell_quote((dir / "a.eaf").string()))
                  .status,
              0);
    write_file(dir / "t.fcpxml", timeline_fcpxml(a));
    EXPECT_EQ(
        run("xmllint --noout --dtdvalid " + shell_quote((formats / "FCPXMLv1_11.dtd").string()) +
            " " + shell_quote((dir / "t.fcpxml").string()))
            .status,
        0);
    EXPECT_EQ(parse_csv(shots_csv(a)).size(), a.shots.size() + 1);
    EXPECT_EQ(find_all(report_html(a), "class=\"tile\"").size(), a.shots.size());
    fs::remove_all(dir);
}

}  // namespace
}  // namespace kinoglaz::test
