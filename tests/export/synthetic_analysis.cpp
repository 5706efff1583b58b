#include "synthetic_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

namespace kinoglaz::test {

namespace {

// Shot layout at scale 1 (frames): a dissolve joins shots 1 and 2 (they overlap by it), shot 3
// fades out into a black hold [360, 375) and shot 4 fades in from it.
struct ShotSpec {
    FrameIndex start, end;
    int scene, setup;
    ShotScale scale;
    CameraMovement camera;
};
constexpr ShotSpec kShots[] = {
    {0, 100, 0, 0, ShotScale::extreme_long, CameraMovement::pan},
    {100, 215, 0, 1, ShotScale::medium, CameraMovement::static_},
    {200, 300, 0, 2, ShotScale::close_up, CameraMovement::zoom},
    {300, 360, 1, 3, ShotScale::long_, CameraMovement::handheld},
    {375, 450, 2, 4, ShotScale::medium_close_up, CameraMovement::static_},
    {450, 520, 2, 5, ShotScale::medium_close_up, CameraMovement::static_},
    {520, 600, 2, 4, ShotScale::unknown, CameraMovement::tilt},
};
constexpr FrameIndex kFrames = 600;

// A 640x360 H.264 film in MP4 at FPS, as both synthetic analyses describe it.
SourceInfo synthetic_source(Rational fps, const std::string& path) {
    SourceInfo s;
    s.path = path;
    s.container = "mov,mp4,m4a,3gp,3g2,mj2";
    s.codec = "h264";
    s.pixel_format = "yuv420p";
    s.coded_width = s.width = 640;
    s.coded_height = s.height = 360;
    s.time_base = {fps.den, fps.num};
    s.fps_nominal = fps;
    s.fps_average = fps;
    s.fps = fps.to_double();
    return s;
}

}  // namespace

Analysis synthetic_analysis(Rational fps, int scale, const std::string& path) {
    const auto time = [&](FrameIndex f) { return double(f) * double(fps.den) / double(fps.num); };
    Analysis a;
    a.source = synthetic_source(fps, path);
    a.source.frame_count = kFrames * scale;
    a.source.frame_count_exact = true;
    a.source.duration_s = time(kFrames * scale);

    auto transition = [&](TransitionType type, FrameIndex s, FrameIndex e, float conf) {
        Transition t;
        t.type = type;
        t.frames = {s * scale, e * scale};
        t.start_time_s = time(t.frames.start);
        t.end_time_s = time(t.frames.end);
        t.confidence = conf;
        a.transitions.push_back(t);
    };
    transition(TransitionType::cut, 100, 100, 0.98f);
    transition(TransitionType::dissolve, 200, 215, 0.81f);
    transition(TransitionType::cut, 300, 300, 0.95f);
    transition(TransitionType::fade_out, 340, 360, 0.9f);
    transition(TransitionType::fade_in, 375, 390, 0.88f);
    transition(TransitionType::cut, 450, 450, 0.97f);
    transition(TransitionType::cut, 520, 520, 0.99f);

    for (std::size_t i = 0; i < std::size(kShots); ++i) {
        const ShotSpec& sp = kShots[i];
        Shot s;
        s.index = int(i);
        s.frames = {sp.start * scale, sp.end * scale};
        s.start_time_s = time(s.frames.start);
        s.end_time_s = time(s.frames.end);
        s.scene = sp.scene;
        s.setup = sp.setup;
        s.scale = sp.scale;
        s.camera = sp.camera;
        s.keyframe = (s.frames.start + s.frames.end) / 2;
        s.descriptor.brightness = 100.0f + 10.0f * float(i);
        a.shots.push_back(s);
    }
    a.scenes = {{0, 0, 2}, {1, 3, 3}, {2, 4, 6}};
    for (int i = 0; i + 1 < int(a.shots.size()); ++i) a.edges.push_back({i, i + 1, "next", 1});
    a.edges.push_back({0, 2, "similar", 0.55});
    a.edges.push_back({4, 6, "similar", 0.91});
    a.edges.push_back({6, 4, "returns_to", 1});
    a.patterns.push_back({"alternation", {4, 5, 6}, {4, 5}});
    a.patterns.push_back({"long_take", {1}, {}});

    std::vector<double> len;
    for (const auto& s : a.shots) len.push_back(s.length_s());
    Rhythm& r = a.rhythm;
    r.shot_count = int(len.size());
    r.asl_s = std::accumulate(len.begin(), len.end(), 0.0) / double(len.size());
    std::vector<double> sorted = len;
    std::sort(sorted.begin(), sorted.end());
    r.msl_s = sorted[sorted.size() / 2];
    double ss = 0, ls = 0, lss = 0;
    for (double x : len) ss += (x - r.asl_s) * (x - r.asl_s), ls += std::log(x);
    r.std_s = std::sqrt(ss / double(len.size()));
    r.cv = r.std_s / r.asl_s;
    r.lognormal_mu = ls / double(len.size());
    for (double x : len) lss += (std::log(x) - r.lognormal_mu) * (std::log(x) - r.lognormal_mu);
    r.lognormal_sigma = std::sqrt(lss / double(len.size()));
    r.window_s = 10;
    for (double t = 0; t < a.source.duration_s; t += r.window_s) {
        int cuts = 0;
        for (const auto& tr : a.transitions)
            if (tr.start_time_s >= t && tr.start_time_s < t + r.window_s) ++cuts;
        r.cuts_per_minute.push_back(cuts * 60.0 / r.window_s);
    }
    for (std::size_t i = 0; i < len.size(); ++i) {
        const std::size_t lo = i == 0 ? 0 : i - 1, hi = std::min(len.size() - 1, i + 1);
        double sum = 0;
        for (std::size_t j = lo; j <= hi; ++j) sum += len[j];
        r.cutting_curve.push_back(sum / double(hi - lo + 1));
    }

    auto event = [&](FrameIndex s, FrameIndex e, cv::Rect box, double amp, double hz, double score,
                     std::string clip) {
        Event ev;
        ev.frames = {s * scale, e * scale};
        ev.start_time_s = time(ev.frames.start);
        ev.end_time_s = time(ev.frames.end);
        ev.bbox = box;
        ev.amplitude_px = amp;
        ev.peak_hz = hz;
        ev.score = score;
        ev.clip = std::move(clip);
        a.events.push_back(ev);
    };
    event(120, 127, {200, 100, 48, 32}, 0.6, 4.5, 0.87, "reveals/event-000.mp4");
    event(124, 140, {300, 150, 40, 40}, 0.4, 2.0, 0.55, "");  // overlaps the first
    event(480, 490, {100, 60, 64, 48}, 0.9, 7.5, 0.93, "reveals/event-002.mp4");
    a.analysis_seconds = 1.5;
    return a;
}

Analysis synthetic_scene_analysis(Rational fps, const std::string& path) {
    // Set-up of each shot, scene by scene.
    const std::vector<std::vector<int>> scenes = {
        {0, 1, 0, 1, 0, 1, 2, 0},
        {3},
        {4, 5, 4, 5, 6, 4, 5, 6, 4, 5},
        {7, 8, 0, 7, 8, 0, 7, 8},
        {9, 10, 11, 9, 10, 11, 9, 10, 11, 9, 10, 11, 9},
    };
    const auto time = [&](FrameIndex f) { return double(f) * double(fps.den) / double(fps.num); };
    const FrameIndex per_second = FrameIndex(std::lround(fps.to_double()));
    Analysis a;
    a.source = synthetic_source(fps, path);
    a.source.frame_count_exact = true;
    FrameIndex frame = 0;
    std::map<int, int> last_of_setup;
    for (std::size_t sc = 0; sc < scenes.size(); ++sc) {
        const int first = int(a.shots.size());
        for (int setup : scenes[sc]) {
            Shot s;
            s.index = int(a.shots.size());
            // 2 to 3.2 s, varying from shot to shot.
            const FrameIndex length = 2 * per_second + (s.index * 7 % 13) * per_second / 10;
            s.frames = {frame, frame + length};
            s.start_time_s = time(s.frames.start);
            s.end_time_s = time(s.frames.end);
            s.scene = int(sc);
            s.setup = setup;
            s.keyframe = frame + length / 2;
            s.descriptor.hist[std::size_t(setup * 37) % kHistBins] = 0.9f;
            s.descriptor.hist[std::size_t(s.index * 11 + 5) % kHistBins] += 0.1f;
            if (frame > 0) {
                Transition t;
                t.type = TransitionType::cut;
                t.frames = {frame, frame};
                t.start_time_s = t.end_time_s = time(frame);
                t.confidence = 0.95f;
                a.transitions.push_back(t);
                a.edges.push_back({s.index - 1, s.index, "next", 1});
            }
            if (const auto it = last_of_setup.find(setup); it != last_of_setup.end())
                a.edges.push_back({s.index, it->second, "returns_to", 1});
            last_of_setup[setup] = s.index;
            frame += length;
            a.shots.push_back(s);
        }
        const int last = int(a.shots.size()) - 1;
        a.scenes.push_back({int(sc), first, last});
        if (last - first >= 3) {
            Pattern p{"alternation", {}, {}};
            for (int i = first; i <= last; ++i) p.shots.push_back(i);
            std::set<int> setups(scenes[sc].begin(), scenes[sc].end());
            p.setups.assign(setups.begin(), setups.end());
            a.patterns.push_back(p);
        }
    }
    a.source.frame_count = frame;
    a.source.duration_s = time(frame);
    a.analysis_seconds = 1;
    return a;
}

std::vector<ExpectedItem> synthetic_edit_list(int scale) {
    const FrameIndex s = scale;
    return {
        {true, 0, {0, 100 * s}, "", 0},
        {true, 1, {100 * s, 200 * s}, "", 0},
        {true, 2, {200 * s, 300 * s}, "dissolve", 15 * s},
        {true, 3, {300 * s, 340 * s}, "", 0},
        {false, -1, {340 * s, 375 * s}, "fade_out", 20 * s},
        {true, 4, {375 * s, 450 * s}, "fade_in", 15 * s},
        {true, 5, {450 * s, 520 * s}, "", 0},
        {true, 6, {520 * s, 600 * s}, "", 0},
    };
}

}  // namespace kinoglaz::test
