#include <cmath>

#include <opencv2/imgproc.hpp>

#include <kinoglaz/core.hpp>
#include "kinoglaz/montage/montage_analysis.hpp"

namespace kinoglaz {

static_assert(sizeof(MontageCollector::FrameRecord) <= 48, "keep the per-frame record compact");

MontageCollector::MontageCollector(const MontageCollectorOptions& options) : options_(options) {
    if (options.max_segment_frames < 2 || options.max_segment_frames > 100000)
        throw_bad_usage("montage collector", "max_segment_frames must be between 2 and 100000");
    if (!(options.split_hist_dist > 0 && options.split_hist_dist <= 1))
        throw_bad_usage("montage collector", "split_hist_dist must be in (0, 1]");
    if (!(options.split_drift > 0 && options.split_drift <= 1))
        throw_bad_usage("montage collector", "split_drift must be in (0, 1]");
    if (!(options.split_luma_step > 0))
        throw_bad_usage("montage collector", "split_luma_step must be > 0");
}

std::size_t MontageCollector::memory_bytes() const noexcept {
    return frames_.capacity() * sizeof(FrameRecord) + segments_.capacity() * sizeof(Segment);
}

void MontageCollector::reserve(std::int64_t frames) {
    if (frames <= 0) return;
    frames_.reserve(std::size_t(frames));
    segments_.reserve(std::size_t(frames / options_.max_segment_frames + 16));
}

void MontageCollector::push(const FrameFeatures& f) {
    if (frames_.empty()) {
        first_ = f.index;
        proxy_width_ = f.proxy_width;
        proxy_height_ = f.proxy_height;
    } else if (f.index != end_frame()) {
        throw Error(ErrorKind::internal, "montage collector: frame " + std::to_string(f.index) +
                                             " pushed, expected " + std::to_string(end_frame()));
    }
    FrameRecord r;
    r.time_s = f.time_s;
    r.luma_mean = f.luma_mean;
    r.luma_std = cv::saturate_cast<std::uint8_t>(f.luma_std);
    r.colourfulness = f.colourfulness;
    r.mc_diff = f.mc_diff;
    r.key = f.key ? 1 : 0;
    const float w = float(std::max(1, f.proxy_width)), h = float(std::max(1, f.proxy_height));
    if (f.motion.sampled_out) {
        r.motion = 3;  // neither a measure nor a failed one: classify_camera leaves it out
    } else if (f.motion.valid) {
        r.motion = 1;
        r.dx = f.motion.dx / w;
        r.dy = f.motion.dy / h;
        r.log_scale = std::log(std::max(1e-3f, f.motion.scale));
        r.inlier = std::uint8_t(std::lround(std::clamp(f.motion.inlier_ratio, 0.0f, 1.0f) * 255));
    } else if (!frames_.empty() && (f.shift_dx != 0 || f.shift_dy != 0 || f.mc_diff < 0.02f)) {
        // Without sparse flow (FeatureMask::basic only, or too few corners) the thumbnail
        // phase correlation still tells a translation; a low mc_diff with no shift is "still".
        r.motion = 2;
        r.dx = f.shift_dx / float(kThumbWidth);
        r.dy = f.shift_dy / float(kThumbHeight);
    }

    cv::Mat layout;
    if (!f.thumb_bgr.empty()) {
        const cv::Mat& t = f.thumb_bgr;
        const int hw = t.cols / 2, hh = t.rows / 2;
        for (int q = 0; q < 4; ++q) {
            cv::Scalar m = cv::mean(t(cv::Rect((q % 2) * hw, (q / 2) * hh, hw, hh)));
            for (int c = 0; c < 3; ++c)
                r.quad[std::size_t(q * 3 + c)] = cv::saturate_cast<uchar>(m[c]);
        }
        // The arrangement of the picture itself, without the bars around it.
        const cv::Mat& picture = f.picture_thumb_bgr.empty() ? t : f.picture_thumb_bgr;
        cv::Mat small;
        cv::resize(picture, small, {8, 8}, 0, 0, cv::INTER_AREA);
        cv::cvtColor(small, layout, cv::COLOR_BGR2Lab);  // 8-bit Lab: L, a, b in 0..255
    }

    // A new segment where the picture changes, so that segments rarely straddle shots.
    // A gradual transition changes little from frame to frame, so the distance to the
    // segment's running mean catches it (drift).
    const bool restart = !frames_.empty() && (f.hist_dist > options_.split_hist_dist ||
                                              std::abs(f.luma_mean - frames_.back().luma_mean) >
                                                  options_.split_luma_step);
    // From here on the segment sums depend on this frame and later ones only.
    if (restart)
        restarts_.push_back({f.index, Digest().add(proxy_width_).add(proxy_height_).value()});
    bool change = frames_.empty() || restart;
    if (!change) {
        const Segment& open = segments_.back();
        const float inv = 1.0f / float(open.end - open.start);
        float inter = 0;
        for (int i = 0; i < kHistBins; ++i)
            inter += std::min(f.hist[std::size_t(i)], open.hist[std::size_t(i)] * inv);
        change = 1.0f - inter > options_.split_drift ||
                 std::abs(f.luma_mean - float(open.luma_sum) * inv) > options_.split_luma_step;
    }
    if (change || segments_.back().end - segments_.back().start >= options_.max_segment_frames) {
        segments_.emplace_back();
        segments_.back().start = segments_.back().end = f.index;
    }
    Segment& s = segments_.back();
    ++s.end;
    s.luma_sum += f.luma_mean;
    for (int i = 0; i < kHistBins; ++i) s.hist[std::size_t(i)] += f.hist[std::size_t(i)];
    if (!layout.empty())
        for (int y = 0; y < 8; ++y) {
            const auto* p = layout.ptr<cv::Vec3b>(y);
            for (int x = 0; x < 8; ++x)
                for (int c = 0; c < 3; ++c) s.layout[std::size_t((y * 8 + x) * 3 + c)] += p[x][c];
        }
    frames_.push_back(r);
}

bool MontageCollector::take_over(MontageCollector& next, FrameIndex from) {
    const Restart* at = first_restart_from(restarts_, from);
    // This collector went on to the end of the film, or past all of `next`.
    if (!at || next.frames_.empty() || next.end_frame() <= at->frame) {
        next = MontageCollector(next.options_);
        return true;
    }
    const Restart* same = first_restart_from(next.restarts_, at->frame);
    if (!same || same->frame != at->frame || same->digest != at->digest) return false;
    const FrameIndex frame = at->frame;
    frames_.resize(std::size_t(frame - first_));
    frames_.insert(frames_.end(), next.frames_.begin() + std::ptrdiff_t(frame - next.first_),
                   next.frames_.end());
    std::erase_if(segments_, [&](const Segment& s) { return s.start >= frame; });
    for (const auto& s : next.segments_)
        if (s.start >= frame) segments_.push_back(s);
    std::erase_if(restarts_, [&](const Restart& r) { return r.frame >= frame; });
    for (const auto& r : next.restarts_)
        if (r.frame >= frame) restarts_.push_back(r);
    next = MontageCollector(next.options_);
    return true;
}

MontageCollector MontageCollector::restore(FrameIndex first, int proxy_width, int proxy_height,
                                           std::vector<FrameRecord> frames,
                                           std::vector<Segment> segments) {
    const FrameIndex end = first + FrameIndex(frames.size());
    FrameIndex at = first;
    for (const Segment& s : segments) {
        if (s.start < at || s.end <= s.start || s.end > end)
            throw_bad_input("montage cache", "segments out of order or outside the frames");
        at = s.end;
    }
    MontageCollector c;
    c.first_ = first;
    c.proxy_width_ = proxy_width;
    c.proxy_height_ = proxy_height;
    c.frames_ = std::move(frames);
    c.segments_ = std::move(segments);
    return c;
}

}  // namespace kinoglaz
