// Vibrations: a synthetic oscillating patch made at test time (found, at its frequency and
// place, in the file's Hz and with --capture-fps in the capture's), a still picture with sensor
// and encoder noise (nothing found), the guitar clip's strings, and the scoring of vibrations.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include <kinoglaz/pipeline.hpp>
#include <kinoglaz/unconscious.hpp>
#include "support/media.hpp"
#include "support/run.hpp"
#include "support/synthetic.hpp"

namespace kinoglaz {
namespace {

using test::shell_quote;

constexpr int kW = 320, kH = 180;
constexpr double kFps = 25;
// The oscillating patch of the synthetic film: where, how fast, how far, when.
const cv::Rect kPatch(200, 60, 64, 48);
constexpr double kHz = 3.0, kAmplitude = 0.6;
constexpr int kFrames = 150, kFirst = 25, kLast = 125;  // vibrates in [kFirst, kLast)

// A locked-off shot of kFrames frames (a picture of blobs, and in kPatch a fine texture) with
// per-frame sensor noise (sigma 2 grey levels), encoded with H.264 (CRF 26, so with encoder
// noise too). With `vibrating`, the texture inside kPatch moves by
// kAmplitude * sin(2 pi kHz t) along a diagonal in [kFirst, kLast).
std::filesystem::path make_film(const std::string& name, bool vibrating) {
    const auto dir = test::temp_dir("vibrations");
    const auto path = dir / (name + ".mp4");
    const cv::Mat scene = test::make_scene(11, {kW + 40, kH + 40});
    cv::RNG rng(5);
    cv::Mat grain(kH + 40, kW + 40, CV_32F);
    rng.fill(grain, cv::RNG::NORMAL, 0, 1);
    cv::GaussianBlur(grain, grain, {0, 0}, 2.0);
    cv::normalize(grain, grain, 40, 220, cv::NORM_MINMAX);
    cv::Mat inner;
    grain.convertTo(inner, CV_8U);
    cv::cvtColor(inner, inner, cv::COLOR_GRAY2BGR);
    std::vector<cv::Mat> frames;
    for (int i = 0; i < kFrames; ++i) {
        cv::Mat frame = scene(cv::Rect(20, 20, kW, kH)).clone();
        const double d = vibrating && i >= kFirst && i < kLast
                             ? kAmplitude * std::sin(2 * CV_PI * kHz * i / kFps)
                             : 0.0;
        const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, d * 0.8 - 20, 0, 1, d * 0.6 - 20);
        cv::Mat moved;
        cv::warpAffine(inner, moved, shift, {kW, kH}, cv::INTER_CUBIC, cv::BORDER_REFLECT);
        moved(kPatch).copyTo(frame(kPatch));
        cv::Mat noise(frame.size(), CV_16SC3);
        rng.fill(noise, cv::RNG::NORMAL, 0, 2);
        frame.convertTo(frame, CV_16SC3);
        frame += noise;
        frame.convertTo(frame, CV_8UC3);
        frames.push_back(frame);
    }
    EXPECT_TRUE(test::encode_video(frames, path.string(), kFps,
                                   "-c:v libx264 -pix_fmt yuv420p -preset veryfast -crf 26"));
    return path;
}

// One pipeline pass with the VibrationFinder as the ordered consumer.
std::vector<Event> find_vibrations(const std::string& path) {
    DecodeOptions options;
    options.fast_decode = FastDecode::auto_;  // as `analyze` decodes
    VideoDecoder decoder(path, options);
    VibrationFinder finder;
    PipelineOptions po;
    po.features = VibrationFinder::needs();
    run_pipeline(decoder, po, [&](const FramePtr& frame, const FrameFeatures& features) {
        finder.push(*frame, features);
    });
    return finder.finish({}, decoder.info());
}

void print(const std::vector<Event>& events) {
    for (const auto& e : events)
        std::printf("  vibration [%lld,%lld) bbox %d,%d %dx%d amp %.2f px %.2f Hz score %.2f\n",
                    (long long)e.frames.start, (long long)e.frames.end, e.bbox.x, e.bbox.y,
                    e.bbox.width, e.bbox.height, e.amplitude_px, e.peak_hz, e.score);
}

// The events of kind `kind` in an analysis folder's analysis.json.
std::vector<nlohmann::json> events_in(const std::filesystem::path& dir, const std::string& kind) {
    std::ifstream in(dir / "analysis.json");
    const auto doc = nlohmann::json::parse(in);
    std::vector<nlohmann::json> out;
    for (const auto& e : doc.at("events"))
        if (e.at("kind") == kind) out.push_back(e);
    return out;
}

test::RunResult analyze(const std::filesystem::path& film, const std::filesystem::path& out,
                        const std::string& extra = "") {
    std::filesystem::remove_all(out);
    return test::run(shell_quote(test::kinoglaz_bin()) + " analyze " + shell_quote(film.string()) +
                     " -o " + shell_quote(out.string()) + " --no-reveal --quiet " + extra);
}

TEST(VibrationFinder, FindsAnOscillatingPatchAtItsFrequencyAndPlace) {
    const auto film = make_film("patch", true);
    const auto events = find_vibrations(film.string());
    print(events);
    ASSERT_EQ(events.size(), 1u);
    const Event& e = events[0];
    EXPECT_EQ(e.kind, EventKind::vibration);
    EXPECT_NEAR(e.peak_hz, kHz, 0.1 * kHz);
    // The box is the patch's, to a block or two of the proxy (8 px).
    const double iou = double((e.bbox & kPatch).area()) / double((e.bbox | kPatch).area());
    EXPECT_GT(iou, 0.4) << "box " << e.bbox << " vs patch " << kPatch;
    // When: within half a second of the oscillation's start and end.
    EXPECT_NEAR(double(e.frames.start), kFirst, 0.5 * kFps);
    EXPECT_NEAR(double(e.frames.end), kLast, 0.5 * kFps);
    // How far: the amplitude applied, measured within a factor 2.
    EXPECT_GT(e.amplitude_px, 0.5 * kAmplitude);
    EXPECT_LT(e.amplitude_px, 2.0 * kAmplitude);
}

TEST(VibrationFinder, StillPictureWithNoiseGivesNothing) {
    const auto film = make_film("still", false);
    const auto events = find_vibrations(film.string());
    print(events);
    EXPECT_TRUE(events.empty());
}

TEST(VibrationFinder, CameraPanGivesNothing) {
    // A steady pan, then a slow tilt with the camera shaking by 1.5 px at 2 Hz (a vibrating
    // tripod): the camera's motion is removed before the spectra and the whole picture shares
    // the shake, so neither is a vibration of a region.
    const cv::Mat scene = test::make_scene(21, {kW * 3, kH + 60});
    auto frames = test::make_shot(scene, {kW, kH}, 75, {0, 10}, {1.5f, 0});
    for (int i = 0; i < 75; ++i) {
        const float x = 112 + 1.5f * float(std::sin(2 * CV_PI * 2.0 * i / kFps));
        frames.push_back(test::make_shot(scene, {kW, kH}, 1, {x, 10.f + 0.3f * float(i)})[0]);
    }
    const auto film = test::temp_dir("vibrations") / "pan.mp4";
    ASSERT_TRUE(test::encode_video(frames, film.string(), kFps,
                                   "-c:v libx264 -pix_fmt yuv420p -preset veryfast -crf 26"));
    const auto events = find_vibrations(film.string());
    print(events);
    EXPECT_TRUE(events.empty());
}

TEST(VibrationFinder, RejectsBadOptions) {
    VibrationFinderOptions o;
    o.peak_ratio = 1;
    EXPECT_THROW(VibrationFinder{o}, Error);
    o = {};
    o.min_window_s = o.window_s + 1;
    EXPECT_THROW(VibrationFinder{o}, Error);
}

TEST(VibrationCli, AnalysisJsonReportsKindAndCaptureRate) {
    const auto film = make_film("patch_cli", true);
    const auto dir = test::temp_dir("vibrations_cli");
    auto plain = analyze(film, dir / "plain");
    ASSERT_EQ(plain.status, 0) << plain.err;
    const auto found = events_in(dir / "plain", "vibration");
    ASSERT_EQ(found.size(), 1u);
    const double hz = found[0].at("peak_hz").get<double>();
    EXPECT_NEAR(hz, kHz, 0.1 * kHz);
    // Shot at 250 fps and played at 25: ten times the file's frequency.
    auto fast = analyze(film, dir / "fast", "--capture-fps 250");
    ASSERT_EQ(fast.status, 0) << fast.err;
    const auto scaled = events_in(dir / "fast", "vibration");
    ASSERT_EQ(scaled.size(), 1u);
    EXPECT_NEAR(scaled[0].at("peak_hz").get<double>(), 10 * hz, 1e-3 * hz);
    for (const char* bad : {"--capture-fps 0", "--capture-fps x", "--capture-fps -5"}) {
        auto r = analyze(film, dir / "bad", bad);
        EXPECT_EQ(r.status, 2) << bad << ": " << r.err;
    }
}

TEST(VibrationCli, RevealClipShowsTheFirstSecondsOfAVibration) {
    if (!test::have_program("ffprobe")) GTEST_SKIP() << "ffprobe not installed";
    const auto film = make_film("patch_reveal", true);
    const auto dir = test::temp_dir("vibrations_reveal");
    std::filesystem::remove_all(dir / "out");
    auto r =
        test::run(shell_quote(test::kinoglaz_bin()) + " analyze " + shell_quote(film.string()) +
                  " -o " + shell_quote((dir / "out").string()) + " --quiet");
    ASSERT_EQ(r.status, 0) << r.err;
    const auto found = events_in(dir / "out", "vibration");
    ASSERT_EQ(found.size(), 1u);
    const std::string clip = found[0].at("clip");
    ASSERT_FALSE(clip.empty());
    auto probe = test::run("ffprobe -v error -show_entries format=duration -of csv=p=0 " +
                           shell_quote((dir / "out" / clip).string()));
    ASSERT_EQ(probe.status, 0) << probe.err;
    // Slowed 4x: the vibration's first 3 s and half a second either side, not all its ~4 s.
    const double vibration_s =
        found[0].at("end_time").get<double>() - found[0].at("start_time").get<double>();
    ASSERT_GT(vibration_s, 3.5);
    EXPECT_LE(std::stod(probe.out), 4 * (3.0 + 1.0) + 0.5);
}

// The guitar's strings, shot at 600 fps and played at 29.97: the low E string (82.4 Hz) shows
// at about 4.1 Hz and the A string (110 Hz) at about 5.5 Hz.
TEST(VibrationCli, GuitarStringsAtTheirPhysicalFrequencies) {
    KINOGLAZ_REQUIRE_MEDIA(video, "clips/guitar.mp4");
    const auto dir = test::temp_dir("vibrations_guitar");
    auto near_a_string = [](double hz, double scale) {
        return std::abs(hz - 82.4 / scale) <= 0.1 * 82.4 / scale ||
               std::abs(hz - 110.0 / scale) <= 0.1 * 110.0 / scale;
    };
    for (const bool capture : {false, true}) {
        const auto out = dir / (capture ? "capture" : "file");
        auto r =
            analyze(video, out, std::string("--end 4") + (capture ? " --capture-fps 600" : ""));
        ASSERT_EQ(r.status, 0) << r.err;
        const auto found = events_in(out, "vibration");
        ASSERT_FALSE(found.empty());
        const double scale = capture ? 1.0 : 600 / 29.97;
        for (const auto& e : found)
            EXPECT_TRUE(near_a_string(e.at("peak_hz").get<double>(), scale)) << e.dump();
    }
}

Event vibration(FrameIndex start, FrameIndex end, cv::Rect box, double hz) {
    Event e;
    e.kind = EventKind::vibration;
    e.frames = {start, end};
    e.bbox = box;
    e.peak_hz = hz;
    return e;
}

TEST(VibrationScore, MatchesPlaceTimeAndFrequency) {
    const Event truth = vibration(0, 100, {10, 10, 100, 40}, 5.0);
    EXPECT_TRUE(vibrations_match(truth, vibration(20, 200, {20, 15, 90, 30}, 5.4)));
    EXPECT_FALSE(vibrations_match(truth, vibration(20, 200, {20, 15, 90, 30}, 5.6)));    // +12 %
    EXPECT_FALSE(vibrations_match(truth, vibration(100, 200, {20, 15, 90, 30}, 5.0)));   // after
    EXPECT_FALSE(vibrations_match(truth, vibration(20, 200, {300, 300, 20, 20}, 5.0)));  // away
    const auto s = score_vibrations({truth}, {vibration(20, 200, {20, 15, 90, 30}, 4.8),
                                              vibration(20, 200, {20, 15, 90, 30}, 5.0)});
    EXPECT_EQ(s.true_positives, 1);
    EXPECT_EQ(s.false_positives, 1);
    EXPECT_EQ(s.false_negatives, 0);
    Event gesture = truth;
    gesture.kind = EventKind::gesture;
    EXPECT_EQ(events_of_kind({truth, gesture, truth}, EventKind::vibration).size(), 2u);
}

TEST(VibrationCli, EvalScoresVibrationsApartFromGestures) {
    const auto dir = test::temp_dir("vibrations_eval");
    auto write = [&](const std::string& name, const nlohmann::json& events) {
        nlohmann::json doc{{"schema", "kinoglaz.analysis/1"},
                           {"source",
                            {{"path", "x.mp4"},
                             {"width", 320},
                             {"height", 180},
                             {"fps", 25.0},
                             {"frame_count", 150},
                             {"duration_s", 6.0}}},
                           {"transitions", nlohmann::json::array()},
                           {"events", events}};
        std::ofstream(dir / name) << doc.dump();
        return (dir / name).string();
    };
    auto event = [](const char* kind, double hz, int x) {
        return nlohmann::json{{"kind", kind},     {"start_frame", 10},
                              {"end_frame", 100}, {"bbox", {x, 20, 60, 40}},
                              {"peak_hz", hz},    {"amplitude_px", 1.0}};
    };
    const auto truth = write("truth.json", {event("vibration", 3.0, 100), event("gesture", 5, 10)});
    const auto pred = write("pred.json", {event("vibration", 3.1, 105), event("vibration", 7, 250),
                                          event("gesture", 5, 12)});
    auto r = test::run(shell_quote(test::kinoglaz_bin()) + " eval --truth " + shell_quote(truth) +
                       " --pred " + shell_quote(pred) + " --quiet");
    ASSERT_EQ(r.status, 0) << r.err;
    const auto json_start = r.out.rfind("\n{");
    ASSERT_NE(json_start, std::string::npos) << r.out;
    const auto summary = nlohmann::json::parse(r.out.substr(json_start + 1));
    EXPECT_EQ(summary.at("vibrations").at("tp"), 1);
    EXPECT_EQ(summary.at("vibrations").at("fp"), 1);
    EXPECT_EQ(summary.at("vibrations").at("fn"), 0);
    // The gesture is scored against the gesture alone: the vibrations are not false gestures.
    EXPECT_EQ(summary.at("events").at("tp"), 1);
    EXPECT_EQ(summary.at("events").at("fp"), 0);
}

}  // namespace
}  // namespace kinoglaz
