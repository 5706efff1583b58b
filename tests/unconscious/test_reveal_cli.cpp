// `kinoglaz reveal`: a playable H.264 MP4 with exactly (N - 1)·K + 1 frames at exact times,
// and the contract's exit statuses for bad usage and bad input.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <sstream>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include <kinoglaz/decode.hpp>
#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"
#include "support/run.hpp"

namespace kinoglaz {
namespace {

using test::run;
using test::shell_quote;

std::vector<double> frame_times(const std::string& file, double start = -1, double end = -1) {
    std::string cmd =
        "ffprobe -v error -select_streams v:0 -show_entries frame=pts_time -of csv=p=0 ";
    auto r = run(cmd + shell_quote(file));
    std::vector<double> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        double t = std::stod(line);
        if (start < 0 || (t >= start - 1e-6 && t < end - 1e-6)) out.push_back(t);
    }
    return out;
}

// Runs `kinoglaz reveal VIDEO -o DIR OPTIONS` and lists the clips it left in DIR.
void reveal_into(const std::filesystem::path& dir, const std::filesystem::path& video,
                 const std::string& options, std::vector<std::filesystem::path>& clips) {
    auto r = run(shell_quote(test::kinoglaz_bin()) + " reveal " + shell_quote(video.string()) +
                 " -o " + shell_quote(dir.string()) + " " + options + " --quiet");
    ASSERT_EQ(r.status, 0) << r.err;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".mp4") clips.push_back(e.path());
}

TEST(RevealCli, WritesPlayableClipWithExactSlowedFrameTimes) {
    KINOGLAZ_REQUIRE_MEDIA(video, "dev/dev_micro_01.mp4");
    if (!test::have_program("ffprobe")) GTEST_SKIP() << "ffprobe not installed";
    auto dir = test::temp_dir("reveal_cli");
    const int k = 3;
    std::vector<std::filesystem::path> clips;
    reveal_into(dir, video, "--start 1.0 --end 1.6 --slow 3 --magnify 10 --roi 16,171,80,58",
                clips);
    ASSERT_EQ(clips.size(), 1u);
    auto probe =
        run("ffprobe -v error -select_streams v:0 -show_entries "
            "stream=codec_name,pix_fmt,width,height -of csv=p=0 " +
            shell_quote(clips[0].string()));
    EXPECT_NE(probe.out.find("h264"), std::string::npos) << probe.out;
    EXPECT_NE(probe.out.find("yuv420p"), std::string::npos) << probe.out;
    // The source frames of the range, and the clip's frames: K per source interval, plus the
    // last one, each at K times its source offset.
    auto src = frame_times(video.string(), 1.0, 1.6);
    auto out = frame_times(clips[0].string());
    ASSERT_GE(src.size(), 2u);
    ASSERT_EQ(out.size(), (src.size() - 1) * k + 1);
    for (std::size_t i = 0; i + 1 < src.size(); ++i)
        for (int j = 0; j < k; ++j) {
            double want = k * (src[i] - src[0]) + j * (src[i + 1] - src[i]);
            EXPECT_NEAR(out[i * k + std::size_t(j)] - out[0], want, 1e-3);
        }
    // A full decode finds no errors.
    auto decode = run("ffmpeg -v error -i " + shell_quote(clips[0].string()) + " -f null -");
    EXPECT_EQ(decode.status, 0);
    EXPECT_TRUE(decode.err.empty()) << decode.err;
    std::filesystem::remove_all(dir);
}

// Every picture of FILE (from `start_s` to `end_s`) as its codec stores it.
std::vector<PlanarPicture> planes_of(const std::string& file, std::optional<double> start_s = {},
                                     std::optional<double> end_s = {}) {
    DecodeOptions o;
    o.analysis_proxy = false;
    o.full_planes = true;
    o.start_s = start_s;
    o.end_s = end_s;
    VideoDecoder dec(file, o);
    std::vector<PlanarPicture> out;
    while (auto p = dec.next()) out.push_back(dec.convert(*p).full_planes);
    return out;
}

