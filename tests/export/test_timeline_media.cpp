// `kinoglaz analyze` on variable-frame-rate films (the shared VFR clip and one made here with
// dropped frames): the timelines conform to the film's nominal rate or --timeline-rate, a
// ranged analysis exports only its range, the folder moved with its film still finds it, and a
// file name crafted to break the formats does not.

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "export_test_util.hpp"
#include "support/ffmpeg_cli.hpp"

namespace kinoglaz::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kClip = "clips/goldeneye-vfr-drop3.mp4";

#define REQUIRE_KINOGLAZ() \
    if (!fs::exists(kinoglaz_bin())) GTEST_SKIP() << "kinoglaz binary not built: " << kinoglaz_bin()

RunResult analyze(const fs::path& film, const fs::path& out, const std::string& extra = "") {
    return run(shell_quote(kinoglaz_bin()) + " analyze " + shell_quote(film.string()) + " -o " +
               shell_quote(out.string()) + " --no-reveal --quiet " + extra);
}

json read_json(const fs::path& p) {
    return json::parse(read_file(p));
}

// The rate as a double from "24000/1001".
double to_rate(Rational r) {
    return double(r.num) / double(r.den);
}

// The frames at `rate` nearest each shot's start time in the folder's analysis.json.
std::vector<FrameIndex> nearest_shot_frames(const fs::path& dir, Rational rate) {
    std::vector<FrameIndex> out;
    const json analysis = read_json(dir / "analysis.json");
    for (const auto& s : analysis["shots"])
        out.push_back(std::llround(s["start_time"].get<double>() * to_rate(rate)));
    return out;
}

void expect_near(const std::vector<FrameIndex>& got, const std::vector<FrameIndex>& want,
                 FrameIndex tolerance, const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (std::size_t i = 0; i < want.size(); ++i)
        EXPECT_NEAR(got[i], want[i], tolerance) << what << ", clip " << i;
}

// Checks timeline.otio, timeline.fcpxml and cuts.edl of an analysis folder: all at `rate`
// (FCPXML frame duration `frame_duration`), clips starting at `starts` (within `tolerance`
// frames; the EDL always within one), each file valid for its reader.
void expect_timelines(const fs::path& dir, Rational rate, const std::string& frame_duration,
                      const std::string& edl_rate, const std::vector<FrameIndex>& starts,
                      FrameIndex tolerance = 0) {
    SCOPED_TRACE(dir.string());
    const json t = otio_check(dir / "timeline.otio");
    ASSERT_EQ(t["tracks"].size(), 1u);
    const double r = t["tracks"][0]["rate"].get<double>();
    EXPECT_NEAR(r, to_rate(rate), 1e-9);
    std::vector<FrameIndex> otio;
    for (const auto& it : t["tracks"][0]["items"])
        if (it["schema"] == "Clip.2") otio.push_back(std::llround(it["start_s"].get<double>() * r));
    expect_near(otio, starts, tolerance, "OTIO clip starts");

    const fs::path formats = formats_dir();
    const std::string fcpxml = read_file(dir / "timeline.fcpxml");
    if (!formats.empty()) {
        const auto v = run("xmllint --noout --dtdvalid " +
                           shell_quote((formats / "FCPXMLv1_11.dtd").string()) + " " +
                           shell_quote((dir / "timeline.fcpxml").string()));
        EXPECT_EQ(v.status, 0) << v.err;
    }
    EXPECT_NE(fcpxml.find("frameDuration=\"" + frame_duration + "\""), std::string::npos)
        << "FCPXML frame duration";
    const long long fd_num = std::stoll(frame_duration),
                    fd_den = std::stoll(frame_duration.substr(frame_duration.find('/') + 1));
    std::vector<FrameIndex> offsets;
    for (const auto& tag : find_all(fcpxml, "<asset-clip [^>]*>")) {
        std::smatch m;
        const std::string off = attr(tag, "offset");
        ASSERT_TRUE(std::regex_match(off, m, std::regex("^([0-9]+)(?:/([0-9]+))?s$"))) << off;
        const long long n = std::stoll(m[1].str()), d = m[2].matched ? std::stoll(m[2].str()) : 1;
        EXPECT_EQ((n * fd_den) % (d * fd_num), 0) << off << " is between frames";
        offsets.push_back((n * fd_den) / (d * fd_num));
    }
    expect_near(offsets, starts, tolerance, "FCPXML clip offsets");

    const int tc_fps = int(std::lround(to_rate(rate)));
    const Edl edl = parse_edl(read_file(dir / "cuts.edl"), tc_fps);
    EXPECT_EQ(edl.rate, edl_rate);
    ASSERT_EQ(edl.events.size(), starts.size());
    for (std::size_t i = 0; i < starts.size(); ++i)
        EXPECT_NEAR(edl.events[i].rec_in, starts[i], 1) << "EDL record in, event " << i + 1;
}

