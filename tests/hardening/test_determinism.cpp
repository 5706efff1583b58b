// analysis.json is a pure function of the input: the same bytes for any --threads and across
// runs (analysis.json carries no timing or date field).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "hardening_util.hpp"
#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"

namespace kinoglaz::test {
namespace {

namespace fs = std::filesystem;

TEST(Determinism, AnalysisJsonIsIdenticalAcrossThreadsAndRuns) {
    auto dir = temp_dir("determinism");
    // Three shots with a cut and a dissolve, and some motion for the event finder.
    const std::string film = (dir / "film.mp4").string();
    ASSERT_TRUE(
        ffmpeg("-f lavfi -i testsrc2=s=128x72:r=25:d=1 -f lavfi -i smptebars=s=128x72:r=25:d=1 "
               "-f lavfi -i mandelbrot=s=128x72:r=25 -filter_complex "
               "\"[2:v]trim=duration=1.5,settb=AVTB[m];[0:v][1:v]concat=n=2:v=1,settb=AVTB[a];"
               "[a][m]xfade=duration=0.4:offset=1.6[v]\" "
               "-map [v] -c:v libx264 -preset ultrafast " +
               shell_quote(film)));
    auto analyse = [&](const std::string& name, int threads) {
        const fs::path out = dir / name;
        auto r = run_kinoglaz("analyze " + shell_quote(film) + " -o " + shell_quote(out.string()) +
                              " --quiet --threads " + std::to_string(threads));
        EXPECT_EQ(r.status, 0) << r.err;
        return slurp_file((out / "analysis.json").string());
    };
    const std::string one = analyse("t1", 1);
    const std::string two = analyse("t2", 2);
    const std::string again = analyse("t2b", 2);
    ASSERT_FALSE(one.empty());
    EXPECT_EQ(one, two) << "--threads 1 and --threads 2 differ";
    EXPECT_EQ(two, again) << "two runs with the same options differ";
    // The transitions are non-trivial, so the comparison means something.
    EXPECT_NE(one.find("\"cut\""), std::string::npos);
    if (!HasFailure()) fs::remove_all(dir);
}

// With more cores the keyframe stage runs several workers (one per thread), each seeking or
// decoding on with its own decoder and handing its keyframes to the set-up joiner in the
// shots' order.
TEST(Determinism, KeyframesAreTheSameWithSeveralKeyframeWorkers) {
    auto dir = temp_dir("determinism-keyframes");
    // Eight shots of one second, hard cuts, every other one a return of the first set-up.
    const std::string film = (dir / "film.mp4").string();
    ASSERT_TRUE(
        ffmpeg("-f lavfi -i testsrc2=s=160x90:r=25:d=1 -f lavfi -i smptebars=s=160x90:r=25:d=1 "
               "-t 1 -f lavfi -i mandelbrot=s=160x90:r=25 -f lavfi -i rgbtestsrc=s=160x90:r=25:d=1 "
               "-filter_complex \"[0:v]split=2[a1][a2];[1:v]split=2[b1][b2];[2:v]split=2[c1][c2];"
               "[3:v]split=2[d1][d2];[a1][b1][a2][c1][d1][b2][c2][d2]concat=n=8:v=1[v]\" "
               "-map [v] -c:v libx264 -preset ultrafast -g 300 " +
               shell_quote(film)));
    auto analyse = [&](const std::string& name, int threads) {
        const fs::path out = dir / name;
        auto r = run_kinoglaz("analyze " + shell_quote(film) + " -o " + shell_quote(out.string()) +
                              " --quiet --no-reveal --threads " + std::to_string(threads));
        EXPECT_EQ(r.status, 0) << r.err;
        return out;
    };
    const fs::path one = analyse("one-worker", 1);
    const fs::path three = analyse("three-workers", 3);
    const std::string json = slurp_file((one / "analysis.json").string());
    EXPECT_EQ(json, slurp_file((three / "analysis.json").string()));
    int keyframes = 0;
    for (const auto& entry : fs::directory_iterator(one / "keyframes")) {
        ++keyframes;
        EXPECT_EQ(slurp_file(entry.path().string()),
                  slurp_file((three / "keyframes" / entry.path().filename()).string()))
            << entry.path().filename();
    }
    EXPECT_GE(keyframes, 6);  // the shots were found, so several workers had keyframes to share
    EXPECT_EQ(keyframes,
              std::distance(fs::directory_iterator(three / "keyframes"), fs::directory_iterator{}));
    if (!HasFailure()) fs::remove_all(dir);
}

TEST(Determinism, CutsJsonIsIdenticalAcrossThreads) {
    auto dir = temp_dir("determinism-cuts");
    const std::string film = (dir / "film.mkv").string();
    ASSERT_TRUE(
        ffmpeg("-f lavfi -i testsrc2=s=128x72:r=25:d=2 -f lavfi -i smptebars=s=128x72:r=25:d=2 "
               "-filter_complex [0:v][1:v]concat=n=2:v=1[v] -map [v] -c:v libx264 "
               "-preset ultrafast " +
               shell_quote(film)));
    auto one = run_kinoglaz("cuts --json --threads 1 " + shell_quote(film));
    auto two = run_kinoglaz("cuts --json --threads 2 " + shell_quote(film));
    ASSERT_EQ(one.status, 0) << one.err;
    ASSERT_EQ(two.status, 0) << two.err;
    EXPECT_EQ(one.out, two.out);
    fs::remove_all(dir);
}

}  // namespace
}  // namespace kinoglaz::test
