// `kinoglaz rebuild`: an analysis folder made again from a corrected export. One analysis of a
// dev montage (with exact truth) is shared by the tests; each rebuilds into its own folder.

#include <gtest/gtest.h>

#include <cstring>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include <kinoglaz/export.hpp>
#include "support/media.hpp"
#include "support/run.hpp"

namespace kinoglaz {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::run;
using test::shell_quote;

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
}

// `csv` with cell `index` (0-based) of line `line` (1-based, the header is line 1) set to
// `value`, as a person edits one cell in a spreadsheet.
std::string with_cell(const std::string& csv, int line, int index, const std::string& value) {
    std::istringstream in(csv);
    std::string out, l;
    for (int n = 1; std::getline(in, l); ++n) {
        if (!l.empty() && l.back() == '\r') l.pop_back();
        if (n == line) {
            std::vector<std::string> c;
            std::stringstream ss(l);
            for (std::string x; std::getline(ss, x, ',');) c.push_back(x);
            c.at(std::size_t(index)) = value;
            l.clear();
            for (std::size_t i = 0; i < c.size(); ++i) l += (i ? "," : "") + c[i];
        }
        out += l + "\r\n";
    }
    return out;
}

std::string k(const std::string& args) {
    return shell_quote(test::kinoglaz_bin()) + " " + args;
}

class Rebuild : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        film_ = test::media_file("dev/dev_montage_02.mp4");
        truth_ = test::media_file("dev/dev_montage_02.truth.json");
        if (film_.empty() || truth_.empty()) return;
        root_ = test::temp_dir("rebuild");
        analysis_ = root_ / "analysis";
        const auto r = run(k("analyze " + shell_quote(film_.string()) + " -o " +
                             shell_quote(analysis_.string()) + " --no-reveal --quiet"));
        ASSERT_EQ(r.status, 0) << r.err;
    }
    static void TearDownTestSuite() {
        if (!root_.empty()) fs::remove_all(root_);
    }
    void SetUp() override {
        if (film_.empty() || truth_.empty())
            GTEST_SKIP() << "test footage dev/dev_montage_02 not found (set KINOGLAZ_MEDIA)";
    }

    // Rebuilds the shared analysis from `edited` into a fresh folder `name`.
    static test::RunResult rebuild(const fs::path& edited, const std::string& name,
                                   const std::string& extra = "") {
        fs::remove_all(root_ / name);
        return run(k("rebuild " + shell_quote(analysis_.string()) + " --from " +
                     shell_quote(edited.string()) + " -o " + shell_quote((root_ / name).string()) +
                     " " + extra));
    }

    // A copy of one of the analysis's files, to be edited.
    static fs::path copy_of(const std::string& file, const std::string& name) {
        const fs::path to = root_ / name;
        fs::copy_file(analysis_ / file, to, fs::copy_options::overwrite_existing);
        return to;
    }

    // `kinoglaz eval --tolerance 0` of a folder against the truth: the summary's "all" F1.
    static double exact_f1(const fs::path& folder) {
        const auto r = run(k("eval --tolerance 0 --json --truth " + shell_quote(truth_.string()) +
                             " --pred " + shell_quote((folder / "analysis.json").string())));
        EXPECT_EQ(r.status, 0) << r.err;
        // The last line is the JSON summary.
        std::string last = r.out.substr(0, r.out.find_last_not_of('\n') + 1);
        last = last.substr(last.find_last_of('\n') + 1);
        return json::parse(last)["all"]["f1"].get<double>();
    }

    static json truth() { return json::parse(read_file(truth_)); }
    static json analysis(const fs::path& folder) {
        return json::parse(read_file(folder / "analysis.json"));
    }

    // The one stderr line of a refused edit; the analysis folder must be untouched.
    static std::string refused(const fs::path& edited) {
        const std::string before = read_file(analysis_ / "analysis.json");
        const auto r = run(k("rebuild " + shell_quote(analysis_.string()) + " --from " +
                             shell_quote(edited.string()) + " --quiet"));
        EXPECT_EQ(r.status, 1) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_TRUE(read_file(analysis_ / "analysis.json") == before) << "analysis changed";
        return r.err;
    }

    static inline fs::path film_, truth_, root_, analysis_;
};

