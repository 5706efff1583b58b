#pragma once
// Hard cuts: an isolated spike of frame difference whose content does not come back.

#include "content.hpp"
#include "kinoglaz/analysis/detector.hpp"

namespace kinoglaz::detail {

struct HardCutOptions {
    double fps = 25;
    double sensitivity = 0.5;
    double min_difference = 0.06;     ///< grey proxy mean |Δ| (0..1) a cut must reach
    double min_ratio = 2.0;           ///< spike over the largest neighbouring difference
    double min_content_change = 0.3;  ///< content_distance across the cut
    double return_window_s = 0.25;    ///< a spike whose content returns within this is a flash
};

class HardCutDetector final : public TransitionDetector {
  public:
    explicit HardCutDetector(const HardCutOptions& options);
    std::string_view name() const noexcept override { return "hard_cut"; }
    FeatureMask needs() const noexcept override { return FeatureMask::basic; }
    int max_delay_frames() const noexcept override { return lookahead_ + 1; }
    // Its state is its look-ahead window and the frames just before it, nothing older.
    int warm_up_frames() const noexcept override { return 0; }
    void push(const FrameFeatures& features, std::vector<Transition>& out) override;
    void finish(FrameIndex end, std::vector<Transition>& out) override;

  private:
    void decide(FrameIndex t, std::vector<Transition>& out);
    HardCutOptions options_;
    int return_frames_;
    int lookahead_;
    FeatureWindow window_;
    FrameIndex next_to_decide_ = 1;
};

}  // namespace kinoglaz::detail
