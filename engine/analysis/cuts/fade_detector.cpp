#include "fade_detector.hpp"

#include <cmath>

#include "kinoglaz/error.hpp"

namespace kinoglaz::detail {

FadeDetector::FadeDetector(const FadeOptions& options)
    : options_(options),
      max_length_(std::max(3, int(std::lround(options.max_length_s * options.fps)))),
      window_(std::size_t(max_length_ + 4)) {
    if (!(options.fps > 0 && options.fps < 1000)) throw_bad_usage("fade", "fps must be in (0, 1000)");
    if (!(options.sensitivity >= 0 && options.sensitivity <= 1))
        throw_bad_usage("fade", "sensitivity must be in [0, 1]");
}

void FadeDetector::push(const FrameFeatures& f, std::vector<Transition>& out) {
    window_.push(f);
    const bool flat = is_flat(f);
    if (flat && !previous_flat_ && f.index > 0) fade_out_into(f.index, out);
    if (!flat && previous_flat_) pending_fade_in_ = f.index;
    previous_flat_ = flat;
    // A fade-in is decided once its trend has ended or the window is about to forget it.
    if (pending_fade_in_ >= 0) {
        const FrameIndex i = f.index;
        bool rising = i == pending_fade_in_ ||
                      window_.at(i).luma_std > window_.at(i - 1).luma_std * (1 + options_.min_step);
        if (!rising || flat || i - pending_fade_in_ >= max_length_) {
            fade_in_from(pending_fade_in_, out);
            pending_fade_in_ = -1;
        }
    }
}

void FadeDetector::finish(FrameIndex end, std::vector<Transition>& out) {
    if (pending_fade_in_ >= 0) fade_in_from(pending_fade_in_, out);
    pending_fade_in_ = -1;
}

void FadeDetector::fade_out_into(FrameIndex first_flat, std::vector<Transition>& out) {
    // Walk back while contrast was falling steadily and each frame is the previous one
    // dimmed (same content), not a new picture.
    const double step = options_.min_step / sensitivity_scale(options_.sensitivity);
    FrameIndex start = first_flat;
    while (start - 1 >= first_flat - max_length_ && window_.has(start - 2)) {
        const FrameFeatures& cur = window_.at(start - 1);
        const FrameFeatures& prev = window_.at(start - 2);
        if (is_flat(prev) || !(cur.luma_std < prev.luma_std * (1 - step))) break;
        if (content_distance(prev, cur) > 0.5) break;
        --start;
    }
    if (first_flat - start < options_.min_frames) return;
    const double drop = 1.0 - window_.at(start).luma_std / std::max(1e-3f, window_.at(start - 1).luma_std);
    const float confidence = float(std::clamp(0.6 + 0.02 * double(first_flat - start) + drop, 0.0, 1.0));
    out.push_back({TransitionType::fade_out, {start, first_flat}, 0, 0, confidence});
}

void FadeDetector::fade_in_from(FrameIndex first_picture, std::vector<Transition>& out) {
    const double step = options_.min_step / sensitivity_scale(options_.sensitivity);
    // Stop at the first frame whose contrast no longer rises: the frame before it is the
    // first clean one (it still rose, reaching full strength).
    FrameIndex end = first_picture + 1;
    while (window_.has(end) && end - first_picture < max_length_) {
        const FrameFeatures& cur = window_.at(end);
        const FrameFeatures& prev = window_.at(end - 1);
        if (is_flat(cur) || !(cur.luma_std > prev.luma_std * (1 + step))) break;
        if (content_distance(prev, cur) > 0.5) break;
        ++end;
    }
    --end;
    if (end - first_picture < options_.min_frames) return;
    const float confidence = float(std::clamp(0.6 + 0.02 * double(end - first_picture), 0.0, 1.0));
    out.push_back({TransitionType::fade_in, {first_picture, end}, 0, 0, confidence});
}

}  // namespace kinoglaz::detail
