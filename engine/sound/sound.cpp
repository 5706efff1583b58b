#include "kinoglaz/sound.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>

extern "C" {
#include <aubio/aubio.h>
}

#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include <kinoglaz/montage.hpp>

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
struct FilterFreer {
    void operator()(aubio_filter_t* f) const { del_aubio_filter(f); }
};

// The low band whose accents mark the first beat of a bar (bass notes, a kick drum on "one"),
// Hz. A second-order Butterworth low-pass (the RBJ cookbook's coefficients, Q = 1/sqrt 2).
constexpr double kBassCutoffHz = 150;

aubio_filter_t* bass_filter(int sample_rate) {
    const double w = 2 * M_PI * kBassCutoffHz / sample_rate;
    const double alpha = std::sin(w) / (2 * M_SQRT1_2);
    const double a0 = 1 + alpha, c = std::cos(w);
    const double b0 = (1 - c) / 2 / a0, b1 = (1 - c) / a0;
    return new_aubio_filter_biquad(b0, b1, b0, -2 * c / a0, (1 - alpha) / a0);
}

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
          bass_(bass_filter(o.sample_rate)),
          in_(new_fvec(uint_t(o.hop))),
          low_(new_fvec(uint_t(o.hop))),
          out_(new_fvec(2)) {
        if (!tempo_ || !onset_ || !bass_ || !in_ || !low_ || !out_)
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
    /// Energy of the low band (below kBassCutoffHz) in each hop, in order: one float per hop
    /// (172 a second), so a two-hour film keeps 5 MB.
    std::vector<float> bass_energy;

  private:
    void step() {
        aubio_tempo_do(tempo_.get(), in_.get(), out_.get());
        if (out_->data[0] != 0) beats.push_back(aubio_tempo_get_last_s(tempo_.get()));
        aubio_onset_do(onset_.get(), in_.get(), out_.get());
        if (out_->data[0] != 0) onsets.push_back(aubio_onset_get_last_s(onset_.get()));
        aubio_filter_do_outplace(bass_.get(), in_.get(), low_.get());
        float energy = 0;
        for (std::size_t i = 0; i < hop_; ++i) energy += low_->data[i] * low_->data[i];
        bass_energy.push_back(energy);
        filled_ = 0;
    }

    std::size_t hop_;
    std::unique_ptr<aubio_tempo_t, TempoFreer> tempo_;
    std::unique_ptr<aubio_onset_t, OnsetFreer> onset_;
    std::unique_ptr<aubio_filter_t, FilterFreer> bass_;
    std::unique_ptr<fvec_t, FvecFreer> in_;
    std::unique_ptr<fvec_t, FvecFreer> low_;
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

// Downbeats from the bass accents of the beats. Each beat's accent is the log of the loudest
// low-band hop from 30 ms before it to 60 ms after (the filter's delay and a note's rise).
// Beats are numbered on the tempo grid (so a beat the tracker skipped does not shift the
// count), and for bars of 3 and of 4 beats every phase is tried: the phase whose beats are
// louder in the bass than the others, by a Welch t statistic of at least kDownbeatT, and at
// least twice as distinct as the next phase of the same bar length, gives the downbeats.
// Music whose bass does not mark "one" (a kick on every beat, a kick on one and three) has no
// such phase, and then no downbeat is reported rather than a guess.
constexpr double kDownbeatT = 4.0;
constexpr int kMinBars = 4;

void find_downbeats(AudioAnalysis& a, const std::vector<float>& bass_energy, double hop_s) {
    if (a.tempo_bpm <= 0 || a.beats.size() < std::size_t(3 * kMinBars) || bass_energy.empty())
        return;
    const double period = 60.0 / a.tempo_bpm;
    std::vector<double> accent;
    std::vector<long> number;
    std::vector<double> beat;
    for (double b : a.beats) {
        const double t = b - a.start_s;  // the audio's own clock, where the hops are
        const auto first = std::size_t(std::max(0.0, std::floor((t - 0.03) / hop_s)));
        const auto last =
            std::min(bass_energy.size(), std::size_t(std::max(0.0, std::ceil((t + 0.06) / hop_s))));
        if (first >= last) continue;
        const float loudest = *std::max_element(bass_energy.begin() + std::ptrdiff_t(first),
                                                bass_energy.begin() + std::ptrdiff_t(last));
        accent.push_back(std::log(double(loudest) + 1e-9));
        number.push_back(std::lround((b - a.beats.front()) / period));
        beat.push_back(b);
    }
    struct Choice {
        int bar = 0, phase = 0;
        double t = 0;
    };
    std::optional<Choice> best;
    for (int bar : {3, 4}) {
        std::vector<double> t_of_phase;
        for (int phase = 0; phase < bar; ++phase) {
            double s_in = 0, q_in = 0, s_out = 0, q_out = 0;
            int n_in = 0, n_out = 0;
            for (std::size_t i = 0; i < accent.size(); ++i) {
                const bool in = ((number[i] % bar) + bar) % bar == phase;
                (in ? s_in : s_out) += accent[i];
                (in ? q_in : q_out) += accent[i] * accent[i];
                ++(in ? n_in : n_out);
            }
            if (n_in < kMinBars || n_out < 2) return;
            const double m_in = s_in / n_in, m_out = s_out / n_out;
            const double v_in = std::max(0.0, q_in / n_in - m_in * m_in);
            const double v_out = std::max(0.0, q_out / n_out - m_out * m_out);
            t_of_phase.push_back((m_in - m_out) / std::sqrt(v_in / n_in + v_out / n_out + 1e-6));
        }
        std::vector<double> sorted = t_of_phase;
        std::sort(sorted.rbegin(), sorted.rend());
        const int phase =
            int(std::max_element(t_of_phase.begin(), t_of_phase.end()) - t_of_phase.begin());
        if (sorted[0] >= kDownbeatT && sorted[1] <= 0.5 * sorted[0] &&
            (!best || sorted[0] > best->t))
            best = Choice{bar, phase, sorted[0]};
    }
    if (!best) return;
    a.beats_per_bar = best->bar;
    for (std::size_t i = 0; i < accent.size(); ++i)
        if (((number[i] % best->bar) + best->bar) % best->bar == best->phase)
            a.downbeats.push_back(beat[i]);
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
    find_downbeats(a, tracker.bass_energy, double(options.hop) / options.sample_rate);
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
