#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <kinoglaz/core.hpp>
#include "kinoglaz/montage/montage_analysis.hpp"

namespace kinoglaz {

namespace {

using Record = MontageCollector::FrameRecord;

// A shot before its descriptor: where it is visible, and where it is shown alone.
struct Span {
    FrameRange frames;
    FrameRange clean;
    bool after_fade = false;  ///< follows a fade to black (a scene-level break)
};

class ShotSplitter {
  public:
    ShotSplitter(const MontageCollector& c, double black_luma) : c_(c), black_(black_luma) {}

    std::vector<Span> split(const std::vector<Transition>& transitions) {
        const FrameIndex first = c_.first_frame(), end = c_.end_frame();
        open_ = true;
        cur_ = {first, first, first, false};
        for (const auto& t : transitions) {
            const FrameIndex s = std::clamp(t.frames.start, first, end);
            const FrameIndex e = std::clamp(std::max(t.frames.end, t.frames.start), first, end);
            if (!open_) resume_from_black(s);
            switch (t.type) {
                case TransitionType::cut:
                    close(s, s);
                    start(s, s);
                    break;
                case TransitionType::dissolve:
                case TransitionType::wipe:
                    // Both shots are visible during the mix: the outgoing one until e, the
                    // incoming one from s.
                    close(e, s);
                    start(s, e);
                    break;
                case TransitionType::fade_out:
                    close(e, s);
                    open_ = false;
                    black_from_ = e;
                    pending_fade_ = true;
                    break;
                case TransitionType::fade_in:
                    close(s, s);
                    start(s, e);
                    break;
            }
        }
        if (!open_) resume_from_black(end);
        close(end, end);
        return std::move(spans_);
    }

  private:
    bool dark(FrameIndex f) const {
        const Record& r = c_.at(f);
        return r.luma_mean < black_ && r.luma_std < 0.5 * black_;
    }

    // After a fade-out with no fade-in: content that appears without a detected transition
    // starts a shot at its first non-black frame.
    void resume_from_black(FrameIndex limit) {
        for (FrameIndex f = black_from_; f < limit; ++f)
            if (!dark(f)) {
                start(f, f);
                return;
            }
    }

    void start(FrameIndex s, FrameIndex clean_start) {
        cur_ = {s, clean_start, clean_start, pending_fade_};
        open_ = true;
    }

    void close(FrameIndex end, FrameIndex clean_end) {
        if (!open_) return;
        open_ = false;
        FrameRange frames{cur_.start, std::max(cur_.start, end)};
        FrameRange clean{std::min(cur_.clean_start, frames.end),
                         std::max(cur_.clean_start, clean_end)};
        clean.end = std::min(clean.end, frames.end);
        black_from_ = frames.end;
        if (frames.empty()) return;
        // Black holds (black leader, a cut to black) belong to no shot.
        bool all_dark = true;
        for (FrameIndex f = frames.start; f < frames.end && all_dark; ++f) all_dark = dark(f);
        if (all_dark) {
            pending_fade_ = pending_fade_ || cur_.after_fade;
            return;
        }
        if (clean.empty()) clean = frames;
        spans_.push_back({frames, clean, cur_.after_fade});
        pending_fade_ = false;
    }

