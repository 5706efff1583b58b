// Unusual but legitimate inputs, generated at test time with the ffmpeg CLI (each ~1 s and
// tiny): every one must either be analysed exactly as FFmpeg sees it (frame count = ffprobe
// -count_frames, times = ffprobe's timestamps) or be refused with the contract's one line and
// exit 1. Never a crash, a hang (every run is under `timeout`) or a sanitizer report.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hardening_util.hpp"
#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"

namespace kinoglaz::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

enum class Expect {
    analyse,          ///< must be analysed, matching ffprobe
    analyse_or_fail,  ///< damaged on purpose: either is acceptable
    refuse,           ///< must fail with the one-line error
};

struct MatrixCase {
    std::string name;
    std::string file;          ///< output name; a '%' pattern is an image sequence in a subfolder
    std::string encode;        ///< ffmpeg output options (codec, pixel format, ...)
    std::string extra_filter;  ///< appended to the source filter graph ("" = none)
    int width = 64, height = 48, rate = 10;
    double duration = 1.0;
    Expect expect = Expect::analyse;
    std::string needs;  ///< an encoder that must exist in this FFmpeg ("" = always)
};

std::ostream& operator<<(std::ostream& os, const MatrixCase& c) {
    return os << c.name;
}

// Two different pictures, half the time each, so that there is one cut whose time can be
// compared with ffprobe's timestamps.
std::string source_args(const MatrixCase& c) {
    // smptebars rounds odd sizes down: draw at an even size >= 16, then scale to the target.
    const int w = std::max(16, (c.width + 1) / 2 * 2), h = std::max(16, (c.height + 1) / 2 * 2);
    const std::string size = std::to_string(w) + "x" + std::to_string(h);
    const std::string half = std::to_string(c.duration / 2);
    std::string graph = "[0:v][1:v]concat=n=2:v=1";
    if (w != c.width || h != c.height)
        graph += ",scale=" + std::to_string(c.width) + ":" + std::to_string(c.height);
    if (!c.extra_filter.empty()) graph += "," + c.extra_filter;
    return "-f lavfi -i testsrc2=s=" + size + ":r=" + std::to_string(c.rate) + ":d=" + half +
           " -f lavfi -i smptebars=s=" + size + ":r=" + std::to_string(c.rate) + ":d=" + half +
           " -filter_complex " + shell_quote(graph + "[v]") + " -map [v]";
}

bool have_encoder(const std::string& name) {
    static const std::string list = run("ffmpeg -hide_banner -encoders").out;
    return list.find(" " + name + " ") != std::string::npos;
}

bool have_decoder_for(const std::string& codec) {
    static const std::string list = run("ffmpeg -hide_banner -decoders").out;
    return list.find("(codec " + codec + ")") != std::string::npos ||
           list.find(" " + codec + " ") != std::string::npos;
}

struct Probed {
    long frames = -1;
    int coded_w = 0, coded_h = 0;
};

Probed ffprobe_count(const std::string& path) {
    auto r =
        run("ffprobe -v error -count_frames -select_streams v:0 -show_entries "
            "stream=nb_read_frames,width,height -of json " +
            shell_quote(path));
    Probed p;
    if (r.status != 0) return p;
    auto j = json::parse(r.out, nullptr, false);
    if (j.is_discarded() || !j.contains("streams") || j["streams"].empty()) return p;
    const auto& s = j["streams"][0];
    if (s.contains("nb_read_frames")) p.frames = std::stol(s["nb_read_frames"].get<std::string>());
    p.coded_w = s.value("width", 0);
    p.coded_h = s.value("height", 0);
    return p;
}

