// render_reveal() of pictures held in memory (the replay buffer of `kinoglaz live`): the same
// clip as from a film, (N - 1)·K + 1 frames spanning K times the pictures' time, and no
// temporary file left behind.
#include <filesystem>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include <kinoglaz/core.hpp>
#include <kinoglaz/unconscious.hpp>
#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"
#include "support/run.hpp"

namespace kinoglaz {
namespace {

// N pictures of a square moving one pixel a frame, 25 a second.
std::function<std::optional<TimedPicture>()> moving_square(int n, int* taken) {
    return [n, taken]() -> std::optional<TimedPicture> {
        if (*taken == n) return std::nullopt;
        cv::Mat bgr(120, 160, CV_8UC3, cv::Scalar(40, 40, 40));
        cv::rectangle(bgr, cv::Rect(40 + *taken, 40, 30, 30), cv::Scalar(200, 180, 160),
                      cv::FILLED);
        return TimedPicture{bgr, 10.0 + (*taken)++ / 25.0};
    };
}

TEST(RevealPictures, SlowsPicturesHeldInMemory) {
    if (!test::have_program("ffprobe")) GTEST_SKIP() << "ffprobe not installed";
    auto dir = test::temp_dir("reveal_pictures");
    RevealOptions o;
    o.slow = 3;
    o.magnify = 5;
    o.method = MagnifyMethod::eulerian;
    int taken = 0;
    const auto clip = (dir / "replay.mp4").string();
    render_reveal(moving_square(20, &taken), 25, o, clip);
    EXPECT_EQ(taken, 20);
    auto probe = test::run(
        "ffprobe -v error -count_frames -select_streams v:0 -show_entries "
        "stream=codec_name,width,height,nb_read_frames -of csv=p=0 " +
        test::shell_quote(clip));
    ASSERT_EQ(probe.status, 0) << probe.err;
    EXPECT_EQ(probe.out, "h264,320,120,58\n") << "side by side, (20 - 1) x 3 + 1 frames";
    const auto times = test::ffprobe_frame_times(clip);
    ASSERT_EQ(times.size(), 58u);
    EXPECT_NEAR(times.back(), 3 * 19 / 25.0, 0.002) << "K times the pictures' span";
    for (const auto& e : std::filesystem::directory_iterator(dir))
        EXPECT_EQ(e.path().filename(), "replay.mp4") << "a temporary file was left";
    std::filesystem::remove_all(dir);
}

TEST(RevealPictures, FewerThanTwoPicturesAreBadInput) {
    auto dir = test::temp_dir("reveal_pictures_one");
    int taken = 0;
    try {
        render_reveal(moving_square(1, &taken), 25, RevealOptions{}, (dir / "replay.mp4").string());
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::bad_input) << e.what();
    }
    EXPECT_TRUE(std::filesystem::is_empty(dir)) << "nothing left behind";
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kinoglaz