TEST(TimelineMedia, SharedVfrClipAtItsNominalRate) {
    REQUIRE_KINOGLAZ();
    REQUIRE_PROGRAM("python3");
    REQUIRE_PROGRAM("ffprobe");
    KINOGLAZ_REQUIRE_MEDIA(clip, kClip);
    auto truth_path = clip;
    truth_path.replace_extension(".truth.json");
    const json truth = read_json(truth_path);
    // The truth counts decoded frames; an editor's timeline counts 24000/1001 frames of time.
    const auto times = ffprobe_frame_times(clip.string());
    std::vector<FrameIndex> want{0};
    for (const auto& t : truth["transitions"])
        want.push_back(std::llround(times.at(t["start_frame"].get<std::size_t>()) * 24000 / 1001));
    ASSERT_EQ(want, (std::vector<FrameIndex>{0, 90, 210})) << "the issue's figures";

    const fs::path dir = temp_dir("timeline-media-clip");
    const auto r = analyze(clip, dir / "out");
    ASSERT_EQ(r.status, 0) << r.err;
    expect_timelines(dir / "out", {24000, 1001}, "1001/24000s", "23.976 NDF", want);
    fs::remove_all(dir);
}

// A 24000/1001 film of three sources cut at film frames 90 and 210, with frames 1, 6, 11, ...
// and 3, 10, 17, ... dropped (an irregular VFR like a phone's), so that the cuts are decoded
// frames 61 and 144 at 3.754 s and 8.759 s.
class VfrFilm : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        if (!have_program("ffmpeg")) return;
        dir_ = temp_dir("timeline-media-vfr");
        film_ = dir_ / "vfr.mp4";
        const bool ok = ffmpeg(
            "-f lavfi -i testsrc2=s=320x240:r=24000/1001 -f lavfi -i smptebars=s=320x240:r=24000/"
            "1001 -f lavfi -i mandelbrot=s=320x240:r=24000/1001 -filter_complex "
            "'[0:v]trim=end_frame=90,setpts=PTS-STARTPTS[a];"
            "[1:v]trim=end_frame=120,setpts=PTS-STARTPTS[b];"
            "[2:v]trim=end_frame=30,setpts=PTS-STARTPTS[c];[a][b][c]concat=n=3:v=1,"
            "select=not(eq(mod(n\\,5)\\,1)+eq(mod(n\\,7)\\,3)),format=yuv420p' -fps_mode vfr "
            "-c:v libx264 -preset ultrafast -g 24 " +
            shell_quote(film_.string()));
        if (!ok) film_.clear();
    }
    static void TearDownTestSuite() {
        if (!dir_.empty()) fs::remove_all(dir_);
    }
    void SetUp() override {
        if (!fs::exists(kinoglaz_bin())) GTEST_SKIP() << "kinoglaz binary not built";
        if (!have_program("python3")) GTEST_SKIP() << "python3 is not installed";
        if (film_.empty()) GTEST_SKIP() << "ffmpeg could not make the VFR film";
    }
    // Frames of the cuts' real times (film frames 90 and 210) at `rate`.
    static std::vector<FrameIndex> cut_frames(Rational rate) {
        std::vector<FrameIndex> out{0};
        for (int f : {90, 210}) out.push_back(std::llround(f * 1001.0 / 24000.0 * to_rate(rate)));
        return out;
    }
    static inline fs::path dir_, film_;
};

