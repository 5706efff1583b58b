#pragma once
/// Vibrations: regions of a shot that oscillate for a sustained stretch (a string, a breathing
/// chest, a machine), found by a streaming consumer of the analysis pass.

#include <memory>
#include <vector>

#include <kinoglaz/analysis.hpp>
#include <kinoglaz/decode.hpp>
#include "kinoglaz/unconscious/event.hpp"
#include "kinoglaz/unconscious/unconscious.hpp"

namespace kinoglaz {

/// Options of VibrationFinder. Validated by its constructor (Error bad_usage, prefixed
/// "vibrations:"). Durations in seconds of the file's time, amplitudes in source display pixels.
struct VibrationFinderOptions {
    /// Longest analysis window (2..30): the spectra look at this much of the shot at a time.
    /// Its length sets the lowest frequency found (`min_cycles` periods in the window) and the
    /// memory (grid x window samples).
    double window_s = 6.4;
    /// Shortest analysis window (1..window_s): a shot (or its still part) must last this long.
    double min_window_s = 2.0;
    /// Time between two analyses of the window, 0.1..window_s.
    double hop_s = 1.0;
    /// Shortest vibration: the oscillation's envelope stays up this long (0.2..30).
    double min_duration_s = 1.0;
    /// Periods the oscillation must complete inside its sustained stretch (1..20).
    double min_cycles = 2.5;
    /// A region's spectral peak over its own noise floor (the median power of its band), as a
    /// power ratio (4..1000).
    double peak_ratio = 30;
    /// Share of the band's power (above the floor) in the peak's main lobe, 0..1: a sinusoid
    /// keeps most of its power there; an encoder's periodic refresh spreads it over a comb of
    /// harmonics, and random motion over the whole band.
    double min_peak_share = 0.3;
    /// Smallest oscillation amplitude reported, source pixels (> 0).
    double min_amplitude_px = 0.1;
    /// Largest amplitude, as a share of the picture's longer side (0..0.05): a larger
    /// oscillation is plain to see, ordinary action (a nod, a wave, the judder of a frame-rate
    /// conversion), not a vibration the eye misses. 1/400: 1.6 px at 640x360, 4.8 px at 1080p.
    double max_amplitude_share = 1.0 / 400;
    /// Analysis block on the smoothed proxy, pixels (4..32).
    int block_px = 8;
    /// Fewest neighbouring blocks oscillating at one frequency that make a region (1..16).
    int min_blocks = 2;
    /// Vibrations are cut where they meet a transition, widened by this (0..5).
    double transition_guard_s = 0.25;
    /// At most this many vibrations are returned, best score first (then sorted by time).
    int max_events = 100;
};

/// Finds vibrations while the main pipeline runs, from the smoothed analysis proxy.
///
/// Method: each frame is compared with a slowly updated reference of the shot (an exponential
/// average of about a second, moved along with the camera) by block-wise Lucas-Kanade with a
/// brightness offset; the median block displacement (the camera's own motion) is removed, so
/// each block gives a residual local displacement per frame, kept for the last `window_s`.
/// Every `hop_s` the blocks' displacement spectra (Hann window, both axes) are computed; a
/// block oscillates when its strongest peak stands `peak_ratio` above its own local spectral
/// floor (the median power within ±35 % in frequency: displacement noise is red) and its lobe
/// holds `min_peak_share` of the band's whitened power. Neighbouring oscillating blocks at the
/// same frequency (±8 %) form a region; a region is dropped when the rest of the picture shares
/// its frequency (an encoder's key-frame pulse, whole-frame judder, flicker) or when it is a
/// harmonic of a stronger region at the same place. Its envelope at that frequency (complex
/// demodulation over whole periods) says when it oscillated, which must be at least
/// `min_duration_s` and `min_cycles` periods. Regions of successive analyses at the same place
/// and frequency (±10 %) are one vibration, which must measure `min_amplitude_px` to
/// `max_amplitude_share` of the picture. Still pictures give no peak: encoder noise is broad, a
/// periodic refresh shared by the whole picture. Cuts, flashes and camera jumps reset the
/// finder as they reset EventFinder. Memory is bounded by the grid and the window, never by
/// the film's length (the list of vibrations aside).
///
/// Frequencies are in Hz of the file's time; scale them by capture rate / file rate for
/// footage shot at another rate than it plays (AnalyzeOptions::capture_fps).
///
/// Thread-safety: none; feed it from one ordered stage (the pipeline's consumer).
class VibrationFinder final : public Joinable<VibrationFinder> {
  public:
    explicit VibrationFinder(const VibrationFinderOptions& options = {});
    ~VibrationFinder();
    VibrationFinder(VibrationFinder&&) noexcept;
    VibrationFinder& operator=(VibrationFinder&&) noexcept;

    /// The features the pipeline must compute for this finder: the grey difference and the
    /// thumbnails' translation (cuts, flashes and camera jumps reset it) and the smoothed proxy.
    static FeatureMask needs() noexcept {
        return FeatureMask::basic | FeatureMask::translation | FeatureMask::smoothed_proxy;
    }

    /// Feeds the next frame, in presentation order. Reads `frame.proxy_smooth` (made from
    /// `frame.proxy_gray` where it is empty) and the pairwise fields of `features`.
    void push(const Frame& frame, const FrameFeatures& features) override;

    /// Ends the pass: analyses the last window, cuts vibrations at `transitions`, converts
    /// boxes to the display pixels of `source` and returns the vibrations (kind
    /// EventKind::vibration, clip paths empty) sorted by start frame.
    std::vector<Event> finish(const std::vector<Transition>& transitions, const SourceInfo& source);

    /// Mean time spent in push() so far, milliseconds per frame (for benchmarks).
    double mean_push_ms() const noexcept;

    /// The frames at which the finder forgot its shot because of that frame alone, ascending
    /// (as EventFinder::restarts()).
    const std::vector<Restart>& restarts() const noexcept override;

    /// Joins the finder of the next segment of a segmented pass (as EventFinder::take_over).
    bool take_over(VibrationFinder& next, FrameIndex from);

  private:
    struct State;
    std::unique_ptr<State> state_;
};

/// Whether `pred` finds the vibration `truth`: events_match() (overlap in time, box IoU >= 0.1
/// or the predicted centre inside the truth box) and peak frequencies within
/// `frequency_tolerance` (a share of the truth's).
bool vibrations_match(const Event& truth, const Event& pred,
                      double frequency_tolerance = 0.1) noexcept;

/// The events of one kind, in their order.
std::vector<Event> events_of_kind(const std::vector<Event>& events, EventKind kind);

/// Greedy one-to-one matching of vibrations with the rule of vibrations_match() (closest pairs
/// first: highest IoU, then nearest frequencies). Pure function; thread-safe.
EventScore score_vibrations(const std::vector<Event>& truth, const std::vector<Event>& pred,
                            double frequency_tolerance = 0.1);

}  // namespace kinoglaz
