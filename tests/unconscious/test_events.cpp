// Micro-gesture detection on footage with exact truth (dev_micro_*), on real static shots,
// and the event scorer's matching rule.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include <kinoglaz/pipeline.hpp>
#include <kinoglaz/unconscious.hpp>
#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"
#include "support/run.hpp"

namespace kinoglaz {
namespace {

struct Truth {
    std::vector<Event> events;
    std::vector<FrameRange> quiet;
};

Truth load_truth(const std::string& path) {
    std::ifstream in(path);
    auto j = nlohmann::json::parse(in);
    Truth t;
    for (const auto& e : j["events"]) {
        Event ev;
        ev.frames = {e["start_frame"].get<FrameIndex>(), e["end_frame"].get<FrameIndex>()};
        auto b = e["bbox"];
        ev.bbox = {b[0].get<int>(), b[1].get<int>(), b[2].get<int>(), b[3].get<int>()};
        ev.amplitude_px = e["amplitude_px"].get<double>();
        ev.peak_hz = e["freq_hz"].get<double>();
        t.events.push_back(ev);
    }
    if (j.contains("quiet_ranges"))
        for (const auto& q : j["quiet_ranges"])
            t.quiet.push_back({q[0].get<FrameIndex>(), q[1].get<FrameIndex>()});
    return t;
}

std::vector<Transition> load_transitions(const std::string& path) {
    std::ifstream in(path);
    auto j = nlohmann::json::parse(in);
    std::vector<Transition> out;
    for (const auto& t : j["transitions"]) {
        Transition tr;
        tr.type = transition_type_from_string(t["type"].get<std::string>()).value();
        tr.frames = {t["start_frame"].get<FrameIndex>(), t["end_frame"].get<FrameIndex>()};
        out.push_back(tr);
    }
    return out;
}

// One pipeline pass with the EventFinder as the ordered consumer, as analyze runs it.
std::vector<Event> find_events(const std::string& path,
                               const std::vector<Transition>& transitions = {},
                               std::optional<double> end_s = std::nullopt) {
    DecodeOptions options;
    options.end_s = end_s;
    options.fast_decode = FastDecode::auto_;  // as `analyze` decodes: no H.264 deblocking
    VideoDecoder decoder(path, options);
    EventFinder finder;
    PipelineOptions po;
    po.features = EventFinder::needs();
    run_pipeline(decoder, po, [&](const FramePtr& frame, const FrameFeatures& features) {
        finder.push(*frame, features);
    });
    return finder.finish(transitions, decoder.info());
}

void print(const std::vector<Event>& events) {
    for (const auto& e : events)
        std::printf("  event [%lld,%lld) bbox %d,%d %dx%d amp %.2f px %.1f Hz score %.2f\n",
                    (long long)e.frames.start, (long long)e.frames.end, e.bbox.x, e.bbox.y,
                    e.bbox.width, e.bbox.height, e.amplitude_px, e.peak_hz, e.score);
}

Event make_event(FrameIndex start, FrameIndex end, cv::Rect box) {
    Event e;
    e.frames = {start, end};
    e.bbox = box;
    return e;
}

// The dev micro-motion set, scored as `kinoglaz eval` does: greedy one-to-one matching per
// file, totals micro-averaged over the files.
TEST(EventFinder, FindsTheDevMicroEventsAndNothingInQuietRanges) {
    int tp = 0, fp = 0, fn = 0;
    for (std::string name : {"dev_micro_01", "dev_micro_02"}) {
        KINOGLAZ_REQUIRE_MEDIA(video, "dev/" + name + ".mp4");
        auto truth = load_truth(test::media_file("dev/" + name + ".truth.json").string());
        auto events = find_events(video.string());
        print(events);
        auto score = score_events(truth.events, events);
        std::printf("  %s: P %.2f R %.2f (tp %d fp %d fn %d)\n", name.c_str(), score.precision,
                    score.recall, score.true_positives, score.false_positives,
                    score.false_negatives);
        tp += score.true_positives, fp += score.false_positives, fn += score.false_negatives;
        for (const auto& e : events)
            for (const auto& q : truth.quiet)
                EXPECT_FALSE(e.frames.start >= q.start && e.frames.end <= q.end)
                    << name << ": event [" << e.frames.start << "," << e.frames.end
                    << ") lies inside the quiet range [" << q.start << "," << q.end << ")";
        // Amplitudes are measured, not guessed: matched events are within a factor 2.
        for (const auto& t : truth.events)
            for (const auto& e : events)
                if (events_match(t, e)) {
                    EXPECT_GT(e.amplitude_px, 0.5 * t.amplitude_px);
                    EXPECT_LT(e.amplitude_px, 2.0 * t.amplitude_px);
                }
    }
    double precision = tp + fp ? double(tp) / (tp + fp) : 1,
           recall = tp + fn ? double(tp) / (tp + fn) : 1;
    std::printf("  total: P %.2f R %.2f\n", precision, recall);
    EXPECT_GE(precision, 0.8);
    EXPECT_GE(recall, 0.8);
}

TEST(EventFinder, RealStaticShotGivesNoNoiseEvents) {
    // A slideshow of perfectly still photographs: compression noise only. The fades are not
    // passed as transitions: the finder must not mistake them for gestures on its own.
    KINOGLAZ_REQUIRE_MEDIA(video, "clips/testvideo.mp4");
    auto events = find_events(video.string(), {}, 15.0);
    print(events);
    EXPECT_EQ(events.size(), 0u);
}

TEST(EventFinder, MontageOfRealShotsGivesAtMostAFewEvents) {
    // Real shots joined by cuts, dissolves, wipes and fades, with flashes, brightness steps,
    // fast moves and occlusions: none of these is a micro-gesture.
    KINOGLAZ_REQUIRE_MEDIA(video, "dev/dev_montage_01.mp4");
    auto transitions = load_transitions(test::media_file("dev/dev_montage_01.truth.json").string());
    auto events = find_events(video.string(), transitions);
    print(events);
    EXPECT_LE(events.size(), 2u);
}

// `kinoglaz eval` counts the truth events found in each amplitude band (each band's events
// matched against all predictions), in its text and its JSON.
TEST(EventScore, EvalReportsRecallByAmplitudeBand) {
    auto dir = test::temp_dir("events_bands");
    const auto truth = dir / "truth.json", pred = dir / "pred.json";
    std::ofstream(truth) << R"({"transitions": [], "quiet_ranges": [[20, 40]], "events": [
        {"start_frame": 10, "end_frame": 20, "bbox": [0, 0, 50, 50], "amplitude_px": 0.2},
        {"start_frame": 40, "end_frame": 50, "bbox": [100, 0, 50, 50], "amplitude_px": 0.4},
        {"start_frame": 70, "end_frame": 80, "bbox": [0, 100, 50, 50], "amplitude_px": 0.45},
        {"start_frame": 100, "end_frame": 110, "bbox": [100, 100, 50, 50], "amplitude_px": 1.2}]})";
    std::ofstream(pred) << R"({"transitions": [], "events": [
        {"start_frame": 42, "end_frame": 48, "bbox": [110, 10, 30, 30], "amplitude_px": 0.3},
        {"start_frame": 101, "end_frame": 105, "bbox": [100, 100, 40, 40], "amplitude_px": 1},
        {"start_frame": 25, "end_frame": 30, "bbox": [0, 0, 10, 10], "amplitude_px": 0.3}]})";
    auto r = test::run(test::shell_quote(test::kinoglaz_bin()) + " eval --quiet --truth " +
                       test::shell_quote(truth.string()) + " --pred " +
                       test::shell_quote(pred.string()));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("0.0-0.3 px 0/1, 0.3-0.5 px 1/2, 0.5-1.0 px 0/0, >= 1.0 px 1/1"),
              std::string::npos)
        << r.out;
    const auto summary = nlohmann::json::parse(r.out.substr(r.out.rfind("\n{") + 1));
    const auto& events = summary["events"];
    EXPECT_EQ(events["tp"], 2);
    EXPECT_EQ(events["in_quiet_ranges"], 1);
    const auto& bands = events["recall_by_amplitude"];
    ASSERT_EQ(bands.size(), 4u);
    EXPECT_EQ(bands[1]["found"], 1);
    EXPECT_EQ(bands[1]["total"], 2);
    const double recall = bands[1]["recall"];
    EXPECT_DOUBLE_EQ(recall, 0.5);
    EXPECT_TRUE(bands[3]["max_px"].is_null());
    std::filesystem::remove_all(dir);
}

