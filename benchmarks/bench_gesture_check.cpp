// What the micro-gestures' second stage costs on a film: the pass's proposals
// (EventFinder::proposals()), then check_gestures() on them, with its decoding's size
// (GestureCheckStats) and its CPU and wall time, beside the pass's.
// Usage: bench_gesture_check VIDEO [THREADS=2]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include <kinoglaz/core.hpp>
#include <kinoglaz/pipeline.hpp>
#include <kinoglaz/unconscious.hpp>

using namespace kinoglaz;

namespace {

struct Clock {
    std::clock_t cpu = std::clock();
    std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
    void print(const char* what) const {
        std::printf("%s: %.2f s CPU, %.2f s wall\n", what,
                    double(std::clock() - cpu) / CLOCKS_PER_SEC,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count());
    }
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_gesture_check VIDEO [THREADS=2]\n");
        return 2;
    }
    const std::string input = argv[1];
    PassOptions options;
    options.decode.threads = argc > 2 ? std::atoi(argv[2]) : 2;
    options.extra_features = EventFinder::needs();
    try {
        EventFinder finder;
        const Clock pass_clock;
        PassResult pass = run_transition_pass(
            input, options,
            [&](const FramePtr& frame, const FrameFeatures& f) { finder.push(*frame, f); });
        const auto events = finder.finish(pass.transitions, pass.source);
        pass_clock.print("pass");
        std::printf("%lld frames, %zu events, %zu proposals\n", (long long)pass.source.frame_count,
                    events.size(), finder.proposals().size());
        for (const Event& p : finder.proposals())
            std::printf("  proposal [%lld,%lld) %dx%d at %d,%d\n", (long long)p.frames.start,
                        (long long)p.frames.end, p.bbox.width, p.bbox.height, p.bbox.x, p.bbox.y);
        GestureCheckOptions check;
        check.threads = options.decode.threads;
        GestureCheckStats stats;
        const Clock check_clock;
        const auto confirmed = check_gestures(input, finder.proposals(), events, pass.transitions,
                                              pass.source, check, &stats);
        check_clock.print("check");
        std::printf("measured %zu, confirmed %zu; frames wanted %zu, decoded %zu in %zu pass(es)\n",
                    stats.measured, confirmed.size(), stats.frames_wanted, stats.frames_decoded,
                    stats.decodings);
    } catch (const Error& e) {
        std::fprintf(stderr, "bench_gesture_check: %s\n", e.what());
        return 1;
    }
    return 0;
}
