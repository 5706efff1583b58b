#include "kinoglaz/sound.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>

extern "C" {
#include <aubio/aubio.h>
}

#include "kinoglaz/analysis.hpp"
#include "kinoglaz/audio.hpp"
#include "kinoglaz/error.hpp"

namespace kinoglaz {

namespace {

struct TempoFreer {
    void operator()(aubio_tempo_t* t) const { del_aubio_tempo(t); }
};
struct OnsetFreer {
    void operator()(aubio_onset_t* o) const { del_aubio_onset(o); }
};
struct FvecFreer {
    void operator()(fvec_t* v) const { del_fvec(v); }
};

// A track whose loudest sample stays below this (-80 dBFS) is silent: aubio would find no
// beat in it, and saying "silent" is more useful than an empty list.
constexpr float kSilentPeak = 1e-4f;

void validate(const SoundOptions& o) {
    if (o.sample_rate < 8000 || o.sample_rate > 192000)
        throw_bad_usage("sound", "sample rate must be between 8000 and 192000 Hz");
    if (o.window < 64 || o.window > 16384 || (o.window & (o.window - 1)) != 0)
        throw_bad_usage("sound", "window must be a power of two between 64 and 16384");
    if (o.hop < 16 || o.hop > o.window) throw_bad_usage("sound", "hop must be 16..window");
    if (!(o.snap_to_onset_s >= 0 && o.snap_to_onset_s <= 1))
        throw_bad_usage("sound", "snap to onset must be 0..1 s");
    if (o.stream && *o.stream < 0)
        throw_bad_usage("sound", "--audio-stream must be a stream index (0 or more)");
}

// Feeds aubio's beat tracker and onset detector hop by hop; times are in the audio's own
// clock (seconds from its first sample).
class Tracker {
  public:
    explicit Tracker(const SoundOptions& o)
        : hop_(std::size_t(o.hop)),
          tempo_(
              new_aubio_tempo("default", uint_t(o.window), uint_t(o.hop), uint_t(o.sample_rate))),
          onset_(
              new_aubio_onset("default", uint_t(o.window), uint_t(o.hop), uint_t(o.sample_rate))),
          in_(new_fvec(uint_t(o.hop))),
          out_(new_fvec(2)) {
        if (!tempo_ || !onset_ || !in_ || !out_)
            throw Error(ErrorKind::internal, "sound: aubio could not be set up");
    }

    void push(const float* samples, std::size_t count) {
        for (std::size_t i = 0; i < count; ++i) {
            peak_ = std::max(peak_, std::abs(samples[i]));
            in_->data[filled_++] = samples[i];
            if (filled_ == hop_) step();
        }
    }

    void finish() {
        if (filled_ == 0) return;
        std::fill(in_->data + filled_, in_->data + hop_, 0.0f);
        step();
    }

    float peak() const noexcept { return peak_; }
    std::vector<double> beats;
    std::vector<double> onsets;

  private:
    void step() {
        aubio_tempo_do(tempo_.get(), in_.get(), out_.get());
        if (out_->data[0] != 0) beats.push_back(aubio_tempo_get_last_s(tempo_.get()));
        aubio_onset_do(onset_.get(), in_.get(), out_.get());
        if (out_->data[0] != 0) onsets.push_back(aubio_onset_get_last_s(onset_.get()));
        filled_ = 0;
    }