TEST_F(VfrFilm, IsVariableRateWithItsCutsAtKnownTimes) {
    std::size_t kept = 0;
    for (int n = 0; n < 240; ++n) kept += n % 5 != 1 && n % 7 != 3;
    const auto times = ffprobe_frame_times(film_.string());
    ASSERT_EQ(times.size(), kept);
    EXPECT_NEAR(times.at(61), 90 * 1001.0 / 24000, 1e-6) << "decoded frame 61 is film frame 90";
    const auto r =
        run(shell_quote(kinoglaz_bin()) + " cuts " + shell_quote(film_.string()) + " --json");
    ASSERT_EQ(r.status, 0) << r.err;
    std::vector<double> cuts;
    const json found = json::parse(r.out);
    for (const auto& t : found["transitions"]) cuts.push_back(t["start_time"].get<double>());
    ASSERT_EQ(cuts.size(), 2u);
    EXPECT_NEAR(cuts[0], 90 * 1001.0 / 24000, 1e-3);
    EXPECT_NEAR(cuts[1], 210 * 1001.0 / 24000, 1e-3);
}

TEST_F(VfrFilm, TimelinesAtTheNominalRate) {
    const fs::path out = dir_ / "nominal";
    const auto r = analyze(film_, out);
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_EQ(cut_frames({24000, 1001}), (std::vector<FrameIndex>{0, 90, 210}));
    EXPECT_EQ(nearest_shot_frames(out, {24000, 1001}), cut_frames({24000, 1001}));
    expect_timelines(out, {24000, 1001}, "1001/24000s", "23.976 NDF", cut_frames({24000, 1001}));
}

TEST_F(VfrFilm, TimelineRateConformsToAProject) {
    const fs::path pal = dir_ / "pal";
    auto r = analyze(film_, pal, "--timeline-rate 25");
    ASSERT_EQ(r.status, 0) << r.err;
    expect_timelines(pal, {25, 1}, "1/25s", "25 NDF", cut_frames({25, 1}));

    const fs::path ntsc = dir_ / "ntsc";
    r = analyze(film_, ntsc, "--timeline-rate 29.97");
    ASSERT_EQ(r.status, 0) << r.err;
    // The cuts fall on half frames of 29.97 (112.5, 262.5): either neighbour is nearest.
    expect_timelines(ntsc, {30000, 1001}, "1001/30000s", "29.97 DF", cut_frames({30000, 1001}), 1);
    const std::string edl = read_file(ntsc / "cuts.edl");
    EXPECT_NE(edl.find("FCM: DROP FRAME"), std::string::npos);
    EXPECT_NE(edl.find("00:00:03;"), std::string::npos) << "drop-frame separator";

    r = analyze(film_, dir_ / "bad", "--timeline-rate 16,5");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("--timeline-rate"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "bad"));
}

TEST(TimelineMedia, RangedAnalysisExportsOnlyWhatWasAnalysed) {
    REQUIRE_KINOGLAZ();
    REQUIRE_PROGRAM("python3");
    KINOGLAZ_REQUIRE_MEDIA(clip, kClip);
    const fs::path dir = temp_dir("timeline-media-ranged");
    const auto r = analyze(clip, dir / "out", "--start 2 --end 9");
    ASSERT_EQ(r.status, 0) << r.err;
    const fs::path out = dir / "out";
    const json shots = read_json(out / "analysis.json")["shots"];
    ASSERT_FALSE(shots.empty());
    const double begin = shots.front()["start_time"].get<double>();
    const double end = shots.back()["end_time"].get<double>();
    ASSERT_GE(begin, 2.0);
    ASSERT_LE(end, 9.0 + 1e-6);
    const auto starts = nearest_shot_frames(out, {24000, 1001});

    const std::string edl_text = read_file(out / "cuts.edl");
    EXPECT_EQ(edl_text.find("BLACK"), std::string::npos) << edl_text;
    const Edl edl = parse_edl(edl_text, 24);
    ASSERT_EQ(edl.events.size(), shots.size());
    EXPECT_NEAR(edl.events.front().rec_in, starts.front(), 1);
    EXPECT_NEAR(edl.events.back().rec_out, std::llround(end * 24000 / 1001), 1);

    const json otio = read_json(out / "timeline.otio");
    EXPECT_EQ(otio["global_start_time"]["value"].get<double>(), double(starts.front()));
    const json t = otio_check(out / "timeline.otio");
    ASSERT_EQ(t["tracks"].size(), 1u);
    for (const auto& it : t["tracks"][0]["items"]) EXPECT_EQ(it["schema"], "Clip.2");
    EXPECT_NEAR(t["tracks"][0]["duration_s"].get<double>(), end - begin, 2 * 1001.0 / 24000);

    const std::string fcpxml = read_file(out / "timeline.fcpxml");
    EXPECT_EQ(fcpxml.find("<gap "), std::string::npos);
    EXPECT_EQ(find_all(fcpxml, "tcStart=\"([^\"]*)\"").at(0),
              std::to_string(starts.front() * 1001) + "/24000s");

    const auto slots = find_all(read_file(out / "annotations.eaf"), "TIME_VALUE=\"([0-9]+)\"");
    ASSERT_FALSE(slots.empty());
    for (const auto& ms : slots) {
        EXPECT_GE(std::stoll(ms), 2000);
        EXPECT_LE(std::stoll(ms), 9000);
    }
    const auto cues = find_all(read_file(out / "chapters.vtt"), "\n([0-9:.]+) --> ");
    ASSERT_FALSE(cues.empty());
    EXPECT_GE(cues.front(), "00:00:02.000");
    fs::remove_all(dir);
}

