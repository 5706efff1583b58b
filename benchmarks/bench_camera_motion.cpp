// bench_camera_motion: CPU time of the camera-motion feature alone (FeatureMask::camera_motion
// of compute_pair_features: Shi-Tomasi corners, pyramidal Lucas-Kanade, RANSAC similarity) on
// the analysis proxies of a film: the pair features with it, less the pair features without.
//
//   bench_camera_motion FILE [--frames N]     (default: the first 400 frames)
//
// One thread (cv::setNumThreads(0)), so the CPU time is the feature's own; short enough for
// `valgrind --tool=callgrind` (with --frames 50).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

#include <opencv2/core.hpp>

#include <kinoglaz/analysis.hpp>
#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include <kinoglaz/pipeline.hpp>

namespace {

double cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace kinoglaz;
    if (argc != 2 && !(argc == 4 && std::strcmp(argv[2], "--frames") == 0)) {
        std::fputs("usage: bench_camera_motion FILE [--frames N]\n", stderr);
        return 2;
    }
    const std::size_t limit = argc == 4 ? std::size_t(std::atol(argv[3])) : 400;
    try {
        DecodeOptions decode;
        decode.analysis_colour = false;
        VideoDecoder decoder(argv[1], decode);
        std::vector<FramePtr> frames;
        std::vector<FrameFeatures> features;
        run_pipeline(decoder, {}, [&](const FramePtr& frame, const FrameFeatures& f) {
            if (frames.size() < limit) frames.push_back(frame), features.push_back(f);
        });
        if (frames.size() < 2) throw_io("bench_camera_motion", "fewer than two frames");
        cv::setNumThreads(0);
        const auto time_pairs = [&](FeatureMask mask, int& valid) {
            const double start = cpu_seconds();
            for (std::size_t i = 1; i < frames.size(); ++i) {
                FrameFeatures f = features[i];
                compute_pair_features(*frames[i - 1], features[i - 1], *frames[i], f, mask);
                valid += f.motion.valid;
            }
            return cpu_seconds() - start;
        };
        int valid = 0, none = 0;
        const double with_motion =
            time_pairs(FeatureMask::basic | FeatureMask::camera_motion, valid);
        const double without = time_pairs(FeatureMask::basic, none);
        const double pairs = double(frames.size() - 1);
        std::printf(
            "%zu frames, %dx%d proxy: camera motion %.3f ms/frame (valid on %d pairs), "
            "the other pair features %.3f ms/frame\n",
            frames.size(), frames[0]->proxy_gray.cols, frames[0]->proxy_gray.rows,
            1e3 * (with_motion - without) / pairs, valid, 1e3 * without / pairs);
        return 0;
    } catch (const Error& e) {
        std::fprintf(stderr, "bench_camera_motion: %s\n", e.what());
        return 1;
    }
}
