// Montage structure on synthetic feature sequences whose truth is known by construction:
// shot spans from transitions, set-ups, alternation, returns, rhythm and camera movement.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include <kinoglaz/analysis.hpp>
#include <kinoglaz/core.hpp>
#include <kinoglaz/montage.hpp>
#include "support/synthetic.hpp"

namespace kinoglaz {
namespace {

constexpr double kFps = 25.0;

// A camera view as the features see it: a colour palette (histogram) and a block layout.
struct View {
    std::array<float, kHistBins> hist{};
    cv::Mat thumb_bgr;
    float luma = 0;
};

View make_view(int seed) {
    cv::RNG rng(std::uint64_t(seed) * 104729u + 3u);
    View v;
    // A handful of bright, saturated bins (value band ≥ 1) with random weights.
    float total = 0;
    for (int k = 0; k < 8; ++k) {
        int h = rng.uniform(0, kHueBins), s = rng.uniform(1, kSatBins),
            val = rng.uniform(1, kValBins);
        float w = rng.uniform(0.2f, 1.0f);
        v.hist[std::size_t((h * kSatBins + s) * kValBins + val)] += w;
        total += w;
    }
    for (auto& x : v.hist) x /= total;
    v.thumb_bgr.create(kThumbHeight, kThumbWidth, CV_8UC3);
    for (int by = 0; by < 4; ++by)
        for (int bx = 0; bx < 4; ++bx)
            v.thumb_bgr(cv::Rect(bx * 16, by * 9, 16, 9))
                .setTo(
                    cv::Scalar(rng.uniform(20, 235), rng.uniform(20, 235), rng.uniform(20, 235)));
    v.luma = float(cv::mean(v.thumb_bgr)[1]);
    return v;
}

// Builds the per-frame features of a film from a list of (view, frame count) shots joined by
// cuts, with a little per-frame noise, and feeds them to a collector.
// Frame `index` of a 320x180 proxy showing view `v`: its histogram, perturbed by 2 % per bin.
FrameFeatures features_of(const View& v, FrameIndex index, cv::RNG& rng) {
    FrameFeatures f;
    f.index = index;
    f.time_s = double(index) / kFps;
    f.proxy_width = 320;
    f.proxy_height = 180;
    f.hist = v.hist;
    for (auto& x : f.hist) x *= 1.0f + 0.02f * float(rng.uniform(-1.0, 1.0));
    const float sum = std::accumulate(f.hist.begin(), f.hist.end(), 0.0f);
    for (auto& x : f.hist) x /= sum;
    return f;
}

class FilmBuilder {
  public:
    /// KEY: decoding can start at this frame (FrameFeatures::key).
    void frame(const View& v, float gain, bool key = false) { push(v, gain, key); }
    void black(int frames) {
        View b;
        b.hist[0] = 1;
        b.thumb_bgr = cv::Mat(kThumbHeight, kThumbWidth, CV_8UC3, cv::Scalar::all(0));
        for (int i = 0; i < frames; ++i) push(b, 1.0f);
    }
    FrameIndex index() const { return index_; }
    MontageCollector& collector() { return collector_; }

