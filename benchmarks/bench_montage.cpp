// Montage structure on a feature-length film of synthetic descriptors: 2 hours, ~1,500
// shots from ~300 set-ups that recur within their scenes (shot/reverse-shot) and now and then
// across the film. Measures analyse_structure (set-ups, scenes, graph, patterns, rhythm) and
// the whole build_montage from a collector of 180k frames.
#include <benchmark/benchmark.h>

#include <cmath>

#include <opencv2/imgproc.hpp>

#include <kinoglaz/montage.hpp>

namespace kinoglaz {
namespace {

constexpr double kFilmS = 2 * 3600;
constexpr double kFps = 25;

struct ViewLook {
    std::array<float, kHistBins> hist{};
    cv::Mat layout;  // CV_32FC3 8x8
};

ViewLook make_look(cv::RNG& rng) {
    ViewLook v;
    float total = 0;
    for (int k = 0; k < 10; ++k) {
        const int bin = rng.uniform(0, kHistBins);
        const float w = rng.uniform(0.1f, 1.0f);
        v.hist[std::size_t(bin)] += w;
        total += w;
    }
    for (auto& x : v.hist) x /= total;
    v.layout.create(8, 8, CV_32FC3);
    rng.fill(v.layout, cv::RNG::UNIFORM, 0, 255);
    return v;
}

// Shot lengths lognormal around an ASL of ~4.8 s; scenes of 10-30 shots alternating 2-3
// set-ups plus one-off shots.
Analysis synthetic_film(int& shot_count) {
    cv::RNG rng(2024);
    Analysis a;
    a.source.fps = kFps;
    a.source.duration_s = kFilmS;
    double t = 0;
    FrameIndex f = 0;
    while (t < kFilmS) {
        std::vector<ViewLook> scene_views;
        const int views = rng.uniform(2, 4);
        for (int v = 0; v < views; ++v) scene_views.push_back(make_look(rng));
        const int shots = rng.uniform(10, 31);
        for (int s = 0; s < shots && t < kFilmS; ++s) {
            const double len = std::exp(1.2 + 0.7 * rng.gaussian(1.0));
            const FrameIndex frames = std::max<FrameIndex>(2, FrameIndex(len * kFps));
            Shot shot;
            shot.index = int(a.shots.size());
            shot.frames = {f, f + frames};
            shot.start_time_s = double(f) / kFps;
            shot.end_time_s = double(f + frames) / kFps;
            const ViewLook look =
                rng.uniform(0, 5) == 0 ? make_look(rng) : scene_views[std::size_t(s % views)];
            shot.descriptor.hist = look.hist;
            for (auto& x : shot.descriptor.hist) x *= 1.0f + 0.05f * float(rng.uniform(-1.0, 1.0));
            shot.descriptor.layout = look.layout + cv::Scalar::all(rng.uniform(-3.0, 3.0));
            a.shots.push_back(std::move(shot));
            f += frames;
            t = double(f) / kFps;
        }
    }
    shot_count = int(a.shots.size());
    return a;
}

void BM_AnalyseStructure2h(benchmark::State& state) {
    int n = 0;
    const Analysis film = synthetic_film(n);
    for (auto _ : state) {
        state.PauseTiming();
        Analysis a = film;
        state.ResumeTiming();
        analyse_structure(a);
        benchmark::DoNotOptimize(a.edges.data());
    }
    state.counters["shots"] = n;
}
BENCHMARK(BM_AnalyseStructure2h)->Unit(benchmark::kMillisecond);

// The keyframes' local features on the same film: candidate pairs (closest in colour), one
// comparison of corners or pictures each, and the structure again with the links found.
// Keyframes are synthetic textures (a view per look), 640x360.
void BM_JoinSetupsByView2h(benchmark::State& state) {
    int n = 0;
    Analysis film = synthetic_film(n);
    analyse_structure(film);
    std::vector<ViewFeatures> views;
    cv::RNG rng(11);
    for (int i = 0; i < n; ++i) {
        cv::Mat picture(360, 640, CV_8UC3);
        rng.fill(picture, cv::RNG::UNIFORM, 0, 255);
        cv::GaussianBlur(picture, picture, {0, 0}, 2);
        views.push_back(view_features(picture));
    }
    for (auto _ : state) {
        state.PauseTiming();
        Analysis a = film;
        state.ResumeTiming();
        ViewJoiner joiner(a);
        for (int i = 0; i < n; ++i) joiner.add(i, views[std::size_t(i)]);
        joiner.finish();
        benchmark::DoNotOptimize(a.shots.data());
    }
    state.counters["shots"] = n;
}
BENCHMARK(BM_JoinSetupsByView2h)->Unit(benchmark::kMillisecond)->Iterations(2);

// The whole build_montage from a 2-hour collector (180k frames): shot splitting, descriptors,
// keyframes, camera movement and structure. Filling the collector is not timed.
void BM_BuildMontage2h(benchmark::State& state) {
    int n = 0;
    const Analysis film = synthetic_film(n);
    MontageCollector collector;
    collector.reserve(FrameIndex(kFilmS * kFps) + 1000);
    cv::RNG rng(7);
    FrameFeatures f;
    f.proxy_width = 320;
    f.proxy_height = 180;
    f.motion.valid = true;
    Analysis base;
    base.source = film.source;
    for (const auto& shot : film.shots) {
        cv::Mat thumb(kThumbHeight, kThumbWidth, CV_8UC3);
        rng.fill(thumb, cv::RNG::UNIFORM, 0, 255);
        for (FrameIndex i = shot.frames.start; i < shot.frames.end; ++i) {
            f.index = i;
            f.time_s = double(i) / kFps;
            f.hist = shot.descriptor.hist;
            f.thumb_bgr = thumb;
            f.luma_mean = 100;
            f.luma_std = 40;
            f.hist_dist = i == shot.frames.start ? 0.8f : 0.01f;
            f.motion.dx = float(rng.gaussian(0.1));
            collector.push(f);
        }
        if (shot.index > 0)
            base.transitions.push_back({TransitionType::cut,
                                        {shot.frames.start, shot.frames.start},
                                        shot.start_time_s,
                                        shot.start_time_s,
                                        1});
    }
    for (auto _ : state) {
        Analysis a = base;
        build_montage(a, collector);
        benchmark::DoNotOptimize(a.shots.data());
    }
    state.counters["shots"] = n;
    state.counters["frames"] = double(collector.frame_count());
    state.counters["collector_MB"] = double(collector.memory_bytes()) / 1e6;
}
BENCHMARK(BM_BuildMontage2h)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace kinoglaz

BENCHMARK_MAIN();