// ---- round trip ---------------------------------------------------------------------------

TEST_F(Rebuild, EveryUneditedExportGivesTheSameAnalysisByteForByte) {
    const std::string original = read_file(analysis_ / "analysis.json");
    for (const char* file : {"shots.csv", "cuts.edl", "timeline.otio", "timeline.fcpxml",
                             "annotations.eaf", "analysis.json"}) {
        SCOPED_TRACE(file);
        const fs::path edited = copy_of(file, std::string("unedited-") + file);
        const auto r = rebuild(edited, std::string("round-") + file);
        ASSERT_EQ(r.status, 0) << r.err;
        const fs::path out = root_ / (std::string("round-") + file);
        EXPECT_TRUE(read_file(out / "analysis.json") == original) << "analysis.json differs";
        EXPECT_NE(r.err.find("0 by you, 0 removed"), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("0 keyframes decoded"), std::string::npos) << r.err;
        for (const char* same : {"shots.csv", "cuts.edl", "timeline.otio", "timeline.fcpxml",
                                 "shotgraph.dot", "chapters.vtt", "montage.cache"})
            EXPECT_TRUE(read_file(out / same) == read_file(analysis_ / same)) << same << " differs";
        EXPECT_TRUE(fs::is_regular_file(out / "report.html"));
        EXPECT_TRUE(read_file(out / keyframe_path(3)) == read_file(analysis_ / keyframe_path(3)));
    }
}

TEST_F(Rebuild, DefaultOutputIsTheAnalysisFolderItself) {
    const fs::path copy = root_ / "in-place";
    fs::remove_all(copy);
    fs::copy(analysis_, copy, fs::copy_options::recursive);
    write_file(copy / "my-notes.txt", "the user's own file");
    const std::string before = read_file(copy / "analysis.json");
    const auto r = run(k("rebuild " + shell_quote(copy.string()) + " --from " +
                         shell_quote((copy / "cuts.edl").string()) + " --quiet"));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(read_file(copy / "analysis.json") == before) << "analysis.json changed";
    EXPECT_EQ(read_file(copy / "my-notes.txt"), "the user's own file");
    EXPECT_NE(r.out.find(fs::weakly_canonical(copy / "report.html").string()), std::string::npos);
}

// ---- corrections: the truth's differences applied in three formats -------------------------

// shots.csv as a person corrects it: rows split where a cut was missed, merged where one was
// false, start and end frames moved where a gradual transition's range was wrong; each row
// keeps the labels of the row it came from.
std::string corrected_csv(const std::string& original, const json& truth) {
    std::istringstream in(original);
    std::string header, line;
    std::getline(in, header);
    std::vector<std::vector<std::string>> rows;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::vector<std::string> f;
        std::stringstream ss(line);
        for (std::string cell; std::getline(ss, cell, ',');) f.push_back(cell);
        rows.push_back(f);
    }
    std::string out = header + "\n";
    for (const auto& s : truth["shots"]) {
        const long a = s["start_frame"], b = s["end_frame"];
        std::vector<std::string> row = rows.front();
        for (const auto& r : rows)
            if (std::stol(r[1]) <= a && a < std::stol(r[2])) row = r;
        row[1] = std::to_string(a);
        row[2] = std::to_string(b);
        for (std::size_t i = 0; i < row.size(); ++i) out += (i ? "," : "") + row[i];
        out += "\n";
    }
    return out;
}

