// The segmented pass must give exactly what one pass gives: the same transitions (types,
// frames, times, confidences) and the same frame clock, also when a transition lies exactly
// on a segment join; and `analyze`'s pass the same shots, montage and events.
#include <gtest/gtest.h>

#include <filesystem>

#include <kinoglaz/analyze.hpp>
#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include <kinoglaz/export.hpp>
#include <kinoglaz/pipeline.hpp>
#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"
#include "support/synthetic.hpp"

namespace kinoglaz {
namespace {

void expect_same(const PassResult& single, const PassResult& seg) {
    ASSERT_EQ(single.transitions.size(), seg.transitions.size());
    for (std::size_t i = 0; i < single.transitions.size(); ++i) {
        const auto& a = single.transitions[i];
        const auto& b = seg.transitions[i];
        EXPECT_EQ(a.type, b.type) << "transition " << i;
        EXPECT_EQ(a.frames.start, b.frames.start) << "transition " << i;
        EXPECT_EQ(a.frames.end, b.frames.end) << "transition " << i;
        EXPECT_EQ(a.start_time_s, b.start_time_s) << "transition " << i;
        EXPECT_EQ(a.end_time_s, b.end_time_s) << "transition " << i;
        EXPECT_EQ(a.confidence, b.confidence) << "transition " << i;
    }
    EXPECT_EQ(single.frame_times, seg.frame_times);
    EXPECT_EQ(single.source.frame_count, seg.source.frame_count);
    EXPECT_EQ(single.source.duration_s, seg.source.duration_s);
}

PassOptions quiet_options() {
    PassOptions o;
    o.decode.threads = 2;
    return o;
}

class SegmentsDev : public ::testing::TestWithParam<const char*> {};

TEST_P(SegmentsDev, MatchSinglePass) {
    KINOGLAZ_REQUIRE_MEDIA(path, std::string("dev/") + GetParam());
    const auto single = run_transition_pass(path.string(), quiet_options());
    const auto seg = run_segmented_pass(path.string(), quiet_options(), 2, 0);
    ASSERT_FALSE(single.transitions.empty());
    expect_same(single, seg);
}

INSTANTIATE_TEST_SUITE_P(Segments, SegmentsDev,
                         ::testing::Values("dev_montage_01.mp4", "dev_montage_02.mp4",
                                           "dev_montage_03.mp4", "dev_montage_04.mp4"),
                         [](const auto& info) { return std::string(info.param).substr(12, 2); });

// A 40 s film whose two halves join at exactly 20 s (frame 500 at 25 fps): with two segments
// the join falls on `transition_at`.
std::filesystem::path make_join_film(const std::string& name, bool dissolve) {
    using namespace kinoglaz::test;
    const cv::Size size(256, 144);
    const cv::Mat a = make_scene(11, {1200, 400}), b = make_scene(29, {1200, 400});
    // Shot A covers frames 0..509, shot B frames 490..999 (B[i] is frame 490 + i).
    const auto shot_a = make_shot(a, size, 510, {0, 100}, {1.0f, 0.2f});
    const auto shot_b = make_shot(b, size, 510, {600, 50}, {-1.0f, 0.3f});
    std::vector<cv::Mat> frames;
    for (int f = 0; f < 1000; ++f) {
        if (dissolve && f >= 490 && f < 510) {
            // Frames 490..509 mix the two shots: the dissolve straddles the join.
            const double alpha = 1.0 - (f - 489) / 21.0;
            frames.push_back(mix(shot_a[std::size_t(f)], shot_b[std::size_t(f - 490)], alpha));
        } else if (f < (dissolve ? 490 : 500)) {
            frames.push_back(shot_a[std::size_t(f)]);
        } else {
            frames.push_back(shot_b[std::size_t(f - 490)]);
        }
    }
    auto dir = temp_dir("segments-" + name);
    auto path = dir / (name + ".mp4");
    EXPECT_TRUE(encode_video(frames, path.string(), 25));
    return path;
}

TEST(Segments, CutExactlyOnJoinMatchesSinglePass) {
    const auto path = make_join_film("cut", false);
    const auto single = run_transition_pass(path.string(), quiet_options());
    const auto seg = run_segmented_pass(path.string(), quiet_options(), 2, 0);
    // The join is at half the container duration; the cut's frame must sit exactly there.
    DecodeOptions d;
    VideoDecoder decoder(path.string(), d);
    const double join = decoder.info().duration_s / 2;
    ASSERT_GT(single.frame_times.size(), 500u);
    EXPECT_DOUBLE_EQ(single.frame_times[500], join);
    bool cut_at_join = false;
    for (const auto& t : single.transitions)
        cut_at_join |= t.frames.start == 500 && t.type == TransitionType::cut;
    EXPECT_TRUE(cut_at_join) << "the synthetic cut was not found by the single pass";
    expect_same(single, seg);
    std::filesystem::remove_all(path.parent_path());
}

TEST(Segments, DissolveAcrossJoinMatchesSinglePass) {
    const auto path = make_join_film("dissolve", true);
    const auto single = run_transition_pass(path.string(), quiet_options());
    const auto seg = run_segmented_pass(path.string(), quiet_options(), 2, 0);
    bool straddles = false;
    for (const auto& t : single.transitions)
        straddles |= t.frames.start < 500 && t.frames.end > 500;
    EXPECT_TRUE(straddles) << "the synthetic dissolve was not found across the join";
    expect_same(single, seg);
    std::filesystem::remove_all(path.parent_path());
}

TEST(Segments, EightSegmentsMatchSinglePass) {
    const auto path = make_join_film("many", false);
    const auto single = run_transition_pass(path.string(), quiet_options());
    // Eight 5 s parts, each overlapping its neighbours by far more than its own length: seven
    // joins, the result still the same.
    const auto seg = run_segmented_pass(path.string(), quiet_options(), 8, 0);
    expect_same(single, seg);
    std::filesystem::remove_all(path.parent_path());
}

TEST(Segments, AutomaticCountFollowsPictureSize) {
    SourceInfo small, hd, full_hd;
    small.width = 640, small.height = 360;
    hd.width = 1280, hd.height = 720;
    full_hd.width = 1920, full_hd.height = 1080;
    EXPECT_EQ(automatic_segments(small, 2), 2);
    EXPECT_EQ(automatic_segments(hd, 8), 8);
    EXPECT_EQ(automatic_segments(full_hd, 8), 1);
    EXPECT_EQ(automatic_segments(SourceInfo{}, 4), 1);  // size unknown: one pass
}

TEST(Segments, AutomaticSegmentsMatchSinglePass) {
    // 256x144 is small, so 0 asks for one segment per thread (2 here).
    const auto path = make_join_film("auto", true);
    const auto single = run_transition_pass(path.string(), quiet_options());
    const auto seg = run_segmented_pass(path.string(), quiet_options(), 0, 0);
    expect_same(single, seg);
    std::filesystem::remove_all(path.parent_path());
}

// analysis.json (without keyframe scales, which are read from the pictures later) of an
// analysis pass, as the engine's analyze() builds it: shots, set-ups, scenes, graph, patterns,
// rhythm and events.
std::string analysis_of(AnalysisPass& pass) {
    return analysis_json(montage_of(pass));
}

void expect_same_analysis(const std::filesystem::path& film, int segments) {
    AnalysisPass single = run_analysis_pass(film.string(), quiet_options(), 1);
    AnalysisPass seg = run_analysis_pass(film.string(), quiet_options(), segments, 0);
    // Joined from the parts asked for, not redone in one pass.
    EXPECT_EQ(seg.segments, segments);
    expect_same(single.pass, seg.pass);
    EXPECT_EQ(single.collector.frame_count(), seg.collector.frame_count());
    EXPECT_EQ(single.collector.segments().size(), seg.collector.segments().size());
    const std::string a = analysis_of(single), b = analysis_of(seg);
    EXPECT_NE(a.find("\"shots\""), std::string::npos);
    EXPECT_EQ(a, b) << film << " with " << segments << " segments";
}

TEST(AnalysisSegments, CutExactlyOnJoinGivesTheSameAnalysis) {
    const auto path = make_join_film("analysis-cut", false);
    expect_same_analysis(path, 2);
    std::filesystem::remove_all(path.parent_path());
}

TEST(AnalysisSegments, JoinsInsideALongTakeGiveTheSameAnalysis) {
    // Eight 5 s parts of two 20 s shots: three joins fall inside shot A, where nothing
    // restarts the consumers, so those segments run on to the cut.
    const auto path = make_join_film("analysis-long", true);
    expect_same_analysis(path, 8);
    std::filesystem::remove_all(path.parent_path());
}

class AnalysisSegmentsDev : public ::testing::TestWithParam<const char*> {};

TEST_P(AnalysisSegmentsDev, GiveTheSameAnalysis) {
    KINOGLAZ_REQUIRE_MEDIA(path, std::string("dev/") + GetParam());
    expect_same_analysis(path, 2);
}

INSTANTIATE_TEST_SUITE_P(AnalysisSegments, AnalysisSegmentsDev,
                         ::testing::Values("dev_montage_01.mp4", "dev_montage_02.mp4",
                                           "dev_montage_03.mp4", "dev_montage_04.mp4"),
                         [](const auto& info) { return std::string(info.param).substr(12, 2); });

// The engine's front door: analyze() returns what analyze_to_folder() writes into
// analysis.json (keyframe scales included), whatever the number of segments.
TEST(Analyze, ValueIsWhatTheFolderHolds) {
    const auto film = make_join_film("facade", true);
    AnalyzeOptions options;
    options.pass = quiet_options();
    options.reveal = false;
    const Analysis value = analyze(film.string(), options);
    ASSERT_EQ(value.shots.size(), 2u);
    EXPECT_GT(value.analysis_seconds, 0);
    const auto outdir = film.parent_path() / "analysis";
    options.segments = 2;
    const FolderAnalysis written = analyze_to_folder(film.string(), outdir, options);
    EXPECT_EQ(written.folder, std::filesystem::absolute(outdir).lexically_normal());
    const std::string json = test::slurp_file((outdir / "analysis.json").string());
    EXPECT_EQ(analysis_json(value), json);
    EXPECT_EQ(analysis_json(written.analysis), json);
    for (const auto& shot : value.shots)
        EXPECT_TRUE(std::filesystem::exists(outdir / keyframe_path(shot.index))) << shot.index;
    // Without scales no keyframe is decoded: every scale stays unknown, the rest is the same.
    options.scales = false;
    options.segments = 1;
    Analysis no_scales = analyze(film.string(), options);
    for (const auto& shot : no_scales.shots) EXPECT_EQ(shot.scale, ShotScale::unknown);
    for (std::size_t i = 0; i < no_scales.shots.size(); ++i)
        no_scales.shots[i].scale = value.shots[i].scale;
    EXPECT_EQ(analysis_json(no_scales), json);
    std::filesystem::remove_all(film.parent_path());
}

TEST(Analyze, BadOptionsFailBeforeAnyWork) {
    const auto outdir = test::temp_dir("facade-bad") / "analysis";
    AnalyzeOptions options;
    options.montage.scene_window_s = 0;
    try {
        analyze_to_folder("/nonexistent.mp4", outdir, options);
        FAIL() << "bad montage options were accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::bad_usage) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(outdir));
    options = {};
    options.reveal_clips = -1;
    try {
        analyze("/nonexistent.mp4", options);
        FAIL() << "a negative reveal_clips was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::bad_usage) << e.what();
    }
    std::filesystem::remove_all(outdir.parent_path());
}

TEST(Segments, RejectsBadSegmentCount) {
    EXPECT_THROW(run_segmented_pass("/nonexistent.mp4", quiet_options(), -1), Error);
    EXPECT_THROW(run_segmented_pass("/nonexistent.mp4", quiet_options(), 65), Error);
}

}  // namespace
}  // namespace kinoglaz