    std::size_t hop_;
    std::unique_ptr<aubio_tempo_t, TempoFreer> tempo_;
    std::unique_ptr<aubio_onset_t, OnsetFreer> onset_;
    std::unique_ptr<fvec_t, FvecFreer> in_;
    std::unique_ptr<fvec_t, FvecFreer> out_;
    std::size_t filled_ = 0;
    float peak_ = 0;
};

// The tempo from the beats themselves: the mean of the intervals near the median one. Beat
// times are quantised to the hop (5.8 ms by default), so a single interval, or their median,
// can be 1 % off at 120 bpm; the mean over many averages the rounding out, and the band
// around the median keeps out the gaps where the tracker lost the beat for a moment.
double tempo_of(const std::vector<double>& beats) {
    if (beats.size() < 2) return 0;
    std::vector<double> gaps;
    for (std::size_t i = 1; i < beats.size(); ++i) gaps.push_back(beats[i] - beats[i - 1]);
    std::vector<double> sorted = gaps;
    std::nth_element(sorted.begin(), sorted.begin() + std::ptrdiff_t(sorted.size() / 2),
                     sorted.end());
    const double median = sorted[sorted.size() / 2];
    if (median <= 0) return 0;
    double sum = 0;
    int n = 0;
    for (double g : gaps)
        if (std::abs(g - median) <= 0.15 * median) {
            sum += g;
            ++n;
        }
    return n > 0 ? 60.0 * n / sum : 60.0 / median;
}

// How far before the tracker's first beat the tempo grid is carried back. aubio emits its
// first beat after about 1.5 s of sound (it needs a few periods to lock), so the cuts of a
// film's first seconds would otherwise be measured against a beat seconds away.
constexpr double kBackfillS = 3.0;

// Carries the tempo grid back over the tracker's warm-up, keeping only the grid points that a
// measured onset confirms within SNAP_S (each then moved onto that onset).
void backfill(AudioAnalysis& a, double snap_s) {
    if (a.tempo_bpm <= 0 || a.beats.empty() || snap_s <= 0) return;
    const double period = 60.0 / a.tempo_bpm;
    const double first = a.beats.front();
    std::vector<double> early;
    for (int k = 1; first - k * period >= std::max(a.start_s, first - kBackfillS) - snap_s; ++k) {
        const double g = first - k * period;
        auto d = offset_to_nearest(a.onsets, g);
        if (!d || std::abs(*d) > snap_s) continue;
        const double b = g - *d;
        if (b < (early.empty() ? first : early.back()) - 0.5 * period) early.push_back(b);
    }
    a.beats.insert(a.beats.begin(), early.rbegin(), early.rend());
}

}  // namespace

std::optional<double> offset_to_nearest(const std::vector<double>& times, double t) {
    if (times.empty()) return std::nullopt;
    auto it = std::lower_bound(times.begin(), times.end(), t);
    if (it == times.begin()) return t - *it;
    if (it == times.end()) return t - times.back();
    const double after = *it - t;
    const double before = t - *std::prev(it);
    return before <= after ? before : -after;
}

std::optional<AudioAnalysis> analyse_sound(const std::string& input, const Analysis& analysis,
                                           const SoundOptions& options) {
    validate(options);
    if (!options.enabled) return std::nullopt;
    Tracker tracker(options);
    AudioReadOptions read;
    read.stream = options.stream;
    read.sample_rate = options.sample_rate;
    read.allow_network = options.allow_network;
    auto info = read_audio(input, read, [&](const float* s, std::size_t n) { tracker.push(s, n); });
    if (!info) return std::nullopt;
    tracker.finish();

    AudioAnalysis a;
    a.stream = info->stream;
    a.codec = info->codec;
    a.channels = info->channels;
    a.sample_rate = info->source_rate;
    a.decode_errors = info->decode_errors;
    a.error = info->error;
    // The film's clock starts at the first video frame; the audio's at its first sample.
    a.start_s = info->samples > 0 ? info->start_s - analysis.source.start_time_s : 0;
    a.duration_s = double(info->samples) / options.sample_rate;
    if (info->samples > 0 && tracker.peak() < kSilentPeak) {
        if (a.error.empty()) a.error = "silent audio track: no beat or onset to find";
        return a;
    }
    for (double o : tracker.onsets) a.onsets.push_back(o + a.start_s);
    for (double b : tracker.beats) {
        b += a.start_s;
        if (auto d = offset_to_nearest(a.onsets, b); d && std::abs(*d) <= options.snap_to_onset_s)
            b -= *d;
        if (a.beats.empty() || b > a.beats.back()) a.beats.push_back(b);
    }
    a.tempo_bpm = tempo_of(a.beats);
    backfill(a, options.snap_to_onset_s);
    return a;
}

void apply_sound_offsets(Analysis& analysis) {
    if (!analysis.audio) return;
    auto& audio = *analysis.audio;
    audio.cuts.clear();
    audio.on_beat_share.reset();
    audio.on_onset_share.reset();
    const double frame_s = analysis.source.fps > 0 ? 1.0 / analysis.source.fps : 0;
    int on_beat = 0, on_onset = 0;
    for (const auto& t : analysis.transitions) {
        if (t.type != TransitionType::cut) continue;
        CutSound c{t.frames.start, t.start_time_s, offset_to_nearest(audio.beats, t.start_time_s),
                   offset_to_nearest(audio.onsets, t.start_time_s)};
        if (c.beat_offset_s && std::abs(*c.beat_offset_s) <= 0.5 * frame_s + 1e-9) ++on_beat;
        if (c.onset_offset_s && std::abs(*c.onset_offset_s) <= frame_s + 1e-9) ++on_onset;
        audio.cuts.push_back(c);
    }
    if (audio.cuts.empty()) return;
    const double n = double(audio.cuts.size());
    if (!audio.beats.empty()) audio.on_beat_share = on_beat / n;
    if (!audio.onsets.empty()) audio.on_onset_share = on_onset / n;
}

void add_sound(Analysis& analysis, const std::string& input, const SoundOptions& options) {
    analysis.audio = analyse_sound(input, analysis, options);
    apply_sound_offsets(analysis);
}

}  // namespace kinoglaz