  private:
    void push(const View& v, float gain, bool key = false) {
        FrameFeatures f = features_of(v, index_, rng_);
        f.key = key;
        cv::Mat noise(v.thumb_bgr.size(), CV_16SC3);
        rng_.fill(noise, cv::RNG::NORMAL, 0, 2);
        cv::Mat t16;
        v.thumb_bgr.convertTo(t16, CV_16SC3, gain);
        cv::Mat sum16 = t16 + noise;
        sum16.convertTo(f.thumb_bgr, CV_8UC3);
        cv::cvtColor(f.thumb_bgr, f.thumb, cv::COLOR_BGR2GRAY);
        f.luma_mean = float(cv::mean(f.thumb)[0]);
        cv::Scalar mean, sd;
        cv::meanStdDev(f.thumb, mean, sd);
        f.luma_std = float(sd[0]);
        if (!features_.empty()) {
            f.hist_dist = histogram_distance(features_.back().hist, f.hist);
            f.mc_diff = mean_abs_difference(features_.back().thumb, f.thumb);
        }
        f.motion.valid = true;
        f.motion.inlier_ratio = 0.9f;
        f.motion.dx = float(rng_.gaussian(0.05));
        f.motion.dy = float(rng_.gaussian(0.05));
        collector_.push(f);
        features_.push_back(std::move(f));
        if (features_.size() > 2) features_.erase(features_.begin());
        ++index_;
    }
    cv::RNG rng_{12345};
    FrameIndex index_ = 0;
    std::vector<FrameFeatures> features_;
    MontageCollector collector_;
};

Transition cut(FrameIndex f) {
    return {TransitionType::cut, {f, f}, f / kFps, f / kFps, 1};
}
Transition gradual(TransitionType t, FrameIndex s, FrameIndex e) {
    return {t, {s, e}, s / kFps, e / kFps, 1};
}

// Shots given as (view, frames), joined by cuts; returns the analysis after build_montage.
Analysis film_of(const std::vector<std::pair<const View*, int>>& shots,
                 const MontageOptions& options = {}) {
    FilmBuilder film;
    Analysis a;
    for (const auto& [view, frames] : shots) {
        if (film.index() > 0) a.transitions.push_back(cut(film.index()));
        for (int i = 0; i < frames; ++i) film.frame(*view, 1.0f);
    }
    a.source.fps = kFps;
    a.source.duration_s = double(film.index()) / kFps;
    build_montage(a, film.collector(), options);
    return a;
}

std::vector<const GraphEdge*> edges_of(const Analysis& a, const std::string& kind) {
    std::vector<const GraphEdge*> out;
    for (const auto& e : a.edges)
        if (e.kind == kind) out.push_back(&e);
    return out;
}

TEST(MontageShots, FollowTransitionConventions) {
    const View a = make_view(1), b = make_view(2), c = make_view(3), d = make_view(4);
    FilmBuilder film;
    for (int i = 0; i < 30; ++i) film.frame(a, 1);     // [0, 30)
    for (int i = 0; i < 30; ++i) film.frame(b, 1);     // [30, 60) then the dissolve [60, 70)
    for (int i = 0; i < 10; ++i) film.frame(b, 1);     // (mixed frames: content does not matter)
    for (int i = 0; i < 30; ++i) film.frame(c, 1);     // [70, 100)
    for (int i = 0; i < 10; ++i) film.frame(c, 0.5f);  // fade_out [100, 110)
    film.black(5);                                     // black hold [110, 115)
    for (int i = 0; i < 35; ++i) film.frame(d, 1);     // fade_in [115, 125), then d to 150
    Analysis an;
    an.transitions = {cut(30), gradual(TransitionType::dissolve, 60, 70),
                      gradual(TransitionType::fade_out, 100, 110),
                      gradual(TransitionType::fade_in, 115, 125)};
    an.source.fps = kFps;
    an.source.duration_s = 150 / kFps;
    build_montage(an, film.collector());
    ASSERT_EQ(an.shots.size(), 4u);
    EXPECT_EQ(an.shots[0].frames, (FrameRange{0, 30}));
    EXPECT_EQ(an.shots[1].frames, (FrameRange{30, 70}));    // visible until the dissolve ends
    EXPECT_EQ(an.shots[2].frames, (FrameRange{60, 110}));   // visible from the dissolve's start
    EXPECT_EQ(an.shots[3].frames, (FrameRange{115, 150}));  // the black hold is in no shot
    EXPECT_DOUBLE_EQ(an.shots[2].start_time_s, 60 / kFps);
    EXPECT_DOUBLE_EQ(an.shots[2].end_time_s, 110 / kFps);
    EXPECT_DOUBLE_EQ(an.shots[3].end_time_s, 150 / kFps);
    for (const auto& s : an.shots) {
        EXPECT_GE(s.keyframe, s.frames.start);
        EXPECT_LT(s.keyframe, s.frames.end);
    }
    // Keyframes avoid the mixed frames of the dissolve and fades.
    EXPECT_GE(an.shots[2].keyframe, 70);
    EXPECT_LT(an.shots[2].keyframe, 100);
    EXPECT_GE(an.shots[3].keyframe, 125);
    // The shot after the fade to black starts a new scene.
    EXPECT_NE(an.shots[3].scene, an.shots[2].scene);
}

// The keyframe is decoded again by seeking from the codec's keyframe before it: among the
// frames nearly as representative as the best, the one nearest after a codec keyframe is taken,
// never one that is not representative (dim frames, a flash), even at a codec keyframe.
TEST(MontageShots, KeyframeIsARepresentativeFrameQuickToDecode) {
    const View a = make_view(5), b = make_view(6);
    auto keyframe_of = [&](const std::vector<FrameIndex>& keys, FrameIndex flash) {
        FilmBuilder film;
        for (FrameIndex f = 0; f < 60; ++f) {
            const bool key = std::find(keys.begin(), keys.end(), f) != keys.end();
            // The first 20 frames dim: far from the shot's mean colour.
            film.frame(a, f < 20 ? 0.5f : (f == flash ? 1.6f : 1.0f), key);
        }
        for (FrameIndex f = 60; f < 90; ++f) film.frame(b, 1.0f, f == 60);
        Analysis an;
        an.transitions = {cut(60)};
        an.source.fps = kFps;
        an.source.duration_s = 90 / kFps;
        build_montage(an, film.collector());
        EXPECT_EQ(an.shots.size(), 2u);
        return an.shots.empty() ? FrameIndex(-1) : an.shots[0].keyframe;
    };
    EXPECT_EQ(keyframe_of({0, 30}, -1), 30);  // frame 0 is a codec keyframe, but dim
    EXPECT_EQ(keyframe_of({0, 41}, -1), 41);
    // A flash on the codec keyframe: a frame just after it instead, past the flash's motion.
    const FrameIndex after_flash = keyframe_of({0, 30}, 30);
    EXPECT_GT(after_flash, 30);
    EXPECT_LT(after_flash, 36);
    // Without any codec keyframe known, the most representative frame, in the bright part.
    const FrameIndex best = keyframe_of({}, -1);
    EXPECT_GE(best, 20);
    EXPECT_LT(best, 60);
}

TEST(MontageShots, BlackLeaderBelongsToNoShot) {
    const View a = make_view(5);
    FilmBuilder film;
    film.black(20);
    for (int i = 0; i < 40; ++i) film.frame(a, 1);
    Analysis an;
    an.transitions = {cut(20)};
    build_montage(an, film.collector());
    ASSERT_EQ(an.shots.size(), 1u);
    EXPECT_EQ(an.shots[0].frames, (FrameRange{20, 60}));
}

TEST(MontageStructure, AlternationABABANamesBothSetups) {
    const View a = make_view(11), b = make_view(12), c = make_view(13), d = make_view(14);
    const Analysis an =
        film_of({{&c, 60}, {&a, 40}, {&b, 35}, {&a, 30}, {&b, 45}, {&a, 40}, {&d, 60}});
    ASSERT_EQ(an.shots.size(), 7u);
    const int sa = an.shots[1].setup, sb = an.shots[2].setup;
    EXPECT_NE(sa, sb);
    EXPECT_EQ(an.shots[3].setup, sa);
    EXPECT_EQ(an.shots[5].setup, sa);
    EXPECT_EQ(an.shots[4].setup, sb);
    EXPECT_NE(an.shots[0].setup, sa);
    EXPECT_NE(an.shots[0].setup, sb);
    EXPECT_NE(an.shots[6].setup, an.shots[0].setup);

    std::vector<const Pattern*> alternations;
    for (const auto& p : an.patterns)
        if (p.kind == "alternation") alternations.push_back(&p);
    ASSERT_EQ(alternations.size(), 1u);
    EXPECT_EQ(alternations[0]->shots, (std::vector<int>{1, 2, 3, 4, 5}));
    std::vector<int> expected{sa, sb};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(alternations[0]->setups, expected);
}

TEST(MontageStructure, ReturnsToEdgesPointAtTheResumedShot) {
    const View a = make_view(21), b = make_view(22), c = make_view(23), d = make_view(24);
    // A, B, A (an insert), C, D, C ... A again much later.
    const Analysis an =
        film_of({{&a, 50}, {&b, 20}, {&a, 40}, {&c, 50}, {&d, 30}, {&c, 40}, {&a, 40}});
    ASSERT_EQ(an.shots.size(), 7u);
    std::set<std::pair<int, int>> returns;
    for (const auto* e : edges_of(an, "returns_to")) {
        returns.insert({e->from, e->to});
        EXPECT_GT(e->weight, 0.5);
    }
    EXPECT_EQ(returns, (std::set<std::pair<int, int>>{{2, 0}, {5, 3}, {6, 2}}));
    // Succession edges chain every shot.
    EXPECT_EQ(edges_of(an, "next").size(), 6u);
    // "similar" edges join the same views, never different ones.
    for (const auto* e : edges_of(an, "similar"))
        EXPECT_EQ(an.shots[std::size_t(e->from)].setup, an.shots[std::size_t(e->to)].setup);
}

TEST(MontageStructure, FlashInsideAShotDoesNotChangeItsSetup) {
    const View a = make_view(31), b = make_view(32);
    FilmBuilder film;
    Analysis an;
    for (int i = 0; i < 50; ++i) film.frame(a, 1);
    an.transitions.push_back(cut(film.index()));
    for (int i = 0; i < 30; ++i) film.frame(b, 1);
    an.transitions.push_back(cut(film.index()));
    for (int i = 0; i < 50; ++i) film.frame(a, i >= 20 && i < 23 ? 2.5f : 1.0f);  // a flash
    build_montage(an, film.collector());
    ASSERT_EQ(an.shots.size(), 3u);
    EXPECT_EQ(an.shots[0].setup, an.shots[2].setup);
    EXPECT_NE(an.shots[0].setup, an.shots[1].setup);
}

TEST(MontageStructure, MontageSequenceAndLongTake) {
    std::vector<View> views;
    for (int i = 0; i < 12; ++i) views.push_back(make_view(100 + i));
    std::vector<std::pair<const View*, int>> shots;
    for (int i = 0; i < 4; ++i) shots.push_back({&views[std::size_t(i)], 75});   // 3 s
    for (int i = 4; i < 10; ++i) shots.push_back({&views[std::size_t(i)], 12});  // 0.48 s, all new
    shots.push_back({&views[10], 75});
    shots.push_back({&views[11], 500});  // 20 s
    const Analysis an = film_of(shots);
    bool montage = false, long_take = false;
    for (const auto& p : an.patterns) {
        if (p.kind == "montage_sequence") {
            EXPECT_EQ(p.shots, (std::vector<int>{4, 5, 6, 7, 8, 9}));
            montage = true;
        }
        if (p.kind == "long_take") {
            EXPECT_EQ(p.shots, (std::vector<int>{11}));
            long_take = true;
        }
    }
    EXPECT_TRUE(montage);
    EXPECT_TRUE(long_take);
}

TEST(MontageStructure, ScenesGroupShotsWithinTheTimeWindow) {
    const View a = make_view(41), b = make_view(42), c = make_view(43), d = make_view(44);
    // Scene 1: A B A B; scene 2: C D C D. Shots 2 s each, window 45 s.
    const Analysis an =
        film_of({{&a, 50}, {&b, 50}, {&a, 50}, {&b, 50}, {&c, 50}, {&d, 50}, {&c, 50}, {&d, 50}});
    ASSERT_EQ(an.scenes.size(), 2u);
    EXPECT_EQ(an.scenes[0].first_shot, 0);
    EXPECT_EQ(an.scenes[0].last_shot, 3);
    EXPECT_EQ(an.scenes[1].first_shot, 4);
    EXPECT_EQ(an.scenes[1].last_shot, 7);
    // With a window shorter than one shot, nothing links across shots.
    MontageOptions narrow;
    narrow.scene_window_s = 1.0;
    narrow.setup_window_s = 1.0;
    const Analysis an2 = film_of({{&a, 50}, {&b, 50}, {&a, 50}, {&b, 50}}, narrow);
    EXPECT_EQ(an2.scenes.size(), 4u);
}

// A stretch of another place between two stretches of one keeps them apart although their
// set-ups return across it (an interlude; a scene elsewhere); an insert of another view that
// the set-up returns from at once stays in the scene.
TEST(MontageStructure, AnInterludeSeparatesScenesAndAnInsertDoesNot) {
    const View a = make_view(41), b = make_view(42), x = make_view(45);
    const Analysis an =
        film_of({{&a, 50}, {&b, 50}, {&a, 50}, {&b, 50}, {&x, 100}, {&a, 50}, {&b, 50}, {&a, 50}});
    ASSERT_EQ(an.scenes.size(), 3u);
    EXPECT_EQ(an.scenes[0].last_shot, 3);
    EXPECT_EQ(an.scenes[1].first_shot, 4);
    EXPECT_EQ(an.scenes[1].last_shot, 4);
    EXPECT_EQ(an.scenes[2].first_shot, 5);
    // The same set-ups seen across the interlude are still one set-up each.
    EXPECT_EQ(an.shots[5].setup, an.shots[0].setup);

    const Analysis insert = film_of({{&a, 50}, {&x, 25}, {&a, 50}, {&b, 50}, {&a, 50}});
    ASSERT_EQ(insert.scenes.size(), 1u) << "the insert split the scene";
}

// A X A with a short X is an insert; a scene that comes back to a set-up after two other
// shots makes a return; inside an alternation neither is reported (it returns at every step).
TEST(MontageStructure, InsertsAndReturnsAreNamedWithTheirShots) {
    const View a = make_view(51), b = make_view(52), c = make_view(53), x = make_view(55);
    // The synthetic views are all unlike in colour; with no votes against other places, the
    // returning set-up holds them in one scene, as one place's set-ups would.
    MontageOptions one_place;
    one_place.scene_foreign_weight = 1e-6;
    const Analysis an =
        film_of({{&a, 50}, {&x, 25}, {&a, 50}, {&b, 50}, {&c, 50}, {&a, 50}}, one_place);
    ASSERT_EQ(an.scenes.size(), 1u);
    std::vector<const Pattern*> inserts, returns;
    for (const auto& p : an.patterns) {
        if (p.kind == "insert") inserts.push_back(&p);
        if (p.kind == "return") returns.push_back(&p);
    }
    ASSERT_EQ(inserts.size(), 1u);
    EXPECT_EQ(inserts[0]->shots, (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(inserts[0]->setups, (std::vector<int>{an.shots[0].setup, an.shots[1].setup}));
    ASSERT_EQ(returns.size(), 1u);
    EXPECT_EQ(returns[0]->shots, (std::vector<int>{2, 3, 4, 5}));
    EXPECT_EQ(returns[0]->setups, (std::vector<int>{an.shots[2].setup}));

    const Analysis alternation = film_of({{&a, 50}, {&b, 50}, {&a, 50}, {&b, 50}, {&a, 50}});
    for (const auto& p : alternation.patterns) {
        EXPECT_NE(p.kind, "insert");
        EXPECT_NE(p.kind, "return");
    }
}

// Two shots of a black-and-white film: the same three bands of value, the light on opposite
// sides. Their histograms cannot tell them apart; the layout's lightness must.
TEST(MontageStructure, GreyShotsAreToldApartByTheirLightness) {
    ShotDescriptor left, right;
    for (int v = 1; v < kValBins; ++v) left.hist[std::size_t(v)] = 1.0f / (kValBins - 1);
    right.hist = left.hist;
    left.layout = cv::Mat(8, 8, CV_32FC3, cv::Scalar(60, 128, 128));
    right.layout = left.layout.clone();
    left.layout.colRange(0, 4).setTo(cv::Scalar(200, 128, 128));
    right.layout.colRange(4, 8).setTo(cv::Scalar(200, 128, 128));
    const MontageOptions options;
    EXPECT_GT(shot_distance(left, right), options.setup_distance);
    EXPECT_LT(shot_distance(left, left), 0.01);
    // Colour shots weigh the layout's three channels a quarter: there the palette decides.
    left.colourfulness = right.colourfulness = 20;
    EXPECT_LT(shot_distance(left, right), options.setup_distance);
}

TEST(MontageStructure, OptionsAreValidated) {
    Analysis an;
    MontageCollector collector;
    MontageOptions bad;
    bad.setup_distance = 1.5;
    EXPECT_THROW(build_montage(an, collector, bad), Error);
    bad = {};
    bad.scene_window_s = 0;
    EXPECT_THROW(build_montage(an, collector, bad), Error);
    bad = {};
    bad.scene_foreign_weight = 0;
    EXPECT_THROW(build_montage(an, collector, bad), Error);
    bad = {};
    bad.scene_insert_max_s = -1;
    EXPECT_THROW(build_montage(an, collector, bad), Error);
    EXPECT_THROW(MontageCollector(MontageCollectorOptions{.max_segment_frames = 1}), Error);
}

TEST(MontageCollector, KeepsACompactRecordPerFrame) {
    const View a = make_view(51);
    FilmBuilder film;
    const int n = 8000;
    for (int i = 0; i < n; ++i) film.frame(a, 1);
    const auto& c = film.collector();
    EXPECT_EQ(c.frame_count(), n);
    EXPECT_LE(sizeof(MontageCollector::FrameRecord), 48u);
    const double per_frame = double(c.memory_bytes()) / n;
    EXPECT_LT(per_frame, 200.0) << "records + segments + vector slack";
    const double segments_per_frame =
        double(c.segments().size() * sizeof(MontageCollector::Segment)) / n;
    EXPECT_LT(segments_per_frame, 40.0);
}

// Features of a film cut between two views every `shot` frames.
std::vector<FrameFeatures> alternating_film(int frames, int shot) {
    const View views[2] = {make_view(3), make_view(4)};
    std::vector<FrameFeatures> film;
    cv::RNG rng(7);
    for (int i = 0; i < frames; ++i) {
        const View& v = views[(i / shot) % 2];
        FrameFeatures f = features_of(v, i, rng);
        f.thumb_bgr = v.thumb_bgr.clone();
        f.luma_mean = 100 + float(rng.uniform(-1.0, 1.0));
        if (i > 0) f.hist_dist = histogram_distance(film.back().hist, f.hist);
        film.push_back(std::move(f));
    }
    return film;
}

MontageCollector collect(const std::vector<FrameFeatures>& film, FrameIndex from, FrameIndex to,
                         int proxy_width = 320) {
    MontageCollector c;
    for (FrameIndex i = from; i < to; ++i) {
        FrameFeatures f = film[std::size_t(i)];
        f.proxy_width = proxy_width;
        c.push(f);
    }
    return c;
}

TEST(MontageCollector, NextSegmentTakesOverAtTheFirstRestart) {
    // Cuts every 100 frames; a segment join at frame 250: the left part runs to frame 330 (past
    // the restart at 300), the right one starts its warm-up at frame 180.
    const auto film = alternating_film(600, 100);
    const MontageCollector single = collect(film, 0, 600);
    ASSERT_FALSE(single.restarts().empty());
    MontageCollector left = collect(film, 0, 330), right = collect(film, 180, 600);
    ASSERT_TRUE(left.take_over(right, 250));
    ASSERT_EQ(left.frame_count(), single.frame_count());
    for (FrameIndex i = 0; i < single.end_frame(); ++i) {
        const auto &a = single.at(i), &b = left.at(i);
        EXPECT_TRUE(a.time_s == b.time_s && a.luma_mean == b.luma_mean && a.quad == b.quad &&
                    a.motion == b.motion)
            << "frame " << i;
    }
    ASSERT_EQ(left.segments().size(), single.segments().size());
    for (std::size_t k = 0; k < single.segments().size(); ++k) {
        const auto &a = single.segments()[k], &b = left.segments()[k];
        EXPECT_TRUE(a.start == b.start && a.end == b.end && a.luma_sum == b.luma_sum &&
                    a.hist == b.hist && a.layout == b.layout)
            << "segment " << k;
    }
    ASSERT_EQ(left.restarts().size(), single.restarts().size());
    // A part that ran past all of the next one keeps its own data.
    MontageCollector whole = collect(film, 0, 600), tail = collect(film, 180, 290);
    EXPECT_TRUE(whole.take_over(tail, 250));
    EXPECT_EQ(whole.frame_count(), 600);
    // Different carried-over state (here the picture size) at the restart: refused.
    MontageCollector again = collect(film, 0, 330), other = collect(film, 180, 600, 640);
    EXPECT_FALSE(again.take_over(other, 250));
}

TEST(MontageCollector, RejectsOutOfOrderFrames) {
    MontageCollector c;
    FrameFeatures f;
    f.index = 5;
    c.push(f);
    f.index = 7;
    EXPECT_THROW(c.push(f), Error);
}

// --- rhythm ----------------------------------------------------------------------------

TEST(MontageRhythm, FiguresEqualADirectComputation) {
    const std::vector<double> lengths{2.0, 3.5, 1.25, 8.0, 0.75, 4.0, 2.5, 61.0, 5.0, 1.0};
    std::vector<Shot> shots;
    double t = 0;
    for (double l : lengths) {
        Shot s;
        s.index = int(shots.size());
        s.start_time_s = t;
        s.end_time_s = t + l;
        t += l;
        shots.push_back(s);
    }
    const Rhythm r = compute_rhythm(shots, t, 60, 2);
    const double n = double(lengths.size());
    const double mean = std::accumulate(lengths.begin(), lengths.end(), 0.0) / n;
    double ss = 0, lmu = 0, lss = 0;
    for (double l : lengths) ss += (l - mean) * (l - mean), lmu += std::log(l);
    lmu /= n;
    for (double l : lengths) lss += (std::log(l) - lmu) * (std::log(l) - lmu);
    auto sorted = lengths;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(r.shot_count, 10);
    EXPECT_NEAR(r.asl_s, mean, 1e-9);
    EXPECT_NEAR(r.msl_s, (sorted[4] + sorted[5]) / 2, 1e-9);
    EXPECT_NEAR(r.std_s, std::sqrt(ss / (n - 1)), 1e-9);
    EXPECT_NEAR(r.cv, std::sqrt(ss / (n - 1)) / mean, 1e-9);
    EXPECT_NEAR(r.lognormal_mu, lmu, 1e-9);
    EXPECT_NEAR(r.lognormal_sigma, std::sqrt(lss / n), 1e-9);
    // Cuts (starts of shots 1..9) per 60 s bin: film is 89 s long.
    ASSERT_EQ(r.cuts_per_minute.size(), 2u);
    int first = 0, second = 0;
    for (std::size_t i = 1; i < shots.size(); ++i) (shots[i].start_time_s < 60 ? first : second)++;
    EXPECT_NEAR(r.cuts_per_minute[0], first, 1e-9);
    EXPECT_NEAR(r.cuts_per_minute[1], second * 60.0 / (t - 60), 1e-9);
    ASSERT_EQ(r.cutting_curve.size(), lengths.size());
    EXPECT_NEAR(r.cutting_curve[0], (lengths[0] + lengths[1] + lengths[2]) / 3, 1e-9);
    EXPECT_NEAR(r.cutting_curve[5],
                (lengths[3] + lengths[4] + lengths[5] + lengths[6] + lengths[7]) / 5, 1e-9);
}

TEST(MontageRhythm, BuildMontageFillsRhythmFromShotLengths) {
    const View a = make_view(61), b = make_view(62);
    const Analysis an = film_of({{&a, 50}, {&b, 25}, {&a, 100}});
    EXPECT_EQ(an.rhythm.shot_count, 3);
    EXPECT_NEAR(an.rhythm.asl_s, (2.0 + 1.0 + 4.0) / 3, 1e-9);
    EXPECT_NEAR(an.rhythm.msl_s, 2.0, 1e-9);
}

// --- camera movement ---------------------------------------------------------------------

// Records of a shot with a given per-second motion, at a given frame rate, as the collector
// stores them (fractions of the frame size per frame).
std::vector<MontageCollector::FrameRecord> motion_records(double fps, int frames, double vx,
                                                          double vy, double zoom_per_s,
                                                          double jitter = 0, int seed = 1) {
    cv::RNG rng(static_cast<std::uint64_t>(seed));
    std::vector<MontageCollector::FrameRecord> out;
    for (int i = 0; i < frames; ++i) {
        MontageCollector::FrameRecord r;
        r.time_s = i / fps;
        r.motion = 1;
        r.dx = float(vx / fps + rng.gaussian(0.0005) + jitter * rng.gaussian(1.0) / fps);
        r.dy = float(vy / fps + rng.gaussian(0.0005) + jitter * rng.gaussian(1.0) / fps);
        r.log_scale = float(std::log1p(zoom_per_s) / fps + rng.gaussian(0.0002));
        out.push_back(r);
    }
    return out;
}

TEST(MontageCamera, ClassifiesSyntheticMotionAtAnyFrameRate) {
    for (double fps : {12.0, 24.0, 25.0, 60.0}) {
        SCOPED_TRACE(fps);
        const int n = int(fps * 4);
        EXPECT_EQ(classify_camera(motion_records(fps, n, 0, 0, 0)), CameraMovement::static_);
        EXPECT_EQ(classify_camera(motion_records(fps, n, 0.15, 0, 0)), CameraMovement::pan);
        EXPECT_EQ(classify_camera(motion_records(fps, n, -0.15, 0, 0)), CameraMovement::pan);
        EXPECT_EQ(classify_camera(motion_records(fps, n, 0, 0.12, 0)), CameraMovement::tilt);
        EXPECT_EQ(classify_camera(motion_records(fps, n, 0, 0, 0.2)), CameraMovement::zoom);
        EXPECT_EQ(classify_camera(motion_records(fps, n, 0, 0, -0.2)), CameraMovement::zoom);
        EXPECT_EQ(classify_camera(motion_records(fps, n, 0.2, 0.2, 0)), CameraMovement::moving);
        EXPECT_EQ(classify_camera(motion_records(fps, n, 0, 0, 0, 0.3)), CameraMovement::handheld);
        // A whip pan: still, then a third of a frame height in 0.3 s, then still.
        auto whip = motion_records(fps, n, 0, 0, 0);
        const int burst = std::max(2, int(0.3 * fps));
        for (int i = n / 2; i < n / 2 + burst; ++i) whip[std::size_t(i)].dy = float(0.35 / burst);
        EXPECT_EQ(classify_camera(whip), CameraMovement::moving);
    }
    // Too few usable records: static.
    EXPECT_EQ(classify_camera({}), CameraMovement::static_);
}

// Real GlobalMotion: synthetic frames through the feature extractors with camera_motion.
std::vector<MontageCollector::FrameRecord> records_of(const std::vector<cv::Mat>& images,
                                                      double fps) {
    MontageCollector c;
    std::shared_ptr<Frame> prev;
    FrameFeatures prev_f;
    for (std::size_t i = 0; i < images.size(); ++i) {
        auto fr = std::make_shared<Frame>();
        fr->index = FrameIndex(i);
        fr->time_s = double(i) / fps;
        fr->proxy_bgr = images[i];
        cv::cvtColor(images[i], fr->proxy_gray, cv::COLOR_BGR2GRAY);
        FrameFeatures f = compute_frame_features(*fr, montage_features());
        if (prev) compute_pair_features(*prev, prev_f, *fr, f, montage_features());
        c.push(f);
        prev = fr;
        prev_f = f;
    }
    return {c.frames().begin() + 1, c.frames().end()};
}

std::vector<cv::Mat> zoom_shot(const cv::Mat& scene, cv::Size size, int count, double rate) {
    std::vector<cv::Mat> out;
    const cv::Point2f centre(scene.cols / 2.0f, scene.rows / 2.0f);
    for (int i = 0; i < count; ++i) {
        const double s = std::pow(rate, i);  // magnification of frame i
        cv::Mat m = (cv::Mat_<double>(2, 3) << s, 0, size.width / 2.0 - s * centre.x, 0, s,
                     size.height / 2.0 - s * centre.y);
        cv::Mat f;
        cv::warpAffine(scene, f, m, size, cv::INTER_LINEAR, cv::BORDER_REFLECT);
        out.push_back(f);
    }
    return out;
}

TEST(MontageCamera, ClassifiesRealGlobalMotionOfSyntheticShots) {
    for (cv::Size size : {cv::Size(320, 180), cv::Size(256, 192)}) {
        SCOPED_TRACE(size);
        const cv::Mat scene = test::make_scene(7, {size.width * 3, size.height * 3});
        const cv::Point2f from(float(size.width), float(size.height));
        const float px = size.width / 100.0f;  // 1 % of the width per frame = 0.25 widths/s
        EXPECT_EQ(classify_camera(records_of(test::make_shot(scene, size, 40, from), kFps)),
                  CameraMovement::static_);
        EXPECT_EQ(
            classify_camera(records_of(test::make_shot(scene, size, 40, from, {2 * px, 0}), kFps)),
            CameraMovement::pan);
        EXPECT_EQ(
            classify_camera(records_of(test::make_shot(scene, size, 40, from, {-2 * px, 0}), kFps)),
            CameraMovement::pan);
        EXPECT_EQ(classify_camera(
                      records_of(test::make_shot(scene, size, 40, from, {0, 1.5f * px}), kFps)),
                  CameraMovement::tilt);
        EXPECT_EQ(classify_camera(records_of(zoom_shot(scene, size, 40, 1.01), kFps)),
                  CameraMovement::zoom);
        // Direction and speed survive the extraction: a pan of 2 % of the width per frame.
        auto recs = records_of(test::make_shot(scene, size, 20, from, {2 * px, 0}), kFps);
        std::vector<float> dx;
        for (const auto& r : recs)
            if (r.motion == 1) dx.push_back(r.dx);  // the pairs measured (every other one)
        ASSERT_EQ(dx.size(), recs.size() / 2);
        std::nth_element(dx.begin(), dx.begin() + long(dx.size() / 2), dx.end());
        EXPECT_NEAR(dx[dx.size() / 2], -0.02,
                    0.002);  // content moves left when the view pans right
    }
}

// The tracker's window (11x11 over three pyramid levels) still follows a fast pan of 5 % of
// the width per frame (1.25 widths per second at 25 fps) at its true speed, and tells a slow
// pan just above pan_speed from a creep below static_speed.
TEST(MontageCamera, TrackerFollowsFastPansAndTellsSlowPansFromACreep) {
    const cv::Size size(320, 180);
    const cv::Mat scene = test::make_scene(9, {size.width * 4, size.height * 3});
    const cv::Point2f from(20, float(size.height));
    const float px = size.width / 100.0f;  // 1 % of the width per frame = 0.25 widths/s
    const auto fast = records_of(test::make_shot(scene, size, 40, from, {5 * px, 0}), kFps);
    EXPECT_EQ(classify_camera(fast), CameraMovement::pan);
    std::vector<float> dx;
    for (const auto& r : fast)
        if (r.motion == 1) dx.push_back(r.dx);
    ASSERT_FALSE(dx.empty());
    std::nth_element(dx.begin(), dx.begin() + long(dx.size() / 2), dx.end());
    EXPECT_NEAR(dx[dx.size() / 2], -0.05, 0.002);
    // 0.05 widths/s: a slow pan (pan_speed 0.03); 0.01 widths/s: static (static_speed 0.02).
    EXPECT_EQ(
        classify_camera(records_of(test::make_shot(scene, size, 60, from, {0.2f * px, 0}), kFps)),
        CameraMovement::pan);
    EXPECT_EQ(
        classify_camera(records_of(test::make_shot(scene, size, 60, from, {0.04f * px, 0}), kFps)),
        CameraMovement::static_);
}

// The camera's motion is measured on every other pair (frames of even index) and the others
// are marked as left out, never as a failed measure; the labels and the travel of a slow drift
// read from the half sample are those of every pair.
TEST(MontageCamera, SampledMotionMeasuresEveryOtherPairAndKeepsTheLabels) {
    const cv::Size size(320, 180);
    const cv::Mat scene = test::make_scene(5, {size.width * 3, size.height * 3});
    const cv::Point2f from(float(size.width), float(size.height));
    const float px = size.width / 100.0f;
    const auto pan = records_of(test::make_shot(scene, size, 40, from, {2 * px, 0}), kFps);
    for (std::size_t i = 0; i < pan.size(); ++i)  // records_of drops frame 0: record i is frame i+1
        EXPECT_EQ(pan[i].motion, (i + 1) % 2 == 0 ? 1 : 3) << i;
    EXPECT_EQ(classify_camera(pan), CameraMovement::pan);
    // The per-frame metrics (--metrics) say which pairs were left out.
    FrameFeatures left_out;
    left_out.motion.sampled_out = true;
    const auto metrics = left_out.metrics();
    EXPECT_NE(std::find(metrics.begin(), metrics.end(),
                        std::pair<std::string, double>{"motion_sampled_out", 1}),
              metrics.end());

    // A slow drift, below pan_speed per frame but long enough to cover burst_travel: its travel
    // is read from half the pairs, scaled up, and it stays a pan (as with every pair measured).
    const CameraOptions o;
    std::vector<MontageCollector::FrameRecord> every(200), sampled(200);
    for (std::size_t i = 0; i < every.size(); ++i) {
        every[i].time_s = sampled[i].time_s = double(i) / kFps;
        every[i].motion = 1;
        every[i].dx = float(0.025 / kFps);  // 0.025 widths/s: between static and pan speed
        sampled[i] = every[i];
        if (i % 2) sampled[i].motion = 3, sampled[i].dx = 0;
    }
    ASSERT_LT(0.025, o.pan_speed);
    ASSERT_GT(0.025, o.static_speed);
    EXPECT_EQ(classify_camera(every), CameraMovement::pan);
    EXPECT_EQ(classify_camera(sampled), CameraMovement::pan);
    // Without the scaling the sampled drift would have covered half the way: below burst_travel.
    ASSERT_LT(0.5 * 200 * 0.025 / kFps, o.burst_travel);
}

// --- scale ---------------------------------------------------------------------------------

TEST(MontageScale, FacelessImageGivesTheDocumentedFallback) {
    const cv::Mat scene = test::make_scene(3, {640, 360});
    EXPECT_EQ(estimate_scale(scene), ShotScale::unknown);
    EXPECT_EQ(estimate_scale(cv::Mat()), ShotScale::unknown);
}

// A view seen again (recropped by 10 %, boxed inside black bars at 85 %, at another size) is
// the same view; a cut-in (2x closer) is the view reframed; another place is neither.
TEST(MontageViews, AViewSeenAgainIsTheSameAndACutInIsReframed) {
    const cv::Mat place = test::make_scene(11, {960, 540}),
                  elsewhere = test::make_scene(12, {960, 540});
    const MontageOptions o;
    const ViewFeatures original = view_features(place);
    ASSERT_GE(original.descriptors.rows, o.view_min_inliers);

    cv::Mat recrop;
    cv::resize(place(cv::Rect(40, 22, 880, 495)), recrop, {640, 360}, 0, 0, cv::INTER_AREA);
    EXPECT_EQ(relate_views(original, view_features(recrop), o), ViewRelation::same);

    cv::Mat boxed(540, 960, CV_8UC3, cv::Scalar::all(0)), small;
    cv::resize(place, small, {816, 459}, 0, 0, cv::INTER_AREA);
    small.copyTo(boxed(cv::Rect(72, 40, 816, 459)));
    EXPECT_EQ(relate_views(original, view_features(boxed), o), ViewRelation::same);

    cv::Mat closer;
    cv::resize(place(cv::Rect(240, 135, 480, 270)), closer, {960, 540}, 0, 0, cv::INTER_LINEAR);
    EXPECT_EQ(relate_views(original, view_features(closer), o), ViewRelation::reframed);
    EXPECT_EQ(relate_views(original, view_features(elsewhere), o), ViewRelation::unknown);
}

// A letterboxed view (2.4:1 in a 4:3 frame) and its cut-in that fills the frame: the cut-in
// crops the sides 1.8x closer and keeps the height, so the fields' areas differ by only 1.34x;
// compared side by side, the width says reframed. The same view turned a quarter and boxed is
// still the same view.
TEST(MontageViews, ACutInThatCropsOnlyTheSidesIsReframed) {
    const cv::Mat place = test::make_scene(13, {960, 400});
    cv::Mat boxed(480, 640, CV_8UC3, cv::Scalar::all(0)), small;
    cv::resize(place, small, {640, 267}, 0, 0, cv::INTER_AREA);
    small.copyTo(boxed(cv::Rect(0, 106, 640, 267)));
    cv::Mat closer;
    cv::resize(place(cv::Rect(213, 0, 533, 400)), closer, {640, 480}, 0, 0, cv::INTER_LINEAR);
    const MontageOptions o;
    const ViewFeatures wide = view_features(boxed), close = view_features(closer);
    EXPECT_EQ(relate_views(wide, close, o), ViewRelation::reframed);
    EXPECT_EQ(relate_views(close, wide, o), ViewRelation::reframed);

    cv::Mat turned, portrait(540, 960, CV_8UC3, cv::Scalar::all(0)), fitted;
    cv::rotate(place, turned, cv::ROTATE_90_CLOCKWISE);
    cv::resize(turned, fitted, {225, 540}, 0, 0, cv::INTER_AREA);
    fitted.copyTo(portrait(cv::Rect(367, 0, 225, 540)));
    cv::Mat full;
    cv::resize(place, full, {1296, 540}, 0, 0, cv::INTER_AREA);
    EXPECT_EQ(relate_views(view_features(full), view_features(portrait), o), ViewRelation::same);
}

// Soft footage with too few corners: the whole pictures still show a cut-in (the closer one,
// reduced, matches part of the wider one), and the same soft view is not taken for one.
TEST(MontageViews, ASoftCutInIsFoundByCorrelation) {
    cv::Mat soft;
    cv::GaussianBlur(test::make_scene(21, {960, 540}), soft, {0, 0}, 16);
    const MontageOptions o;
    const ViewFeatures wide = view_features(soft);
    ASSERT_LT(wide.descriptors.rows, o.view_min_inliers) << "not soft enough to lack corners";
    cv::Mat closer;
    cv::resize(soft(cv::Rect(300, 160, 480, 270)), closer, {960, 540}, 0, 0, cv::INTER_LINEAR);
    EXPECT_EQ(relate_views(wide, view_features(closer), o), ViewRelation::reframed);
    EXPECT_EQ(relate_views(view_features(closer), wide, o), ViewRelation::reframed);
    cv::Mat again;
    cv::resize(soft(cv::Rect(10, 6, 940, 529)), again, {960, 540}, 0, 0, cv::INTER_AREA);
    EXPECT_NE(relate_views(wide, view_features(again), o), ViewRelation::reframed);
}

}  // namespace
}  // namespace kinoglaz
