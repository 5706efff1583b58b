#pragma once
/// Streaming transition detectors over per-frame features, and the resolver that turns
/// their candidates into the final list (the detector / manager split of PySceneDetect).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kinoglaz/features.hpp"
#include "kinoglaz/transition.hpp"

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
/// free of overlaps. Thread-safety: as TransitionDetector.
class DetectorBank {
  public:
    explicit DetectorBank(const DetectorOptions& options,
                          const std::vector<std::string>& names = detector_names());
    FeatureMask needs() const noexcept;
    void push(const FrameFeatures& features);
    /// Flushes every detector and returns the resolved transitions. `times` gives each
    /// frame's time in seconds (index = frame), used to fill start/end times.
    std::vector<Transition> finish(FrameIndex end, const std::vector<double>& times);

  private:
    std::vector<std::unique_ptr<TransitionDetector>> detectors_;
    std::vector<Transition> candidates_;
    DetectorOptions options_;
};

/// Resolves raw candidates (from any detectors) into a sorted, non-overlapping list.
std::vector<Transition> resolve_transitions(std::vector<Transition> candidates,
                                            const DetectorOptions& options);

}  // namespace kinoglaz
