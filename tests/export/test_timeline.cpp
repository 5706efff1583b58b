// The timeline exports on an editor's clock (issue 15): the rate they count in, variable-frame-
// rate films conformed to it, ranged analyses, media references relative to the folder, the
// report's one cutting rate, and file names crafted to break out of every format.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <regex>

#include <nlohmann/json.hpp>

#include <kinoglaz/export.hpp>
#include "export_test_util.hpp"
#include "synthetic_analysis.hpp"

namespace kinoglaz::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr Rational kFilm{24000, 1001};

SourceInfo source(Rational nominal, Rational average) {
    SourceInfo s;
    s.fps_nominal = nominal;
    s.fps_average = average;
    s.fps = average.to_double();
    return s;
}

// ---------------------------------------------------------------- the rate choice

TEST(TimelineRate, NominalRateOrTheNearestEditingRate) {
    EXPECT_EQ(timeline_rate(source(kFilm, kFilm)), kFilm);
    EXPECT_EQ(timeline_rate(source({25, 1}, {25, 1})), (Rational{25, 1}));
    EXPECT_EQ(timeline_rate(source({30000, 1001}, {30000, 1001})), (Rational{30000, 1001}));
    // 29.97 counts in drop-frame timecode.
    EXPECT_EQ(smpte_timecode(1800, timeline_rate(source({30000, 1001}, {30000, 1001}))),
              "00:01:00;02");
    // A VFR film with dropped frames: the average (16.051) is no editor's rate, the nominal is.
    EXPECT_EQ(timeline_rate(source(kFilm, {3840000, 239239})), kFilm);
    // A rate written inexactly is snapped to the standard one it names.
    EXPECT_EQ(timeline_rate(source({2997, 100}, {2997, 100})), (Rational{30000, 1001}));
    // A silent film's own rate stays (the FCPXML writer maps it for Final Cut).
    EXPECT_EQ(timeline_rate(source({16, 1}, {16, 1})), (Rational{16, 1}));
    EXPECT_EQ(timeline_rate(source({25, 2}, {25, 2})), (Rational{25, 2}));
    // An odd ratio is a muxer's approximation: the nearest editing rate.
    EXPECT_EQ(timeline_rate(source({1000, 33}, {1000, 33})), (Rational{30, 1}));
    // Phone files give a clock as r_frame_rate: the nearest editing rate to the average wins.
    EXPECT_EQ(timeline_rate(source({90000, 1}, {2997000, 100000})), (Rational{30000, 1001}));
    EXPECT_EQ(timeline_rate(source({1000, 1}, {29, 1})), (Rational{30000, 1001}));
    EXPECT_EQ(timeline_rate(source({90000, 1}, {5900, 100})), (Rational{60000, 1001}));
    // A nominal rate below the average cannot be the film's.
    EXPECT_EQ(timeline_rate(source({5, 1}, {25, 1})), (Rational{25, 1}));
    EXPECT_EQ(timeline_rate(SourceInfo{}), (Rational{25, 1}));
    // --timeline-rate wins.
    EXPECT_EQ(timeline_rate(source(kFilm, {3840000, 239239}), Rational{25, 1}), (Rational{25, 1}));
    EXPECT_EQ(timeline_rate(source({25, 1}, {25, 1}), Rational{48000, 2002}), kFilm);
}

TEST(TimelineRate, ParsesAnEditorsRate) {
    EXPECT_EQ(parse_frame_rate("24000/1001"), kFilm);
    EXPECT_EQ(parse_frame_rate("23.976"), kFilm);
    EXPECT_EQ(parse_frame_rate("23.98"), kFilm);
    EXPECT_EQ(parse_frame_rate("25"), (Rational{25, 1}));
    EXPECT_EQ(parse_frame_rate("29.97"), (Rational{30000, 1001}));
    EXPECT_EQ(parse_frame_rate("59.94"), (Rational{60000, 1001}));
    EXPECT_EQ(parse_frame_rate("50/2"), (Rational{25, 1}));
    EXPECT_EQ(parse_frame_rate("12.5"), (Rational{25, 2}));
    for (const char* bad : {"", "abc", "0", "-25", "1/0", "0/1", "25fps", "2000", "0.5", "24/"})
        EXPECT_FALSE(parse_frame_rate(bad).has_value()) << bad;
}

