// `kinoglaz split`: one file per shot, frame-exact when re-encoding, whole GOPs with --copy.
#include <gtest/gtest.h>

#include <filesystem>

#include "support/media.hpp"
#include "support/run.hpp"
#include "support/synthetic.hpp"

using namespace kinoglaz::test;

namespace {

int frames_in(const std::filesystem::path& file) {
    auto r =
        run("ffprobe -v error -count_frames -select_streams v:0 -show_entries "
            "stream=nb_read_frames -of csv=p=0 " +
            shell_quote(file.string()));
    return r.status == 0 ? std::atoi(r.out.c_str()) : -1;
}

class Split : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!have_program("ffmpeg") || !have_program("ffprobe"))
            GTEST_SKIP() << "ffmpeg/ffprobe not installed";
        dir_ = temp_dir("split");
        // Three shots of 40, 30 and 50 frames, cut at 40 and 70, keyframes every 25 frames.
        const cv::Size size{320, 180};
        std::vector<cv::Mat> frames;
        int seed = 1;
        for (int length : {40, 30, 50}) {
            auto shot =
                make_shot(make_scene(seed++, {480, 300}), size, length, {40, 30}, {0.5f, 0.2f});
            frames.insert(frames.end(), shot.begin(), shot.end());
        }
        film_ = dir_ / "film.mp4";
        ASSERT_TRUE(encode_video(frames, film_.string(), 25,
                                 "-c:v libx264 -pix_fmt yuv420p -preset ultrafast -g 25 "
                                 "-keyint_min 25 -sc_threshold 0"));
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path dir_, film_;
};

TEST_F(Split, ReencodesEachShotFrameExactly) {
    auto r = run(kinoglaz_bin() + " split " + shell_quote(film_.string()) + " -o " +
                 shell_quote((dir_ / "out").string()) + " --quiet");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(frames_in(dir_ / "out" / "shot-000.mp4"), 40);
    EXPECT_EQ(frames_in(dir_ / "out" / "shot-001.mp4"), 30);
    EXPECT_EQ(frames_in(dir_ / "out" / "shot-002.mp4"), 50);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "out" / "shot-003.mp4"));
}

TEST_F(Split, CopiesWholeGroupsOfPicturesAroundEachShot) {
    auto r = run(kinoglaz_bin() + " split " + shell_quote(film_.string()) + " -o " +
                 shell_quote((dir_ / "copy").string()) + " --copy --quiet");
    ASSERT_EQ(r.status, 0) << r.err;
    // Keyframes at 0, 25, 50, 75, 100: shot 0 [0, 40) copies [0, 50), shot 1 [40, 70)
    // copies [25, 75), shot 2 [70, 120) copies [50, 120) (to the end of the film).
    EXPECT_EQ(frames_in(dir_ / "copy" / "shot-000.mp4"), 50);
    EXPECT_EQ(frames_in(dir_ / "copy" / "shot-001.mp4"), 50);
    EXPECT_EQ(frames_in(dir_ / "copy" / "shot-002.mp4"), 70);
}

TEST(SplitCli, BadInputIsOneLineAndExitOne) {
    auto r = run(kinoglaz_bin() + " split /nonexistent.mp4 -o /tmp/kinoglaz-split-none");
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(std::filesystem::exists("/tmp/kinoglaz-split-none"));
}

}  // namespace
