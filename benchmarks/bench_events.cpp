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
// (cuts+events/s - cuts) / cuts, in wall-clock time and in the process's CPU time: on a
// shared machine other programs stretch the wall clock of a run that needs every core, while
// the CPU time it takes moves much less. Load that comes and goes over minutes is also
// reported against: the median over rounds of each round's own ratio (a round runs the
// variants back to back). The segmented events must equal the single pass's.
// Usage: bench_events VIDEO [THREADS=2] [ROUNDS=3]
//        bench_events VIDEO THREADS once cuts|events
// The second form runs one single pass of `cuts` or of cut plus event detection and nothing
// else, for a deterministic count of the instructions each takes:
//   valgrind --tool=callgrind build/bin/bench_events clip.mp4 1 once events
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <string>
#include <vector>

#include <kinoglaz/core.hpp>
#include <kinoglaz/pipeline.hpp>
#include <kinoglaz/unconscious.hpp>

using namespace kinoglaz;

namespace {

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
        std::fprintf(stderr,
                     "usage: bench_events VIDEO [THREADS=2] [ROUNDS=3]\n"
                     "       bench_events VIDEO THREADS once cuts|events\n");
        return 2;
    }
    const std::string input = argv[1];
    PassOptions cuts;
    cuts.decode.threads = argc > 2 ? std::atoi(argv[2]) : 2;
    cuts.decode.analysis_proxy = false;  // as `kinoglaz cuts`
    const int rounds = argc > 3 ? std::max(1, std::atoi(argv[3])) : 3;
    PassOptions with_events = cuts;
    with_events.extra_features = EventFinder::needs();

    if (argc > 4 && std::string(argv[3]) == "once") {
        const std::string variant = argv[4];
        if (variant != "cuts" && variant != "events") {
            std::fprintf(stderr, "bench_events: once takes cuts or events\n");
            return 2;
        }
        try {
            EventFinder finder;
            PassResult pass =
                run_transition_pass(input, variant == "cuts" ? cuts : with_events,
                                    [&](const FramePtr& frame, const FrameFeatures& f) {
                                        if (variant == "events") finder.push(*frame, f);
                                    });
            std::printf("%s: %zu frames, %zu transitions, %zu events\n", variant.c_str(),
                        pass.frame_times.size(), pass.transitions.size(),
                        finder.finish(pass.transitions, pass.source).size());
        } catch (const Error& e) {
            std::fprintf(stderr, "bench_events: %s\n", e.what());
            return 1;
        }
        return 0;
    }

    // Wall-clock and CPU seconds of one run; each variant keeps its best of the rounds.
    struct Cost {
        double wall = std::numeric_limits<double>::infinity(), cpu = wall;
    };
    struct Timer {
        std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
        std::clock_t cpu = std::clock();
        Cost stop_into(Cost& best) const {
            const Cost c{
                std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count(),
                double(std::clock() - cpu) / CLOCKS_PER_SEC};
            best.wall = std::min(best.wall, c.wall);
            best.cpu = std::min(best.cpu, c.cpu);
            return c;
        }
    };
    Cost cuts_cost, single_cost, events_cost, seg_events_cost;
    std::vector<double> round_wall_ratio, round_cpu_ratio;  // events/s over cuts, per round
    double push_ms = 0;
    std::size_t frames = 0, events_found = 0;
    int segments = 1;
    bool same = true;
    try {
        for (int round = 0; round < rounds; ++round) {
            Timer t;
            frames = run_segmented_pass(input, cuts, 0).frame_times.size();
            const Cost cuts_round = t.stop_into(cuts_cost);

            t = Timer();
            run_transition_pass(input, cuts);
            t.stop_into(single_cost);

            EventFinder finder;
            t = Timer();
            PassResult pass = run_transition_pass(
                input, with_events,
                [&](const FramePtr& frame, const FrameFeatures& f) { finder.push(*frame, f); });
            const auto events = finder.finish(pass.transitions, pass.source);
            t.stop_into(events_cost);
            events_found = events.size();
            push_ms = finder.mean_push_ms();

            t = Timer();
            SegmentedPassResult seg = run_segmented_pass(input, with_events, 0, [] {
                std::vector<std::unique_ptr<SegmentConsumer>> consumers;
                consumers.push_back(std::make_unique<EventFinder>());
                return consumers;
            });
            auto& joined = static_cast<EventFinder&>(*seg.consumers[0]);
            same =
                same && same_events(events, joined.finish(seg.pass.transitions, seg.pass.source));
            const Cost events_round = t.stop_into(seg_events_cost);
            segments = seg.segments;
            round_wall_ratio.push_back(events_round.wall / cuts_round.wall);
            round_cpu_ratio.push_back(events_round.cpu / cuts_round.cpu);
        }
    } catch (const Error& e) {
        std::fprintf(stderr, "bench_events: %s\n", e.what());
        return 1;
    }
    const double n = double(frames);
    std::printf("%s: %zu frames, %d threads, best of %d\n", input.c_str(), frames,
                cuts.decode.threads, rounds);
    auto row = [&](const char* name, const Cost& c) {
        std::printf("%-14s %6.2f s  %7.0f fps  %6.2f s CPU", name, c.wall, n / c.wall, c.cpu);
    };
    row("cuts", cuts_cost);
    std::printf("\n");
    row("cuts/1", single_cost);
    std::printf("\n");
    row("cuts+events", events_cost);
    std::printf("  (%zu events, EventFinder::push %.2f ms/frame)\n", events_found, push_ms);
    row("cuts+events/s", seg_events_cost);
    std::printf("  (%d segments, events %s the single pass's)\n", segments,
                same ? "equal" : "DIFFER FROM");
    auto added = [](double with, double without) { return 100 * (with - without) / without; };
    std::printf("events add %.0f %% to one cuts pass, %.0f %% to default cuts (wall)\n",
                added(events_cost.wall, single_cost.wall),
                added(seg_events_cost.wall, cuts_cost.wall));
    std::printf("events add %.0f %% to one cuts pass, %.0f %% to default cuts (CPU)\n",
                added(events_cost.cpu, single_cost.cpu), added(seg_events_cost.cpu, cuts_cost.cpu));
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
    };
    std::printf(
        "events add %.0f %% (wall), %.0f %% (CPU) to default cuts: median of the rounds' "
        "own ratios\n",
        100 * (median(round_wall_ratio) - 1), 100 * (median(round_cpu_ratio) - 1));
    return same ? 0 : 1;
}
