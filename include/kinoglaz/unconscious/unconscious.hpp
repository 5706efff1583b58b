#pragma once
/// The "optical unconscious": streaming detection of micro-gestures (small, brief, local
/// motions inside shots) and the scorer that matches them against truth.

#include <cstdint>
#include <memory>
#include <vector>

#include <kinoglaz/analysis.hpp>
#include <kinoglaz/decode.hpp>
#include "kinoglaz/unconscious/event.hpp"

namespace kinoglaz {

/// Options of EventFinder. Validated by its constructor (Error bad_usage, prefixed
/// "events:"). Amplitudes are in source display pixels, durations in seconds.
struct EventFinderOptions {
    /// Smallest peak displacement reported, source pixels (> 0). Motion below this is
    /// treated as noise whatever its signal-to-noise ratio.
    double min_amplitude_px = 0.1;
    /// Largest peak displacement of a micro-gesture, source pixels; larger local motion is
    /// ordinary action, not a micro-gesture.
    double max_amplitude_px = 3.0;
    /// Longest event, seconds (0.1..10). Longer activity is ordinary motion.
    double max_duration_s = 0.8;
    /// Most that one frame's residual motion counts for, as a multiple of its region's noise
    /// level (2..50): the evidence of motion is summed over a few frames, and no single frame
    /// (a spike of compression noise) may decide alone.
    double snr_threshold = 3.75;
    /// Chance that noise alone makes a region's evidence of motion cross the detection
    /// threshold in one frame (1e-12..1e-2). The threshold adapts to each region's noise.
    double false_alarm_rate = 1e-6;
    /// Share of the temporal change in an event's blocks that their displacement must
    /// explain (R² of the motion fit, weighted by signal-to-noise ratio), 0..1. Measured:
    /// 0.63-0.82 for the injected oscillations of the dev set, 0.21 for a watermark that
    /// an encoder sharpens in place over successive frames.
    double min_motion_share = 0.35;
    /// Largest share of an event's frame-to-frame change that one frame may hold (its
    /// strongest block's, over the frames that made the event), 0..1; 1 keeps every event. A
    /// motion that takes two frames or more leaves at most about half of it in one; a coding
    /// step (an encoder redrawing a block once, or an intra frame) nearly all of it, which the
    /// reference's slow absorption draws out over ~0.2 s as if it were a gesture. Measured:
    /// 0.15-0.53 for injected gestures, 0.60-0.78 for coding steps.
    double max_jump_share = 0.6;
    /// Least share of the residual energy of an event's strongest block, over the frames that
    /// made the event, that must lie against its strongest residual (0..0.5; 0 keeps every
    /// event). A gesture goes and comes back within those frames against a reference that lags
    /// behind it; a step that the reference absorbs keeps one sign. Measured: 0.16-0.60 for
    /// injected gestures, 0.00-0.02 for coding steps.
    double min_back_share = 0.1;
    /// Least share of the residual energy of an event's strongest block, over the frames that
    /// made the event, that must lie along one direction (0..1; 0.5 or less keeps every event): a
    /// gesture moves its patch to and fro along a line, noise points every way. At 0.8 the
    /// energy along that direction is at least four times that across it. Measured: 0.86-1.00
    /// for injected gestures, 0.61-0.73 for noise events.
    double min_direction_share = 0.8;
    /// Largest share of the picture's own displacement at an event's strongest block (its
    /// path reconstructed from the residual and the reference's rate, about its rest before
    /// the event, over the event's frames and up to four after) that its mean offset may hold
    /// (0..1; 1 keeps every event). A gesture moves the picture about its rest, to and fro; a
    /// place that drifts or is redrawn to one side and held there (a shot's slow change, a
    /// coding offset) stays off its rest, which the reference's high-pass turns into a swing
    /// of the residual. Measured: at most 0.30 for the injected gestures found and 0.37 for
    /// a baby's hand in baby.mp4, 0.42-0.65 for six of the nine false detections left on the
    /// films we made. Applies to detections, not to proposals for the check.
    double max_offset_share = 0.4;
    /// Largest distance of the picture's path at an event's strongest block, over the frames
    /// measured after its last active one, from its rest before the event, against the path's
    /// largest excursion from that rest during the event (0..1; 1 keeps every event). A
    /// gesture is brief: its patch comes back to where it was; a place that the encoder
    /// redraws to one side and then to the other, holding each (the mean offset stays small),
    /// ends away from its rest. Measured: 0.00-0.39 for the 96 injected gestures found on the
    /// films of docs/optical-unconscious.md, 0.42 for a baby's hand in baby.mp4, 0.57 and 0.83
    /// for two of the four false detections left there. Applies to detections, not to proposals
    /// for the check.
    double max_end_offset = 0.5;
    /// Frames within this many seconds of a transition are ignored (0..5).
    double transition_guard_s = 0.5;
    /// Seconds of stillness the detector needs after a cut or a camera move before it
    /// reports anything (its reference and noise estimates settle meanwhile), 0.2..10.
    double warmup_s = 1.0;
    /// Analysis block size on the proxy image, pixels (4..32).
    int block_px = 8;
    /// Events scoring below this (0..1) are not reported. The score grows with the strongest
    /// residual of the event over its block's noise level (the shot's tail factor taken out)
    /// and with the number of active frames, so a short event must be clearly above the noise
    /// to count.
    double min_score = 0.7;
    /// At most this many events are returned, best score first (then sorted by time).
    int max_events = 200;
};

/// Finds micro-gestures while the main pipeline runs, from the analysis proxy.
///
/// Method: each proxy frame is compared with a slowly updated reference image of the shot
/// (an exponential average, ~0.2 s) by block-wise Lucas-Kanade with a brightness offset. The
/// camera's motion is an affine fit of the block field (robust: over the blocks near the
/// median translation, then near the first fit) and is removed, so what remains is local
/// motion; the reference follows the camera. Each block's residual is divided by its own
/// noise level (median of its residuals over the last ~2 s, raised where their 90th
/// percentile shows heavier tails, and at least a quarter of the shot's median level), by the
/// frame's (the median of those ratios: intra frames are noisier) and by the shot's tail
/// factor (how much more often its noise exceeds a high multiple of its level than Gaussian
/// noise does, measured over the shot so far). The squares of these ratios, each capped at
/// `snr_threshold`², are summed over ~0.14 s per block; a block is active when the sum
/// exceeds the threshold that Gaussian noise would cross at `false_alarm_rate`. Active blocks
/// are linked in space and time into events; events that are too long, too large, too wide,
/// next to a transition, not salient enough (`min_score`), that do not swing back (a step, as
/// when an intra frame redraws a still picture), whose frame-to-frame change is one jump or
/// whose residual keeps one sign over their own frames (`max_jump_share`, `min_back_share`: a
/// coding step that the reference absorbs) or whose change the displacement does not
/// explain (the fit's R² below `min_motion_share`: texture changing in place, as when an
/// encoder refines detail) are dropped. Memory is bounded by the grid and the noise window,
/// never by the film's length (the event list itself aside).
///
/// Thread-safety: none; feed it from one ordered stage (the pipeline's consumer). A
/// SegmentConsumer: a segmented pass splits and joins it at its restarts.
class EventFinder final : public Joinable<EventFinder> {
  public:
    explicit EventFinder(const EventFinderOptions& options = {});
    ~EventFinder();
    EventFinder(EventFinder&&) noexcept;
    EventFinder& operator=(EventFinder&&) noexcept;