TEST(EventScore, GreedyOneToOneMatchingRule) {
    Event t1 = make_event(10, 20, {100, 100, 50, 50});
    Event t2 = make_event(40, 45, {0, 0, 20, 20});
    Event hit = make_event(15, 30, {110, 110, 60, 60});   // overlaps, IoU > 0.1
    Event dup = make_event(12, 14, {120, 120, 10, 10});   // centre inside, but t1 used
    Event late = make_event(20, 25, {100, 100, 50, 50});  // frames do not overlap
    Event elsewhere = make_event(40, 41, {300, 300, 20, 20});
    EXPECT_TRUE(events_match(t1, hit));
    EXPECT_TRUE(events_match(t1, dup));
    EXPECT_FALSE(events_match(t1, late));
    EXPECT_FALSE(events_match(t2, elsewhere));
    auto s = score_events({t1, t2}, {hit, dup, late, elsewhere});
    EXPECT_EQ(s.true_positives, 1);
    EXPECT_EQ(s.false_positives, 3);
    EXPECT_EQ(s.false_negatives, 1);
    EXPECT_DOUBLE_EQ(s.precision, 0.25);
    EXPECT_DOUBLE_EQ(s.recall, 0.5);
    auto empty = score_events({}, {});
    EXPECT_DOUBLE_EQ(empty.precision, 1.0);
    EXPECT_DOUBLE_EQ(empty.recall, 1.0);
}

