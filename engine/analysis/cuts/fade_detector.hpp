#pragma once
// Fades: the picture's contrast falls steadily into a uniform frame (fade-out) or rises
// steadily out of one (fade-in). Anchored on the uniform frames, so a fade is found however
// slowly its frames change, and its edges are where the steady trend starts and stops.

#include "content.hpp"
#include "kinoglaz/analysis/detector.hpp"

namespace kinoglaz::detail {

struct FadeOptions {
    double fps = 25;
    double sensitivity = 0.5;
    double max_length_s = 4.0;  ///< longest fade looked for
    double min_step = 0.004;    ///< relative contrast change per frame that continues a fade
    int min_frames = 2;         ///< shortest fade
};

class FadeDetector final : public TransitionDetector {
  public:
    explicit FadeDetector(const FadeOptions& options);
    std::string_view name() const noexcept override { return "fade"; }
    FeatureMask needs() const noexcept override { return FeatureMask::basic; }
    int max_delay_frames() const noexcept override { return 2 * max_length_ + 2; }
    // Its state is the run of dark frames being judged, inside its decision delay.
    int warm_up_frames() const noexcept override { return 0; }
    void push(const FrameFeatures& features, std::vector<Transition>& out) override;
    void finish(FrameIndex end, std::vector<Transition>& out) override;

  private:
    void fade_out_into(FrameIndex first_flat, FrameIndex first_black, std::vector<Transition>& out);
    void fade_in_from(FrameIndex first_picture, std::vector<Transition>& out);
    bool falling(FrameIndex i) const;
    bool rising(FrameIndex i) const;
    FadeOptions options_;
    int max_length_;
    FeatureWindow window_;
    bool previous_flat_ = false;
    FrameIndex pending_fade_out_ = -1;  // first uniform frame after pictures
    FrameIndex pending_fade_in_ = -1;   // first non-uniform frame after a uniform run
};

}  // namespace kinoglaz::detail