// Checks `cuts --json` and `probe` against ffprobe's view of the same file.
void expect_analysed_like_ffprobe(const std::string& path, const RunResult& cuts,
                                  const MatrixCase& c) {
    ASSERT_EQ(cuts.status, 0) << cuts.err;
    const Probed ref = ffprobe_count(path);
    ASSERT_GT(ref.frames, 0) << "ffprobe cannot count " << path;
    const std::vector<double> times = ffprobe_frame_times(path);
    ASSERT_EQ(long(times.size()), ref.frames);

    auto doc = json::parse(cuts.out, nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << cuts.out;
    const auto& src = doc.at("source");
    EXPECT_EQ(src.at("frame_count").get<long>(), ref.frames);
    EXPECT_EQ(src.value("coded_width", ref.coded_w), ref.coded_w);
    EXPECT_EQ(src.value("coded_height", ref.coded_h), ref.coded_h);
    // Duration runs to the end of the last frame: at least its start, at most a few typical
    // frame durations later (VFR and gaps included).
    // The last frame ffprobe could time (it leaves some MPEG-PS tails without a time).
    const auto timed =
        std::find_if(times.rbegin(), times.rend(), [](double t) { return std::isfinite(t); });
    ASSERT_NE(timed, times.rend()) << "ffprobe timed no frame of " << path;
    const double last = *timed;
    const double frame_s = 1.0 / c.rate;
    const double duration = src.at("duration_s").get<double>();
    EXPECT_GE(duration, last - 1e-3);
    EXPECT_LE(duration, last + 4 * frame_s + 1e-3);
    for (const auto& t : doc.at("transitions")) {
        const long start = t.at("start_frame").get<long>();
        ASSERT_GE(start, 0);
        ASSERT_LE(start, ref.frames);
        if (start < ref.frames && std::isfinite(times[std::size_t(start)])) {
            EXPECT_NEAR(t.at("start_time").get<double>(), times[std::size_t(start)], 1.5e-3)
                << "transition at frame " << start;
        }
    }

    auto probe = run_kinoglaz("probe " + shell_quote(path));
    ASSERT_EQ(probe.status, 0) << probe.err;
    auto p = json::parse(probe.out, nullptr, false);
    ASSERT_FALSE(p.is_discarded()) << probe.out;
    EXPECT_EQ(p.at("frame_count").get<long>(), ref.frames);
    EXPECT_EQ(p.at("width").get<int>(), src.at("width").get<int>());
    EXPECT_EQ(p.at("height").get<int>(), src.at("height").get<int>());
}

class InputMatrix : public ::testing::TestWithParam<MatrixCase> {
  protected:
    void SetUp() override { dir_ = temp_dir("matrix-" + GetParam().name); }
    void TearDown() override {
        if (!HasFailure()) fs::remove_all(dir_);
    }
    fs::path dir_;
};

TEST_P(InputMatrix, AnalysesOrRefusesCleanly) {
    const MatrixCase& c = GetParam();
    if (!c.needs.empty() && !have_encoder(c.needs))
        GTEST_SKIP() << "this FFmpeg has no " << c.needs << " encoder";
    if (c.name == "av1" && !have_decoder_for("av1"))
        GTEST_SKIP() << "this FFmpeg has no AV1 decoder";
    fs::path out = dir_ / c.file;
    if (c.file.find('%') != std::string::npos) {
        fs::create_directories(out.parent_path());
    }
    ASSERT_TRUE(ffmpeg(source_args(c) + " " + c.encode + " " + shell_quote(out.string())));
    const std::string path = out.string();

    auto cuts = run_kinoglaz("cuts --json " + shell_quote(path));
    expect_no_crash(cuts);
    switch (c.expect) {
        case Expect::analyse:
            expect_analysed_like_ffprobe(path, cuts, c);
            break;
        case Expect::analyse_or_fail:
            if (cuts.status == 0)
                expect_analysed_like_ffprobe(path, cuts, c);
            else
                expect_one_line_refusal(cuts, out.filename().string());
            break;
        case Expect::refuse:
            expect_one_line_refusal(cuts, out.filename().string());
            break;
    }
}

const std::string x264 = "-c:v libx264 -preset ultrafast";

// clang-format off
INSTANTIATE_TEST_SUITE_P(
    Codecs, InputMatrix,
    ::testing::Values(
        MatrixCase{"h264", "a.mp4", x264 + " -pix_fmt yuv420p", "", 64, 48, 10, 1, Expect::analyse, "libx264"},
        MatrixCase{"hevc", "a.mkv", "-c:v libx265 -preset ultrafast -x265-params log-level=none", "", 64, 48, 10, 1, Expect::analyse, "libx265"},
        MatrixCase{"vp9", "a.webm", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 200k", "", 64, 48, 10, 1, Expect::analyse, "libvpx-vp9"},
        MatrixCase{"av1", "a.mkv", "-c:v libaom-av1 -cpu-used 8 -b:v 100k", "", 64, 48, 10, 1, Expect::analyse, "libaom-av1"},
        MatrixCase{"mpeg2_interlaced", "a.mpg", "-c:v mpeg2video -flags +ilme+ildct -top 1", "", 64, 48, 25, 1, Expect::analyse, "mpeg2video"},
        MatrixCase{"prores", "a.mov", "-c:v prores_ks -profile:v 0", "", 64, 48, 10, 1, Expect::analyse, "prores_ks"},
        MatrixCase{"mjpeg", "a.avi", "-c:v mjpeg -q:v 5", "", 64, 48, 10, 1, Expect::analyse, "mjpeg"},
        MatrixCase{"animated_gif", "a.gif", "", "", 64, 48, 10, 1, Expect::analyse, "gif"},
        MatrixCase{"image_sequence", "seq/frame%03d.png", "", "", 64, 48, 25, 0.8, Expect::analyse, "png"}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    PixelFormats, InputMatrix,
    ::testing::Values(
        MatrixCase{"h264_10bit", "a.mp4", x264 + " -pix_fmt yuv420p10le", "", 64, 48, 10, 1, Expect::analyse, "libx264"},
        MatrixCase{"hevc_10bit", "a.mkv", "-c:v libx265 -preset ultrafast -pix_fmt yuv420p10le -x265-params log-level=none", "", 64, 48, 10, 1, Expect::analyse, "libx265"},
        MatrixCase{"h264_yuv444p", "a.mp4", x264 + " -pix_fmt yuv444p", "", 64, 48, 10, 1, Expect::analyse, "libx264"},
        MatrixCase{"h264_gray", "a.mp4", x264 + " -pix_fmt gray", "", 64, 48, 10, 1, Expect::analyse, "libx264"}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Geometry, InputMatrix,
    ::testing::Values(
        MatrixCase{"size_1x1", "a.mkv", "-c:v ffv1 -pix_fmt yuv444p", "", 1, 1, 10, 1, Expect::analyse, "ffv1"},
        MatrixCase{"size_33x17", "a.mkv", "-c:v ffv1 -pix_fmt yuv420p", "", 33, 17, 10, 1, Expect::analyse, "ffv1"},
        MatrixCase{"size_4097x17", "a.mkv", "-c:v ffv1 -pix_fmt yuv420p", "", 4097, 17, 10, 0.6, Expect::analyse, "ffv1"},
        MatrixCase{"square_pixels", "a.mp4", x264, "setsar=1", 64, 48, 10, 1, Expect::analyse, "libx264"},
        MatrixCase{"non_square_pixels", "a.mp4", x264, "setsar=2/1", 64, 48, 10, 1, Expect::analyse, "libx264"}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Timing, InputMatrix,
    ::testing::Values(
        MatrixCase{"variable_frame_rate", "a.mkv", x264 + " -vsync vfr", "select='lt(n\\,6)+not(mod(n\\,3))'", 64, 48, 25, 2, Expect::analyse, "libx264"},
        MatrixCase{"long_timestamp_gap", "a.mkv", x264 + " -vsync passthrough", "setpts='if(gte(N\\,5)\\,PTS+100/TB\\,PTS)'", 64, 48, 10, 1, Expect::analyse, "libx264"}),
    [](const auto& info) { return info.param.name; });
// clang-format on

// Rotation is container metadata (a display matrix): the picture is delivered upright, so a
// 90/270 degree file reports swapped width and height.
class Rotation : public ::testing::TestWithParam<int> {};

TEST_P(Rotation, DeliversUprightGeometry) {
    if (!have_encoder("libx264")) GTEST_SKIP() << "no libx264 encoder";
    const int deg = GetParam();
    auto dir = temp_dir("rotation-" + std::to_string(deg));
    const std::string plain = (dir / "plain.mp4").string();
    const std::string rotated = (dir / "rotated.mp4").string();
    MatrixCase c{"rot", "", x264, "", 64, 48, 10, 1, Expect::analyse, ""};
    ASSERT_TRUE(ffmpeg(source_args(c) + " " + x264 + " " + shell_quote(plain)));
    ASSERT_TRUE(ffmpeg("-i " + shell_quote(plain) + " -c copy -metadata:s:v rotate=" +
                       std::to_string(deg) + " " + shell_quote(rotated)));
    auto cuts = run_kinoglaz("cuts --json " + shell_quote(rotated));
    expect_no_crash(cuts);
    expect_analysed_like_ffprobe(rotated, cuts, c);
    auto doc = json::parse(cuts.out, nullptr, false);
    ASSERT_FALSE(doc.is_discarded());
    const bool swapped = deg == 90 || deg == 270;
    EXPECT_EQ(doc["source"]["width"].get<int>(), swapped ? 48 : 64);
    EXPECT_EQ(doc["source"]["height"].get<int>(), swapped ? 64 : 48);
    if (!HasFailure()) fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Degrees, Rotation, ::testing::Values(90, 180, 270));

TEST(InputMatrixDamaged, NonSquarePixelsWidenTheDisplayWidth) {
    if (!have_encoder("libx264")) GTEST_SKIP() << "no libx264 encoder";
    auto dir = temp_dir("sar");
    const std::string path = (dir / "sar.mp4").string();
    MatrixCase c{"sar", "", x264, "setsar=2/1", 64, 48, 10, 1, Expect::analyse, ""};
    ASSERT_TRUE(ffmpeg(source_args(c) + " " + x264 + " " + shell_quote(path)));
    auto cuts = run_kinoglaz("cuts --json " + shell_quote(path));
    ASSERT_EQ(cuts.status, 0) << cuts.err;
    auto doc = json::parse(cuts.out);
    EXPECT_EQ(doc["source"]["width"].get<int>(), 128);
    EXPECT_EQ(doc["source"]["height"].get<int>(), 48);
    fs::remove_all(dir);
}

// A transport stream whose first 20% (the first keyframe and what depends on it) is garbage,
// TS headers and tables intact: the decoder must resynchronise at a later keyframe.
TEST(InputMatrixDamaged, FirstFramesUndecodable) {
    if (!have_encoder("libx264")) GTEST_SKIP() << "no libx264 encoder";
    auto dir = temp_dir("badstart");
    const std::string good = (dir / "good.ts").string();
    const std::string bad = (dir / "badstart.ts").string();
    MatrixCase c{"badstart", "", x264, "", 64, 48, 25, 2, Expect::analyse, ""};
    ASSERT_TRUE(ffmpeg(source_args(c) + " " + x264 + " -g 10 -bf 0 " + shell_quote(good)));
    std::string bytes = slurp_file(good);
    const std::size_t packets = bytes.size() / 188;
    unsigned state = 12345;
    for (std::size_t i = 3; i < packets / 5; ++i)
        for (std::size_t j = i * 188 + 4; j < (i + 1) * 188; ++j) {
            state = state * 1103515245u + 12345u;
            bytes[j] = char(state >> 24);
        }
    std::ofstream(bad, std::ios::binary) << bytes;
    auto cuts = run_kinoglaz("cuts --json " + shell_quote(bad));
    expect_no_crash(cuts);
    if (cuts.status == 0)
        expect_analysed_like_ffprobe(bad, cuts, c);
    else
        expect_one_line_refusal(cuts, "badstart.ts");
    if (!HasFailure()) fs::remove_all(dir);
}

TEST(InputMatrixDamaged, TruncatedFileAnalysesWhatIsThere) {
    if (!have_encoder("libx264")) GTEST_SKIP() << "no libx264 encoder";
    auto dir = temp_dir("truncated");
    const std::string good = (dir / "good.mkv").string();
    const std::string cut = (dir / "truncated.mkv").string();
    MatrixCase c{"truncated", "", x264, "", 64, 48, 10, 2, Expect::analyse, ""};
    ASSERT_TRUE(ffmpeg(source_args(c) + " " + x264 + " " + shell_quote(good)));
    std::string bytes = slurp_file(good);
    std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() * 2 / 3);
    auto cuts = run_kinoglaz("cuts --json " + shell_quote(cut));
    expect_no_crash(cuts);
    if (cuts.status == 0)
        expect_analysed_like_ffprobe(cut, cuts, c);
    else
        expect_one_line_refusal(cuts, "truncated.mkv");
    if (!HasFailure()) fs::remove_all(dir);
}

// A y4m stream header with no FRAME: a video stream with zero frames.
TEST(InputMatrixDamaged, ZeroFrameVideoStreamIsRefused) {
    auto dir = temp_dir("zero");
    const std::string path = (dir / "zero.y4m").string();
    std::ofstream(path, std::ios::binary) << "YUV4MPEG2 W64 H48 F25:1 Ip A1:1 C420jpeg\n";
    expect_one_line_refusal(run_kinoglaz("cuts --json " + shell_quote(path)), "zero.y4m");
    expect_one_line_refusal(run_kinoglaz("probe " + shell_quote(path)), "zero.y4m");
    fs::remove_all(dir);
}

}  // namespace
}  // namespace kinoglaz::test