// A locked-off synthetic shot at `fps` (25 unless given; 320x180, the proxy's size: textured, with
// sensor noise of `noise` grey levels) in which a 40 px patch changes for half a second from frame
// 75, either moving (a sub-pixel oscillation of `amplitude` px) or changing in place (its
// detail sharpened and softened, as an encoder refines a picture) by eight times as much at
// the peak: enough to pass every other test of the finder, as ChangeInPlaceIsNotAnEvent
// checks; or stepping: displaced by `amplitude` in one frame and held for `hold` frames,
// then back in one frame, as an encoder redraws a block and later an intra frame redraws it
// as it was; or jittering: displaced over the same frames by a smooth random path of up to
// `amplitude` px, drawn independently in x and y, so that it points every way as coded noise
// does; or drifting: displaced smoothly out by `amplitude` px and back once over `hold`
// frames, as a real shot's slow change does; or not at all (a still picture). A moving patch
// moves along `angle_deg` from the x axis. The times scale with the rate (the gesture starts
// at 3 s and lasts 0.52 s), and each field of noise may be held for `noise_hold` frames, as an
// encoder at a high frame rate carries a picture's noise over to the next. Offsets and swaps
// move the patch out over two frames and hold it `hold` frames; then an offset comes back over
// two and goes 0.4 of the way out again, and a swap goes across to the other side over two
// frames and stays there.
enum class PatchChange { moves, sharpens, steps, jitters, drifts, offsets, swaps, none };

