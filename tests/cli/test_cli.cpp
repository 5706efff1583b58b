// The kinoglaz binary's error contract (shared/CONTRACT.md): bad input exits 1 with exactly one
// line on stderr naming the file and the reason and nothing on stdout; bad usage exits 2;
// recoverable damage (corrupt packets mid-stream) is decoded past and counted, not fatal.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"
#include "support/run.hpp"

using namespace kinoglaz;
namespace fs = std::filesystem;

namespace {

class CliTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { dir_ = test::temp_dir("cli"); }
    static void TearDownTestSuite() { fs::remove_all(dir_); }
    void SetUp() override {
        if (!fs::exists(test::kinoglaz_bin()))
            GTEST_SKIP() << "kinoglaz binary not built: " << test::kinoglaz_bin();
    }
    static std::string path(const std::string& name) { return (dir_ / name).string(); }
    static test::RunResult kinoglaz(const std::string& args) {
        return test::run(test::shell_quote(test::kinoglaz_bin()) + " " + args);
    }
    static bool need_ffmpeg() { return test::have_program("ffmpeg"); }
    static inline fs::path dir_;
};

// Checks the bad-input contract for `kinoglaz probe FILE`; `reason` is a regular expression
// (case-insensitive) the reason part must match, or empty for "any non-empty reason".
void expect_bad_input(const std::string& file, const std::string& reason) {
    auto r =
        test::run(test::shell_quote(test::kinoglaz_bin()) + " probe " + test::shell_quote(file));
    SCOPED_TRACE("probe " + file + "\nstderr: " + r.err);
    EXPECT_EQ(r.status, 1);
    EXPECT_TRUE(r.out.empty()) << "stdout: " << r.out;
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "want exactly one line";
    EXPECT_EQ(r.err.back(), '\n');
    auto at = r.err.find(file);
    ASSERT_NE(at, std::string::npos) << "the message must name the file";
    std::string after = r.err.substr(at + file.size());
    std::smatch m;
    EXPECT_TRUE(std::regex_search(after, m, std::regex(R"(^: \S)"))) << "want '<file>: <reason>'";
    if (!reason.empty()) {
        EXPECT_TRUE(std::regex_search(after, m, std::regex(reason, std::regex::icase)))
            << "reason should match /" << reason << "/";
    }
}

std::int64_t json_int(const std::string& json, const std::string& key) {
    std::smatch m;
    if (!std::regex_search(json, m, std::regex("\"" + key + "\"\\s*:\\s*(-?[0-9]+)"))) return -1;
    return std::stoll(m[1]);
}

}  // namespace

TEST_F(CliTest, MissingFileIsBadInput) {
    expect_bad_input(path("no-such-file.mp4"), "no such file");
}

TEST_F(CliTest, DirectoryIsBadInput) {
    expect_bad_input(dir_.string(), "directory");
}

TEST_F(CliTest, EmptyFileIsBadInput) {
    auto file = path("empty.mp4");
    std::ofstream(file).close();
    expect_bad_input(file, "empty");
}

TEST_F(CliTest, TextFileIsBadInput) {
    auto file = path("notes.txt");
    std::ofstream(file) << "This is not a video.\nJust two lines of text.\n";
    expect_bad_input(file, "");
}

TEST_F(CliTest, TruncatedVideoIsBadInput) {
    if (!need_ffmpeg()) GTEST_SKIP() << "ffmpeg not on PATH";
    // An mp4 keeps its index (moov) at the end unless +faststart: cut in half, nothing is
    // left to read the frames by.
    auto whole = path("whole.mp4"), half = path("truncated.mp4");
    ASSERT_TRUE(
        test::ffmpeg("-f lavfi -i testsrc2=size=160x120:rate=25 -frames:v 50 -c:v libx264 "
                     "-preset ultrafast -pix_fmt yuv420p " +
                     test::shell_quote(whole)));
    auto bytes = test::slurp_file(whole);
    ASSERT_GT(bytes.size(), 1000u);
    std::ofstream(half, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size() / 2));
    expect_bad_input(half, "");
}

