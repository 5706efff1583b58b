// The keyframes of `analyze` come from the pass's own decoding (keyframe_keeper.hpp): no shot
// that a stretch of the pass covers is decoded again, the pictures are the decoded frames
// themselves, and a shot that no stretch's picture lies in (a cut a person added inside a
// stretch; a dissolve, which does not restart the collector) is decoded again by seeking, so
// every shot still gets its keyframe.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include <kinoglaz/analyze.hpp>
#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include <kinoglaz/export.hpp>
#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"
#include "support/synthetic.hpp"

namespace kinoglaz {
namespace {

namespace fs = std::filesystem;

AnalyzeOptions quiet_options(int segments) {
    AnalyzeOptions o;
    o.pass.decode.threads = 2;
    o.reveal = false;
    o.sound.enabled = false;
    o.segments = segments;
    return o;
}

// Four still 256x144 shots of 40 frames at 25 fps, joined by hard cuts.
fs::path make_cut_film(const fs::path& dir) {
    using namespace kinoglaz::test;
    std::vector<cv::Mat> frames;
    for (int shot = 0; shot < 4; ++shot) {
        const cv::Mat scene = make_scene(7 + 13 * shot, {600, 300});
        for (cv::Mat& f : make_shot(scene, {256, 144}, 40, {10.0f * shot, 20}, {0.5f, 0.2f}))
            frames.push_back(f);
    }
    const fs::path film = dir / "cuts.mp4";
    EXPECT_TRUE(encode_video(frames, film.string(), 25));
    return film;
}

// The JPEGs the keeper wrote under its own names: none may be left in a finished folder.
int leftover_pass_files(const fs::path& folder) {
    int n = 0;
    for (const auto& entry : fs::directory_iterator(folder / "keyframes"))
        n += entry.path().filename().string().rfind(".pass-", 0) == 0;
    return n;
}

TEST(Keyframes, ComeFromThePassWithoutDecodingAgain) {
    const fs::path dir = test::temp_dir("keyframes-pass");
    const fs::path film = make_cut_film(dir);
    for (int segments : {1, 2}) {
        SCOPED_TRACE(segments);
        AnalyzeOptions options = quiet_options(segments);
        // Exact decoding, so that the pass's pictures are the ones a seek decodes.
        options.pass.decode.fast_decode = FastDecode::off;
        const fs::path out = dir / ("out" + std::to_string(segments));
        const FolderAnalysis done = analyze_to_folder(film.string(), out, options);
        const auto& shots = done.analysis.shots;
        ASSERT_EQ(shots.size(), 4u);
        EXPECT_EQ(done.keyframes_decoded, 0);
        EXPECT_EQ(done.keyframes_from_pass, 4);
        EXPECT_EQ(leftover_pass_files(done.folder), 0);
        // Each keyframe's JPEG is the frame itself: the same bytes as the frame decoded by
        // seeking and encoded alike.
        std::map<FrameIndex, int> shot_of;
        for (const Shot& s : shots) {
            EXPECT_GE(s.keyframe, s.frames.start);
            EXPECT_LT(s.keyframe, s.frames.end);
            shot_of.emplace(s.keyframe, s.index);
        }
        std::vector<FrameIndex> wanted;
        for (const auto& [frame, shot] : shot_of) wanted.push_back(frame);
        int compared = 0;
        grab_frames(
            film.string(), wanted, picture_decode_options(1, false),
            [&](FrameIndex frame, const Frame& picture) {
                const fs::path grabbed = dir / "grabbed.jpg";
                write_jpeg(grabbed.string(), picture.full_bgr);
                const fs::path written = done.folder / keyframe_path(shot_of.at(frame));
                EXPECT_EQ(test::slurp_file(grabbed.string()), test::slurp_file(written.string()))
                    << "frame " << frame;
                ++compared;
            });
        EXPECT_EQ(compared, 4);
    }
    // Without scales no picture is analysed, yet the keyframes are the same frames.
    AnalyzeOptions options = quiet_options(1);
    options.pass.decode.fast_decode = FastDecode::off;
    options.scales = false;
    const Analysis bare = analyze(film.string(), options);
    const Analysis folder = parse_analysis_json(
        test::slurp_file((dir / "out1" / "analysis.json").string()), "analysis.json");
    ASSERT_EQ(bare.shots.size(), folder.shots.size());
    for (std::size_t i = 0; i < bare.shots.size(); ++i)
        EXPECT_EQ(bare.shots[i].keyframe, folder.shots[i].keyframe) << i;
    if (!HasFailure()) fs::remove_all(dir);
}

TEST(Keyframes, AShotNoStretchCoversIsDecodedAgain) {
    const fs::path dir = test::temp_dir("keyframes-fallback");
    const fs::path film = make_cut_film(dir);
    AnalyzeOptions options = quiet_options(1);
    const FolderAnalysis first = analyze_to_folder(film.string(), dir / "first", options);
    ASSERT_EQ(first.analysis.shots.size(), 4u);
    // A person cuts the second shot in two where its picture does not change: the pass has
    // one stretch there and analysed one picture, which lies in one of the halves only.
    Analysis edited = first.analysis;
    Transition cut;
    cut.frames = {60, 60};
    cut.by_user = true;
    edited.transitions.push_back(cut);
    std::sort(
        edited.transitions.begin(), edited.transitions.end(),
        [](const Transition& a, const Transition& b) { return a.frames.start < b.frames.start; });
    {
        std::ofstream out(dir / "first" / "analysis.json", std::ios::binary);
        out << analysis_json(edited);
    }
    options.keep_edits = dir / "first";
    const FolderAnalysis done = analyze_to_folder(film.string(), dir / "again", options);
    const auto& shots = done.analysis.shots;
    ASSERT_EQ(shots.size(), 5u);
    EXPECT_EQ(done.keyframes_decoded, 1);
    EXPECT_EQ(done.keyframes_from_pass, 4);
    for (const Shot& s : shots) {
        EXPECT_TRUE(fs::is_regular_file(done.folder / keyframe_path(s.index))) << s.index;
        EXPECT_GE(s.keyframe, s.frames.start);
        EXPECT_LT(s.keyframe, s.frames.end);
    }
    EXPECT_EQ(leftover_pass_files(done.folder), 0);
    if (!HasFailure()) fs::remove_all(dir);
}

}  // namespace
}  // namespace kinoglaz
