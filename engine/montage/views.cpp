#include <algorithm>
#include <numeric>

#include <opencv2/calib3d.hpp>
#include <opencv2/features2d.hpp>
#include <opencv2/imgproc.hpp>

#include "kinoglaz/montage/montage_analysis.hpp"

namespace kinoglaz {

namespace {

// Keyframes are compared at this width (height in proportion): enough detail for a few
// hundred corners, cheap enough for thousands of shots.
constexpr int kViewWidth = 480;
constexpr int kViewFeatures = 400;
// Lowe's ratio test: a match counts only when clearly better than the second best.
constexpr float kRatio = 0.8f;
// Black bars: nothing in the row or column brighter than this (luma 0..255).
constexpr unsigned char kBarLuma = 32;
// The active picture kept for comparing whole pictures where corners are too few, pixels wide.
constexpr int kPictureWidth = 160;
// A cut-in found by correlation: the closer picture, reduced by one of these factors, matches
// a part of the wider one with a normalised correlation of at least kMatch, clearly better
// (by kMatchMargin) than the two pictures compared at one scale.
constexpr double kZooms[] = {1.5, 1.75, 2.0, 2.5};
constexpr double kMatch = 0.8, kMatchMargin = 0.15;

// Whether CLOSER shows part of WIDER magnified by one of kZooms (both active pictures, grey).
bool shows_part_of(const cv::Mat& wider, const cv::Mat& closer) {
    if (wider.empty() || closer.empty()) return false;
    cv::Mat same, score;
    cv::resize(closer, same, wider.size(), 0, 0, cv::INTER_AREA);
    cv::matchTemplate(wider, same, score, cv::TM_CCOEFF_NORMED);
    const double at_one_scale = score.at<float>(0, 0);
    for (double zoom : kZooms) {
        const cv::Size size(int(closer.cols / zoom), int(closer.rows / zoom));
        if (size.width < 16 || size.height < 9 || size.width > wider.cols ||
            size.height > wider.rows)
            continue;
        cv::Mat part;
        cv::resize(closer, part, size, 0, 0, cv::INTER_AREA);
        cv::matchTemplate(wider, part, score, cv::TM_CCOEFF_NORMED);
        double best = 0;
        cv::minMaxLoc(score, nullptr, &best);
        if (best >= kMatch && best >= at_one_scale + kMatchMargin) return true;
    }
    return false;
}

}  // namespace

ViewFeatures view_features(const cv::Mat& keyframe) {
    ViewFeatures v;
    if (keyframe.empty()) return v;
    cv::Mat grey = keyframe;
    if (keyframe.channels() != 1) cv::cvtColor(keyframe, grey, cv::COLOR_BGR2GRAY);
    const double scale = double(kViewWidth) / grey.cols;
    if (scale < 1)
        cv::resize(grey, grey, {kViewWidth, std::max(1, int(grey.rows * scale + 0.5))}, 0, 0,
                   cv::INTER_AREA);
    v.size = grey.size();
    // The active picture: rows and columns with anything brighter than black bars, in units
    // of the width, so that a boxed copy of a view compares with the full-frame one.
    cv::Mat rows, cols;
    cv::reduce(grey, rows, 1, cv::REDUCE_MAX);
    cv::reduce(grey, cols, 0, cv::REDUCE_MAX);
    auto extent = [](const cv::Mat& line, int length) {
        int first = 0, last = length - 1;
        while (first < last && line.data[first] <= kBarLuma) ++first;
        while (last > first && line.data[last] <= kBarLuma) --last;
        return std::pair{first, last + 1};
    };
    const auto [top, bottom] = extent(rows, grey.rows);
    const auto [left, right] = extent(cols, grey.cols);
    const float w = float(grey.cols);
    v.active = cv::Rect2f(left / w, top / w, (right - left) / w, (bottom - top) / w);
    if (right - left >= 16 && bottom - top >= 9) {
        const cv::Mat active = grey(cv::Rect(left, top, right - left, bottom - top));
        const double f = double(kPictureWidth) / active.cols;
        cv::resize(active, v.picture, {kPictureWidth, std::max(9, int(active.rows * f + 0.5))}, 0,
                   0, cv::INTER_AREA);
    }
    auto orb = cv::ORB::create(kViewFeatures);
    std::vector<cv::KeyPoint> keys;
    orb->detectAndCompute(grey, cv::noArray(), keys, v.descriptors);
    v.points.reserve(keys.size());
    // Positions in units of the picture's width, so that views of different sizes compare.
    for (const auto& k : keys) v.points.push_back(k.pt * float(1.0 / grey.cols));
    return v;
}

namespace {

ViewRelation relate_by_corners(const ViewFeatures& a, const ViewFeatures& b,
                               const MontageOptions& o) {
    if (a.descriptors.rows < o.view_min_inliers || b.descriptors.rows < o.view_min_inliers)
        return ViewRelation::unknown;
    cv::BFMatcher matcher(cv::NORM_HAMMING);
    std::vector<std::vector<cv::DMatch>> knn;
    matcher.knnMatch(a.descriptors, b.descriptors, knn, 2);
    std::vector<cv::Point2f> pa, pb;
    for (const auto& m : knn)
        if (m.size() == 2 && m[0].distance < kRatio * m[1].distance) {
            pa.push_back(a.points[std::size_t(m[0].queryIdx)]);
            pb.push_back(b.points[std::size_t(m[0].trainIdx)]);
        }
    if (int(pa.size()) < o.view_min_inliers) return ViewRelation::unknown;
    // One view seen again, reframed: a similarity (a cut-in, a cut-out, a recrop, the same
    // set-up in another scene). Another set-up of the same place moves the background by a
    // perspective change that no similarity explains across the picture. The reprojection
    // threshold is 1 % of the picture's width.
    std::vector<unsigned char> inlier;
    const cv::Mat m =
        cv::estimateAffinePartial2D(pa, pb, inlier, cv::RANSAC, 0.01, 2000, 0.995, 10);
    if (m.empty()) return ViewRelation::unknown;
    const int inliers = std::accumulate(inlier.begin(), inlier.end(), 0);
    const double scale = std::hypot(m.at<double>(0, 0), m.at<double>(1, 0));
    if (inliers < o.view_min_inliers || inliers < o.view_min_inlier_share * pa.size())
        return ViewRelation::unknown;
    // The agreeing corners must spread over the picture: one object seen in two views (a
    // screen, a sign, a face) matches in a small patch; a view seen again matches all over.
    auto spread = [&](const std::vector<cv::Point2f>& pts, cv::Size size) {
        std::vector<cv::Point2f> kept;
        for (std::size_t k = 0; k < pts.size(); ++k)
            if (inlier[k]) kept.push_back(pts[k]);
        const cv::Rect2f box = cv::boundingRect(kept);
        const double height = double(size.height) / size.width;  // in units of the width
        return double(box.width) * box.height / height;
    };
    // A cut-in's corners cover only the part of the wider view that it shows: each spread is
    // measured at the closer picture's scale.
    const double s2 = scale * scale;
    if (std::min(spread(pa, a.size) * std::max(1.0, s2),
                 spread(pb, b.size) * std::max(1.0, 1 / s2)) < o.view_min_spread)
        return ViewRelation::unknown;
    // Same view or reframed: compare the fields of view, side by side. A's active picture
    // mapped into B's frame against B's active picture: a boxed copy shows the whole view
    // smaller (the same field), a cut-in shows part of it larger (a narrower field) — in
    // width, height or both: a letterboxed view's cut-in that fills the frame crops its sides
    // while keeping nearly its height. A turn by a quarter swaps width and height.
    const bool turned = std::abs(m.at<double>(1, 0)) > std::abs(m.at<double>(0, 0));
    const double aw = turned ? a.active.height : a.active.width;
    const double ah = turned ? a.active.width : a.active.height;
    const double scale_ab = std::sqrt(s2);
    const double wide = aw * scale_ab / std::max(1e-9, double(b.active.width));
    const double high = ah * scale_ab / std::max(1e-9, double(b.active.height));
    auto within = [&](double f) { return f > 1 / o.view_max_zoom && f < o.view_max_zoom; };
    return within(wide) && within(high) ? ViewRelation::same : ViewRelation::reframed;
}

}  // namespace

namespace {

// Too few corners agree (soft or dark footage): the whole pictures can still show a cut-in.
ViewRelation relate_by_pictures(const ViewFeatures& a, const ViewFeatures& b) {
    return shows_part_of(a.picture, b.picture) || shows_part_of(b.picture, a.picture)
               ? ViewRelation::reframed
               : ViewRelation::unknown;
}

}  // namespace

ViewRelation relate_views(const ViewFeatures& a, const ViewFeatures& b, const MontageOptions& o) {
    const ViewRelation by_corners = relate_by_corners(a, b, o);
    return by_corners != ViewRelation::unknown ? by_corners : relate_by_pictures(a, b);
}

ViewJoiner::ViewJoiner(Analysis& analysis, const MontageOptions& options)
    : analysis_(analysis), options_(options) {}

void ViewJoiner::add(int shot, ViewFeatures view) {
    while (next_ < shot) compare(next_, {});
    if (shot == next_) compare(shot, std::move(view));
}

// Candidates: pairs of shots within the set-up window whose colours say "one place"; the
// closest few per shot, so that a feature film stays fast.
void ViewJoiner::compare(int j, ViewFeatures b) {
    const auto& shots = analysis_.shots;
    const MontageOptions& o = options_;
    next_ = j + 1;
    if (j >= int(shots.size())) return;
    const Shot& later = shots[std::size_t(j)];
    // What is beyond the window for this shot is beyond it for every later one.
    while (!window_.empty() &&
           later.start_time_s - shots[std::size_t(window_.front().first)].end_time_s >
               o.setup_window_s)
        window_.pop_front();
    std::vector<std::pair<double, std::size_t>> near;  // distance, place in the window
    for (std::size_t k = 0; k < window_.size(); ++k) {
        const double d =
            shot_distance(shots[std::size_t(window_[k].first)].descriptor, later.descriptor);
        if (d < o.scene_distance) near.push_back({d, k});
    }
    std::sort(near.begin(), near.end());
    if (int(near.size()) > o.view_candidates) near.resize(std::size_t(o.view_candidates));
    for (auto [d, k] : near) {
        const auto& [i, a] = window_[k];
        const bool together = shots[std::size_t(i)].setup == later.setup;
        ViewRelation r = relate_by_corners(a, b, o);
        // The pictures can only say "reframed", which matters only for shots that colour
        // put together; they cost most, so they are compared only then.
        if (r == ViewRelation::unknown && together) r = relate_by_pictures(a, b);
        if (r == ViewRelation::same && !together) same_.push_back({i, j});
        if (r == ViewRelation::reframed && together) reframed_.push_back({i, j});
    }
    window_.emplace_back(j, std::move(b));
}

bool ViewJoiner::finish() {
    while (next_ < int(analysis_.shots.size())) compare(next_, {});
    window_.clear();
    if (same_.empty() && reframed_.empty()) return false;
    analyse_structure(analysis_, options_, gradual_breaks_of(analysis_), {}, {same_, reframed_});
    return true;
}

}  // namespace kinoglaz