// annotations.eaf as a person corrects it in ELAN: the transitions tier's annotations become
// the truth's (false ones deleted, missed ones added, ranges moved); the other tiers stay.
std::string corrected_eaf(const std::string& eaf, const json& truth) {
    std::string slots, annotations;
    int n = 0;
    for (const auto& t : truth["transitions"]) {
        const long b = std::lround(t["start_time"].get<double>() * 1000);
        long e = std::lround(t["end_time"].get<double>() * 1000);
        if (e <= b) e = b + 40;  // a cut is shown as its first frame (25 fps)
        const std::string s1 = "tsu" + std::to_string(++n), s2 = "tsu" + std::to_string(++n);
        slots += "        <TIME_SLOT TIME_SLOT_ID=\"" + s1 + "\" TIME_VALUE=\"" +
                 std::to_string(b) + "\"/>\n        <TIME_SLOT TIME_SLOT_ID=\"" + s2 +
                 "\" TIME_VALUE=\"" + std::to_string(e) + "\"/>\n";
        annotations +=
            "        <ANNOTATION>\n            <ALIGNABLE_ANNOTATION ANNOTATION_ID=\"au" +
            std::to_string(n) + "\" TIME_SLOT_REF1=\"" + s1 + "\" TIME_SLOT_REF2=\"" + s2 +
            "\">\n                <ANNOTATION_VALUE>" + t["type"].get<std::string>() +
            "</ANNOTATION_VALUE>\n            </ALIGNABLE_ANNOTATION>\n        "
            "</ANNOTATION>\n";
    }
    std::string out = eaf;
    const auto order_end = out.find("    </TIME_ORDER>");
    out.insert(order_end, slots);
    const auto tier = out.find("TIER_ID=\"transitions\"");
    const auto body = out.find(">\n", tier) + 2;
    const auto end = out.find("    </TIER>", body);
    out.replace(body, end - body, annotations);
    return out;
}

// timeline.otio as an editor corrects it: the track's clips, gaps and transitions become the
// truth's cut (written here by kinoglaz's own OTIO writer from the truth's shots).
std::string corrected_otio(const fs::path& folder, const json& truth) {
    Analysis a = parse_analysis_json(read_file(folder / "analysis.json"), "analysis.json");
    const std::vector<Shot> before = a.shots;
    a.transitions.clear();
    for (const auto& t : truth["transitions"]) {
        Transition x;
        x.type = *transition_type_from_string(t["type"].get<std::string>());
        x.frames = {t["start_frame"].get<FrameIndex>(), t["end_frame"].get<FrameIndex>()};
        x.start_time_s = t["start_time"];
        x.end_time_s = t["end_time"];
        a.transitions.push_back(x);
    }
    a.shots.clear();
    for (const auto& s : truth["shots"]) {
        Shot x;
        x.index = int(a.shots.size());
        x.frames = {s["start_frame"].get<FrameIndex>(), s["end_frame"].get<FrameIndex>()};
        x.start_time_s = s["start_time"];
        x.end_time_s = s["end_time"];
        for (const Shot& b : before)
            if (b.frames.contains(x.frames.start))
                x.scale = b.scale, x.camera = b.camera, x.setup = b.setup, x.scene = b.scene;
        a.shots.push_back(x);
    }
    ExportOptions options;
    options.media_base = folder.string();
    return timeline_otio(a, options);
}

