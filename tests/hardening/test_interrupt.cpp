// SIGINT / SIGTERM during `analyze`: the run stops promptly, exits non-zero, removes its
// temporary OUTDIR.partial-<pid> folder and leaves an earlier complete OUTDIR untouched.
// SIGINT during `reveal`: it stops promptly and leaves no clip, whole or partial. Every stop
// exits 130, including one that lands while FFmpeg opens or reads the input (which FFmpeg
// reports as "Immediate exit requested").
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include "hardening_util.hpp"
#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"

namespace kinoglaz::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr double kStopLimitS = 3.0;  // sanitizer builds run several times slower
#else
constexpr double kStopLimitS = 1.0;
#endif

bool partial_exists(const fs::path& parent, const std::string& base) {
    for (const auto& e : fs::directory_iterator(parent))
        if (e.path().filename().string().rfind(base + ".partial-", 0) == 0) return true;
    return false;
}

// Runs kinoglaz with ARGS in a child, waits until `under_way()` holds (then `settle` more),
// sends SIG and checks that the child exits by itself, with a non-zero status, within
// kStopLimitS. Records failures in the current test.
template <typename Ready>
void interrupt_kinoglaz(const std::vector<std::string>& args, int sig, Ready under_way,
                        std::chrono::milliseconds settle) {
    const std::string bin = kinoglaz_bin();
    std::vector<char*> argv{const_cast<char*>(bin.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        std::freopen("/dev/null", "w", stdout);
        std::freopen("/dev/null", "w", stderr);
        ::execv(bin.c_str(), argv.data());
        ::_exit(127);
    }
    const auto started = Clock::now();
    while (!under_way() && Clock::now() - started < std::chrono::seconds(60))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::this_thread::sleep_for(settle);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, WNOHANG), 0) << "finished before it could be interrupted";
    ::kill(pid, sig);
    const auto signalled = Clock::now();
    pid_t done = 0;
    while ((done = ::waitpid(pid, &status, WNOHANG)) == 0 &&
           Clock::now() - signalled < std::chrono::seconds(30))
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const double stop_s = std::chrono::duration<double>(Clock::now() - signalled).count();
    if (done == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        FAIL() << "still running 30 s after the signal";
    }
    EXPECT_LT(stop_s, kStopLimitS) << "took " << stop_s << " s to stop";
    ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
    EXPECT_EQ(WEXITSTATUS(status), 130);
}

class Interrupt : public ::testing::TestWithParam<int> {};

TEST_P(Interrupt, StopsPromptlyAndKeepsEarlierOutdir) {
    const int sig = GetParam();
    auto dir = temp_dir(std::string("interrupt-") + (sig == SIGINT ? "int" : "term"));
    // A short film for the earlier complete OUTDIR, a long one to interrupt: 20 s of it were
    // analysed in 0.9 s on 2 cores, before the signal came.
    const std::string short_film = (dir / "short.mp4").string();
    const std::string long_film = (dir / "long.mp4").string();
    ASSERT_TRUE(ffmpeg("-f lavfi -i testsrc2=s=96x64:r=10:d=2 -c:v libx264 -preset ultrafast " +
                       shell_quote(short_film)));
    ASSERT_TRUE(ffmpeg("-f lavfi -i testsrc2=s=320x240:r=25:d=150 -c:v libx264 -preset ultrafast " +
                       shell_quote(long_film)));
    const fs::path out = dir / "out";
    auto first = run_kinoglaz("analyze " + shell_quote(short_film) + " -o " +
                              shell_quote(out.string()) + " --quiet --no-reveal");
    ASSERT_EQ(first.status, 0) << first.err;
    const std::string before = slurp_file((out / "analysis.json").string());
    ASSERT_FALSE(before.empty());

    // Interrupt once the run is under way: its temporary folder exists and it has decoded a bit.
    interrupt_kinoglaz(
        {"analyze", long_film, "-o", out.string(), "--quiet"}, sig,
        [&] { return partial_exists(dir, "out"); }, std::chrono::milliseconds(700));
    EXPECT_FALSE(partial_exists(dir, "out")) << "temporary folder left behind";
    EXPECT_EQ(slurp_file((out / "analysis.json").string()), before)
        << "the earlier complete OUTDIR was changed";
    if (!HasFailure()) fs::remove_all(dir);
}