TEST_F(CliTest, AudioOnlyFileIsBadInput) {
    if (!need_ffmpeg()) GTEST_SKIP() << "ffmpeg not on PATH";
    auto file = path("tone.m4a");
    ASSERT_TRUE(test::ffmpeg("-f lavfi -i sine=frequency=440:duration=1 -c:a aac " +
                             test::shell_quote(file)));
    expect_bad_input(file, "video");
}

TEST_F(CliTest, FileWithNoStreamsIsBadInput) {
    // FFmpeg's metadata format opens as a valid input with zero streams.
    auto file = path("metadata.ffmeta");
    std::ofstream(file) << ";FFMETADATA1\ntitle=no streams here\n";
    if (need_ffmpeg()) {
        auto r = test::run("ffprobe -v error -show_entries format=nb_streams -of csv=p=0 " +
                           test::shell_quote(file));
        ASSERT_EQ(r.status, 0) << "ffprobe should open it: " << r.err;
        ASSERT_EQ(r.out, "0\n") << "the file should have no streams";
    }
    expect_bad_input(file, "video");
}

TEST_F(CliTest, CorruptPacketsAreDecodedPastAndCounted) {
    if (!need_ffmpeg()) GTEST_SKIP() << "ffmpeg not on PATH";
    auto clean = path("clean.ts"), damaged = path("damaged.ts");
    ASSERT_TRUE(
        test::ffmpeg("-f lavfi -i testsrc2=size=320x240:rate=25 -frames:v 150 -c:v libx264 "
                     "-preset ultrafast -pix_fmt yuv420p -g 25 -f mpegts " +
                     test::shell_quote(clean)));
    auto bytes = test::slurp_file(clean);
    ASSERT_GT(bytes.size(), 100000u);
    // Overwrite three stretches in the middle with noise (as a bad sector or a lossy link
    // would): the demuxer resyncs, the decoder meets broken slices.
    std::mt19937 rng(7);
    for (double at : {0.35, 0.5, 0.65}) {
        std::size_t start = std::size_t(double(bytes.size()) * at);
        for (std::size_t i = start; i < start + 3000 && i < bytes.size(); ++i)
            bytes[i] = char(rng() & 0xff);
    }
    std::ofstream(damaged, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));

    auto ok = kinoglaz("probe " + test::shell_quote(clean));
    ASSERT_EQ(ok.status, 0) << ok.err;
    auto clean_count = json_int(ok.out, "frame_count");
    ASSERT_EQ(clean_count, 150);
    EXPECT_EQ(json_int(ok.out, "decode_errors"), 0);

    auto r = kinoglaz("probe " + test::shell_quote(damaged));
    ASSERT_EQ(r.status, 0) << r.err;
    auto count = json_int(r.out, "frame_count");
    EXPECT_GE(count, clean_count * 8 / 10) << "decoding should continue past the damage";
    EXPECT_LE(count, clean_count);
    EXPECT_GT(json_int(r.out, "decode_errors"), 0) << r.out;
}

TEST_F(CliTest, BadUsageExitsTwo) {
    auto video = path("usage.mp4");
    std::ofstream(video) << "x";  // never opened: usage is checked first
    for (const std::string& args : std::vector<std::string>{
             "", "probe", "no-such-command", "probe --no-such-option " + test::shell_quote(video),
             "probe --threads", "probe --threads many " + test::shell_quote(video),
             "probe a.mp4 b.mp4"}) {
        auto r = kinoglaz(args);
        EXPECT_EQ(r.status, 2) << "kinoglaz " << args << "\nstderr: " << r.err;
        EXPECT_TRUE(r.out.empty()) << "kinoglaz " << args;
        EXPECT_FALSE(r.err.empty()) << "kinoglaz " << args;
    }
}

