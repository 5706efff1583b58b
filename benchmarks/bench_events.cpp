// Cost of streaming micro-gesture detection inside the main pass: the same pipeline run
// (basic features, as `kinoglaz cuts`) without and with the EventFinder as ordered consumer.
// Usage: bench_events VIDEO [THREADS=2]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "kinoglaz/decoder.hpp"
#include "kinoglaz/pipeline.hpp"
#include "kinoglaz/unconscious.hpp"

using namespace kinoglaz;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_events VIDEO [THREADS]\n");
        return 2;
    }
    int threads = argc > 2 ? std::atoi(argv[2]) : 2;
    auto pass = [&](bool events, double* push_ms) {
        DecodeOptions d;
        d.threads = threads;
        d.fast_decode = FastDecode::auto_;
        VideoDecoder dec(argv[1], d);
        PipelineOptions po;
        po.threads = threads;
        EventFinder finder;
        auto t0 = std::chrono::steady_clock::now();
        auto n = run_pipeline(dec, po, [&](const FramePtr& f, const FrameFeatures& ff) {
            if (events) finder.push(*f, ff);
        });
        auto found = events ? finder.finish({}, dec.info()).size() : 0;
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (push_ms) *push_ms = finder.mean_push_ms();
        std::printf("%-12s %lld frames in %.2f s = %.0f fps%s\n",
                    events ? "with events" : "pipeline", (long long)n, s, double(n) / s,
                    events ? (", " + std::to_string(found) + " events").c_str() : "");
        return s;
    };
    pass(false, nullptr);  // warm the file cache
    double base = pass(false, nullptr), push_ms = 0;
    double with = pass(true, &push_ms);
    std::printf("event detection adds %.0f %% (EventFinder::push %.2f ms/frame)\n",
                100 * (with - base) / base, push_ms);
    return 0;
}