TEST_F(Rebuild, TruthCorrectionsInCsvEafAndOtioGiveF1OfOneAndTheSameMontage) {
    const json t = truth();
    ASSERT_LT(exact_f1(analysis_), 1.0) << "the analysis should differ from the truth somewhere";
    const std::map<std::string, std::string> edits{
        {"corrected.csv", corrected_csv(read_file(analysis_ / "shots.csv"), t)},
        {"corrected.eaf", corrected_eaf(read_file(analysis_ / "annotations.eaf"), t)},
        {"corrected.otio", corrected_otio(analysis_, t)},
    };
    std::vector<json> results;
    for (const auto& [name, text] : edits) {
        SCOPED_TRACE(name);
        write_file(root_ / name, text);
        const auto r = rebuild(root_ / name, "out-" + name);
        ASSERT_EQ(r.status, 0) << r.err;
        const fs::path out = root_ / ("out-" + name);
        EXPECT_DOUBLE_EQ(exact_f1(out), 1.0);
        json a = analysis(out);
        // The shots are the truth's, and everything that follows from them was recomputed.
        ASSERT_EQ(a["shots"].size(), t["shots"].size());
        for (std::size_t i = 0; i < a["shots"].size(); ++i) {
            EXPECT_EQ(a["shots"][i]["start_frame"], t["shots"][i]["start_frame"]) << i;
            EXPECT_EQ(a["shots"][i]["end_frame"], t["shots"][i]["end_frame"]) << i;
            EXPECT_TRUE(fs::is_regular_file(out / keyframe_path(int(i)))) << i;
        }
        EXPECT_EQ(a["rhythm"]["shot_count"], t["shots"].size());
        EXPECT_EQ(a["graph"]["nodes"].size(), t["shots"].size());
        double total = 0;
        for (const auto& s : a["shots"]) total += s["length_s"].get<double>();
        EXPECT_NEAR(a["rhythm"]["asl_s"].get<double>(), total / double(a["shots"].size()), 1e-5);
        // What the person changed is theirs; what they took out is remembered.
        int by_user = 0;
        for (const auto& x : a["transitions"]) by_user += x.value("source", "") == "user";
        EXPECT_GT(by_user, 0);
        EXPECT_LT(by_user, int(a["transitions"].size()));
        EXPECT_TRUE(a.contains("removed_transitions"));
        // The exports follow: every cut of the truth is an edit of the EDL.
        const std::string edl = read_file(out / "cuts.edl");
        for (const auto& x : t["transitions"])
            if (x["type"] == "cut") {
                EXPECT_NE(edl.find(smpte_timecode(x["start_frame"].get<FrameIndex>(), {25, 1})),
                          std::string::npos);
            }
        a.erase("transitions");  // the CSV says less about kinds than the others
        a.erase("removed_transitions");
        for (auto& s : a["shots"]) s.erase("keyframe");
        for (auto& s : a["graph"]["nodes"]) s.erase("keyframe");
        results.push_back(a);
    }
    // Set-ups, scenes, graph, patterns and rhythm do not depend on which file said it.
    for (const char* part : {"scenes", "graph", "patterns", "rhythm"}) {
        EXPECT_EQ(results[0][part], results[1][part]) << part;
        EXPECT_EQ(results[0][part], results[2][part]) << part;
    }
    for (std::size_t i = 0; i < results[0]["shots"].size(); ++i)
        for (const char* field : {"setup", "scene", "start_time", "end_time"}) {
            EXPECT_EQ(results[0]["shots"][i][field], results[1]["shots"][i][field]) << i;
            EXPECT_EQ(results[0]["shots"][i][field], results[2]["shots"][i][field]) << i;
        }
}

// ---- provenance and analyze --keep-edits ----------------------------------------------------

