#pragma once
// A small H.264 MP4 writer on libavcodec/libavformat (libx264, yuv420p), internal to
// engine/unconscious: the reveal clips and `split` use it. FFmpeg types stay in the .cpp.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <opencv2/core.hpp>

#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>

namespace kinoglaz::detail {

/// Sound for a VideoWriter: a time range of the first audio stream of a file, decoded and
/// encoded again as AAC, cut to the sample where the container's timestamps are exact (MP4,
/// MOV; Matroska rounds them to 1 ms).
struct WriterAudio {
    std::string input;           ///< file (or URL) holding the audio
    double start_s = 0;          ///< seconds in the input's clock (pts x time base): output time 0
    double end_s = 0;            ///< exclusive end in the same clock; greater than start_s
    bool allow_network = false;  ///< permit non-file protocols for `input`
};

/// What a VideoWriter stores besides the pictures.
struct VideoWriterExtras {
    Rational sample_aspect{0, 1};  ///< pixel aspect written to the stream; 0/1 = unspecified
    int rotation_deg = 0;  ///< clockwise turn a player applies (display matrix): 0, 90, 180, 270
    std::optional<WriterAudio> audio;  ///< none, or an input without audio: a silent file
    std::string preset = "veryfast";   ///< libx264 preset (speed against size)
    /// Peak bit rate as bits per pixel of each second's pictures (VBV, with a one-second
    /// buffer), so that a clip's rate follows its size and frame rate and stays playable from
    /// a classroom's network share; 0 = only the CRF decides.
    double max_bits_per_pixel = 0;
};

/// Writes BGR (or 4:2:0 planar) frames of one fixed, even size with exact presentation timestamps.
/// Thread-safety: none (one writer per thread).
class VideoWriter {
  public:
    /// Opens `path` for writing. `time_base` is the unit of the timestamps given to write();
    /// `fps_hint` is the nominal rate for the encoder's rate control. Throws Error(io) if the
    /// file cannot be created, Error(internal) if libx264 is missing, Error(bad_usage) for an
    /// odd or empty size, Error(bad_input) if `extras.audio` cannot be read.
    VideoWriter(const std::string& path, cv::Size size, Rational time_base, double fps_hint,
                int crf = 20, const VideoWriterExtras& extras = {});
    ~VideoWriter();
    VideoWriter(const VideoWriter&) = delete;
    VideoWriter& operator=(const VideoWriter&) = delete;

    /// Encodes one CV_8UC3 frame shown at `pts` (strictly increasing, in `time_base`).
    void write(const cv::Mat& bgr, std::int64_t pts);

    /// Encodes one picture given as 4:2:0 samples (Y'CbCr as the encoder takes them, no
    /// colour conversion), shown at `pts`.
    void write(const PlanarPicture& picture, std::int64_t pts);

    /// Flushes the encoders (the audio to its end_s) and finalises the file. Called by the
    /// destructor if needed (which then swallows errors); call it explicitly to see them.
    void close();

    std::int64_t frames_written() const noexcept;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace kinoglaz::detail
