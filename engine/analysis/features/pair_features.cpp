#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include "kinoglaz/analysis/features.hpp"
#include "kinoglaz/analysis/phase_correlation.hpp"

namespace kinoglaz {

float histogram_distance(const std::array<float, kHistBins>& a,
                         const std::array<float, kHistBins>& b) noexcept {
    float inter = 0;
    for (int i = 0; i < kHistBins; ++i) inter += std::min(a[i], b[i]);
    return std::clamp(1.0f - inter, 0.0f, 1.0f);
}

float mean_abs_difference(const cv::Mat& a, const cv::Mat& b) {
    if (a.empty() || a.size() != b.size()) return 0;
    cv::Mat diff;
    cv::absdiff(a, b, diff);
    return float(cv::mean(diff)[0] / 255.0);
}

namespace {

// Translation between thumbnails by phase correlation. A shift larger than a quarter of the
// thumbnail, or a weak peak, is not a trustworthy camera motion: no shift.
void thumbnail_translation(const FrameFeatures& previous, FrameFeatures& f) {
    if (previous.thumb_spectrum.empty() || f.thumb_spectrum.empty()) return;
    double response = 0;
    cv::Point2d shift =
        detail::phase_correlate_spectra(previous.thumb_spectrum, f.thumb_spectrum, &response);
    if (std::abs(shift.x) > kThumbWidth / 4.0 || std::abs(shift.y) > kThumbHeight / 4.0 ||
        response < 0.05)
        shift = {0, 0};
    f.shift_dx = float(shift.x);
    f.shift_dy = float(shift.y);
}

// The difference that remains after undoing the translation: pans and shakes leave little,
// a new picture leaves a lot.
void motion_compensated_difference(const cv::Mat& prev, const cv::Mat& cur, FrameFeatures& f) {
    const double sx = f.shift_dx, sy = f.shift_dy;
    cv::Mat moved;
    cv::Mat m = (cv::Mat_<double>(2, 3) << 1, 0, sx, 0, 1, sy);
    cv::warpAffine(prev, moved, m, prev.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    // Compare only the interior that both frames show.
    int mx = int(std::ceil(std::abs(sx))) + 1, my = int(std::ceil(std::abs(sy))) + 1;
    cv::Rect inner(mx, my, cur.cols - 2 * mx, cur.rows - 2 * my);
    if (inner.width <= 0 || inner.height <= 0) inner = cv::Rect(0, 0, cur.cols, cur.rows);
    f.mc_diff = std::min(mean_abs_difference(moved(inner), cur(inner)),
                         mean_abs_difference(prev(inner), cur(inner)));
}

GlobalMotion estimate_global_motion(const cv::Mat& prev, const cv::Mat& cur) {
    GlobalMotion gm;
    std::vector<cv::Point2f> p0, p1;
    cv::goodFeaturesToTrack(prev, p0, 200, 0.01, 8);
    if (p0.size() < 8) return gm;
    std::vector<uchar> status;
    std::vector<float> err;
    // An 11x11 window, over three pyramid levels, follows up to ~40 proxy pixels a frame (an eighth
    // of the width: a whip pan at 3 widths per second at 25 fps) and costs about half the
    // 15x15 one; see benchmarks/README.md, "The camera's motion".
    cv::calcOpticalFlowPyrLK(prev, cur, p0, p1, status, err, {11, 11}, 3);
    std::vector<cv::Point2f> a, b;
    for (std::size_t i = 0; i < p0.size(); ++i)
        if (status[i]) {
            a.push_back(p0[i]);
            b.push_back(p1[i]);
        }
    gm.tracked = int(a.size());
    if (a.size() < 8) return gm;
    std::vector<uchar> inliers;
    cv::Mat m = cv::estimateAffinePartial2D(a, b, inliers, cv::RANSAC, 1.5);
    if (m.empty()) return gm;
    double c = m.at<double>(0, 0), s = m.at<double>(1, 0);
    gm.valid = true;
    gm.scale = float(std::hypot(c, s));
    gm.angle_rad = float(std::atan2(s, c));
    // Translation of the image centre, so that zoom does not read as a pan.
    cv::Point2d centre(prev.cols / 2.0, prev.rows / 2.0);
    gm.dx = float(c * centre.x - s * centre.y + m.at<double>(0, 2) - centre.x);
    gm.dy = float(s * centre.x + c * centre.y + m.at<double>(1, 2) - centre.y);
    int n_in = 0;
    std::vector<float> residuals;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (!inliers[i]) continue;
        ++n_in;
        double px = c * a[i].x - s * a[i].y + m.at<double>(0, 2);
        double py = s * a[i].x + c * a[i].y + m.at<double>(1, 2);
        residuals.push_back(float(std::hypot(px - b[i].x, py - b[i].y)));
    }
    gm.inlier_ratio = float(n_in) / float(a.size());
    if (!residuals.empty()) {
        std::nth_element(residuals.begin(), residuals.begin() + residuals.size() / 2,
                         residuals.end());
        gm.residual_px = residuals[residuals.size() / 2];
    }
    return gm;
}

// The change of colour that luma does not see: the mean |Δ| of a chroma channel (Cb and Cr,
// BT.601 weights) of the colour thumbnails, over 255 — on the scale of the luma difference.
float chroma_difference(const cv::Mat& a, const cv::Mat& b) {
    if (a.empty() || a.size() != b.size()) return 0;
    double sum = 0;
    for (int y = 0; y < a.rows; ++y) {
        const auto* p = a.ptr<cv::Vec3b>(y);
        const auto* q = b.ptr<cv::Vec3b>(y);
        for (int x = 0; x < a.cols; ++x) {
            const double db = double(q[x][0]) - p[x][0], dg = double(q[x][1]) - p[x][1],
                         dr = double(q[x][2]) - p[x][2];
            sum += std::abs(-0.168736 * dr - 0.331264 * dg + 0.5 * db) +
                   std::abs(0.5 * dr - 0.418688 * dg - 0.081312 * db);
        }
    }
    return float(sum / (2.0 * double(a.total()) * 255.0));
}

// `rect` of an image of size `from` in the pixels of one of size `to` (the detection image is
// half the proxy when a frame has none of its own).
cv::Rect rescaled(const cv::Rect& rect, cv::Size from, cv::Size to) {
    if (from == to || rect.empty()) return rect;
    const double sx = double(to.width) / from.width, sy = double(to.height) / from.height;
    const cv::Rect out(int(std::floor(rect.x * sx)), int(std::floor(rect.y * sy)),
                       int(std::ceil(rect.width * sx)), int(std::ceil(rect.height * sy)));
    return out & cv::Rect(0, 0, to.width, to.height);
}

}  // namespace

void compute_pair_features(const Frame& previous_frame, const FrameFeatures& previous,
                           const Frame& current_frame, FrameFeatures& current, FeatureMask mask) {
    // On the detection image when the frames have one (see compute_frame_features).
    const bool detect = !current_frame.detect_gray.empty() && !previous_frame.detect_gray.empty();
    const cv::Mat& before = detect ? previous_frame.detect_gray : previous_frame.proxy_gray;
    const cv::Mat& after = detect ? current_frame.detect_gray : current_frame.proxy_gray;
    current.pixel_diff = mean_abs_difference(before, after);
    // Over both pictures: a picture that moves between bars or fills them again is a change.
    // A frame too dark to show its bars takes its neighbour's (cv::Rect's | keeps the other
    // of an empty one), so the measure does not jump between areas in a dark stretch.
    const cv::Rect whole(0, 0, after.cols, after.rows);
    const cv::Size features_size = detect ? after.size() : cv::Size(after.cols / 2, after.rows / 2);
    const cv::Rect both =
        rescaled(previous.picture | current.picture, features_size, after.size()) & whole;
    current.picture_diff = both.empty() || both == whole || before.size() != after.size()
                               ? current.pixel_diff
                               : mean_abs_difference(before(both), after(both));
    current.chroma_diff = chroma_difference(previous.thumb_bgr, current.thumb_bgr);
    if (has(mask, FeatureMask::appearance))
        current.hist_dist = histogram_distance(previous.hist, current.hist);
    if (has(mask, FeatureMask::translation)) thumbnail_translation(previous, current);
    if (has(mask, FeatureMask::compensated_difference))
        motion_compensated_difference(previous.thumb, current.thumb, current);
    if (!has(mask, FeatureMask::camera_motion)) return;
    if (has(mask, FeatureMask::sampled_camera_motion) && current_frame.index % 2 != 0)
        current.motion.sampled_out = true;
    else if (!current_frame.proxy_gray.empty() && !previous_frame.proxy_gray.empty())
        current.motion =
            estimate_global_motion(previous_frame.proxy_gray, current_frame.proxy_gray);
}

}  // namespace kinoglaz