// ---------------------------------------------------------------- a VFR film

// goldeneye-vfr-drop3.mp4 in numbers: a 24000/1001 film with every third frame dropped, so
// decoded frame k shows film frame k + k/2; cuts at decoded frames 60 and 140, which are film
// frames 90 and 210 (3.754 s and 8.759 s).
Analysis vfr_analysis() {
    const auto time = [](FrameIndex k) { return double(k + k / 2) * 1001.0 / 24000.0; };
    Analysis a;
    a.source.path = "/tmp/kinoglaz films/vfr.mp4";
    a.source.width = 640;
    a.source.height = 272;
    a.source.fps_nominal = kFilm;
    a.source.fps_average = {3840000, 239239};
    a.source.frame_count = 160;
    a.source.frame_count_exact = true;
    a.source.duration_s = time(159) + 1001.0 / 24000.0;
    a.source.fps = 160 / a.source.duration_s;
    const FrameIndex bounds[] = {0, 60, 140, 160};
    for (int i = 0; i < 3; ++i) {
        Shot s;
        s.index = i;
        s.scene = i;
        s.setup = i;
        s.frames = {bounds[i], bounds[i + 1]};
        s.start_time_s = time(s.frames.start);
        s.end_time_s = i == 2 ? a.source.duration_s : time(s.frames.end);
        s.keyframe = (s.frames.start + s.frames.end) / 2;
        a.shots.push_back(s);
        if (i > 0) {
            Transition t;
            t.type = TransitionType::cut;
            t.frames = {s.frames.start, s.frames.start};
            t.start_time_s = t.end_time_s = s.start_time_s;
            t.confidence = 1;
            a.transitions.push_back(t);
        }
        Scene sc;
        sc.index = i;
        sc.first_shot = sc.last_shot = i;
        a.scenes.push_back(sc);
    }
    return a;
}

// Where each shot must start on a timeline at `rate`: the frame nearest its real time.
std::vector<FrameIndex> nearest_frames(const Analysis& a, Rational rate) {
    std::vector<FrameIndex> out;
    for (const auto& s : a.shots)
        out.push_back(std::llround(s.start_time_s * double(rate.num) / double(rate.den)));
    return out;
}

// Frames of an FCPXML time at a frame duration fd_num/fd_den seconds.
FrameIndex fcp_frames(const std::string& t, long long fd_num, long long fd_den) {
    static const std::regex re("^([0-9]+)(?:/([0-9]+))?s$");
    std::smatch m;
    EXPECT_TRUE(std::regex_match(t, m, re)) << t;
    if (m.empty()) return -1;
    const long long n = std::stoll(m[1].str()), d = m[2].matched ? std::stoll(m[2].str()) : 1;
    EXPECT_EQ((n * fd_den) % (d * fd_num), 0) << t << " is not on a frame boundary";
    return (n * fd_den) / (d * fd_num);
}

struct Fcpxml {
    std::string frame_duration;
    FrameIndex tc_start = -1;
    std::vector<FrameIndex> clip_offsets;  // offsets of the asset-clips, in frames
    std::vector<FrameIndex> clip_starts;   // their source starts, in frames
};

// Validates `text` against Apple's DTD and reads the spine.
Fcpxml read_fcpxml(const std::string& text, const fs::path& formats) {
    const fs::path dir = temp_dir("fcpxml-timeline");
    write_file(dir / "t.fcpxml", text);
    const auto v =
        run("xmllint --noout --dtdvalid " + shell_quote((formats / "FCPXMLv1_11.dtd").string()) +
            " " + shell_quote((dir / "t.fcpxml").string()));
    EXPECT_EQ(v.status, 0) << v.err;
    fs::remove_all(dir);
    Fcpxml f;
    const auto fd = find_all(text, "frameDuration=\"([0-9]+/[0-9]+)s\"");
    EXPECT_EQ(fd.size(), 1u);
    if (fd.size() != 1) return f;
    f.frame_duration = fd[0] + "s";
    const long long num = std::stoll(fd[0]), den = std::stoll(fd[0].substr(fd[0].find('/') + 1));
    const auto seq = find_all(text, "<sequence [^>]*>");
    if (seq.size() == 1) f.tc_start = fcp_frames(attr(seq[0], "tcStart"), num, den);
    for (const auto& tag : find_all(text, "<asset-clip [^>]*>")) {
        f.clip_offsets.push_back(fcp_frames(attr(tag, "offset"), num, den));
        f.clip_starts.push_back(fcp_frames(attr(tag, "start"), num, den));
    }
    return f;
}

