// bench_pipeline: decode throughput of kinoglaz on one file, for comparing with `ffmpeg -f null`
// (see decode_throughput.sh). Prints one line: frames, seconds, fps.
//
//   bench_pipeline FILE [--threads N] [--codec-threads N] [--fast off|on|auto]
//                  [--mode pipeline|decode|convert]
//
// --threads sets the pipeline's threads and the codec's (as `kinoglaz --threads`, which for
// pictures up to 1280x720 leaves one core to the analysis); --codec-threads fixes the codec's.
// Modes: `pipeline` runs run_pipeline (decode, proxy, basic features) with a no-op consumer;
// `decode` only calls VideoDecoder::next (the pure FFmpeg decode cost); `convert` adds the proxy
// conversion on the calling thread.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include <kinoglaz/pipeline.hpp>

namespace {

[[noreturn]] void usage() {
    std::fputs(
        "usage: bench_pipeline FILE [--threads N] [--codec-threads N] [--fast off|on|auto] "
        "[--mode pipeline|decode|convert]\n",
        stderr);
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace kinoglaz;
    std::string file, mode = "pipeline";
    DecodeOptions decode;
    decode.analysis_colour = false;  // as the analysis passes decode: the proxy's luma only
    int codec_threads = -1;
    PipelineOptions pipeline;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage();
            return argv[++i];
        };
        if (a == "--threads") {
            pipeline.threads = decode.threads = std::atoi(value().c_str());
        } else if (a == "--codec-threads") {
            codec_threads = std::atoi(value().c_str());
        } else if (a == "--fast") {
            auto v = value();
            if (v == "off")
                decode.fast_decode = FastDecode::off;
            else if (v == "on")
                decode.fast_decode = FastDecode::on;
            else if (v == "auto")
                decode.fast_decode = FastDecode::auto_;
            else
                usage();
        } else if (a == "--mode") {
            mode = value();
            if (mode != "pipeline" && mode != "decode" && mode != "convert") usage();
        } else if (!a.empty() && a[0] == '-') {
            usage();
        } else if (file.empty()) {
            file = a;
        } else {
            usage();
        }
    }
    if (file.empty()) usage();
    // The pipeline decodes as the analysis passes do; the other modes time FFmpeg alone.
    decode.reserve_analysis_core = mode == "pipeline";
    if (codec_threads >= 0) {
        decode.threads = codec_threads;
        decode.reserve_analysis_core = false;
    }
    try {
        VideoDecoder decoder(file, decode);
        auto start = std::chrono::steady_clock::now();
        std::int64_t frames = 0;
        if (mode == "pipeline") {
            frames = run_pipeline(decoder, pipeline, [](const FramePtr&, const FrameFeatures&) {});
        } else {
            while (auto picture = decoder.next()) {
                if (mode == "convert") (void)decoder.convert(*picture);
                ++frames;
            }
        }
        double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("frames=%lld seconds=%.3f fps=%.1f mode=%s decode_errors=%lld\n",
                    static_cast<long long>(frames), seconds, seconds > 0 ? frames / seconds : 0.0,
                    mode.c_str(), static_cast<long long>(decoder.info().decode_errors));
        return 0;
    } catch (const Error& e) {
        std::fprintf(stderr, "bench_pipeline: %s\n", e.what());
        return 1;
    }
}