std::vector<Event> find_in_synthetic_shot(PatchChange change, const EventFinderOptions& options,
                                          double amplitude = 0.5, double noise_sigma = 1.0,
                                          int hold = 0, double angle_deg = 0, double fps = 25,
                                          int noise_hold = 1, double hz = 6, int source_scale = 1,
                                          std::vector<Event>* proposals = nullptr) {
    constexpr int kW = 320, kH = 180;
    const double kHz = hz;
    const int kFrames = int(std::lround(6 * fps)), kFirst = int(std::lround(3 * fps)),
              kLength = int(std::lround(0.52 * fps));
    const double kFps = fps;
    const double kAmplitude = amplitude;
    cv::RNG rng(7);
    cv::Mat texture(kH, kW, CV_32F);
    rng.fill(texture, cv::RNG::NORMAL, 0, 1);
    cv::GaussianBlur(texture, texture, {0, 0}, 2.0);
    cv::normalize(texture, texture, 60, 200, cv::NORM_MINMAX);
    cv::Mat detail;
    cv::GaussianBlur(texture, detail, {0, 0}, 1.5);
    detail = texture - detail;
    // A raised-cosine bump over the patch: zero on its border and outside.
    const cv::Rect patch(160, 80, 40, 40);
    cv::Mat bump(kH, kW, CV_32F, cv::Scalar(0));
    for (int y = 0; y < patch.height; ++y)
        for (int x = 0; x < patch.width; ++x)
            bump.at<float>(patch.y + y, patch.x + x) =
                float(std::sin(CV_PI * (x + 0.5) / patch.width) *
                      std::sin(CV_PI * (y + 0.5) / patch.height));
    // The patch's content displaced by (dx, dy) * bump.
    const auto moved_by = [&](double dx, double dy = 0) {
        cv::Mat map_x(kH, kW, CV_32F), map_y(kH, kW, CV_32F), out;
        for (int y = 0; y < kH; ++y)
            for (int x = 0; x < kW; ++x) {
                map_x.at<float>(y, x) = float(x - dx * bump.at<float>(y, x));
                map_y.at<float>(y, x) = float(y - dy * bump.at<float>(y, x));
            }
        cv::remap(texture, out, map_x, map_y, cv::INTER_CUBIC, cv::BORDER_REPLICATE);
        return out;
    };
    // The sharpening gain whose change is 8x that of the peak displacement (RMS).
    const cv::Mat moved = moved_by(kAmplitude) - texture;
    const cv::Mat sharpened = detail.mul(bump);
    const double gain =
        8 * std::sqrt(cv::sum(moved.mul(moved))[0] / cv::sum(sharpened.mul(sharpened))[0]);

    // The jitter's path: independent draws per frame and axis, smoothed over three frames and
    // scaled so that its largest displacement is `amplitude`.
    // Its own generator, so the other changes see the same noise as before.
    cv::RNG path_rng(11);
    std::vector<cv::Point2d> path(kLength + 2);
    for (auto& p : path) p = {path_rng.uniform(-1.0, 1.0), path_rng.uniform(-1.0, 1.0)};
    std::vector<cv::Point2d> jitter(kLength);
    double largest = 0;
    for (int j = 0; j < kLength; ++j) {
        jitter[std::size_t(j)] = 0.25 * path[std::size_t(j)] + 0.5 * path[std::size_t(j + 1)] +
                                 0.25 * path[std::size_t(j + 2)];
        largest = std::max(largest, cv::norm(jitter[std::size_t(j)]));
    }
    for (auto& p : jitter) p *= amplitude / largest;
    const double ux = std::cos(angle_deg * CV_PI / 180), uy = std::sin(angle_deg * CV_PI / 180);

    const auto offset_path = [](int j, int hold) {
        return j < 0          ? 0.0
               : j < 2        ? (j + 1) / 2.0
               : j < hold + 2 ? 1.0
               : j < hold + 4 ? (hold + 3 - j) / 2.0
                              : 0.4;
    };
    const auto swap_path = [](int j, int hold) {
        return j < 0          ? 0.0
               : j < 2        ? -(j + 1) / 2.0
               : j < hold + 2 ? -1.0
               : j < hold + 4 ? -1.0 + (j - hold - 1)
                              : 1.0;
    };
    EventFinder finder(options);
    cv::Mat previous, noise(kH, kW, CV_32F);
    for (int i = 0; i < kFrames; ++i) {
        const int j = i - kFirst;
        const double envelope =
            j >= 0 && j < kLength ? std::sin(CV_PI * (j + 1) / (kLength + 1)) : 0.0;
        const double wave = envelope * std::sin(2 * CV_PI * kHz * j / kFps);
        const bool during = j >= 0 && j < kLength;
        cv::Mat picture =
            change == PatchChange::moves ? moved_by(kAmplitude * wave * ux, kAmplitude * wave * uy)
            : change == PatchChange::steps ? (j >= 0 && j < hold ? moved_by(kAmplitude) : texture)
            : change == PatchChange::jitters
                ? (during ? moved_by(jitter[std::size_t(j)].x, jitter[std::size_t(j)].y) : texture)
            : change == PatchChange::drifts
                ? (j >= 0 && j < hold
                       ? moved_by(kAmplitude * std::sin(CV_PI * (j + 1) / (hold + 1)))
                       : texture)
            // Out over two frames, held, back over two, then 0.4 of the way out again, held.
            : change == PatchChange::offsets  ? moved_by(kAmplitude * offset_path(j, hold))
            : change == PatchChange::swaps    ? moved_by(kAmplitude * swap_path(j, hold))
            : change == PatchChange::sharpens ? cv::Mat(texture + gain * std::abs(wave) * sharpened)
                                              : texture;
        if (i % noise_hold == 0) rng.fill(noise, cv::RNG::NORMAL, 0, noise_sigma);
        auto frame = std::make_shared<Frame>();
        frame->index = i;
        frame->time_s = i / kFps;
        frame->duration_s = 1 / kFps;
        cv::Mat(picture + noise).convertTo(frame->proxy_gray, CV_8U);
        // The pairwise features of a still camera: no shift, no change of histogram.
        FrameFeatures features;
        features.index = i;
        features.time_s = frame->time_s;
        features.luma_mean = float(cv::mean(frame->proxy_gray)[0]);
        if (!previous.empty())
            features.pixel_diff =
                float(cv::norm(previous, frame->proxy_gray, cv::NORM_L1) / (255.0 * kW * kH));
        previous = frame->proxy_gray;
        finder.push(*frame, features);
    }
    SourceInfo source;
    source.width = kW * source_scale;
    source.height = kH * source_scale;
    auto events = finder.finish({}, source);
    if (proposals) *proposals = finder.proposals();
    return events;
}

