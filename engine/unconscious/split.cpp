#include "kinoglaz/split.hpp"

#include <cstdio>

#include "kinoglaz/decoder.hpp"
#include "kinoglaz/error.hpp"
#include "kinoglaz/progress.hpp"
#include "video_writer.hpp"

namespace kinoglaz {

namespace {

std::filesystem::path shot_file(const std::filesystem::path& dir, int index, const char* suffix) {
    char name[48];
    std::snprintf(name, sizeof name, "shot-%03d%s", index, suffix);
    return dir / name;
}

// Frame-exact: decode exactly the shot's frames and encode them again, timestamps kept
// relative to the shot's first frame.
void reencode_shot(const std::string& input, const SourceInfo& source, const Shot& shot,
                   const std::filesystem::path& path, const SplitOptions& options) {
    DecodeOptions decode;
    decode.threads = options.threads;
    decode.full_resolution = true;
    decode.allow_network = options.allow_network;
    decode.start_s = shot.start_time_s;
    decode.end_s = shot.end_time_s;
    VideoDecoder decoder(input, decode);
    std::unique_ptr<detail::VideoWriter> writer;
    std::int64_t first_pts = 0;
    while (auto picture = decoder.next()) {
        throw_if_cancelled();
        if (picture->index >= shot.frames.end) break;
        Frame frame = decoder.convert(*picture);
        if (!writer) {
            first_pts = frame.timestamp.pts;
            writer = std::make_unique<detail::VideoWriter>(path.string(), frame.full_bgr.size(),
                                                           source.time_base,
                                                           source.fps > 0 ? source.fps : 25.0);
        }
        writer->write(frame.full_bgr, frame.timestamp.pts - first_pts);
    }
    if (!writer)
        throw_bad_input(input, "shot " + std::to_string(shot.index) + " has no decodable frame");
    writer->close();
}

}  // namespace

std::vector<std::filesystem::path> split_shots(const std::string& input, const SourceInfo& source,
                                               const std::vector<Shot>& shots,
                                               const std::filesystem::path& dir,
                                               const SplitOptions& options) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw_io(dir.string(), "cannot create: " + ec.message());
    std::vector<std::filesystem::path> written;
    for (const Shot& shot : shots) {
        throw_if_cancelled();
        const auto temp = shot_file(dir, shot.index, ".partial.mp4");
        const auto final_path = shot_file(dir, shot.index, ".mp4");
        try {
            if (options.copy)
                copy_video_range(input, shot.start_time_s, shot.end_time_s, temp.string(),
                                 options.allow_network);
            else
                reencode_shot(input, source, shot, temp, options);
        } catch (...) {
            std::filesystem::remove(temp, ec);
            throw;
        }
        std::filesystem::rename(temp, final_path, ec);
        if (ec) throw_io(final_path.string(), "cannot write: " + ec.message());
        written.push_back(final_path);
    }
    return written;
}

}  // namespace kinoglaz