TEST(RevealCli, CleanSlowMotionIsTheSourcePictureAtItsOwnSize) {
    KINOGLAZ_REQUIRE_MEDIA(video, "dev/dev_micro_01.mp4");
    auto dir = test::temp_dir("reveal_cli_clean");
    std::vector<std::filesystem::path> clips;
    reveal_into(dir, video, "--start 1.0 --end 1.6 --slow 2 --magnify 0 --clean", clips);
    ASSERT_EQ(clips.size(), 1u);
    // No panel, caption or resampling: every other picture of the clip is a source picture,
    // kept to the encoder's precision, and the ones between lie between their neighbours.
    auto src = planes_of(video.string(), 1.0, 1.6);
    auto out = planes_of(clips[0].string());
    ASSERT_GE(src.size(), 2u);
    ASSERT_EQ(out.size(), (src.size() - 1) * 2 + 1);
    ASSERT_EQ(out[0].y.size(), src[0].y.size());
    for (std::size_t i = 0; i < src.size(); ++i) {
        EXPECT_GT(cv::PSNR(out[2 * i].y, src[i].y), 38.0) << "source picture " << i;
        EXPECT_GT(cv::PSNR(out[2 * i].cb, src[i].cb), 38.0) << "source picture " << i;
    }
    for (std::size_t i = 0; i + 1 < src.size(); ++i) {
        cv::Mat between;
        cv::addWeighted(src[i].y, 0.5, src[i + 1].y, 0.5, 0, between);
        EXPECT_GT(cv::PSNR(out[2 * i + 1].y, between), 30.0) << "interval " << i;
    }
    std::filesystem::remove_all(dir);
}

TEST(RevealCli, HighFrameRateCostFollowsOutputFrames) {
    if (!test::have_program("ffprobe")) GTEST_SKIP() << "ffprobe not installed";
    // 2 s shot at 1000 fps: slowed 4x it lasts 8 s. Once every source frame was magnified,
    // interpolated 4x and written at 1000 fps (8000 frames, 46 s here, minutes in analyze);
    // now frames are kept for a 120 fps output and shown without interpolation.
    auto dir = test::temp_dir("reveal_cli_fast");
    const auto video = dir / "fast.mp4";
    auto made =
        run("ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=s=160x120:r=1000:d=2 "
            "-c:v libx264 -preset ultrafast " +
            shell_quote(video.string()));
    ASSERT_EQ(made.status, 0) << made.err;
    std::vector<std::filesystem::path> clips;
    const auto out = dir / "out";
    std::filesystem::create_directories(out);
    const auto t0 = std::chrono::steady_clock::now();
    reveal_into(out, video, "--slow 4 --magnify 10", clips);
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_EQ(clips.size(), 1u);
    EXPECT_LT(took, 30.0);
    const auto times = frame_times(clips[0].string());
    ASSERT_GE(times.size(), 2u);
    const double duration = times.back() - times.front();
    EXPECT_NEAR(duration, 8.0, 0.05);
    const double rate = double(times.size() - 1) / duration;
    EXPECT_LE(rate, 120.5);
    EXPECT_GE(rate, 60.0);
    std::filesystem::remove_all(dir);
}

// Width and height of a clip's pictures.
cv::Size clip_size(const std::filesystem::path& clip) {
    auto r =
        run("ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of "
            "csv=p=0:s=x " +
            shell_quote(clip.string()));
    int w = 0, h = 0;
    std::sscanf(r.out.c_str(), "%dx%d", &w, &h);
    return {w, h};
}

// A 2 s film of `size` at `fps` whose middle patch moves, made at test time.
std::filesystem::path small_film(const std::filesystem::path& dir, const std::string& size,
                                 int fps) {
    const auto film = dir / "film.mp4";
    EXPECT_TRUE(test::ffmpeg("-f lavfi -i testsrc2=s=" + size + ":r=" + std::to_string(fps) +
                             ":d=2 -c:v libx264 -preset ultrafast -pix_fmt yuv420p " +
                             shell_quote(film.string())));
    return film;
}

// A classroom projects the clip: each panel keeps the source's size by default (no shrinking),
// a preview is small, and the file's name says what was done to the footage.
TEST(RevealCli, PanelsKeepTheSourceSizeAndNamesSayWhatTheClipShows) {
    if (!test::have_program("ffprobe")) GTEST_SKIP() << "ffprobe not installed";
    auto dir = test::temp_dir("reveal_cli_size");
    const auto film = small_film(dir, "704x396", 25);
    std::vector<std::filesystem::path> full, preview;
    std::filesystem::create_directories(dir / "full");
    std::filesystem::create_directories(dir / "preview");
    reveal_into(dir / "full", film, "--end 0.3 --slow 2 --magnify 15 --band 1:4", full);
    reveal_into(dir / "preview", film, "--end 0.3 --slow 2 --magnify 15 --preview", preview);
    ASSERT_EQ(full.size(), 1u);
    ASSERT_EQ(preview.size(), 1u);
    // Beyond the 640 pixels panels were once shrunk to.
    EXPECT_EQ(clip_size(full[0]), cv::Size(1408, 396)) << "two panels of 704x396, side by side";
    const cv::Size small = clip_size(preview[0]);
    EXPECT_LE(std::max(small.width / 2, small.height), 480) << small;
    EXPECT_EQ(full[0].filename(), "reveal-0.000-0.300_slow2x_magnify15x_2Hz.mp4");
    EXPECT_EQ(preview[0].filename(), "reveal-0.000-0.300_slow2x_magnify15x_preview.mp4");
    std::filesystem::remove_all(dir);
}