TEST(EventFinder, SubPixelOscillationOfAPatchIsAnEvent) {
    auto events = find_in_synthetic_shot(PatchChange::moves, {});
    print(events);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_TRUE(events_match(make_event(75, 88, {160, 80, 40, 40}), events[0]));
    EXPECT_GT(events[0].amplitude_px, 0.25);
    EXPECT_LT(events[0].amplitude_px, 1.0);
}

// At 60 frames a second the finder measures every other frame (measuring_stride): the
// gesture is found where it is, in the source's frames.
TEST(EventFinder, GestureAt60FpsIsFoundAtItsFrames) {
    auto events = find_in_synthetic_shot(PatchChange::moves, {}, 0.5, 1.0, 0, 0, 60);
    print(events);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_TRUE(events_match(make_event(180, 211, {160, 80, 40, 40}), events[0]));
    EXPECT_NEAR(events[0].start_time_s, 3.0, 0.1);
    EXPECT_GT(events[0].amplitude_px, 0.25);
}

// At 50 fps, measured one frame in two, a 12 Hz gesture flips sign nearly every measured frame,
// as an encoder's alternating frame types do: it is not an event at the 320 px image's size, but
// it is proposed for the check at the source's (here 1280x720), which measures every frame; it
// was dropped before.
TEST(EventFinder, GestureNearHalfTheMeasuredRateIsProposed) {
    std::vector<Event> proposals;
    auto events =
        find_in_synthetic_shot(PatchChange::moves, {}, 0.5, 1.0, 0, 0, 50, 1, 12, 4, &proposals);
    print(events);
    print(proposals);
    EXPECT_TRUE(events.empty());
    // The gesture: frames 150-175, the patch at 640,320 160x160 in the source's pixels.
    EXPECT_TRUE(std::any_of(proposals.begin(), proposals.end(), [](const Event& p) {
        return p.frames.start < 176 && p.frames.end > 150 &&
               !(p.bbox & cv::Rect(640, 320, 160, 160)).empty();
    }));
}

// Noise that an encoder carries over from frame to frame, as at 50-60 fps (here each field
// held for three frames), is not evidence two or three times over: the still picture gives
// nothing (measuring every frame, the finder found six events in it), and a weak gesture in
// the same noise is still found.
TEST(EventFinder, NoiseHeldOverFramesAt60FpsGivesNothing) {
    auto still = find_in_synthetic_shot(PatchChange::none, {}, 0.5, 3.0, 0, 0, 60, 3);
    print(still);
    EXPECT_TRUE(still.empty());
    auto weak = find_in_synthetic_shot(PatchChange::moves, {}, 0.5, 3.0, 0, 0, 60, 3);
    print(weak);
    ASSERT_EQ(weak.size(), 1u);
    EXPECT_TRUE(events_match(make_event(180, 211, {160, 80, 40, 40}), weak[0]));
}

TEST(EventFinder, ChangeInPlaceIsNotAnEvent) {
    // Strong enough to pass every other test of the finder...
    EventFinderOptions any_change;
    any_change.min_motion_share = 0;
    auto unfiltered = find_in_synthetic_shot(PatchChange::sharpens, any_change);
    print(unfiltered);
    EXPECT_GE(unfiltered.size(), 1u);
    // ...but no displacement explains it.
    auto events = find_in_synthetic_shot(PatchChange::sharpens, {});
    print(events);
    EXPECT_EQ(events.size(), 0u);
}