TEST_F(Rebuild, UserLabelsAndNotesAreMarkedAndKeptByALaterRebuild) {
    // shots.csv: shot 2 (line 4) relabelled; shot 5 (line 7) put in shot 2's set-up.
    const json before = analysis(analysis_);
    ASSERT_NE(before["shots"][5]["setup"], before["shots"][2]["setup"]);
    std::string csv = read_file(analysis_ / "shots.csv");
    csv = with_cell(with_cell(csv, 4, 8, "extreme_close_up"), 4, 9, "handheld");
    csv = with_cell(csv, 7, 7, std::to_string(before["shots"][2]["setup"].get<int>()));
    // The first shot from 6 on that opens a scene (line = index + 2) joins the scene before.
    int joiner = 6;
    const int shot_count = int(before["shots"].size());
    while (joiner < shot_count &&
           before["shots"][joiner]["scene"] == before["shots"][joiner - 1]["scene"])
        ++joiner;
    ASSERT_LT(joiner, shot_count) << "no scene opens after shot 5";
    csv = with_cell(csv, joiner + 2, 6,
                    std::to_string(before["shots"][joiner - 1]["scene"].get<int>()));
    write_file(root_ / "labels.csv", csv);
    auto r = rebuild(root_ / "labels.csv", "labels");
    ASSERT_EQ(r.status, 0) << r.err;
    json a = analysis(root_ / "labels");
    EXPECT_EQ(a["shots"][2]["scale"], "extreme_close_up");
    EXPECT_EQ(a["shots"][2]["scale_source"], "user");
    EXPECT_EQ(a["shots"][2]["camera"], "handheld");
    EXPECT_EQ(a["shots"][2]["camera_source"], "user");
    EXPECT_FALSE(a["shots"][1].contains("scale_source"));
    // The set-up moves, and the graph and scenes follow it.
    EXPECT_EQ(a["shots"][5]["setup"], a["shots"][2]["setup"]);
    EXPECT_EQ(a["shots"][5]["setup_source"], "user");
    EXPECT_EQ(a["shots"][joiner]["scene"], a["shots"][joiner - 1]["scene"]);
    EXPECT_EQ(a["shots"][joiner]["scene_source"], "user");
    EXPECT_EQ(a["scenes"].size(), before["scenes"].size() - 1);
    EXPECT_TRUE(std::any_of(
        a["graph"]["edges"].begin(), a["graph"]["edges"].end(),
        [](const json& e) { return e["kind"] == "returns_to" && e["from"] == 5 && e["to"] == 2; }));
    EXPECT_NE(read_file(root_ / "labels" / "annotations.eaf").find("extreme_close_up"),
              std::string::npos);

    // ELAN: a notes tier added by the scholar; rebuilt from the labelled folder's EAF, the
    // labels above stay the person's.
    std::string eaf = read_file(root_ / "labels" / "annotations.eaf");
    const long at = std::lround(a["shots"][4]["start_time"].get<double>() * 1000) + 200;
    eaf.insert(eaf.find("    </TIME_ORDER>"),
               "        <TIME_SLOT TIME_SLOT_ID=\"tsn1\" TIME_VALUE=\"" + std::to_string(at) +
                   "\"/>\n        <TIME_SLOT TIME_SLOT_ID=\"tsn2\" TIME_VALUE=\"" +
                   std::to_string(at + 500) + "\"/>\n");
    eaf.insert(eaf.find("    <LINGUISTIC_TYPE"),
               "    <TIER LINGUISTIC_TYPE_REF=\"shot\" TIER_ID=\"notes\">\n        <ANNOTATION>\n"
               "            <ALIGNABLE_ANNOTATION ANNOTATION_ID=\"an1\" TIME_SLOT_REF1=\"tsn1\" "
               "TIME_SLOT_REF2=\"tsn2\">\n                <ANNOTATION_VALUE>the guitar "
               "returns</ANNOTATION_VALUE>\n            </ALIGNABLE_ANNOTATION>\n        "
               "</ANNOTATION>\n    </TIER>\n");
    write_file(root_ / "notes.eaf", eaf);
    r = run(k("rebuild " + shell_quote((root_ / "labels").string()) + " --from " +
              shell_quote((root_ / "notes.eaf").string()) + " --quiet"));
    ASSERT_EQ(r.status, 0) << r.err;
    a = analysis(root_ / "labels");
    EXPECT_EQ(a["shots"][4]["note"], "the guitar returns");
    EXPECT_EQ(a["shots"][2]["scale"], "extreme_close_up");
    EXPECT_EQ(a["shots"][2]["scale_source"], "user");
    EXPECT_EQ(a["shots"][5]["setup"], a["shots"][2]["setup"]);
    EXPECT_EQ(a["shots"][5]["setup_source"], "user");
    EXPECT_EQ(a["shots"][joiner]["scene"], a["shots"][joiner - 1]["scene"]);
    EXPECT_EQ(a["shots"][joiner]["scene_source"], "user");
}

