#pragma once
/// Streaming transition detectors over per-frame features, and the resolver that turns
/// their candidates into the final list (the detector / manager split of PySceneDetect).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kinoglaz/analysis/features.hpp"
#include "kinoglaz/analysis/transition.hpp"

namespace kinoglaz {

/// A streaming detector. Thread-safety: driven by one ordered pipeline stage; no locks.
/// A detector reads features, never pixels; the heavy work is done by the extractors that
/// `needs()` asks for.
class TransitionDetector {
  public:
    virtual ~TransitionDetector() = default;
    virtual std::string_view name() const noexcept = 0;
    /// Which optional extractors the pipeline must run for this detector.
    virtual FeatureMask needs() const noexcept = 0;
    /// How far back (in frames) from the newest pushed frame an emitted transition may start.
    virtual int max_delay_frames() const noexcept = 0;
    /// The detector's warm-up: frames of running history (a shot's own difference level, say)
    /// it keeps on top of its decision window, so that a stream started that many frames
    /// plus max_delay_frames() before a frame decides from that frame on as the whole stream
    /// does. 0 when its state is only its decision window. A segmented pass starts each
    /// segment's decoding that far before the segment (DetectorBank::warm_up_frames).
    virtual int warm_up_frames() const noexcept = 0;
    /// Feeds the next frame (in presentation order) and appends any transition now decided.
    virtual void push(const FrameFeatures& features, std::vector<Transition>& out) = 0;
    /// Flushes at the end of the stream; `end` is one past the last frame pushed.
    virtual void finish(FrameIndex end, std::vector<Transition>& out) = 0;
};

/// Options shared by the built-in detectors.
struct DetectorOptions {
    double fps = 25;           ///< nominal frame rate, to turn durations into frames (> 0)
    double sensitivity = 0.5;  ///< 0..1: higher finds more (lower thresholds)
};

/// Creates a built-in detector by name: "hard_cut", "fade" or "gradual". Throws Error(bad_usage)
/// for an unknown name or invalid options.
std::unique_ptr<TransitionDetector> make_detector(std::string_view name,
                                                  const DetectorOptions& options);

/// Names accepted by make_detector.
std::vector<std::string> detector_names();

/// Runs several detectors over one stream and resolves their candidates: gradual
/// transitions win over cuts they overlap, duplicates merge, and the result is sorted and
/// free of overlaps. A segmented pass runs one bank per segment over an overlapping range and
/// resolves the candidates of all of them at once (candidates(), resolve()).
/// Thread-safety: as TransitionDetector.
class DetectorBank {
  public:
    /// A candidate as its detector emitted it, with its place in the order of emission:
    /// resolve() gives the same result whatever banks the candidates came from, as long as
    /// those tags are a single pass's.
    struct Candidate {
        Transition transition;   ///< frames only; times are filled by resolve()
        FrameIndex emitted = 0;  ///< frame being pushed when emitted (`end` for flush())
        int detector = 0;        ///< the detector's position in the bank
        int order = 0;           ///< position among that detector's outputs for that frame
    };

    /// Throws Error(bad_usage) for a rate that is not positive, a sensitivity outside 0..1
    /// or an unknown detector name.
    explicit DetectorBank(const DetectorOptions& options,
                          const std::vector<std::string>& names = detector_names());
    FeatureMask needs() const noexcept;
    /// The longest TransitionDetector::max_delay_frames() of the bank.
    int max_delay_frames() const noexcept;
    /// Frames a stream must start before a frame for every detector to decide from that frame
    /// on as the whole stream does: the longest delay plus the longest warm-up.
    int warm_up_frames() const noexcept;
    void push(const FrameFeatures& features);
    /// Flushes every detector at the end of the stream; `end` is one past the last frame
    /// pushed. Only the true end of the stream may be flushed.
    void flush(FrameIndex end);
    /// The candidates emitted so far, in order of emission.
    const std::vector<Candidate>& candidates() const noexcept { return candidates_; }
    /// flush(end), then resolve() of all the candidates (which are then cleared).
    std::vector<Transition> finish(FrameIndex end, const std::vector<double>& times);
    /// Resolves candidates (put back in order of emission first) into the final transitions
    /// and fills their times from `times`, each frame's time in seconds (index = frame), one
    /// past the last frame extrapolated by the last frame step.
    std::vector<Transition> resolve(std::vector<Candidate> candidates,
                                    const std::vector<double>& times) const;

  private:
    std::vector<std::unique_ptr<TransitionDetector>> detectors_;
    std::vector<Candidate> candidates_;
    std::vector<Transition> out_;  // one detector's outputs for one frame
    DetectorOptions options_;
};

/// Resolves raw candidates (from any detectors) into a sorted, non-overlapping list.
std::vector<Transition> resolve_transitions(std::vector<Transition> candidates,
                                            const DetectorOptions& options);

}  // namespace kinoglaz