TEST(EventFinder, SmallGestureInHeavyNoiseIsAnEvent) {
    // Sensor noise of 3 grey levels and a gesture of 0.4 px: the test adapts to the shot's
    // noise instead of a fixed multiple of it.
    auto events = find_in_synthetic_shot(PatchChange::moves, {}, 0.4, 3.0);
    print(events);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_TRUE(events_match(make_event(75, 88, {160, 80, 40, 40}), events[0]));
    EXPECT_GT(events[0].amplitude_px, 0.2);
    EXPECT_LT(events[0].amplitude_px, 0.8);
}

TEST(EventFinder, GestureInNoiseThatDominatesItsBlocksIsMotion) {
    // Sensor noise of 8 grey levels makes most of the patch's change from frame to frame, and
    // no displacement explains noise; the share of the change that motion explains is taken
    // above each block's own quiet change, so a 0.6 px gesture counts as motion even where
    // a displacement must explain 60 % of the change (the default asks 35 %; measured on
    // this shot: 0.98, and 0.45 when noise is counted as unexplained change).
    EventFinderOptions strict;
    strict.min_motion_share = 0.6;
    auto events = find_in_synthetic_shot(PatchChange::moves, strict, 0.6, 8.0);
    print(events);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_TRUE(events_match(make_event(75, 88, {160, 80, 40, 40}), events[0]));
    EXPECT_GT(events[0].amplitude_px, 0.3);
    EXPECT_LT(events[0].amplitude_px, 1.2);
    // The same noise on the still picture: nothing, at the default share.
    auto still = find_in_synthetic_shot(PatchChange::none, {}, 0.6, 8.0);
    print(still);
    EXPECT_EQ(still.size(), 0u);
}

TEST(EventFinder, CodingStepIsNotAnEvent) {
    // The main cause of false events on the films of benchmarks/micro_films_eval.sh: a block
    // that the encoder redraws once, displaced by half a pixel, and keeps. The reference
    // absorbs the step over ~0.2 s, so it is evidence over as many frames as a gesture, and
    // when the block comes back 11 frames later, just after those frames, it even swings
    // back. Everything else passes it (noise of 3 grey levels, as on the films)...
    EventFinderOptions any_step;
    any_step.max_jump_share = 1;
    any_step.min_back_share = 0;
    any_step.max_offset_share = 1;
    // (Still displaced when the event closes, it does not come back in time for the end-offset
    // test either: RedrawnToOneSideThenTheOtherIsNotAnEvent.)
    any_step.max_end_offset = 1;
    auto unfiltered = find_in_synthetic_shot(PatchChange::steps, any_step, 0.5, 3.0, 11);
    print(unfiltered);
    EXPECT_EQ(unfiltered.size(), 1u);
    // ...but the picture moved in one frame (a jump, not a motion), and the residual kept one
    // sign over the event's frames: each test alone drops it.
    EventFinderOptions jump_only = any_step, back_only = any_step;
    jump_only.max_jump_share = EventFinderOptions{}.max_jump_share;
    back_only.min_back_share = EventFinderOptions{}.min_back_share;
    EXPECT_EQ(find_in_synthetic_shot(PatchChange::steps, jump_only, 0.5, 3.0, 11).size(), 0u);
    EXPECT_EQ(find_in_synthetic_shot(PatchChange::steps, back_only, 0.5, 3.0, 11).size(), 0u);
    auto events = find_in_synthetic_shot(PatchChange::steps, {}, 0.5, 3.0, 11);
    print(events);
    EXPECT_EQ(events.size(), 0u);
}

TEST(EventFinder, WeakGestureInTheSameNoiseIsStillAnEvent) {
    // A true gesture of 0.3 px (smaller than that step) in the same noise moves over several
    // frames, and is found.
    auto events = find_in_synthetic_shot(PatchChange::moves, {}, 0.3, 3.0);
    print(events);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_TRUE(events_match(make_event(75, 88, {160, 80, 40, 40}), events[0]));
    EXPECT_GT(events[0].amplitude_px, 0.1);
    EXPECT_LT(events[0].amplitude_px, 0.6);
}