// ELAN's scenes tier read back: scene 1's annotation stretched over scene 2 (whose annotation
// is deleted) puts scene 2's shots into scene 1, as the person's scenes.
TEST_F(Rebuild, ElanScenesTierEditsMoveShotsBetweenScenes) {
    const json before = analysis(analysis_);
    ASSERT_GE(before["scenes"].size(), 3u);
    std::string eaf = read_file(analysis_ / "annotations.eaf");
    const auto tier = eaf.find("TIER_ID=\"scenes\"");
    ASSERT_NE(tier, std::string::npos);
    // Each scene's <ANNOTATION> element and its second time slot.
    auto annotation = [&](int scene, std::size_t& begin, std::size_t& end, std::string& ref2) {
        const auto value = eaf.find(">Scene " + std::to_string(scene) + " (", tier);
        ASSERT_NE(value, std::string::npos) << "scene " << scene;
        begin = eaf.rfind("<ANNOTATION>", value);
        end = eaf.find("</ANNOTATION>", value) + std::string("</ANNOTATION>").size();
        const auto r = eaf.find("TIME_SLOT_REF2=\"", begin) + 16;
        ref2 = eaf.substr(r, eaf.find('"', r) - r);
    };
    std::size_t b1, e1, b2, e2;
    std::string ref1, ref2;
    annotation(1, b1, e1, ref1);
    annotation(2, b2, e2, ref2);
    eaf.erase(b2, e2 - b2);
    const auto r1 = eaf.find("TIME_SLOT_REF2=\"" + ref1 + "\"", b1);
    ASSERT_LT(r1, e1);
    eaf.replace(r1, 16 + ref1.size() + 1, "TIME_SLOT_REF2=\"" + ref2 + "\"");
    write_file(root_ / "scenes.eaf", eaf);

    auto r = rebuild(root_ / "scenes.eaf", "scenes");
    ASSERT_EQ(r.status, 0) << r.err;
    const json a = analysis(root_ / "scenes");
    EXPECT_EQ(a["scenes"].size(), before["scenes"].size() - 1);
    const int first = before["scenes"][1]["first_shot"], last = before["scenes"][2]["last_shot"];
    for (int i = first; i <= last; ++i)
        EXPECT_EQ(a["shots"][i]["scene"], a["shots"][first]["scene"]) << i;
    const int moved = before["scenes"][2]["first_shot"];
    EXPECT_EQ(a["shots"][moved]["scene_source"], "user");
    EXPECT_EQ(a["transitions"], before["transitions"]);
}

// The EDL's shot comments carry the scene: a shot renumbered into the scene before it joins
// that scene, as the person's; a scene that is no number is refused naming the line.
TEST_F(Rebuild, EdlSceneCommentsMoveAShot) {
    const json before = analysis(analysis_);
    int moved = 1;
    const int shot_count = int(before["shots"].size());
    while (moved < shot_count &&
           before["shots"][moved]["scene"] == before["shots"][moved - 1]["scene"])
        ++moved;
    ASSERT_LT(moved, shot_count);
    const std::string scene = std::to_string(before["shots"][moved]["scene"].get<int>());
    const std::string earlier = std::to_string(before["shots"][moved - 1]["scene"].get<int>());
    char shot[16];
    std::snprintf(shot, sizeof shot, "%03d", moved);
    const std::string comment = std::string("* COMMENT: SHOT ") + shot + " SCENE " + scene + " ";
    std::string edl = read_file(analysis_ / "cuts.edl");
    const auto at = edl.find(comment);
    ASSERT_NE(at, std::string::npos) << comment;
    std::string edited = edl;
    edited.replace(at, comment.size(),
                   std::string("* COMMENT: SHOT ") + shot + " SCENE " + earlier + " ");
    write_file(root_ / "scenes.edl", edited);
    auto r = rebuild(root_ / "scenes.edl", "edl-scenes");
    ASSERT_EQ(r.status, 0) << r.err;
    const json a = analysis(root_ / "edl-scenes");
    EXPECT_EQ(a["shots"][moved]["scene"], a["shots"][moved - 1]["scene"]);
    EXPECT_EQ(a["shots"][moved]["scene_source"], "user");

    std::string bad = edl;
    bad.replace(at, comment.size(), std::string("* COMMENT: SHOT ") + shot + " SCENE x ");
    write_file(root_ / "bad-scene.edl", bad);
    r = rebuild(root_ / "bad-scene.edl", "edl-bad");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("SCENE needs a scene number"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("line"), std::string::npos) << r.err;
}

TEST_F(Rebuild, AnalyzeKeepEditsReappliesCorrectionsOfTheSameFilmOnly) {
    write_file(root_ / "keep.csv", corrected_csv(read_file(analysis_ / "shots.csv"), truth()));
    auto r = rebuild(root_ / "keep.csv", "corrected");
    ASSERT_EQ(r.status, 0) << r.err;
    const json corrected = analysis(root_ / "corrected");
    fs::remove_all(root_ / "again");
    r = run(k("analyze " + shell_quote(film_.string()) + " -o " +
              shell_quote((root_ / "again").string()) + " --no-reveal --quiet --keep-edits " +
              shell_quote((root_ / "corrected").string())));
    ASSERT_EQ(r.status, 0) << r.err;
    const json again = analysis(root_ / "again");
    EXPECT_EQ(again["transitions"], corrected["transitions"]);
    EXPECT_EQ(again["removed_transitions"], corrected["removed_transitions"]);
    EXPECT_DOUBLE_EQ(exact_f1(root_ / "again"), 1.0);

    // Another film's analysis is refused, naming it.
    KINOGLAZ_REQUIRE_MEDIA(other, "clips/counter.mp4");
    r = run(k("analyze " + shell_quote(other.string()) + " -o " +
              shell_quote((root_ / "other").string()) + " --no-reveal --quiet --keep-edits " +
              shell_quote((root_ / "corrected").string())));
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("another film"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(root_ / "other" / "analysis.json"));
}

