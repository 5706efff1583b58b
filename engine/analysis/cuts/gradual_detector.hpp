#pragma once
// Gradual transitions: a run of elevated frame differences between two stable stretches,
// typed by which model explains its frames — a mix α·A + (1−α)·B of the frames around it
// (dissolve; a fade when A or B is a uniform frame) or a per-pixel switch from A to B along
// a moving boundary (wipe). Runs no model explains (motion, occlusion, flashes) are dropped.

#include <deque>
#include <optional>

#include "content.hpp"
#include "kinoglaz/analysis/detector.hpp"

namespace kinoglaz::detail {

struct GradualOptions {
    double fps = 25;
    double sensitivity = 0.5;
    double min_step = 0.004;  ///< per-frame grey |Δ| (0..1) of the active picture in a transition
    double baseline_factor = 2.5;      ///< ... and how far above the shot's own level it must be
    double max_length_s = 4.0;         ///< longer runs are motion, not transitions
    double min_content_change = 0.3;   ///< content distance between the two sides' pictures
    double max_mix_residual = 0.15;    ///< unexplained share of |A − B| for a dissolve or fade
    double max_wipe_residual = 0.04;   ///< unexplained share of |A − B| for a wipe
    double max_slide_residual = 0.05;  ///< unexplained share of |A − B| for a slide (push)
};

/// How well the frames between A and B fit each model (see gradual_detector.cpp).
struct GradualFit {
    double mix_residual = 1;  ///< mean over frames of |m − (αA + (1−α)B)| / |A − B|
    double wipe_residual = 1;  ///< mean over frames of per-pixel min(|m − A|, |m − B|) / |A − B|
    double alpha_monotony = 0;  ///< share of frame steps in which α falls (1 = strictly)
    double wipe_monotony = 0;   ///< share of frame steps in which the B-area grows
    double alpha_spread = 0;    ///< mean spatial spread of per-pixel α (0 dissolve, high wipe)
    double alpha_first = 1, alpha_last = 0;  ///< global α of the first and last mixed frame
    double area_first = 0, area_last = 1;    ///< share of pixels already showing B
    double switch_back = 1;     ///< share of pixels that turn from B back to A (0 for a wipe)
    double boundary_error = 1;  ///< share of pixels on the wrong side of the best straight
                                ///< boundary between the A and B areas (0 for a linear wipe)
    double slide_residual = 1;  ///< mean over frames of |m − slide(A, B)| / |A − B| for the
                                ///< best of four axis directions (see fit_slide)
    double slide_monotony = 0;  ///< share of frame steps in which B's slid-in share grows
    double slide_first = 0, slide_last = 1;  ///< B's share of the first and last mixed frame
    double slide_max_step = 1;      ///< largest growth of B's share from one frame to the next
    double slide_offset_error = 1;  ///< share of frames whose B part fits best at another
                                    ///< offset than right behind A (a pan, not a slide)
};

/// Fits the models to the frames strictly between `a` and `b` (colour thumbnails).
/// `boundary_error` is only computed with `edge_test` (it is the costly part).
GradualFit fit_gradual(const FrameFeatures& a, const std::vector<const FrameFeatures*>& mixed,
                       const FrameFeatures& b, bool edge_test);

/// Fits a slide (a push: B enters from one side while A leaves by the other, both moving
/// together) to the frames strictly between `a` and `b`; fills the slide_* fields of `fit`,
/// leaving them at their defaults where no slide fits within `max_residual`.
void fit_slide(const FrameFeatures& a, const std::vector<const FrameFeatures*>& mixed,
               const FrameFeatures& b, double max_residual, GradualFit& fit);

class GradualDetector final : public TransitionDetector {
  public:
    explicit GradualDetector(const GradualOptions& options);
    std::string_view name() const noexcept override { return "gradual"; }
    FeatureMask needs() const noexcept override { return FeatureMask::basic; }
    int max_delay_frames() const noexcept override { return max_length_ + 4; }
    int warm_up_frames() const noexcept override;
    void push(const FrameFeatures& features, std::vector<Transition>& out) override;
    void finish(FrameIndex end, std::vector<Transition>& out) override;

  private:
    void close_run(std::vector<Transition>& out);
    void classify(FrameIndex first_mixed, FrameIndex first_clean, std::vector<Transition>& out);
    std::optional<Transition> fit_segment(FrameIndex first_mixed, FrameIndex first_clean,
                                          bool try_slide) const;
    bool is_spike(FrameIndex t) const;
    double threshold() const;

    GradualOptions options_;
    int max_length_;
    FeatureWindow window_;
    std::deque<float> quiet_levels_;  // recent per-frame differences outside runs
    FrameIndex run_start_ = -1;       // first elevated frame of the open run, or -1
    FrameIndex run_last_ = -1;        // last elevated frame of the open run
};

}  // namespace kinoglaz::detail