    struct Current {
        FrameIndex start, clean_start, unused;
        bool after_fade;
    };
    const MontageCollector& c_;
    double black_;
    bool open_ = true;
    bool pending_fade_ = false;
    FrameIndex black_from_ = 0;
    Current cur_{};
    std::vector<Span> spans_;
};

double median_of(std::vector<double> v) {
    if (v.empty()) return 0;
    auto mid = v.begin() + std::ptrdiff_t(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
}

// A flash or a gain step: brightness off the shot's median by more than 25 % (with an
// offset so that near-black shots are not judged by noise).
bool brightness_outlier(double luma, double median) {
    const double hi = std::max(luma, median) + 10, lo = std::min(luma, median) + 10;
    return hi / lo > 1.25;
}

// Mean colour summary over the segments that lie in the clean part of the shot. Segments
// whose brightness is far from the shot's median (a flash, a brightness step) are left out
// while enough remains, so a shot keeps the look of its ordinary frames.
void describe(const MontageCollector& c, const Span& span, Shot& shot) {
    const FrameRange clean = span.clean;
    std::vector<double> lumas;
    double col = 0, motion = 0;
    int motion_n = 0;
    for (FrameIndex f = clean.start; f < clean.end; ++f) {
        const Record& r = c.at(f);
        lumas.push_back(r.luma_mean);
        col += r.colourfulness;
        if (f > clean.start) motion += r.mc_diff, ++motion_n;
    }
    double luma_sum = 0;
    for (double l : lumas) luma_sum += l;
    shot.descriptor.brightness = float(luma_sum / double(std::max<std::size_t>(1, lumas.size())));
    shot.descriptor.colourfulness = float(col / double(std::max<std::size_t>(1, lumas.size())));
    shot.descriptor.motion_energy = motion_n > 0 ? float(motion / motion_n) : 0.f;
    const double med_luma = median_of(lumas);

    const auto& segs = c.segments();
    auto lo = std::upper_bound(segs.begin(), segs.end(), clean.start,
                               [](FrameIndex v, const auto& s) { return v < s.end; });
    std::array<double, kHistBins> hist{};
    std::array<double, 8 * 8 * 3> layout{};
    double weight = 0;
    auto accumulate = [&](bool partial, bool outliers) {
        for (auto it = lo; it != segs.end() && it->start < clean.end; ++it) {
            const FrameIndex a = std::max(it->start, clean.start), b = std::min(it->end, clean.end);
            const double len = double(it->end - it->start), inside = double(b - a);
            if (inside <= 0) continue;
            if (inside < len && !partial) continue;
            if (!outliers && brightness_outlier(it->luma_sum / len, med_luma)) continue;
            const double w = inside / len;
            for (int i = 0; i < kHistBins; ++i)
                hist[std::size_t(i)] += w * it->hist[std::size_t(i)];
            for (std::size_t i = 0; i < layout.size(); ++i) layout[i] += w * it->layout[i];
            weight += w * len;
        }
    };
    const double need = 0.5 * double(clean.length());
    // Whole segments of ordinary brightness first; then relax, step by step.
    for (int pass = 0; pass < 3 && weight < need; ++pass) {
        hist.fill(0);
        layout.fill(0);
        weight = 0;
        accumulate(pass >= 1, pass >= 2);
    }
    if (weight <= 0) return;
    double hsum = 0;
    for (double h : hist) hsum += h;
    for (int i = 0; i < kHistBins; ++i)
        shot.descriptor.hist[std::size_t(i)] = hsum > 0 ? float(hist[std::size_t(i)] / hsum) : 0.f;
    double lsum = 0;
    for (double v : layout) lsum += v;
    if (lsum > 0) {
        cv::Mat m(8, 8, CV_32FC3);
        float* p = m.ptr<float>(0);
        for (std::size_t i = 0; i < layout.size(); ++i) p[i] = float(layout[i] / weight);
        shot.descriptor.layout = m;
    }
}

// How far a keyframe may be from the most representative frame's measure (pick_keyframe):
// kKeyframeSlack, or kKeyframeSlackShare of the best's, whichever is more: a mean colour a
// level or two of 255 off, or slightly more motion.
constexpr double kKeyframeSlack = 2.0;
constexpr double kKeyframeSlackShare = 0.25;
// How far before a shot to look for the codec keyframe its keyframe's decoding starts at.
constexpr FrameIndex kKeyframeSearch = 1000;

// The clean frame whose 2x2 colour signature is closest to the shot's mean, penalising
// frames in motion (blur) and brightness outliers (flashes). The keyframe is decoded again by
// seeking, from the last picture before it that decoding can start at (the codec's keyframe,
// FrameRecord::key), and one mid-way into a long group of pictures costs many times one at
// its start: so among the frames within the slack of the best, the one fewest frames after a
// codec keyframe is taken (1080p: 1,223 frames decoded after the seeks' keyframes -> 475 for
// 47 shots). With none known (a version 1 cache), the most representative, as before.
FrameIndex pick_keyframe(const MontageCollector& c, const Span& span) {
    const FrameRange r = span.clean;
    std::array<double, 12> mean{};
    for (FrameIndex f = r.start; f < r.end; ++f)
        for (std::size_t k = 0; k < 12; ++k) mean[k] += c.at(f).quad[k];
    for (auto& m : mean) m /= double(std::max<FrameIndex>(1, r.length()));
    // The measure: the 2x2 colour signature against the shot's mean, plus motion.
    std::vector<double> costs;
    costs.reserve(std::size_t(std::max<FrameIndex>(0, r.length())));
    double best_cost = std::numeric_limits<double>::max();
    for (FrameIndex f = r.start; f < r.end; ++f) {
        const Record& rec = c.at(f);
        double d = 0;
        for (std::size_t k = 0; k < 12; ++k) d += std::abs(rec.quad[k] - mean[k]);
        costs.push_back(d / 12.0 + 200.0 * (f > r.start ? rec.mc_diff : 0.0));
        best_cost = std::min(best_cost, costs.back());
    }
    if (costs.empty()) return r.start + r.length() / 2;
    const double limit = best_cost + std::max(kKeyframeSlack, kKeyframeSlackShare * best_cost);
    FrameIndex key = -1;  // the last frame decoding can start at, so far
    for (FrameIndex f = r.start - 1; f >= std::max(c.first_frame(), r.start - kKeyframeSearch); --f)
        if (c.at(f).key) {
            key = f;
            break;
        }
    constexpr FrameIndex kUnknown = std::numeric_limits<FrameIndex>::max();
    FrameIndex best = r.start, best_distance = kUnknown;
    double chosen_cost = std::numeric_limits<double>::max();
    for (FrameIndex f = r.start; f < r.end; ++f) {
        if (c.at(f).key) key = f;
        const double cost = costs[std::size_t(f - r.start)];
        if (cost > limit) continue;
        const FrameIndex distance = key < 0 ? kUnknown : f - key;
        if (distance < best_distance || (distance == best_distance && cost < chosen_cost))
            best = f, best_distance = distance, chosen_cost = cost;
    }
    return best;
}

double time_of(const MontageCollector& c, const SourceInfo& source, FrameIndex f) {
    if (f < c.end_frame()) return c.at(f).time_s;
    const auto& frames = c.frames();
    const double last = frames.back().time_s;
    double step = frames.size() > 1 ? (last - frames.front().time_s) / double(frames.size() - 1)
                                    : (source.fps > 0 ? 1.0 / source.fps : 0.04);
    if (source.duration_s > last && source.duration_s - last < 4 * step + 1e-9)
        return source.duration_s;  // the stream's own end (last frame + its duration)
    return last + step * double(f - c.end_frame() + 1);
}

}  // namespace

void build_montage(Analysis& analysis, const MontageCollector& collector,
                   const MontageOptions& options, const FixedSetups& fixed_setups) {
    validate_montage_options(options);
    analysis.shots.clear();
    if (collector.frame_count() == 0) {
        analyse_structure(analysis, options);
        return;
    }
    auto transitions = analysis.transitions;
    std::stable_sort(
        transitions.begin(), transitions.end(),
        [](const Transition& a, const Transition& b) { return a.frames.start < b.frames.start; });
    ShotSplitter splitter(collector, options.black_luma);
    const std::vector<Span> spans = splitter.split(transitions);

    std::vector<bool> gradual_breaks;
    for (const Span& span : spans) {
        Shot shot;
        shot.index = int(analysis.shots.size());
        shot.frames = span.frames;
        shot.start_time_s = time_of(collector, analysis.source, span.frames.start);
        shot.end_time_s = time_of(collector, analysis.source, span.frames.end);
        describe(collector, span, shot);
        shot.keyframe = pick_keyframe(collector, span);
        const auto& frames = collector.frames();
        // Motion of the first clean frame is relative to the previous shot's picture.
        const std::size_t a = std::size_t(span.clean.start - collector.first_frame()) + 1;
        const std::size_t b = std::size_t(span.clean.end - collector.first_frame());
        shot.camera = a < b ? classify_camera(std::span(frames).subspan(a, b - a), options.camera)
                            : CameraMovement::static_;
        analysis.shots.push_back(std::move(shot));
        // A shot opened by a dissolve, a wipe or a fade in (they start the incoming shot at
        // their first mixed frame), or coming out of black.
        const bool after_gradual =
            std::any_of(transitions.begin(), transitions.end(), [&](const Transition& t) {
                return t.type != TransitionType::cut && t.frames.start == span.frames.start;
            });
        gradual_breaks.push_back(span.after_fade || after_gradual);
    }
    analyse_structure(analysis, options, gradual_breaks, fixed_setups);
}

std::vector<bool> gradual_breaks_of(const Analysis& analysis) {
    std::vector<bool> breaks;
    const auto& shots = analysis.shots;
    for (std::size_t i = 0; i < shots.size(); ++i) {
        const FrameIndex start = shots[i].frames.start;
        const bool after_black = i > 0 && start > shots[i - 1].frames.end;
        const bool after_gradual = std::any_of(
            analysis.transitions.begin(), analysis.transitions.end(), [&](const Transition& t) {
                return t.type != TransitionType::cut && t.frames.start == start;
            });
        breaks.push_back(after_black || after_gradual);
    }
    return breaks;
}

}  // namespace kinoglaz
