// What the vibration finder adds to the decoding pass of `analyze`. One in-order pass over the
// film with the features `analyze` computes, feeding the micro-gesture finder alone
// (`gestures`) or the micro-gesture and the vibration finders (`both`); run the two variants
// alternately under an external timer (`/usr/bin/time -v`, or any tool that pairs runs) and
// compare. Each run also prints the finders' own mean time per frame.
// Usage: bench_vibrations VIDEO THREADS gestures|both
#include <cstdio>
#include <cstdlib>
#include <string>

#include <kinoglaz/core.hpp>
#include <kinoglaz/montage.hpp>
#include <kinoglaz/pipeline.hpp>
#include <kinoglaz/unconscious.hpp>

using namespace kinoglaz;

int main(int argc, char** argv) {
    const std::string variant = argc > 3 ? argv[3] : "";
    if (argc != 4 || (variant != "gestures" && variant != "both")) {
        std::fprintf(stderr, "usage: bench_vibrations VIDEO THREADS gestures|both\n");
        return 2;
    }
    PassOptions options;
    options.decode.threads = std::atoi(argv[2]);
    options.extra_features = montage_features() | EventFinder::needs() | VibrationFinder::needs();
    try {
        EventFinder gestures;
        VibrationFinder vibrations;
        const bool both = variant == "both";
        PassResult pass = run_transition_pass(argv[1], options,
                                              [&](const FramePtr& frame, const FrameFeatures& f) {
                                                  gestures.push(*frame, f);
                                                  if (both) vibrations.push(*frame, f);
                                              });
        const auto found = gestures.finish(pass.transitions, pass.source);
        std::printf("%s: %zu frames, %zu gestures (%.2f ms/frame)", variant.c_str(),
                    pass.frame_times.size(), found.size(), gestures.mean_push_ms());
        if (both)
            std::printf(", %zu vibrations (%.2f ms/frame)",
                        vibrations.finish(pass.transitions, pass.source).size(),
                        vibrations.mean_push_ms());
        std::printf("\n");
    } catch (const Error& e) {
        std::fprintf(stderr, "bench_vibrations: %s\n", e.what());
        return 1;
    }
    return 0;
}
