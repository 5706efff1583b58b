#pragma once
/// The soundtrack's rhythm: tempo, beats and onsets (found by aubio), and where each cut falls
/// against them. Plain types here; the algorithms are free functions in engine/sound.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <kinoglaz/core.hpp>

namespace kinoglaz {

struct Analysis;

/// Options of the sound analysis. Validated by analyse_sound before any audio is read.
struct SoundOptions {
    bool enabled = true;        ///< false: no audio section at all (`--no-audio`)
    std::optional<int> stream;  ///< absolute stream index (`--audio-stream N`); empty: the first
    /// Analysis rate, 8000..192000 Hz. 22.05 kHz keeps what beats and onsets are made of
    /// (drums, attacks) at half the cost of 44.1 kHz, with the same results on the test films.
    int sample_rate = 22050;
    int window = 512;  ///< aubio FFT window, samples, a power of two 64..16384 (23 ms)
    /// aubio hop, samples, 16..window: the resolution of beat and onset times (5.8 ms at
    /// 22.05 kHz; with 11.6 ms hops, aubio's beats wandered by up to 40 ms at 140 bpm)
    int hop = 128;
    /// A beat is moved onto the nearest onset within this many seconds (0: never): the
    /// tracker's beats are predictions on its hop grid, the onsets are measured hits.
    double snap_to_onset_s = 0.035;
    bool allow_network = false;  ///< as DecodeOptions::allow_network
};

/// Where one cut falls against the sound. Written into the cut's own transition object.
struct CutSound {
    FrameIndex frame = 0;                 ///< the cut's frame (Transition::frames.start)
    double time_s = 0;                    ///< the cut's time, seconds from the first frame
    std::optional<double> beat_offset_s;  ///< cut time minus the nearest beat; none without beats
    std::optional<double>
        onset_offset_s;  ///< cut time minus the nearest onset; none without onsets
};

/// The `audio` section of analysis.json. Times are seconds from the film's first video frame
/// (the clock of every other time in the analysis), so audio that starts later than the
/// picture has its beats shifted by that delay; a beat before the first frame is negative.
struct AudioAnalysis {
    int stream = -1;            ///< absolute stream index that was analysed
    std::string codec;          ///< e.g. "aac"
    int channels = 0;           ///< channels of the stream, mixed down to mono
    int sample_rate = 0;        ///< the stream's own rate, Hz
    double start_s = 0;         ///< first audio sample's time on the film's clock, seconds
    double duration_s = 0;      ///< length of the decoded audio, seconds
    double tempo_bpm = 0;       ///< beats per minute; 0 when no beat was found
    std::vector<double> beats;  ///< beat times, increasing
    /// First beats of bars, when the bass marks them clearly (see beats_per_bar); else empty.
    std::vector<double> downbeats;
    int beats_per_bar = 0;           ///< 3 or 4 when downbeats were found; else 0
    std::vector<double> onsets;      ///< sound onsets (accents), increasing
    std::int64_t decode_errors = 0;  ///< audio packets or frames skipped
    /// One entry per hard cut of the analysis, in order (apply_sound_offsets fills them).
    std::vector<CutSound> cuts;
    /// Share of cuts within half a frame (1 / 2 fps) of a beat, 0..1; written under `rhythm`.
    std::optional<double> on_beat_share;
    /// Share of cuts within one frame (1 / fps) of an onset, 0..1; written under `rhythm`.
    std::optional<double> on_onset_share;
    std::string error;  ///< empty when the audio was read; else what went wrong
};

/// Decodes the film's audio (kinoglaz/audio.hpp) and finds tempo, beats and onsets with aubio.
/// ANALYSIS supplies the video clock (source.start_time_s). Returns std::nullopt when the film
/// has no audio stream (and none was asked for) or `options.enabled` is false. Bad audio (a
/// corrupt or truncated stream, an unknown codec, a silent track) gives a value whose `error`
/// says so; it never throws for it. Throws Error(bad_usage) for invalid options and
/// Error(cancelled) when cancelled. Thread-safety: independent calls may run concurrently.
std::optional<AudioAnalysis> analyse_sound(const std::string& input, const Analysis& analysis,
                                           const SoundOptions& options);

/// Fills `analysis.audio->cuts` (each hard cut's beat and onset offsets: cut time minus the
/// nearest beat / onset, seconds, signed) and the on-beat and on-onset shares, from the
/// audio's beats and onsets and the analysis's transitions; does nothing without audio.
void apply_sound_offsets(Analysis& analysis);

/// The two calls above, as `analyze` makes them: the audio section, then the cuts' offsets.
void add_sound(Analysis& analysis, const std::string& input, const SoundOptions& options);

/// The signed distance from T to the nearest of TIMES (increasing), T minus that time;
/// std::nullopt when TIMES is empty. Ties go to the earlier time.
std::optional<double> offset_to_nearest(const std::vector<double>& times, double t);

}  // namespace kinoglaz
