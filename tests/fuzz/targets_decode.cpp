#include "fuzz_targets.hpp"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include <kinoglaz/pipeline.hpp>

namespace kinoglaz::fuzz {

namespace {

// Thrown by the consumer to end a pass early: it also exercises the pipeline's clean-up of
// frames in flight when a stage throws.
struct EnoughFrames {};

// The decoder reads paths, so the input goes to a per-process file; /dev/shm keeps it in
// memory where available. The extension matters to FFmpeg only when content probing is weak.
std::string temp_path(std::string_view extension) {
    std::filesystem::path dir = std::filesystem::exists("/dev/shm")
                                    ? std::filesystem::path("/dev/shm")
                                    : std::filesystem::temp_directory_path();
    return (dir / ("kinoglaz-fuzz-" + std::to_string(::getpid()) + std::string(extension)))
        .string();
}

}  // namespace

void decode_one(const std::uint8_t* data, std::size_t size) {
    static constexpr std::array<std::string_view, 8> extensions{".mp4", ".mkv", ".ts",  ".y4m",
                                                                ".gif", ".avi", ".mpg", ".bin"};
    if (size < 1) return;
    const std::string path = temp_path(extensions[data[0] % extensions.size()]);
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data + 1), std::streamsize(size - 1));
    }
    try {
        DecodeOptions options;
        options.threads = 1;
        options.analysis_size = 64;
        // Small enough that a fuzzed header cannot push a sanitizer build past its RSS limit.
        options.max_pixels = 2048LL * 2048LL;
        VideoDecoder decoder(path, options);
        PipelineOptions pipe;
        pipe.threads = 2;
        pipe.features = FeatureMask::basic;
        int frames = 0;
        try {
            run_pipeline(decoder, pipe, [&](const FramePtr&, const FrameFeatures&) {
                if (++frames >= 48) throw EnoughFrames{};
            });
        } catch (const EnoughFrames&) {
        }
    } catch (const Error&) {
    }
    std::remove(path.c_str());
}

}  // namespace kinoglaz::fuzz