    /// The features the pipeline must compute for this finder: the thumbnails' translation
    /// (fast camera moves reset it, as cuts and flashes do through the basic grey difference)
    /// and the smoothed proxy (made in parallel, not by push()).
    static FeatureMask needs() noexcept {
        return FeatureMask::basic | FeatureMask::translation | FeatureMask::smoothed_proxy;
    }

    /// Feeds the next frame, in presentation order. Reads `frame.proxy_smooth` (made from
    /// `frame.proxy_gray` where it is empty) and the pairwise fields of `features` (to notice
    /// cuts and fast camera moves).
    void push(const Frame& frame, const FrameFeatures& features) override;

    /// Ends the pass: drops events near `transitions`, converts boxes to the display pixels
    /// of `source` and returns the events sorted by start frame (clip paths empty).
    std::vector<Event> finish(const std::vector<Transition>& transitions, const SourceInfo& source);

    /// The candidates of the last finish() that the detection at the proxy's size did not
    /// confirm, for check_gestures() (gesture_check.hpp) to measure again at the source's
    /// size: regions whose evidence of motion passed a lower threshold (a false-alarm rate of
    /// 1e-3 per block and frame), or passed the detection but fell short of `min_score`,
    /// `min_amplitude_px` or `min_motion_share` (down to half of it), that swing back by at
    /// least 0.2 (events: 0.35) and pass every other test; those whose residual flips nearly
    /// every measured frame (a coding alternation, or a gesture near half the measured rate)
    /// are never events, at most proposed. Only where the source is at least
    /// 2.5 times the proxy's size per side (there the source shows what the proxy cannot);
    /// none overlapping an event; the strongest, at most 24 per film and beyond 6 minutes 4
    /// per minute of film, which bounds the check's cost; sorted by start frame, in the display
    /// pixels of finish()'s `source`.
    const std::vector<Event>& proposals() const noexcept;

    /// Mean time spent in push() so far, milliseconds per frame (for benchmarks).
    double mean_push_ms() const noexcept;

    /// The frames at which the finder forgot its shot because of that frame alone (a cut, a
    /// flash, a camera jump), ascending: where a finder of a later segment may take over.
    const std::vector<Restart>& restarts() const noexcept override;

    /// Joins the finder of the next segment of a segmented pass (SegmentConsumer::take_over):
    /// keeps the events of this finder before its first restart at or after `from` and takes
    /// `next`'s state and events from that restart on. Returns false when `next` passed that
    /// frame without the same restart. Call before finish().
    bool take_over(EventFinder& next, FrameIndex from);

  private:
    struct State;
    std::unique_ptr<State> state_;
};

/// Result of matching predicted events against truth.
struct EventScore {
    int true_positives = 0;
    int false_positives = 0;
    int false_negatives = 0;
    double precision = 0;  ///< 1 when nothing was predicted
    double recall = 0;     ///< 1 when there is no truth
    double f1 = 0;
};

/// Whether `pred` matches `truth`: the frame intervals overlap (half-open, an empty range
/// counts as its one frame) and the boxes have IoU >= 0.1 or the predicted box's centre lies
/// inside the truth box.
bool events_match(const Event& truth, const Event& pred) noexcept;

/// Greedy one-to-one matching (closest pairs first: highest IoU, then nearest centres) with
/// the rule of events_match(). Pure function; thread-safe.
EventScore score_events(const std::vector<Event>& truth, const std::vector<Event>& pred);

}  // namespace kinoglaz
