// Reveal clips of pictures held in memory (the replay buffer of `kinoglaz live`): the pictures
// become a short, nearly lossless film, and the film goes through the one reveal path.
#include <cmath>
#include <filesystem>

#include <kinoglaz/core.hpp>
#include "kinoglaz/unconscious/reveal.hpp"
#include "video_writer.hpp"

namespace kinoglaz {

void render_reveal(const std::function<std::optional<TimedPicture>()>& next, double fps,
                   const RevealOptions& options, const std::string& output_mp4) {
    if (!(fps > 0 && fps <= 1000)) throw_bad_usage("reveal", "frame rate must be 0..1000");
    const std::string source = output_mp4 + ".source.mp4";
    struct RemoveAfter {
        const std::string& path;
        ~RemoveAfter() {
            std::error_code ec;
            std::filesystem::remove(path, ec);
        }
    } remove_source{source};

    std::optional<detail::VideoWriter> writer;
    cv::Rect even;  // the encoder takes even sizes only: an odd last row or column is left out
    double first_s = 0;
    std::int64_t last_ms = -1, count = 0;
    while (auto picture = next()) {
        if (picture->bgr.empty() || picture->bgr.type() != CV_8UC3)
            throw_bad_usage("reveal", "pictures must be BGR");
        if (!writer) {
            even = cv::Rect(0, 0, picture->bgr.cols & ~1, picture->bgr.rows & ~1);
            if (even.empty()) throw_bad_input(output_mp4, "pictures too small for a clip");
            first_s = picture->time_s;
            // CRF 10: the reveal magnifies what the encoder leaves, so it must leave nearly all.
            writer.emplace(source, even.size(), Rational{1, 1000}, fps, 10);
        }
        if (picture->bgr.cols < even.br().x || picture->bgr.rows < even.br().y)
            throw_bad_usage("reveal", "pictures must all have one size");
        const auto ms = std::int64_t(std::llround((picture->time_s - first_s) * 1000));
        if (ms <= last_ms) continue;  // two pictures within a millisecond: keep the first
        writer->write(picture->bgr(even), ms);
        last_ms = ms;
        ++count;
    }
    if (count < 2) throw_bad_input(output_mp4, "fewer than two pictures to reveal");
    writer->close();
    RevealOptions o = options;
    o.start_s.reset();
    o.end_s.reset();
    render_reveal(source, o, output_mp4);
}

}  // namespace kinoglaz