TEST_F(CliTest, ProbeSucceedsOnAValidVideo) {
    if (!need_ffmpeg()) GTEST_SKIP() << "ffmpeg not on PATH";
    auto file = path("valid.mp4");
    ASSERT_TRUE(
        test::ffmpeg("-f lavfi -i testsrc2=size=96x64:rate=25 -frames:v 30 -c:v libx264 "
                     "-preset ultrafast -pix_fmt yuv420p " +
                     test::shell_quote(file)));
    auto r = kinoglaz("probe " + test::shell_quote(file));
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(r.err.empty()) << r.err;
    EXPECT_EQ(json_int(r.out, "frame_count"), 30);
    EXPECT_EQ(json_int(r.out, "width"), 96);
}

// --start/--end/--duration take seconds, HH:MM:SS.mmm, SMPTE timecode and frame numbers, and
// a range is frame-exact: the cut at frame 25 is in [20, 30) and not in [26, 40).
TEST_F(CliTest, RangesTakeSecondsTimecodeAndFrames) {
    if (!need_ffmpeg()) GTEST_SKIP() << "ffmpeg not installed";
    const std::string film = path("range-cut.mp4");
    ASSERT_TRUE(test::ffmpeg(
        "-f lavfi -i testsrc=size=160x120:rate=25:duration=1 -f lavfi -i "
        "color=c=red:size=160x120:rate=25:duration=1 -filter_complex "
        "\"[0:v][1:v]concat=n=2:v=1[v]\" -map \"[v]\" -c:v libx264 -preset ultrafast " +
        test::shell_quote(film)));
    auto cut_frames = [&](const std::string& range) {
        auto r = kinoglaz("cuts " + test::shell_quote(film) + " --json " + range);
        EXPECT_EQ(r.status, 0) << range << ": " << r.err;
        std::vector<std::int64_t> frames;
        std::smatch m;
        std::string json = r.out;
        while (std::regex_search(json, m, std::regex("\"start_frame\"\\s*:\\s*([0-9]+)"))) {
            frames.push_back(std::stoll(m[1]));
            json = m.suffix();
        }
        return frames;
    };
    const std::vector<std::int64_t> cut{25}, none{};
    EXPECT_EQ(cut_frames(""), cut);
    for (const char* range :
         {"--start 20f --end 30f", "--start 00:00:00:20 --duration 10f", "--start 0.8 --end 1.2",
          "--start 00:00:00.800 --duration 0.4", "--start 20f --duration 00:00:00:10"})
        EXPECT_EQ(cut_frames(range), cut) << range;
    EXPECT_EQ(cut_frames("--start 25f --end 40f"), none) << "a range starting at the cut";
    EXPECT_EQ(cut_frames("--start 10f --end 25f"), none) << "a range ending at the cut";
    for (const char* bad : {"--start 00:00:00:25", "--start 1 --end 1", "--end 1 --duration 1",
                            "--start '00:00:01;02'", "--start 12x"}) {
        auto r = kinoglaz("cuts " + test::shell_quote(film) + " " + bad);
        EXPECT_EQ(r.status, 2) << bad << ": " << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << bad << ": " << r.err;
    }
}

// Every option a command accepts is named in its --help, and --version answers.
TEST_F(CliTest, HelpNamesEveryOptionAndVersionAnswers) {
    for (const char* command :
         {"probe", "cuts", "analyze", "reveal", "batch", "split", "eval", "live"}) {
        const auto list = kinoglaz(std::string(command) + " --list-options");
        ASSERT_EQ(list.status, 0) << command << ": " << list.err;
        const auto help = kinoglaz(std::string(command) + " --help");
        ASSERT_EQ(help.status, 0) << command;
        std::istringstream options(list.out);
        std::string option;
        int count = 0;
        while (std::getline(options, option)) {
            ++count;
            EXPECT_TRUE(std::regex_search(help.out, std::regex(option + "(?![a-z-])")))
                << command << " --help does not name " << option;
        }
        EXPECT_GT(count, 1) << command;
    }
    const auto version = kinoglaz("--version");
    EXPECT_EQ(version.status, 0);
    EXPECT_TRUE(std::regex_match(version.out, std::regex("kinoglaz [0-9]+\\.[0-9]+\\.[0-9]+\n")))
        << version.out;
}
