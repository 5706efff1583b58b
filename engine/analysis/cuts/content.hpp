#pragma once
// Comparisons between non-adjacent frames, shared by the transition detectors.

#include <deque>

#include "kinoglaz/analysis/features.hpp"

namespace kinoglaz::detail {

/// A frame so uniform (black, white, grey) that it shows no picture.
bool is_flat(const FrameFeatures& f) noexcept;

/// How different the *content* of two frames is, 0 (same) .. 1 (unrelated). Invariant to
/// global gain and offset (flashes, exposure steps) and tolerant to a 1-pixel shift of the
/// 64x36 thumbnails (small motion). Two flat frames compare by their brightness.
float content_distance(const FrameFeatures& a, const FrameFeatures& b);

/// content_distance() of the frames' active pictures (FrameFeatures::picture_thumb): what
/// changes inside a pillarbox or letterbox, not diluted by the bars around it.
float picture_distance(const FrameFeatures& a, const FrameFeatures& b);

/// content_distance() without the bars around the pictures (in a letterboxed film the bars'
/// edges would make any two frames look alike): picture_distance() where both frames show the
/// same area; else over the part either picture covers (the whole frames where neither has
/// one): a boxed shot after one boxed otherwise, or a picture and its own fading copy whose dark
/// edges have left its area, whose thumbnails of two different areas would differ.
float within_bars_distance(const FrameFeatures& a, const FrameFeatures& b);

/// How different the *colours* of two frames are, 0 (same) .. 1 (unrelated): the mean
/// difference of chromaticity (r, g) = (R, G) / (R + G + B) over the blocks of an 8x4 grid of
/// their colour thumbnails, from the pixels neither dark nor clipped in both, 0.1 and more
/// counting as unrelated. Invariant to global gain (a light dimmed or raised keeps its
/// colours), so it separates what content_distance, which compares grey structure, cannot:
/// two shots of similar light and shade in other colours.
float colour_distance(const FrameFeatures& a, const FrameFeatures& b);

/// The recent frames a detector looks back on, indexed by frame number.
class FeatureWindow {
  public:
    explicit FeatureWindow(std::size_t capacity) : capacity_(capacity) {}
    void push(const FrameFeatures& f);
    bool has(FrameIndex i) const noexcept {
        return !frames_.empty() && i >= first() && i <= last();
    }
    const FrameFeatures& at(FrameIndex i) const { return frames_[std::size_t(i - first())]; }
    FrameIndex first() const noexcept { return frames_.front().index; }
    FrameIndex last() const noexcept { return frames_.back().index; }
    bool empty() const noexcept { return frames_.empty(); }

  private:
    std::size_t capacity_;
    std::deque<FrameFeatures> frames_;
};

/// Maps a 0..1 sensitivity to a threshold multiplier: 0.5 → 1, 1 → 0.5, 0 → 2.
double sensitivity_scale(double sensitivity) noexcept;

}  // namespace kinoglaz::detail