TEST(EventFinder, JitterThatPointsEveryWayIsNotAnEvent) {
    // The main cause of the false events left on the films of benchmarks/micro_films_eval.sh
    // and the held-out ones: a place whose coded noise makes its measured displacement wander,
    // over as many frames as a gesture lasts, with as much energy across its main direction
    // as along it. Here a patch jitters along a smooth random path of up to 0.5 px in noise
    // of 3 grey levels; everything else passes it...
    EventFinderOptions any_direction;
    any_direction.min_direction_share = 0;
    any_direction.max_offset_share = 1;
    auto unfiltered = find_in_synthetic_shot(PatchChange::jitters, any_direction, 0.5, 3.0);
    print(unfiltered);
    EXPECT_EQ(unfiltered.size(), 1u);
    // ...but a gesture moves its patch to and fro along one direction.
    auto events = find_in_synthetic_shot(PatchChange::jitters, {}, 0.5, 3.0);
    print(events);
    EXPECT_EQ(events.size(), 0u);
}

TEST(EventFinder, WeakObliqueGestureInTheSameNoiseIsStillAnEvent) {
    // A true gesture of 0.3 px along a diagonal (both axes carry it) in the same noise lies
    // along one direction, and is found.
    auto events = find_in_synthetic_shot(PatchChange::moves, {}, 0.3, 3.0, 0, 35);
    print(events);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_TRUE(events_match(make_event(75, 88, {160, 80, 40, 40}), events[0]));
    EXPECT_GT(events[0].amplitude_px, 0.1);
    EXPECT_LT(events[0].amplitude_px, 0.6);
}

TEST(EventFinder, OffsetHeldToOneSideIsNotAnEvent) {
    // The main cause of the false detections left on the films we made (six of nine, all in
    // motionless stretches): a place whose picture moves to one side over a frame or two,
    // stays there for a few frames, comes back and goes part of the way out again (a coding
    // offset of a run of B-frames, a drift of a real shot), by a fraction of a proxy pixel.
    // Against the reference, which lags behind it, the residual swings both ways, and it
    // passes every other test; here 0.4 px, out for 5 frames, in noise of 3 grey levels: an
    // event of about 4 Hz...
    EventFinderOptions any_offset;
    any_offset.max_offset_share = 1;
    auto unfiltered = find_in_synthetic_shot(PatchChange::offsets, any_offset, 0.4, 3.0, 3);
    print(unfiltered);
    EXPECT_EQ(unfiltered.size(), 1u);
    // ...but the picture stayed off its rest for most of the event's frames: a gesture moves
    // it to and fro about its rest (WeakGestureInTheSameNoiseIsStillAnEvent and
    // WeakObliqueGestureInTheSameNoiseIsStillAnEvent: 0.3 px in the same noise, found).
    auto events = find_in_synthetic_shot(PatchChange::offsets, {}, 0.4, 3.0, 3);
    print(events);
    EXPECT_EQ(events.size(), 0u);
}

TEST(EventFinder, RedrawnToOneSideThenTheOtherIsNotAnEvent) {
    // The main cause of the false detections left on the films we made (two of four, both in
    // motionless stretches): a place that the encoder redraws a fraction of a pixel to one side
    // and holds there, then to the other side and holds that. The residual swings both ways, the
    // path's mean offset over the event is small, and it passes every other test; here 0.4 px
    // to one side for 5 frames, then to the other, in noise of 3 grey levels...
    EventFinderOptions any_end;
    any_end.max_end_offset = 1;
    auto unfiltered = find_in_synthetic_shot(PatchChange::swaps, any_end, 0.4, 3.0, 3);
    print(unfiltered);
    ASSERT_EQ(unfiltered.size(), 1u);
    EXPECT_TRUE(events_match(make_event(75, 88, {160, 80, 40, 40}), unfiltered[0]));
    // ...but a gesture is brief: its patch comes back to where it was, and this one stays on
    // the other side.
    auto events = find_in_synthetic_shot(PatchChange::swaps, {}, 0.4, 3.0, 3);
    print(events);
    EXPECT_EQ(events.size(), 0u);
    // A weaker gesture in the same noise, to and fro about its rest, is still found.
    auto weak = find_in_synthetic_shot(PatchChange::moves, {}, 0.3, 3.0);
    print(weak);
    ASSERT_EQ(weak.size(), 1u);
    EXPECT_TRUE(events_match(make_event(75, 88, {160, 80, 40, 40}), weak[0]));
}

