// What micro-gesture detection adds to the time of `kinoglaz cuts` on the same film. Each
// variant runs alternately over several rounds and keeps its best time:
//
//   cuts            `kinoglaz cuts` as it runs by default (segments where they pay off)
//   cuts/1          the same as one in-order pass (`--segments 1`)
//   cuts+events     one in-order pass that also builds the smoothed proxy and the features
//                   events need, with the EventFinder as ordered consumer: cut detection
//                   plus event detection, nothing else of `analyze`
//   cuts+events/s   the same split into segments as the default `cuts` splits the film, an
//                   EventFinder per segment joined at its restarts (as `analyze --segments`)
//
// "events add" = (cuts+events - cuts/1) / cuts/1, and against the default `cuts`
// (cuts+events/s - cuts) / cuts. The segmented events must equal the single pass's.
// Usage: bench_events VIDEO [THREADS=2] [ROUNDS=3]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "kinoglaz/error.hpp"
#include "kinoglaz/transition_pass.hpp"
#include "kinoglaz/unconscious.hpp"

using namespace kinoglaz;

namespace {

// The event finder of one segment.
class EventSink final : public SegmentSink {
  public:
    void push(const FramePtr& frame, const FrameFeatures& features) override {
        finder.push(*frame, features);
    }
    bool restarted_since(FrameIndex frame) const override {
        return first_restart_from(finder.restarts(), frame) != nullptr;
    }
    bool take_over(SegmentSink& next, FrameIndex from) override {
        return finder.take_over(static_cast<EventSink&>(next).finder, from);
    }
    EventFinder finder;
};

bool same_events(const std::vector<Event>& a, const std::vector<Event>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].frames.start != b[i].frames.start || a[i].frames.end != b[i].frames.end ||
            a[i].bbox != b[i].bbox || a[i].score != b[i].score ||
            a[i].amplitude_px != b[i].amplitude_px)
            return false;
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_events VIDEO [THREADS=2] [ROUNDS=3]\n");
        return 2;
    }
    const std::string input = argv[1];
    PassOptions cuts;
    cuts.threads = argc > 2 ? std::atoi(argv[2]) : 2;
    cuts.analysis_proxy = false;  // as `kinoglaz cuts`
    const int rounds = argc > 3 ? std::max(1, std::atoi(argv[3])) : 3;
    PassOptions with_events = cuts;
    with_events.extra_features = EventFinder::needs();

    using clock = std::chrono::steady_clock;
    auto seconds_since = [](clock::time_point t0) {
        return std::chrono::duration<double>(clock::now() - t0).count();
    };
    const double inf = std::numeric_limits<double>::infinity();
    double best_cuts = inf, best_single = inf, best_events = inf, best_seg_events = inf;
    double push_ms = 0;
    std::size_t frames = 0, events_found = 0;
    int segments = 1;
    bool same = true;
    try {
        for (int round = 0; round < rounds; ++round) {
            auto t0 = clock::now();
            frames = run_segmented_pass(input, cuts, 0).frame_times.size();
            best_cuts = std::min(best_cuts, seconds_since(t0));

            t0 = clock::now();
            run_transition_pass(input, cuts);
            best_single = std::min(best_single, seconds_since(t0));

            EventFinder finder;
            t0 = clock::now();
            PassResult pass = run_transition_pass(
                input, with_events,
                [&](const FramePtr& frame, const FrameFeatures& f) { finder.push(*frame, f); });
            const auto events = finder.finish(pass.transitions, pass.source);
            events_found = events.size();
            best_events = std::min(best_events, seconds_since(t0));
            push_ms = finder.mean_push_ms();

            t0 = clock::now();
            SegmentedPassResult seg = run_segmented_pass(
                input, with_events, 0, [] { return std::make_unique<EventSink>(); });
            auto& joined = static_cast<EventSink&>(*seg.sink).finder;
            same =
                same && same_events(events, joined.finish(seg.pass.transitions, seg.pass.source));
            best_seg_events = std::min(best_seg_events, seconds_since(t0));
            segments = seg.segments;
        }
    } catch (const Error& e) {
        std::fprintf(stderr, "bench_events: %s\n", e.what());
        return 1;
    }
    const double n = double(frames);
    std::printf("%s: %zu frames, %d threads, best of %d\n", input.c_str(), frames, cuts.threads,
                rounds);
    std::printf("cuts          %6.2f s  %7.0f fps\n", best_cuts, n / best_cuts);
    std::printf("cuts/1        %6.2f s  %7.0f fps\n", best_single, n / best_single);
    std::printf("cuts+events   %6.2f s  %7.0f fps  (%zu events, EventFinder::push %.2f ms/frame)\n",
                best_events, n / best_events, events_found, push_ms);
    std::printf("cuts+events/s %6.2f s  %7.0f fps  (%d segments, events %s the single pass's)\n",
                best_seg_events, n / best_seg_events, segments, same ? "equal" : "DIFFER FROM");
    std::printf("events add %.0f %% to one cuts pass, %.0f %% to default cuts\n",
                100 * (best_events - best_single) / best_single,
                100 * (best_seg_events - best_cuts) / best_cuts);
    return same ? 0 : 1;
}