// "%20" and friends back to bytes.
std::string percent_decode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out += char(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// Every reference to the film in an analysis folder: OTIO target_url, FCPXML src, ELAN
// RELATIVE_MEDIA_URL (or MEDIA_URL) and the report's <video src>.
std::vector<std::string> film_references(const fs::path& out) {
    std::vector<std::string> refs;
    for (const auto& u : find_all(read_file(out / "timeline.otio"), "\"target_url\": \"([^\"]*)\""))
        refs.push_back(u);
    refs.push_back(
        find_all(read_file(out / "timeline.fcpxml"), "<media-rep [^>]*src=\"([^\"]*)\"").at(0));
    const std::string eaf = read_file(out / "annotations.eaf");
    const auto rel = find_all(eaf, "RELATIVE_MEDIA_URL=\"([^\"]*)\"");
    refs.push_back(rel.empty() ? find_all(eaf, " MEDIA_URL=\"([^\"]*)\"").at(0) : rel[0]);
    refs.push_back(
        find_all(read_file(out / "report.html"), "<video id=\"player\"[^>]*src=\"([^\"]*)\"")
            .at(0));
    return refs;
}

fs::path resolve(const std::string& ref, const fs::path& folder) {
    if (ref.rfind("file://", 0) == 0) return percent_decode(ref.substr(7));
    return (folder / percent_decode(ref)).lexically_normal();
}

TEST(TimelineMedia, FolderMovedWithItsFilmStillFindsIt) {
    REQUIRE_KINOGLAZ();
    KINOGLAZ_REQUIRE_MEDIA(clip, kClip);
    const fs::path dir = temp_dir("timeline-media-moved");
    const fs::path before = dir / "project one", after = dir / "project two";
    fs::create_directories(before / "films");
    fs::copy_file(clip, before / "films" / "a film #1.mp4");
    auto r = analyze(before / "films" / "a film #1.mp4", before / "analyses" / "a");
    ASSERT_EQ(r.status, 0) << r.err;
    r = analyze(before / "films" / "a film #1.mp4", before / "analyses" / "abs",
                "--absolute-paths");
    ASSERT_EQ(r.status, 0) << r.err;
    fs::rename(before, after);

    const fs::path out = after / "analyses" / "a";
    const auto refs = film_references(out);
    ASSERT_GE(refs.size(), 4u);  // one per OTIO clip, FCPXML, ELAN, the report
    for (const auto& ref : refs) {
        EXPECT_EQ(ref.find("://"), std::string::npos) << ref << " is not relative";
        const fs::path film = resolve(ref, out);
        EXPECT_TRUE(fs::exists(film)) << ref << " -> " << film;
        EXPECT_TRUE(fs::equivalent(film, after / "films" / "a film #1.mp4")) << ref;
    }
    // --absolute-paths: the old file:// URLs, which still name the folder the film was in.
    for (const auto& ref : film_references(after / "analyses" / "abs")) {
        EXPECT_EQ(ref.rfind("file:///", 0), 0u) << ref;
        EXPECT_EQ(resolve(ref, {}), (before / "films" / "a film #1.mp4").lexically_normal());
    }
    fs::remove_all(dir);
}

TEST(TimelineMedia, CraftedFileNameStaysInert) {
    REQUIRE_KINOGLAZ();
    REQUIRE_PROGRAM("python3");
    REQUIRE_PROGRAM("xmllint");
    KINOGLAZ_REQUIRE_MEDIA(clip, kClip);
    const fs::path dir = temp_dir("timeline-media-hostile");
    const fs::path film =
        dir /
        "kino \"q\" <b>&amp; 'x' javascript:alert(1)\r\n  s0 [URL=\"javascript:alert(2)\"];\n"
        "777  ZZ       V     C        00:00:00:00 00:00:01:00 00:00:00:00 00:00:01:00\n"
        "\t<a href=\"javascript:alert(4)\" onclick=\"alert(5)\">x\x1b[31m.mp4";
    fs::copy_file(clip, film);
    const auto r = analyze(film, dir / "out");
    ASSERT_EQ(r.status, 0) << r.err;
    const fs::path out = dir / "out";

    for (const char* name : {"analysis.json", "shots.csv", "shotgraph.dot", "shotgraph.graphml",
                             "setupgraph.dot", "timeline.otio", "cuts.edl", "annotations.eaf",
                             "timeline.fcpxml", "chapters.vtt", "report.html"}) {
        const std::string text = read_file(out / name);
        const std::string allowed = std::string(name) == "shots.csv" ? "\r\n" : "\n";
        for (unsigned char c : text)
            if ((c < 0x20 || c == 0x7f) && allowed.find(char(c)) == std::string::npos) {
                ADD_FAILURE() << name << " holds raw control character " << int(c);
                break;
            }
        EXPECT_EQ(text.find("\n  s0 [URL"), std::string::npos) << name << ": a name started a line";
        EXPECT_EQ(text.find("\n777  ZZ"), std::string::npos) << name << ": a name started an event";
    }
    EXPECT_NO_THROW((void)read_json(out / "analysis.json"));
    EXPECT_EQ(read_json(out / "analysis.json")["source"]["path"], film.string()) << "kept exact";
    const json t = otio_check(out / "timeline.otio");
    EXPECT_EQ(t["tracks"].size(), 1u);
    EXPECT_EQ(parse_edl(read_file(out / "cuts.edl"), 24).events.size(), 3u);
    const fs::path formats = formats_dir();
    std::vector<std::string> lint{"--noout " + shell_quote((out / "shotgraph.graphml").string())};
    if (!formats.empty()) {
        lint.push_back("--noout --dtdvalid " + shell_quote((formats / "FCPXMLv1_11.dtd").string()) +
                       " " + shell_quote((out / "timeline.fcpxml").string()));
        lint.push_back("--noout --schema " + shell_quote((formats / "EAFv3.0.xsd").string()) + " " +
                       shell_quote((out / "annotations.eaf").string()));
    }
    for (const auto& args : lint) {
        const auto v = run("xmllint " + args);
        EXPECT_EQ(v.status, 0) << args << "\n" << v.err;
    }
    if (have_program("dot")) {
        const auto v = run("dot -Tsvg " + shell_quote((out / "shotgraph.dot").string()));
        EXPECT_EQ(v.status, 0) << v.err;
        EXPECT_FALSE(std::regex_search(v.out, std::regex("<[^>]*href"))) << "the graph links";
    }
    const std::string html = read_file(out / "report.html");
    EXPECT_FALSE(std::regex_search(
        html, std::regex("(href|src)\\s*=\\s*[\"']?\\s*javascript:", std::regex::icase)));
    EXPECT_FALSE(std::regex_search(html, std::regex("<[^>]*\\son[a-z]+\\s*=\\s*\"alert")));
    fs::remove_all(dir);
}

}  // namespace
}  // namespace kinoglaz::test