TEST(EventFinder, SlowDriftOutAndBackIsNotAnEvent) {
    // A place of a real shot that drifts by 0.8 px and back over 0.7 s (half a period of
    // 0.7 Hz), as the jar shot of micro_film_6 does: the reference, which follows the picture
    // with ~0.2 s of memory, lags behind it, and the lag passes every other test (an event of
    // 0.6 Hz without the corner-frequency test). Slower than the reference follows (0.8 Hz),
    // it is the shot's own slow change, not a brief motion against a rest state. A gesture of
    // 0.3 px at 6 Hz in the same noise is found (WeakGestureInTheSameNoiseIsStillAnEvent).
    auto events = find_in_synthetic_shot(PatchChange::drifts, {}, 0.8, 3.0, 17);
    print(events);
    EXPECT_EQ(events.size(), 0u);
}

TEST(EventFinder, NoisyStillPictureGivesNothing) {
    // The same picture, the same noise, nothing moving.
    auto events = find_in_synthetic_shot(PatchChange::none, {}, 0.4, 3.0);
    print(events);
    EXPECT_EQ(events.size(), 0u);
}

TEST(EventFinder, EncodedStillWithIntraRefreshesGivesNothing) {
    // A still picture with temporal sensor noise, encoded with an intra frame every second
    // (each redraws the picture, which then stays): a freeze frame as an encoder delivers
    // it. Only noise and refreshes change, so nothing is a gesture.
    auto dir = test::temp_dir("events_still");
    const std::string still = (dir / "still.png").string(), film = (dir / "still.mp4").string();
    ASSERT_TRUE(test::ffmpeg("-f lavfi -i mandelbrot=s=640x360 -frames:v 1 " + still));
    ASSERT_TRUE(test::ffmpeg("-loop 1 -i " + still +
                             " -vf noise=alls=8:allf=t,format=yuv420p -t 8 -r 25 -c:v libx264 "
                             "-preset veryfast -crf 26 -g 25 -sc_threshold 0 " +
                             film));
    auto events = find_events(film);
    print(events);
    EXPECT_EQ(events.size(), 0u);
    std::filesystem::remove_all(dir);
}

TEST(EventFinder, StillPhotographsGiveNoEventOverTheWholeSlideshow) {
    // testvideo.mp4 whole: four still photographs, fades and black; its intra frames redraw
    // the photographs (a smooth out-of-focus area below a caption moves by about a pixel at
    // frame 481 and stays).
    KINOGLAZ_REQUIRE_MEDIA(video, "clips/testvideo.mp4");
    auto events = find_events(video.string());
    print(events);
    EXPECT_EQ(events.size(), 0u);
}

TEST(EventFinder, RejectsInvalidOptions) {
    EXPECT_THROW(EventFinder(EventFinderOptions{.min_motion_share = 1.5}), Error);
    EXPECT_THROW(EventFinder(EventFinderOptions{.max_jump_share = -0.1}), Error);
    EXPECT_THROW(EventFinder(EventFinderOptions{.min_back_share = 0.6}), Error);
    EXPECT_THROW(EventFinder(EventFinderOptions{.min_direction_share = 1.5}), Error);
    EXPECT_THROW(EventFinder(EventFinderOptions{.max_offset_share = -0.1}), Error);
    EXPECT_THROW(EventFinder(EventFinderOptions{.max_offset_share = 1.5}), Error);
    EXPECT_THROW(EventFinder(EventFinderOptions{.max_end_offset = -0.1}), Error);
    EXPECT_THROW(EventFinder(EventFinderOptions{.max_end_offset = 1.5}), Error);
    EXPECT_THROW(EventFinder(EventFinderOptions{.min_amplitude_px = 0}), Error);
    EXPECT_THROW(EventFinder(EventFinderOptions{.snr_threshold = 1}), Error);
    EXPECT_THROW(EventFinder(EventFinderOptions{.block_px = 2}), Error);
    EXPECT_THROW(EventFinder(EventFinderOptions{.false_alarm_rate = 0.5}), Error);
}

}  // namespace
}  // namespace kinoglaz
