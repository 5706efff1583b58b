// Synthesises a long analysis folder from a short one, for timing `kinoglaz rebuild` on a
// feature-length film without analysing one: the short film's montage cache, transitions and
// keyframes are repeated K times end to end (as `ffmpeg -stream_loop K-1 -c copy` repeats the
// film), with a cut where each repetition starts again, and the montage is built from them as
// analyze builds it. The result is a complete folder (analysis.json, every export, keyframes
// linked from the short folder, montage.cache) whose source is LONG_FILM.
//
// usage: synth_long_analysis SHORT_ANALYSIS_DIR K LONG_FILM OUTDIR
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <kinoglaz/core.hpp>
#include <kinoglaz/export.hpp>
#include <kinoglaz/montage.hpp>

namespace fs = std::filesystem;
using namespace kinoglaz;

int main(int argc, char** argv) try {
    if (argc != 5) {
        std::fprintf(stderr, "usage: synth_long_analysis SHORT_ANALYSIS_DIR K LONG_FILM OUTDIR\n");
        return 2;
    }
    const fs::path in = argv[1], out = argv[4];
    const int k = std::atoi(argv[2]);
    std::ifstream json(in / "analysis.json");
    std::stringstream text;
    text << json.rdbuf();
    const Analysis base = parse_analysis_json(text.str(), "analysis.json");
    const MontageCollector c = read_montage_cache(in / kMontageCacheName, base.source);
    const FrameIndex n = c.frame_count();
    const double dur = base.source.duration_s;

    std::vector<MontageCollector::FrameRecord> frames;
    std::vector<MontageCollector::Segment> segments;
    frames.reserve(std::size_t(n * k));
    Analysis a;
    a.source = base.source;
    a.source.path = fs::absolute(argv[3]).string();
    a.source.frame_count = n * k;
    a.source.duration_s = dur * k;
    for (int r = 0; r < k; ++r) {
        for (auto f : c.frames()) {
            f.time_s += r * dur;
            frames.push_back(f);
        }
        for (auto s : c.segments()) {
            s.start += r * n, s.end += r * n;
            segments.push_back(s);
        }
        if (r > 0) {
            Transition cut;
            cut.frames = {r * n, r * n};
            cut.start_time_s = cut.end_time_s = r * dur;
            a.transitions.push_back(cut);
        }
        for (auto t : base.transitions) {
            t.frames.start += r * n, t.frames.end += r * n;
            t.start_time_s += r * dur, t.end_time_s += r * dur;
            a.transitions.push_back(t);
        }
    }
    const MontageCollector long_collector = MontageCollector::restore(
        0, c.proxy_width(), c.proxy_height(), std::move(frames), std::move(segments));
    build_montage(a, long_collector);

    // Keyframes: the short film's picture of the same frame, linked; its scale.
    std::map<FrameIndex, const Shot*> by_keyframe;
    for (const Shot& s : base.shots) by_keyframe.emplace(s.keyframe, &s);
    fs::create_directories(out / "keyframes");
    for (Shot& s : a.shots) {
        auto it = by_keyframe.find(s.keyframe % n);
        if (it == by_keyframe.end()) continue;
        s.scale = it->second->scale;
        std::error_code ec;
        fs::create_hard_link(in / keyframe_path(it->second->index), out / keyframe_path(s.index),
                             ec);
        if (ec) fs::copy_file(in / keyframe_path(it->second->index), out / keyframe_path(s.index));
    }
    write_montage_cache(out / kMontageCacheName, long_collector, a.source);
    write_analysis_folder(a, out, {});
    std::printf("%s: %lld frames, %zu transitions, %zu shots\n", out.string().c_str(),
                (long long)a.source.frame_count, a.transitions.size(), a.shots.size());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "synth_long_analysis: %s\n", e.what());
    return 1;
}