// ---- edited files that cannot be right -----------------------------------------------------

TEST_F(Rebuild, CsvErrorsNameTheLine) {
    const std::string csv = read_file(analysis_ / "shots.csv");
    write_file(root_ / "bad-scale.csv", with_cell(csv, 4, 8, "closeup"));
    EXPECT_NE(refused(root_ / "bad-scale.csv").find("line 4: unknown scale 'closeup'"),
              std::string::npos);
    write_file(root_ / "bad-camera.csv", with_cell(csv, 3, 9, "dolly"));
    EXPECT_NE(refused(root_ / "bad-camera.csv").find("line 3: unknown camera 'dolly'"),
              std::string::npos);
    write_file(root_ / "bad-range.csv", with_cell(csv, 5, 2, "999999"));
    EXPECT_NE(refused(root_ / "bad-range.csv").find("line 5: frame 999999 is outside the film"),
              std::string::npos);
    write_file(root_ / "bad-order.csv", with_cell(csv, 6, 1, "0"));
    EXPECT_NE(refused(root_ / "bad-order.csv").find("line 6: shots are not in order"),
              std::string::npos);
}

TEST_F(Rebuild, TimelineAndElanErrorsNameTheElement) {
    // ELAN: a type no transition has, and a dissolve laid over a cut.
    std::string eaf = read_file(analysis_ / "annotations.eaf");
    const auto first = eaf.find("<ANNOTATION_VALUE>cut</ANNOTATION_VALUE>");
    ASSERT_NE(first, std::string::npos);
    std::string bad = eaf;
    bad.replace(first, 40, "<ANNOTATION_VALUE>jump</ANNOTATION_VALUE>");
    write_file(root_ / "bad-type.eaf", bad);
    const std::string e1 = refused(root_ / "bad-type.eaf");
    EXPECT_NE(e1.find("tier transitions, annotation"), std::string::npos) << e1;
    EXPECT_NE(e1.find("unknown transition type 'jump'"), std::string::npos) << e1;

    const json a = analysis(analysis_);
    json cut;
    for (const auto& t : a["transitions"])
        if (t["type"] == "cut") cut = t;
    const long at = std::lround(cut["start_time"].get<double>() * 1000);
    bad = corrected_eaf(
        eaf, json{{"transitions", json::array({cut, json{{"type", "dissolve"},
                                                         {"start_time", (at - 200) / 1000.0},
                                                         {"end_time", (at + 200) / 1000.0}}})}});
    write_file(root_ / "overlap.eaf", bad);
    const std::string e2 = refused(root_ / "overlap.eaf");
    EXPECT_NE(
        e2.find("overlaps the cut at frame " + std::to_string(cut["start_frame"].get<long>())),
        std::string::npos)
        << e2;

    // A timeline of another film.
    std::string edl = read_file(analysis_ / "cuts.edl");
    edl.replace(0, edl.find('\n'), "TITLE: another_film.mp4");
    write_file(root_ / "other.edl", edl);
    EXPECT_NE(
        refused(root_ / "other.edl").find("line 1: TITLE 'another_film.mp4' names another film"),
        std::string::npos);
    std::string otio = read_file(analysis_ / "timeline.otio");
    otio = std::regex_replace(otio, std::regex("dev_montage_02\\.mp4"), "elsewhere.mp4");
    write_file(root_ / "other.otio", otio);
    EXPECT_NE(refused(root_ / "other.otio").find("belongs to the film 'elsewhere.mp4'"),
              std::string::npos);
    json other = a;
    other["source"]["frame_count"] = 5000;
    write_file(root_ / "other.json", other.dump(2));
    const std::string e3 = refused(root_ / "other.json");
    EXPECT_NE(e3.find("belongs to another film"), std::string::npos) << e3;

    // Not an export at all.
    write_file(root_ / "notes.txt", "just some notes\n");
    EXPECT_NE(refused(root_ / "notes.txt").find("not an edited kinoglaz export"),
              std::string::npos);
}

