#include "gradual_detector.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include <kinoglaz/core.hpp>

namespace kinoglaz::detail {

namespace {

constexpr std::size_t kQuietHistory = 25;  // frames that define a shot's own difference level
constexpr int kGapTolerance = 1;           // a run survives one quiet frame inside it

// Models are fitted at half the thumbnail size: motion inside the shots on either side
// then leaves less residual, while a wipe's boundary stays sharp enough to see.
cv::Mat as_float(const cv::Mat& bgr) {
    cv::Mat small, f;
    cv::resize(bgr, small, {bgr.cols / 2, bgr.rows / 2}, 0, 0, cv::INTER_AREA);
    small.convertTo(f, CV_32FC3);
    return f;
}

// How far the B-labelled pixels are from filling a half-plane: for each of a fan of edge
// directions, project every informative pixel on the edge's normal and count the pixels on
// the wrong side of the best threshold. A straight wipe edge leaves almost none; a shape
// moving through the frame (a hand, a passer-by) leaves many.
double half_plane_error(const std::vector<cv::Point2f>& points, const std::vector<bool>& is_b) {
    const int nb = int(std::count(is_b.begin(), is_b.end(), true));
    const int na = int(is_b.size()) - nb;
    if (na == 0 || nb == 0) return 0;
    constexpr int kDirections = 24;
    int best = int(points.size());
    std::vector<std::pair<float, bool>> proj(points.size());
    for (int k = 0; k < kDirections; ++k) {
        const double angle = 2 * CV_PI * k / kDirections;
        const cv::Point2f normal(float(std::cos(angle)), float(std::sin(angle)));
        for (std::size_t i = 0; i < points.size(); ++i) proj[i] = {points[i].dot(normal), is_b[i]};
        std::sort(proj.begin(), proj.end());
        // Sweep the threshold upwards: at first every pixel is on the B side (the A pixels
        // are wrong); each pixel passed moves to the A side.
        int wrong = na;
        best = std::min(best, wrong);
        for (const auto& [v, b] : proj) {
            wrong += b ? 1 : -1;
            best = std::min(best, wrong);
        }
    }
    return double(best) / double(points.size());
}

}  // namespace

GradualFit fit_gradual(const FrameFeatures& a, const std::vector<const FrameFeatures*>& mixed,
                       const FrameFeatures& b, bool edge_test) {
    GradualFit fit;
    if (mixed.empty()) return fit;
    const cv::Mat A = as_float(a.thumb_bgr), B = as_float(b.thumb_bgr);
    const cv::Mat AB = A - B;
    const double ab_l1 = cv::norm(AB, cv::NORM_L1) / double(AB.total());
    const double ab_l2 = AB.dot(AB);
    if (ab_l1 < 1e-6 || ab_l2 < 1e-6) return fit;
    // Pixels where the two sides differ enough to tell them apart; per-pixel α is only
    // meaningful there.
    cv::Mat ab_mag;
    {
        std::vector<cv::Mat> ch;
        cv::split(cv::abs(AB), ch);
        ab_mag = ch[0] + ch[1] + ch[2];
    }
    const double informative = 0.5 * cv::mean(ab_mag)[0];

    double mix_sum = 0, wipe_sum = 0, spread_sum = 0;
    std::vector<double> alphas, b_areas;
    cv::Mat shows_b = cv::Mat::zeros(A.size(), CV_8U),
            switched_back = cv::Mat::zeros(A.size(), CV_8U);
    double boundary_sum = 0;
    int boundary_frames = 0;
    for (const FrameFeatures* m : mixed) {
        const cv::Mat M = as_float(m->thumb_bgr);
        const cv::Mat MB = M - B;
        double alpha = std::clamp(MB.dot(AB) / ab_l2, 0.0, 1.0);
        alphas.push_back(alpha);
        cv::Mat model = B + alpha * AB;
        mix_sum += cv::norm(M - model, cv::NORM_L1) / double(M.total()) / ab_l1;

        // Per-pixel: closer to A or to B, and the per-pixel mixing weight.
        double wipe_err = 0, b_count = 0, n_inf = 0, a_sum = 0, a_sq = 0;
        std::vector<cv::Point2f> points;
        std::vector<bool> labels;
        for (int y = 0; y < M.rows; ++y) {
            const auto* pm = M.ptr<cv::Vec3f>(y);
            const auto* pa = A.ptr<cv::Vec3f>(y);
            const auto* pb = B.ptr<cv::Vec3f>(y);
            const float* pmag = ab_mag.ptr<float>(y);
            for (int x = 0; x < M.cols; ++x) {
                double da = std::abs(pm[x][0] - pa[x][0]) + std::abs(pm[x][1] - pa[x][1]) +
                            std::abs(pm[x][2] - pa[x][2]);
                double db = std::abs(pm[x][0] - pb[x][0]) + std::abs(pm[x][1] - pb[x][1]) +
                            std::abs(pm[x][2] - pb[x][2]);
                wipe_err += std::min(da, db) / 3.0;
                if (pmag[x] > informative) {
                    ++n_inf;
                    if (edge_test) {
                        points.emplace_back(float(x), float(y));
                        labels.push_back(db < da);
                    }
                    uchar& was_b = shows_b.at<uchar>(y, x);
                    if (db < da) {
                        ++b_count;
                        was_b = 1;
                    } else if (was_b) {
                        switched_back.at<uchar>(y, x) = 1;
                    }
                    cv::Vec3f ab = pa[x] - pb[x], mb = pm[x] - pb[x];
                    double pa_ = std::clamp(double(mb.dot(ab)) / std::max(1e-6, double(ab.dot(ab))),
                                            0.0, 1.0);
                    a_sum += pa_;
                    a_sq += pa_ * pa_;
                }
            }
        }
        wipe_sum += wipe_err / double(M.total()) / ab_l1;
        b_areas.push_back(n_inf > 0 ? b_count / n_inf : 0);
        if (edge_test && b_areas.back() > 0.15 && b_areas.back() < 0.85) {
            boundary_sum += half_plane_error(points, labels);
            ++boundary_frames;
        }
        if (n_inf > 0) {
            double mean = a_sum / n_inf;
            spread_sum += std::sqrt(std::max(0.0, a_sq / n_inf - mean * mean));
        }
    }
    const double n = double(mixed.size());
    fit.mix_residual = mix_sum / n;
    fit.wipe_residual = wipe_sum / n;
    fit.alpha_spread = spread_sum / n;
    int falls = 0, grows = 0;
    for (std::size_t i = 1; i < alphas.size(); ++i) {
        if (alphas[i] <= alphas[i - 1] + 0.02) ++falls;
        if (b_areas[i] >= b_areas[i - 1] - 0.02) ++grows;
    }
    const double steps = std::max<double>(1, double(alphas.size()) - 1);
    fit.alpha_monotony = alphas.size() < 2 ? 1 : falls / steps;
    fit.alpha_first = alphas.front();
    fit.alpha_last = alphas.back();
    fit.area_first = b_areas.front();
    fit.area_last = b_areas.back();
    fit.boundary_error = boundary_frames > 0 ? boundary_sum / boundary_frames : 1;
    const int ever_b = cv::countNonZero(shows_b);
    fit.switch_back = ever_b > 0 ? double(cv::countNonZero(switched_back)) / ever_b : 1;
    fit.wipe_monotony = alphas.size() < 2 ? 1 : grows / steps;
    return fit;
}

void fit_slide(const FrameFeatures& a, const std::vector<const FrameFeatures*>& mixed,
               const FrameFeatures& b, double max_residual, GradualFit& fit) {
    if (mixed.empty() || a.thumb_bgr.empty() || b.thumb_bgr.empty()) return;
    // At the thumbnail's full size: a slide's offset grows by a few pixels a frame, and the
    // coarser half size would blur it into its neighbours.
    cv::Mat A, B;
    a.thumb_bgr.convertTo(A, CV_32FC3);
    b.thumb_bgr.convertTo(B, CV_32FC3);
    const double ab_l1 = cv::norm(A, B, cv::NORM_L1) / double(A.total());
    if (ab_l1 < 1e-6) return;
    for (const FrameFeatures* m : mixed)
        if (m->thumb_bgr.size() != a.thumb_bgr.size()) return;
    // Direction d moves the content by +h along x (d = 0), −h along x (1), +h along y (2) or
    // −h along y (3); B enters behind A from the side the content moves away from.
    const int W = A.cols, H = A.rows;
    // Residual of frame M against A moved by h and B moved in behind it, B's own offset
    // `gb` (len − h for a slide); with `b_only`, over B's part alone.
    auto residual = [&](const cv::Mat& M, int d, int h, int gb, bool b_only) {
        const bool horizontal = d < 2, forward = d % 2 == 0;
        const int len = horizontal ? W : H;
        // Band [u0, u1) across the axis of motion.
        auto band = [&](int u0, int u1) {
            return horizontal ? cv::Rect(u0, 0, u1 - u0, H) : cv::Rect(0, u0, W, u1 - u0);
        };
        // Output band [u, u + n) shows B from position u + shift_b, A from u + shift_a.
        const int b0 = forward ? 0 : len - h, a0 = forward ? h : 0;
        const int b_src = forward ? gb : len - h - gb, a_src = forward ? 0 : h;
        double sum = cv::norm(M(band(b0, b0 + h)), B(band(b_src, b_src + h)), cv::NORM_L1);
        double n = double(h) * (horizontal ? H : W);
        if (!b_only) {
            sum +=
                cv::norm(M(band(a0, a0 + len - h)), A(band(a_src, a_src + len - h)), cv::NORM_L1);
            n = double(M.total());
        }
        return sum / 3.0 / n / ab_l1;
    };
    // The direction is the one that explains the middle frame best; a run whose middle frame
    // no slide explains within twice `max_residual` is left at once (the cost stays small on
    // the long motion runs that reach this test).
    auto best_offset = [&](const cv::Mat& M, int d, double& best) {
        const int len = d < 2 ? W : H;
        int best_h = 1;
        best = 1e9;
        for (int h = 1; h < len; ++h) {
            const double r = residual(M, d, h, len - h, false);
            if (r < best) best = r, best_h = h;
        }
        return best_h;
    };
    int best_d = 0;
    double mid_best = 1e9;
    cv::Mat middle;
    mixed[mixed.size() / 2]->thumb_bgr.convertTo(middle, CV_32FC3);
    for (int d = 0; d < 4; ++d) {
        double r;
        best_offset(middle, d, r);
        if (r < mid_best) mid_best = r, best_d = d;
    }
    if (mid_best > 2 * max_residual) return;
    std::vector<cv::Mat> frames(mixed.size());
    for (std::size_t i = 0; i < mixed.size(); ++i)
        mixed[i]->thumb_bgr.convertTo(frames[i], CV_32FC3);
    double best_total = 0;
    std::vector<int> best_hs;
    for (const cv::Mat& M : frames) {
        double r;
        best_hs.push_back(best_offset(M, best_d, r));
        best_total += r;
    }
    const int len = best_d < 2 ? W : H;
    fit.slide_residual = best_total / double(frames.size());
    // In a slide B's part sits exactly behind A's (offset len − h); in a fast pan or tilt the
    // incoming part is the scene just beyond A, which B shows elsewhere: its best offset is
    // another one.
    int seam_frames = 0, seamless = 0;
    for (std::size_t i = 0; i < frames.size() && fit.slide_residual <= max_residual; ++i) {
        const int h = best_hs[i];
        if (h < 3 || h > len - 3) continue;
        int best_g = 0;
        double best = 1e9;
        for (int g = 0; g <= len - h; ++g) {
            const double r = residual(frames[i], best_d, h, g, true);
            if (r < best) best = r, best_g = g;
        }
        ++seam_frames;
        if (std::abs(best_g - (len - h)) > 1) ++seamless;
    }
    fit.slide_offset_error = seam_frames ? double(seamless) / seam_frames : 1;
    int grows = 0;
    fit.slide_max_step = 0;
    for (std::size_t i = 1; i < best_hs.size(); ++i) {
        if (best_hs[i] >= best_hs[i - 1]) ++grows;
        fit.slide_max_step =
            std::max(fit.slide_max_step, double(best_hs[i] - best_hs[i - 1]) / len);
    }
    fit.slide_monotony = best_hs.size() < 2 ? 1 : grows / std::max(1.0, double(best_hs.size()) - 1);
    fit.slide_first = double(best_hs.front()) / len;
    fit.slide_last = double(best_hs.back()) / len;
}

int GradualDetector::warm_up_frames() const noexcept {
    return int(kQuietHistory);  // the shot's quiet-level history must be full again
}

GradualDetector::GradualDetector(const GradualOptions& options)
    : options_(options),
      max_length_(std::max(4, int(std::lround(options.max_length_s * options.fps)))),
      window_(std::size_t(max_length_ + 8)) {
    if (!(options.fps > 0 && options.fps < 1000))
        throw_bad_usage("gradual", "fps must be in (0, 1000)");
    if (!(options.sensitivity >= 0 && options.sensitivity <= 1))
        throw_bad_usage("gradual", "sensitivity must be in [0, 1]");
}

double GradualDetector::threshold() const {
    double baseline = 0;
    if (!quiet_levels_.empty()) {
        std::vector<float> v(quiet_levels_.begin(), quiet_levels_.end());
        std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
        baseline = v[v.size() / 2];
    }
    return std::max(options_.min_step, options_.baseline_factor * baseline) *
           sensitivity_scale(options_.sensitivity);
}

void GradualDetector::push(const FrameFeatures& f, std::vector<Transition>& out) {
    window_.push(f);
    if (f.index == 0) return;
    const bool elevated = f.picture_diff > threshold();
    if (elevated) {
        if (run_start_ < 0) run_start_ = f.index;
        run_last_ = f.index;
        return;
    }
    if (run_start_ >= 0 && f.index - run_last_ > kGapTolerance) close_run(out);
    if (run_start_ < 0) {
        quiet_levels_.push_back(f.picture_diff);
        if (quiet_levels_.size() > kQuietHistory) quiet_levels_.pop_front();
    }
}

void GradualDetector::finish(FrameIndex end, std::vector<Transition>& out) {
    // A run still open at the end has no clean frame after it: nothing to type it by.
    run_start_ = run_last_ = -1;
}

bool GradualDetector::is_spike(FrameIndex t) const {
    // An abrupt change inside a run (a hard cut next to motion): the hard-cut detector's
    // case, and a boundary no gradual transition crosses.
    if (!window_.has(t - 1) || !window_.has(t + 1)) return false;
    const double d = window_.at(t).picture_diff;
    const double around = std::max(window_.at(t - 1).picture_diff, window_.at(t + 1).picture_diff);
    return d >= 0.05 && d >= 2.0 * around &&
           within_bars_distance(window_.at(t - 1), window_.at(t)) >= 0.3;
}

void GradualDetector::close_run(std::vector<Transition>& out) {
    const FrameIndex first = run_start_, last = run_last_;
    run_start_ = run_last_ = -1;
    if (last - first > max_length_ || !window_.has(first - 1) || !window_.has(last)) return;
    // Elevated differences on [first, last] mean frames first..last-1 are mixed and `last` is
    // the first clean frame. Abrupt jumps and uniform frames split the run: each stretch in
    // between is classified on its own (uniform frames belong to the fade detector).
    FrameIndex seg = first;
    for (FrameIndex i = first; i <= last; ++i) {
        const bool breaks = is_flat(window_.at(i)) || is_spike(i);
        if (breaks || i == last) {
            if (i > seg) classify(seg, i, out);
            seg = i + 1;
        }
    }
}

std::optional<Transition> GradualDetector::fit_segment(FrameIndex first_mixed,
                                                       FrameIndex first_clean,
                                                       bool try_slide) const {
    const FrameFeatures& a = window_.at(first_mixed - 1);
    const FrameFeatures& b = window_.at(first_clean);
    if (is_flat(a) || is_flat(b)) return std::nullopt;  // fades: the fade detector's
    const double scale = sensitivity_scale(options_.sensitivity);
    if (within_bars_distance(a, b) < options_.min_content_change * scale) return std::nullopt;

    std::vector<const FrameFeatures*> mixed;
    for (FrameIndex i = first_mixed; i < first_clean; ++i) mixed.push_back(&window_.at(i));
    GradualFit fit = fit_gradual(a, mixed, b, false);

    if (std::getenv("KINOGLAZ_DEBUG_GRADUAL"))
        std::fprintf(stderr,
                     "fit [%lld,%lld) mix=%.3f wipe=%.3f amono=%.2f wmono=%.2f spread=%.2f "
                     "a=%.2f..%.2f area=%.2f..%.2f back=%.2f edge=%.3f\n",
                     (long long)first_mixed, (long long)first_clean, fit.mix_residual,
                     fit.wipe_residual, fit.alpha_monotony, fit.wipe_monotony, fit.alpha_spread,
                     fit.alpha_first, fit.alpha_last, fit.area_first, fit.area_last,
                     fit.switch_back, fit.boundary_error);
    // A short wipe advances by 1/(n+1) of the picture a frame, and its last step may cross a
    // flat region that leaves no difference, so the run ends a frame early: its ends may lie
    // two steps from empty and full.
    const double end_area = std::max(0.12, 2.0 / (double(mixed.size()) + 1));
    // The straight-edge test is the costly one: only for what already looks like a wipe.
    auto wipe_shape = [&](const GradualFit& g) {
        return g.wipe_residual <= options_.max_wipe_residual * scale &&
               g.wipe_residual < 0.7 * g.mix_residual && g.switch_back < 0.2 &&
               g.wipe_monotony >= 0.8 && g.area_first < end_area && g.area_last > 1 - end_area;
    };
    if (wipe_shape(fit)) fit.boundary_error = fit_gradual(a, mixed, b, true).boundary_error;
    const bool wipe_like = wipe_shape(fit) && fit.boundary_error < 0.06;
    const bool mix_like = fit.mix_residual <= options_.max_mix_residual * scale &&
                          fit.alpha_monotony >= 0.8 && fit.alpha_first > 0.5 &&
                          fit.alpha_last < 0.5;
    // A slide (push) moves both pictures, so neither the mix nor the per-pixel switch
    // explains it; it is only tried for what nothing else explains.
    if (try_slide && !wipe_like && !mix_like)
        fit_slide(a, mixed, b, options_.max_slide_residual * scale, fit);
    if (std::getenv("KINOGLAZ_DEBUG_GRADUAL") && !wipe_like && !mix_like)
        std::fprintf(stderr, "  slide=%.3f mono=%.2f share=%.2f..%.2f step=%.2f offset=%.2f\n",
                     fit.slide_residual, fit.slide_monotony, fit.slide_first, fit.slide_last,
                     fit.slide_max_step, fit.slide_offset_error);
    // A slide advances steadily: a fit that jumps from nearly all A to nearly all B is a
    // cut next to motion or an occlusion, not a slide.
    const double max_slide_step =
        2.0 * (fit.slide_last - fit.slide_first) / std::max<double>(1, double(mixed.size()) - 1);
    const bool slide_like =
        !wipe_like && !mix_like && fit.slide_residual <= options_.max_slide_residual * scale &&
        fit.slide_residual < 0.6 * fit.mix_residual && fit.slide_monotony >= 0.8 &&
        fit.slide_first < 0.3 && fit.slide_last > 0.7 && fit.slide_max_step <= max_slide_step &&
        fit.slide_offset_error <= 0.1;
    TransitionType type;
    double residual;
    if (slide_like) {
        type = TransitionType::wipe;
        residual = fit.slide_residual;
    } else if (wipe_like) {
        type = TransitionType::wipe;
        residual = fit.wipe_residual;
    } else if (mix_like) {
        type = TransitionType::dissolve;
        residual = fit.mix_residual;
    } else {
        return std::nullopt;
    }
    const double confidence =
        std::clamp(1.0 - residual / std::max(0.05, options_.max_mix_residual * 2), 0.05, 1.0);
    return Transition{type, {first_mixed, first_clean}, 0, 0, float(confidence)};
}

void GradualDetector::classify(FrameIndex first_mixed, FrameIndex first_clean,
                               std::vector<Transition>& out) {
    if (first_clean - first_mixed < 2) return;
    if (auto t = fit_segment(first_mixed, first_clean, true)) {
        out.push_back(*t);
        return;
    }
    // A moving shot on one side stretches the run beyond the transition: look for the
    // widest stretch inside it that a model explains, shrinking the run from its far end,
    // then from its near end (a mix of mixes is still a mix, so the widest fit is the true
    // one). Half a second of trimming either way bounds the cost of long motion runs.
    const FrameIndex length = first_clean - first_mixed;
    const FrameIndex limit = std::min<FrameIndex>(length - 3, std::lround(options_.fps / 2));
    for (FrameIndex trim = 1; trim <= limit; ++trim)
        for (FrameIndex front : {FrameIndex(0), trim}) {
            // Slides are only fitted to whole runs: a slide moves both pictures, so it raises
            // the difference over all its frames and its run is the transition.
            if (auto t = fit_segment(first_mixed + front, first_clean - (trim - front), false)) {
                out.push_back(*t);
                return;
            }
        }
}

}  // namespace kinoglaz::detail
