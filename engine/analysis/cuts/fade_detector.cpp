#include "fade_detector.hpp"

#include <cmath>

#include <kinoglaz/core.hpp>

namespace kinoglaz::detail {

namespace {
constexpr float kMinChange = 0.0008f;  // mean |Δ| (0..1) below which a frame counts as unchanged
constexpr float kJump = 0.1f;          // mean |Δ| of an abrupt change (a cut, not a fade)
}  // namespace

FadeDetector::FadeDetector(const FadeOptions& options)
    : options_(options),
      max_length_(std::max(3, int(std::lround(options.max_length_s * options.fps)))),
      window_(std::size_t(max_length_ + 4)) {
    if (!(options.fps > 0 && options.fps < 1000))
        throw_bad_usage("fade", "fps must be in (0, 1000)");
    if (!(options.sensitivity >= 0 && options.sensitivity <= 1))
        throw_bad_usage("fade", "sensitivity must be in [0, 1]");
}

// Contrast falls (rises) from frame i-1 to i, and the picture visibly changes: the faint
// residue of a caption fading on black alone does not carry a fade.
bool FadeDetector::falling(FrameIndex i) const {
    const double step = options_.min_step / sensitivity_scale(options_.sensitivity);
    return window_.has(i - 1) && window_.at(i).pixel_diff >= kMinChange &&
           window_.at(i).luma_std < window_.at(i - 1).luma_std * (1 - step);
}

bool FadeDetector::rising(FrameIndex i) const {
    const double step = options_.min_step / sensitivity_scale(options_.sensitivity);
    return window_.has(i - 1) && window_.at(i).pixel_diff >= kMinChange &&
           window_.at(i).luma_std > window_.at(i - 1).luma_std * (1 + step);
}

void FadeDetector::push(const FrameFeatures& f, std::vector<Transition>& out) {
    window_.push(f);
    const FrameIndex i = f.index;
    const bool flat = is_flat(f);
    if (flat && !previous_flat_ && i > 0) pending_fade_out_ = i;
    if (!flat && previous_flat_) pending_fade_in_ = i;
    previous_flat_ = flat;
    // A fade-out goes on into the "uniform" frames while contrast still falls (the last
    // faint traces of the picture); it ends at the first frame where it stops falling.
    if (pending_fade_out_ >= 0 && i > pending_fade_out_ &&
        (!falling(i) || i - pending_fade_out_ >= max_length_)) {
        fade_out_into(pending_fade_out_, falling(i) ? i : i - 1, out);
        pending_fade_out_ = -1;
    }
    // A fade-in is decided once its contrast stops rising (or the window would forget it).
    if (pending_fade_in_ >= 0 && i > pending_fade_in_ &&
        (!rising(i) || flat || i - pending_fade_in_ >= max_length_)) {
        fade_in_from(pending_fade_in_, out);
        pending_fade_in_ = -1;
    }
}

void FadeDetector::finish(FrameIndex end, std::vector<Transition>& out) {
    if (pending_fade_out_ >= 0) fade_out_into(pending_fade_out_, window_.last(), out);
    if (pending_fade_in_ >= 0) fade_in_from(pending_fade_in_, out);
    pending_fade_out_ = pending_fade_in_ = -1;
}

void FadeDetector::fade_out_into(FrameIndex first_flat, FrameIndex first_black,
                                 std::vector<Transition>& out) {
    if (window_.at(first_flat).pixel_diff > kJump) return;  // a cut to black
    // Walk back while contrast was falling steadily and each frame is the previous one
    // dimmed (same content), not a new picture.
    FrameIndex start = first_flat;
    while (start - 1 > first_flat - max_length_ && window_.has(start - 2) && falling(start - 1) &&
           !is_flat(window_.at(start - 2)) &&
           content_distance(window_.at(start - 2), window_.at(start - 1)) <= 0.5)
        --start;
    if (first_black - start < options_.min_frames) return;
    const float confidence = float(std::clamp(0.6 + 0.02 * double(first_black - start), 0.0, 1.0));
    out.push_back({TransitionType::fade_out, {start, first_black}, 0, 0, confidence});
}

void FadeDetector::fade_in_from(FrameIndex first_picture, std::vector<Transition>& out) {
    // A picture that appears at once out of black is a cut, the hard-cut detector's case.
    if (window_.at(first_picture).pixel_diff > kJump) return;
    // The first faint frames of a fade-in still look uniform: walk back while contrast rose.
    FrameIndex start = first_picture;
    while (start > first_picture - max_length_ / 2 && window_.has(start - 1) && rising(start))
        --start;
    ++start;
    if (start > first_picture) start = first_picture;
    // Forward to the first frame whose contrast no longer rises: the frame before it is the
    // first clean one (it still rose, reaching full strength).
    FrameIndex end = first_picture + 1;
    while (window_.has(end) && end - first_picture < max_length_ && !is_flat(window_.at(end)) &&
           rising(end) && content_distance(window_.at(end - 1), window_.at(end)) <= 0.5)
        ++end;
    --end;
    if (end - start < options_.min_frames) return;
    const float confidence = float(std::clamp(0.6 + 0.02 * double(end - start), 0.0, 1.0));
    out.push_back({TransitionType::fade_in, {start, end}, 0, 0, confidence});
}

}  // namespace kinoglaz::detail