std::vector<FrameIndex> otio_clip_starts(const json& track, double rate) {
    std::vector<FrameIndex> out;
    for (const auto& it : track["items"])
        if (it["schema"] == "Clip.2")
            out.push_back(std::llround(it["start_s"].get<double>() * rate));
    return out;
}

TEST(Timeline, VfrFilmConformsToItsNominalRateInEveryFormat) {
    REQUIRE_PROGRAM("python3");
    REQUIRE_PROGRAM("xmllint");
    REQUIRE_FORMATS(formats);
    const Analysis a = vfr_analysis();
    const std::vector<FrameIndex> want{0, 90, 210};
    ASSERT_EQ(nearest_frames(a, kFilm), want) << "the fixture's cut times";

    const fs::path dir = temp_dir("timeline-vfr");
    write_file(dir / "t.otio", timeline_otio(a));
    const json t = otio_check(dir / "t.otio");
    ASSERT_EQ(t["tracks"].size(), 1u);
    const double rate = t["tracks"][0]["rate"].get<double>();
    EXPECT_NEAR(rate, 24000.0 / 1001.0, 1e-9);
    EXPECT_EQ(otio_clip_starts(t["tracks"][0], rate), want);
    fs::remove_all(dir);

    const Fcpxml f = read_fcpxml(timeline_fcpxml(a), formats);
    EXPECT_EQ(f.frame_duration, "1001/24000s");
    EXPECT_EQ(f.clip_offsets, want);
    EXPECT_EQ(f.clip_starts, want);

    const Edl edl = parse_edl(cuts_edl(a), 24);
    EXPECT_EQ(edl.rate, "23.976 NDF");
    ASSERT_EQ(edl.events.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(edl.events[i].rec_in, want[i]) << i;
        EXPECT_EQ(edl.events[i].src_in, want[i]) << i;
    }

    // ELAN and WebVTT are in real time, not in frames of any rate.
    const std::string eaf = annotations_eaf(a, "2026-01-01T00:00:00Z");
    for (const char* ms : {"\"3754\"", "\"8759\""})
        EXPECT_NE(eaf.find(ms), std::string::npos) << ms;
    const std::string vtt = chapters_vtt(a);
    EXPECT_NE(vtt.find("00:00:03.754 --> 00:00:08.759"), std::string::npos) << vtt;
}