// High-speed footage: shot at 240 fps, played at 30. The band is given in the scene's Hz and
// its limit is half the capture rate (120 Hz), not half the file's (15 Hz).
TEST(RevealCli, CaptureFpsTakesTheBandInPhysicalHz) {
    auto dir = test::temp_dir("reveal_cli_capture");
    const auto film = small_film(dir, "160x120", 30);
    const std::string bin = shell_quote(test::kinoglaz_bin()) + " reveal " +
                            shell_quote(film.string()) + " --end 0.5 --quiet -o ";
    auto physical =
        run(bin + shell_quote((dir / "a").string()) + " --capture-fps 240 --band 20:80");
    EXPECT_EQ(physical.status, 0) << physical.err;
    // Without the capture rate, 20-80 Hz lies above the file's 15 Hz limit.
    auto file_rate = run(bin + shell_quote((dir / "b").string()) + " --band 20:80");
    EXPECT_EQ(file_rate.status, 2) << file_rate.err;
    // Above half the capture rate: refused, the limit named in physical Hz.
    auto above = run(bin + shell_quote((dir / "c").string()) + " --capture-fps 240 --band 130:200");
    EXPECT_EQ(above.status, 2) << above.err;
    EXPECT_NE(above.err.find("120.00 Hz"), std::string::npos) << above.err;
    auto bad = run(bin + shell_quote((dir / "d").string()) + " --capture-fps 0");
    EXPECT_EQ(bad.status, 2) << bad.err;
    std::filesystem::remove_all(dir);
}

// On a terminal the bar counts the pictures written and ends with its final state, the time
// taken and where it went, phase by phase; nothing with --quiet.
TEST(RevealCli, ProgressOnATerminalEndsWithEveryPhaseAndItsTime) {
    if (!test::have_program("script")) GTEST_SKIP() << "util-linux script not installed";
    auto dir = test::temp_dir("reveal_cli_progress");
    const auto film = small_film(dir, "160x120", 25);
    auto on_a_terminal = [&](const std::string& extra) {
        auto r = run("script -qfec " +
                     shell_quote(shell_quote(test::kinoglaz_bin()) + " reveal " +
                                 shell_quote(film.string()) + " -o " +
                                 shell_quote((dir / "out").string()) +
                                 " --force --end 1 --slow 3 " + extra) +
                     " /dev/null");
        std::string out = r.out;
        std::replace(out.begin(), out.end(), '\r', '\n');
        return out;
    };
    const std::string screen = on_a_terminal("");
    // 25 source frames slowed 3x: (25 - 1) x 3 + 1 pictures.
    std::istringstream lines(screen);
    std::string last;
    for (std::string line; std::getline(lines, line);)
        if (line.rfind("revealing", 0) == 0) last = line;
    EXPECT_NE(last.find("100% 73/73 frames"), std::string::npos) << screen;
    for (const char* phase : {"done in", "decode", "magnify", "slow motion", "encode"})
        EXPECT_NE(last.find(phase), std::string::npos) << phase << " in: " << last;
    EXPECT_EQ(on_a_terminal("--quiet").find("revealing"), std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST(RevealCli, BadUsageAndBadInputHaveTheirExitStatus) {
    auto dir = test::temp_dir("reveal_cli_bad");
    std::string bin = shell_quote(test::kinoglaz_bin()) + " reveal ";
    std::string out = " -o " + shell_quote(dir.string());
    auto missing = run(bin + "/nonexistent/film.mp4" + out);
    EXPECT_EQ(missing.status, 1);
    EXPECT_NE(missing.err.find("/nonexistent/film.mp4"), std::string::npos);
    KINOGLAZ_REQUIRE_MEDIA(video, "dev/dev_micro_01.mp4");
    std::string in = shell_quote(video.string());
    for (std::string bad : {"--slow 40", "--band 5", "--band 8:2", "--magnify -3", "--roi 1,2,3",
                            "--method fourier", "--start 3 --end 2"}) {
        auto r = run(bin + in + out + " " + bad);
        EXPECT_EQ(r.status, 2) << bad << ": " << r.err;
    }
    auto no_out = run(bin + in);
    EXPECT_EQ(no_out.status, 2);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kinoglaz