TEST(InterruptReveal, StopsPromptlyAndLeavesNoClip) {
    auto dir = temp_dir("interrupt-reveal");
    const std::string film = (dir / "film.mp4").string();
    ASSERT_TRUE(ffmpeg("-f lavfi -i testsrc2=s=320x240:r=25:d=20 -c:v libx264 -preset ultrafast " +
                       shell_quote(film)));
    const fs::path out = dir / "out";
    fs::create_directories(out);
    // Interrupt once the clip is being written.
    interrupt_kinoglaz(
        {"reveal", film, "-o", out.string(), "--start", "0", "--end", "20", "--slow", "8"}, SIGINT,
        [&] { return !fs::is_empty(out); }, std::chrono::milliseconds(300));
    for (const auto& e : fs::directory_iterator(out))
        ADD_FAILURE() << "left behind: " << e.path().filename();
    if (!HasFailure()) fs::remove_all(dir);
}

// Cancellation reaches FFmpeg through its interrupt callback, which makes the call in progress
// fail with AVERROR_EXIT: wherever the decoder opens, seeks or reads, that must surface as a
// cancellation (exit 130), not as bad input (exit 1). The flag is set before each call, so
// the first blocking FFmpeg call inside it is the one interrupted.
TEST(InterruptDecoder, InterruptedOpenSeekAndReadAreCancellations) {
    auto dir = temp_dir("interrupt-decoder");
    const std::string film = (dir / "film.mp4").string();
    const std::string raw = (dir / "film.h264").string();
    ASSERT_TRUE(ffmpeg("-f lavfi -i testsrc2=s=96x64:r=10:d=2 -c:v libx264 -preset ultrafast " +
                       shell_quote(film)));
    ASSERT_TRUE(ffmpeg("-i " + shell_quote(film) + " -c copy " + shell_quote(raw)));
    struct ClearFlag {
        ~ClearFlag() { cancel_flag().store(false); }
    } clear;
    auto expect_cancelled = [](const char* what, const std::function<void()>& call) {
        cancel_flag().store(true);
        try {
            call();
            ADD_FAILURE() << what << ": not stopped";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::cancelled) << what << ": " << e.what();
        }
        cancel_flag().store(false);
    };
    for (const std::string& input : {film, raw}) {
        SCOPED_TRACE(input);
        expect_cancelled("open", [&] { VideoDecoder decoder(input, {}); });
        expect_cancelled("probe", [&] { probe(input, {}, false); });
        expect_cancelled("grab_frames", [&] {
            grab_frames(input, {3, 15}, {}, [](FrameIndex, const Frame&) {});
        });
        DecodeOptions range;
        range.start_s = 0.5;
        expect_cancelled("range", [&] { VideoDecoder decoder(input, range); });
        expect_cancelled("copy_video_range",
                         [&] { copy_video_range(input, 0, 1, (dir / "copy.mp4").string()); });
        // Opened, then interrupted while reopening for a seek or while reading.
        VideoDecoder decoder(input, {});
        ASSERT_TRUE(decoder.next());
        expect_cancelled("seek", [&] { decoder.seek(12); });
        VideoDecoder reader(input, {});
        expect_cancelled("next", [&] {
            while (reader.next()) {
            }
        });
    }
    if (!HasFailure()) fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Signals, Interrupt, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& info) {
                             return std::string(info.param == SIGINT ? "SIGINT" : "SIGTERM");
                         });

}  // namespace
}  // namespace kinoglaz::test