TEST(Timeline, ProjectRateOverrideConformsEveryTimeline) {
    REQUIRE_PROGRAM("python3");
    REQUIRE_PROGRAM("xmllint");
    REQUIRE_FORMATS(formats);
    const Analysis a = vfr_analysis();
    ExportOptions o;
    o.timeline_rate = Rational{30000, 1001};
    const auto want = nearest_frames(a, *o.timeline_rate);

    const Edl edl = parse_edl(cuts_edl(a, o), 30);
    EXPECT_TRUE(edl.drop);
    EXPECT_EQ(edl.rate, "29.97 DF");
    ASSERT_EQ(edl.events.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(edl.events[i].rec_in, want[i], 1);

    const Fcpxml f = read_fcpxml(timeline_fcpxml(a, o), formats);
    EXPECT_EQ(f.frame_duration, "1001/30000s");
    EXPECT_EQ(f.clip_offsets, want);

    const fs::path dir = temp_dir("timeline-override");
    write_file(dir / "t.otio", timeline_otio(a, o));
    const json t = otio_check(dir / "t.otio");
    ASSERT_EQ(t["tracks"].size(), 1u);
    EXPECT_NEAR(t["tracks"][0]["rate"].get<double>(), 30000.0 / 1001.0, 1e-9);
    EXPECT_EQ(otio_clip_starts(t["tracks"][0], 30000.0 / 1001.0), want);
    fs::remove_all(dir);
}

TEST(Timeline, FcpxmlUsesOnlyRatesFinalCutKnows) {
    REQUIRE_PROGRAM("xmllint");
    REQUIRE_FORMATS(formats);
    struct Case {
        Rational nominal, average;
        const char* frame_duration;
    };
    const Case cases[] = {
        {{16, 1}, {16, 1}, "1001/24000s"},               // silent film: nearest is 23.976
        {{90000, 1}, {2997000, 100000}, "1001/30000s"},  // phone clock, 29.97 average
        {{1000, 1}, {5994, 100}, "1001/60000s"},         // another clock, 59.94 average
        {{25, 1}, {25, 1}, "1/25s"},
        {kFilm, {3840000, 239239}, "1001/24000s"},  // the VFR film, not 1000/16051s
    };
    for (const auto& c : cases) {
        Analysis a = synthetic_analysis(c.nominal.to_double() > 240 ? c.average : c.nominal);
        a.source.fps_nominal = c.nominal;
        a.source.fps_average = c.average;
        a.source.fps = c.average.to_double();
        const Fcpxml f = read_fcpxml(timeline_fcpxml(a), formats);
        EXPECT_EQ(f.frame_duration, c.frame_duration) << c.nominal.num << "/" << c.nominal.den;
        // Every clip still starts on the frame nearest its shot's time.
        const std::string fd = c.frame_duration;  // "den/nums": a frame's seconds
        const Rational fcp{std::stoll(fd.substr(fd.find('/') + 1)), std::stoll(fd)};
        const auto want = nearest_frames(a, fcp);
        EXPECT_EQ(f.clip_offsets, want);
    }
}

// ---------------------------------------------------------------- part of a film

// synthetic_analysis() as a --start 4 --end 20.8 analysis at 25 fps gives it: shots 1 to 5 only
// (frames 100 to 520), the transitions among them, nothing else.
Analysis ranged_analysis() {
    Analysis a = synthetic_analysis(Rational{25, 1});
    a.shots.erase(a.shots.begin());
    a.shots.pop_back();
    std::erase_if(a.transitions, [](const Transition& t) {
        return t.frames.start <= 100 || t.frames.start >= 520;
    });
    a.events.clear();
    a.scenes.clear();
    a.source.frame_count_exact = false;  // as the decoder leaves it after a ranged pass
    return a;
}

TEST(Timeline, RangedAnalysisExportsOnlyTheAnalysedPart) {
    REQUIRE_PROGRAM("python3");
    REQUIRE_PROGRAM("xmllint");
    REQUIRE_FORMATS(formats);
    const Analysis a = ranged_analysis();
    ASSERT_EQ(a.shots.front().frames.start, 100);
    ASSERT_EQ(a.shots.back().frames.end, 520);

    const Edl edl = parse_edl(cuts_edl(a), 25);
    ASSERT_FALSE(edl.events.empty());
    EXPECT_EQ(edl.events.front().reel, "AX") << "no black for the part before --start";
    EXPECT_EQ(edl.events.front().rec_in, 100);
    EXPECT_EQ(edl.events.back().reel, "AX") << "no black for the part after --end";
    EXPECT_EQ(edl.events.back().rec_out, 520);
    // The fade through black inside the range is the film's own and stays.
    EXPECT_EQ(std::count_if(edl.events.begin(), edl.events.end(),
                            [](const EdlEvent& e) { return e.reel == "BL"; }),
              1);

    const fs::path dir = temp_dir("timeline-ranged");
    const std::string otio = timeline_otio(a);
    write_file(dir / "t.otio", otio);
    const json t = otio_check(dir / "t.otio");
    ASSERT_EQ(t["tracks"].size(), 1u);
    const json& track = t["tracks"][0];
    EXPECT_NEAR(track["duration_s"].get<double>(), 420 / 25.0, 1e-9) << "only frames 100-520";
    EXPECT_EQ(track["items"][0]["schema"], "Clip.2");
    EXPECT_NEAR(track["items"][0]["source_start_s"].get<double>(), 4.0, 1e-9);
    EXPECT_EQ(json::parse(otio)["global_start_time"]["value"].get<double>(), 100.0);
    fs::remove_all(dir);

    const Fcpxml f = read_fcpxml(timeline_fcpxml(a), formats);
    EXPECT_EQ(f.tc_start, 100);
    ASSERT_FALSE(f.clip_offsets.empty());
    EXPECT_EQ(f.clip_offsets.front(), 100);
    EXPECT_EQ(find_all(timeline_fcpxml(a), "<gap ").size(), 1u) << "only the fade's black";

    const std::string eaf = annotations_eaf(a, "2026-01-01T00:00:00Z");
    const auto slots = find_all(eaf, "TIME_VALUE=\"([0-9]+)\"");
    ASSERT_FALSE(slots.empty());
    EXPECT_EQ(slots.front(), "4000");
    EXPECT_EQ(slots.back(), "20800");
}

TEST(Timeline, WholeFilmKeepsItsBlackLeaderAndTail) {
    // The same shots from a pass over the whole film: the black before and after them (no
    // shot's) is the film's and stays on the timeline.
    Analysis a = ranged_analysis();
    a.source.frame_count_exact = true;
    const Edl edl = parse_edl(cuts_edl(a), 25);
    ASSERT_GE(edl.events.size(), 2u);
    EXPECT_EQ(edl.events.front().reel, "BL");
    EXPECT_EQ(edl.events.front().rec_in, 0);
    EXPECT_EQ(edl.events.front().rec_out, 100);
    EXPECT_EQ(edl.events.back().reel, "BL");
    EXPECT_EQ(edl.events.back().rec_out, a.source.frame_count);
    const std::string fcpxml = timeline_fcpxml(a);
    EXPECT_NE(fcpxml.find("tcStart=\"0s\""), std::string::npos);
    EXPECT_EQ(json::parse(timeline_otio(a))["global_start_time"]["value"].get<double>(), 0.0);
}

// ---------------------------------------------------------------- media references

TEST(MediaReference, RelativeToTheFolderUnlessAbsoluteIsAsked) {
    const Analysis a = synthetic_analysis(Rational{25, 1}, 1, "/tmp/project/films/a film.mp4");
    ExportOptions o;
    o.media_base = "/tmp/project/analyses/a";
    const std::string rel = "../../films/a%20film.mp4";
    EXPECT_NE(timeline_otio(a, o).find("\"target_url\": \"" + rel + "\""), std::string::npos);
    EXPECT_NE(timeline_fcpxml(a, o).find("src=\"" + rel + "\""), std::string::npos);
    const std::string eaf = annotations_eaf(a, "2026-01-01T00:00:00Z", o);
    EXPECT_NE(eaf.find("RELATIVE_MEDIA_URL=\"" + rel + "\""), std::string::npos);
    EXPECT_NE(eaf.find("MEDIA_URL=\"file:///tmp/project/films/a%20film.mp4\""), std::string::npos);

    o.absolute_paths = true;
    const std::string abs = "file:///tmp/project/films/a%20film.mp4";
    EXPECT_NE(timeline_otio(a, o).find("\"target_url\": \"" + abs + "\""), std::string::npos);
    EXPECT_NE(timeline_fcpxml(a, o).find("src=\"" + abs + "\""), std::string::npos);
    EXPECT_EQ(annotations_eaf(a, "", o).find("RELATIVE_MEDIA_URL"), std::string::npos);

    // A URL stays what it is.
    const Analysis url = synthetic_analysis(Rational{25, 1}, 1, "https://example.org/a%20b.mp4");
    o.absolute_paths = false;
    EXPECT_NE(timeline_otio(url, o).find("\"target_url\": \"https://example.org/a%20b.mp4\""),
              std::string::npos);
    EXPECT_NE(timeline_fcpxml(url, o).find("src=\"https://example.org/a%20b.mp4\""),
              std::string::npos);
}

// ---------------------------------------------------------------- the report's cutting rate

TEST(Report, OneCuttingRateNamedTheSameEverywhere) {
    Analysis a = synthetic_analysis(Rational{25, 1}, 60);  // 24 minutes, 7 shots
    a.rhythm.window_s = 60;
    a.rhythm.cuts_per_minute = {1, 0, 0, 1, 2};
    const std::string html = report_html(a, {});
    EXPECT_EQ(html.find("Shots per minute"), std::string::npos);
    EXPECT_EQ(html.find("cuts per minute"), std::string::npos) << "one spelling";
    const auto header = find_all(html, "<dt>Cuts per minute</dt><dd>([0-9.]+)</dd>");
    const auto caption = find_all(html, "Cuts per minute: ([0-9.]+)");
    ASSERT_EQ(header.size(), 1u);
    ASSERT_EQ(caption.size(), 1u);
    EXPECT_EQ(header[0], caption[0]);
    // As the corpus tables count: shots - 1 cuts over the film's minutes.
    EXPECT_NEAR(std::stod(header[0]), double(a.shots.size() - 1) / (a.source.duration_s / 60),
                0.05);
    // After a --start/--end analysis, over the minutes analysed.
    a.source.frame_count_exact = false;
    a.shots.erase(a.shots.begin());
    const std::string part = report_html(a, {});
    const auto figure = find_all(part, "<dt>Cuts per minute</dt><dd>([0-9.]+)</dd>");
    ASSERT_EQ(figure.size(), 1u);
    const double span = a.shots.back().end_time_s - a.shots.front().start_time_s;
    EXPECT_NEAR(std::stod(figure[0]), double(a.shots.size() - 1) * 60 / span, 0.05);
    EXPECT_EQ(find_all(part, "Cuts per minute: ([0-9.]+)").at(0), figure[0]);
}

// ---------------------------------------------------------------- crafted file names

// A path with every character that has meant trouble: quotes, markup, line breaks that would
// start a DOT statement or an EDL event, tab, ESC, DEL, bytes that are not UTF-8, and links.
const std::string kHostilePath =
    "/tmp/kino \"q\" <b>&amp; 'x'/javascript:alert(1)\r\n"
    "  s0 [URL=\"javascript:alert(2)\", href=\"javascript:alert(3)\"];\n"
    "777  ZZ       V     C        00:00:00:00 00:00:01:00 00:00:00:00 00:00:01:00\n"
    "\t<a href=\"javascript:alert(4)\" onclick=\"alert(5)\">x\x1b[31m\x7f\xff\xfe.mp4";

// No control character but line ends of the format's own (`allowed`).
void expect_no_raw_controls(const std::string& text, const std::string& what,
                            const std::string& allowed = "\n") {
    for (unsigned char c : text)
        if ((c < 0x20 || c == 0x7f) && allowed.find(char(c)) == std::string::npos) {
            ADD_FAILURE() << what << " holds raw control character " << int(c);
            return;
        }
    EXPECT_EQ(text.find("\n  s0 [URL"), std::string::npos) << what << ": a name started a line";
    EXPECT_EQ(text.find("\n777  ZZ"), std::string::npos) << what << ": a name started an event";
}

// No attribute that links or loads from a javascript: URL, however spelt.
void expect_no_script_links(const std::string& html, const std::string& what) {
    static const std::regex link("(href|src)\\s*=\\s*[\"']?\\s*javascript:", std::regex::icase);
    EXPECT_FALSE(std::regex_search(html, link)) << what;
    EXPECT_EQ(html.find("<a href=\"javascript"), std::string::npos) << what;
}

TEST(Hostile, CraftedFileNameStaysInertInEveryWriter) {
    REQUIRE_PROGRAM("xmllint");
    REQUIRE_PROGRAM("python3");
    REQUIRE_FORMATS(formats);
    const Analysis a = synthetic_analysis(Rational{25, 1}, 1, kHostilePath);
    const fs::path dir = temp_dir("hostile");
    auto xml_ok = [&](const std::string& file, const std::string& text, const std::string& how) {
        write_file(dir / file, text);
        const auto r = run("xmllint --noout " + how + " " + shell_quote((dir / file).string()));
        EXPECT_EQ(r.status, 0) << file << ": " << r.err;
    };

    const std::string dot = shotgraph_dot(a);
    expect_no_raw_controls(dot, "shotgraph.dot");
    const std::string graphml = shotgraph_graphml(a);
    expect_no_raw_controls(graphml, "shotgraph.graphml");
    xml_ok("g.graphml", graphml, "");
    const std::string setups = setupgraph_dot(a);
    expect_no_raw_controls(setups, "setupgraph.dot");
    if (have_program("dot")) {
        // Graphviz takes it (its title names the film), and the report shows the drawing.
        const std::string svg = flow_setupgraph_svg(render_dot_svg(setups));
        ASSERT_FALSE(svg.empty()) << "dot rejected the set-up graph";
        ReportOptions o;
        o.graph_svg = svg;
        EXPECT_NE(report_html(a, o).find(svg), std::string::npos) << "the set-up graph is shown";
    }
    const std::string otio = timeline_otio(a);
    expect_no_raw_controls(otio, "timeline.otio");
    write_file(dir / "t.otio", otio);
    const json t = otio_check(dir / "t.otio");
    ASSERT_EQ(t["tracks"].size(), 1u);
    for (const auto& it : t["tracks"][0]["items"])
        if (it.contains("target_url")) {
            EXPECT_EQ(it["target_url"].get<std::string>().rfind("file:///tmp/kino%20", 0), 0u);
        }
    const std::string fcpxml = timeline_fcpxml(a);
    expect_no_raw_controls(fcpxml, "timeline.fcpxml");
    xml_ok("t.fcpxml", fcpxml, "--dtdvalid " + shell_quote((formats / "FCPXMLv1_11.dtd").string()));
    const std::string eaf = annotations_eaf(a, "2026-01-01T00:00:00Z");
    expect_no_raw_controls(eaf, "annotations.eaf");
    xml_ok("a.eaf", eaf, "--schema " + shell_quote((formats / "EAFv3.0.xsd").string()));
    const std::string edl = cuts_edl(a);
    expect_no_raw_controls(edl, "cuts.edl");
    EXPECT_EQ(parse_edl(edl, 25).events.size(), synthetic_edit_list().size());
    expect_no_raw_controls(chapters_vtt(a), "chapters.vtt");
    expect_no_raw_controls(shots_csv(a), "shots.csv", "\r\n");
    const std::string analysis = analysis_json(a);
    expect_no_raw_controls(analysis, "analysis.json");
    EXPECT_FALSE(json::parse(analysis, nullptr, false).is_discarded());

    // The report with the graph Graphviz draws from that DOT (when it is installed).
    ReportOptions o;
    o.graph_svg = render_dot_svg(dot);
    if (have_program("dot")) {
        ASSERT_FALSE(o.graph_svg.empty()) << "dot rejected the DOT text";
        expect_no_script_links(o.graph_svg, "the rendered shot graph");
        EXPECT_FALSE(std::regex_search(o.graph_svg, std::regex("<[^>]*href")))
            << "the graph links nowhere";
    }
    const std::string html = report_html(a, o);
    if (!o.graph_svg.empty()) {
        EXPECT_NE(html.find(o.graph_svg), std::string::npos) << "the inert graph is shown";
    }
    expect_no_raw_controls(html, "report.html");
    expect_no_script_links(html, "report.html");
    fs::remove_all(dir);
}

TEST(Hostile, ScriptSchemeIsNeverTakenForAUrl) {
    for (const char* path :
         {"javascript://%0Aalert(1)", "JavaScript://x", "data://text/html,x", "vbscript://x"}) {
        const Analysis a = synthetic_analysis(Rational{25, 1}, 1, path);
        const std::string html = report_html(a, {});
        expect_no_script_links(html, path);
        EXPECT_EQ(html.find(std::string("src=\"") + path), std::string::npos) << path;
        EXPECT_EQ(timeline_otio(a).find(std::string("\"target_url\": \"") + path),
                  std::string::npos)
            << path;
        EXPECT_EQ(timeline_fcpxml(a).find(std::string("src=\"") + path), std::string::npos);
    }
}

TEST(Hostile, ReportDropsAGraphThatCouldRunCode) {
    const Analysis a = synthetic_analysis(Rational{25, 1});
    for (const char* svg :
         {"<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
          "<svg><script>alert(1)</script></svg>", "<svg><g onclick=\"alert(1)\"></g></svg>"}) {
        ReportOptions o;
        o.graph_svg = svg;
        const std::string html = report_html(a, o);
        EXPECT_EQ(html.find(svg), std::string::npos) << svg;
        EXPECT_NE(html.find("Shot graph as an arc diagram"), std::string::npos) << svg;
    }
}

}  // namespace
}  // namespace kinoglaz::test
