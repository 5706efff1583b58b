#pragma once
/// Reading a film's soundtrack: one audio stream decoded by FFmpeg and resampled once to mono
/// float samples, delivered in order to a callback so that memory does not grow with the film.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace kinoglaz {

/// What read_audio should read.
struct AudioReadOptions {
    /// Absolute stream index in the file (as ffprobe numbers them); empty: FFmpeg's best audio
    /// stream (usually the first).
    std::optional<int> stream;
    int sample_rate = 44100;     ///< rate of the delivered samples, 8000..192000 Hz
    bool allow_network = false;  ///< permit non-file protocols, as DecodeOptions::allow_network
};

/// What read_audio found. Times are in the container's clock, as SourceInfo::start_time_s.
struct AudioStreamInfo {
    int stream = -1;                 ///< absolute stream index read
    std::string codec;               ///< codec name, e.g. "aac"
    int channels = 0;                ///< channels of the stream (mixed down to one)
    int source_rate = 0;             ///< the stream's own sample rate, Hz
    int sample_rate = 0;             ///< rate of the delivered samples, Hz
    double start_s = 0;              ///< presentation time of the first delivered sample, seconds
    std::int64_t samples = 0;        ///< mono samples delivered (gaps filled with silence)
    std::int64_t decode_errors = 0;  ///< packets or frames that failed to decode and were skipped
    /// Empty when the stream was read; else why it could not be read, in part or at all
    /// (an unknown codec, a stream that is not audio, undecodable packets).
    std::string error;
};

/// Receives consecutive mono samples in [-1, 1]; `count` > 0. Called from the caller's thread.
using AudioSink = std::function<void(const float* samples, std::size_t count)>;

/// Decodes the chosen audio stream of INPUT, mixes it down to mono, resamples it to
/// `options.sample_rate` (libswresample) and hands the samples to SINK in presentation order;
/// a gap in the timestamps is filled with silence, so that sample k lies at
/// `start_s + k / sample_rate`. Returns std::nullopt when INPUT has no audio stream and none
/// was asked for. Bad audio never throws: it is reported in AudioStreamInfo::error (and
/// decode_errors). Throws Error only for invalid options and for cancellation
/// (kinoglaz/progress.hpp). Thread-safety: independent calls may run concurrently.
std::optional<AudioStreamInfo> read_audio(const std::string& input, const AudioReadOptions& options,
                                          const AudioSink& sink);

}  // namespace kinoglaz