TEST_F(Rebuild, ACorruptMontageCacheIsRefused) {
    const fs::path copy = root_ / "corrupt";
    fs::remove_all(copy);
    fs::copy(analysis_, copy, fs::copy_options::recursive);
    std::string cache = read_file(copy / "montage.cache");
    cache[cache.size() / 2] = char(cache[cache.size() / 2] ^ 0x55);
    write_file(copy / "montage.cache", cache);
    const auto r = run(k("rebuild " + shell_quote(copy.string()) + " --from " +
                         shell_quote((copy / "cuts.edl").string()) + " --quiet"));
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("montage.cache: corrupt"), std::string::npos) << r.err;
    fs::remove(copy / "montage.cache");
    const auto r2 = run(k("rebuild " + shell_quote(copy.string()) + " --from " +
                          shell_quote((copy / "cuts.edl").string()) + " --quiet"));
    EXPECT_EQ(r2.status, 1);
    EXPECT_NE(r2.err.find("run analyze again"), std::string::npos) << r2.err;
}

// A copy of the analysis folder in `name` whose montage cache `older` writes in an older
// version (given the current cache, it returns the bytes before the checksum) rebuilds, and its
// cache is written anew in the current version.
void expect_older_cache_rebuilds(const fs::path& root, const fs::path& analysis,
                                 const std::string& name,
                                 const std::function<std::string(const std::string&)>& older) {
    const fs::path copy = root / name;
    fs::remove_all(copy);
    fs::copy(analysis, copy, fs::copy_options::recursive);
    const std::string cache = read_file(copy / "montage.cache");
    ASSERT_EQ(cache.substr(0, 8), "KGMONTG3");
    std::string old = older(cache);
    std::uint64_t h = 0xcbf29ce484222325ULL;  // the cache's FNV-1a checksum
    for (char c : old) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    old.append(reinterpret_cast<const char*>(&h), 8);
    write_file(copy / "montage.cache", old);
    const auto r = run(k("rebuild " + shell_quote(copy.string()) + " --from " +
                         shell_quote((copy / "cuts.edl").string()) + " --quiet"));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(read_file(copy / "montage.cache").substr(0, 8), "KGMONTG3");  // written anew
}

// A folder analysed before the cache kept each frame's codec-keyframe flag (version 1: the
// same layout less that byte per record) still rebuilds: the flags are taken as unknown.
TEST_F(Rebuild, AVersionOneMontageCacheIsStillRead) {
    expect_older_cache_rebuilds(root_, analysis_, "version1", [](const std::string& cache) {
        constexpr std::size_t kHeader = 8 + 8 + 8 + 4 + 4 + 8 + 8, kRecord = 48;
        std::int64_t frames = 0;
        std::memcpy(&frames, cache.data() + 8 + 8 + 8 + 4 + 4, 8);
        EXPECT_GT(frames, 0);
        std::string old = "KGMONTG1" + cache.substr(8, kHeader - 8);
        for (std::int64_t i = 0; i < frames; ++i)
            old += cache.substr(kHeader + std::size_t(i) * kRecord, kRecord - 1);  // less `key`
        return old + cache.substr(kHeader + std::size_t(frames) * kRecord,
                                  cache.size() - 8 - kHeader - std::size_t(frames) * kRecord);
    });
}

// A folder analysed before the camera's motion was sampled (version 2: the same layout, every
// pair measured) still rebuilds.
TEST_F(Rebuild, AVersionTwoMontageCacheIsStillRead) {
    expect_older_cache_rebuilds(root_, analysis_, "version2", [](const std::string& cache) {
        return "KGMONTG2" + cache.substr(8, cache.size() - 16);
    });
}

}  // namespace
}  // namespace kinoglaz
