#include <opencv2/imgproc.hpp>

#include "kinoglaz/analysis/area_resize.hpp"
#include "kinoglaz/analysis/features.hpp"
#include "kinoglaz/analysis/phase_correlation.hpp"

namespace kinoglaz {

namespace {

// Saturation (0..255) under which a pixel is neutral grey: a black-and-white film's, whose
// chroma its encoding leaves within a step of neutral (S <= 8 from value 64 up).
constexpr int kNeutralSaturation = 12;

float colourfulness_of(const cv::Mat& bgr) {
    // Hasler & Suesstrunk (2003): spread and mean of the opponent channels rg and yb.
    double sum_rg = 0, sum_yb = 0, sq_rg = 0, sq_yb = 0;
    const std::size_t n = bgr.total();
    for (int y = 0; y < bgr.rows; ++y) {
        const auto* p = bgr.ptr<cv::Vec3b>(y);
        for (int x = 0; x < bgr.cols; ++x) {
            double rg = double(p[x][2]) - p[x][1];
            double yb = 0.5 * (double(p[x][2]) + p[x][1]) - p[x][0];
            sum_rg += rg;
            sum_yb += yb;
            sq_rg += rg * rg;
            sq_yb += yb * yb;
        }
    }
    double m_rg = sum_rg / n, m_yb = sum_yb / n;
    double v_rg = std::max(0.0, sq_rg / n - m_rg * m_rg);
    double v_yb = std::max(0.0, sq_yb / n - m_yb * m_yb);
    return float(std::sqrt(v_rg + v_yb) + 0.3 * std::sqrt(m_rg * m_rg + m_yb * m_yb));
}

// Black bars (cropdetect's idea, per frame): rows and columns in which almost no pixel is
// brighter than black. Luma is video range, so black is 16.
constexpr double kBarLuma = 32;
constexpr double kBarBrightShare = 0.02;  // of a row's or column's pixels allowed above kBarLuma
// A band thinner than this share of the frame is an edge, not a bar; a picture smaller than
// kMinPictureShare in either direction is a dark frame, not a picture between bars.
constexpr double kMinBarShare = 0.04;
constexpr double kMinPictureShare = 0.15;

// [first, last) of the non-bar rows (or columns), from the count of bright pixels in each.
std::pair<int, int> picture_span(const cv::Mat& bright_counts, int length) {
    const int n = int(bright_counts.total());
    const int* counts = bright_counts.ptr<int>();
    const int limit = int(kBarBrightShare * length);
    int first = 0, last = n;
    while (first < n && counts[first] <= limit) ++first;
    while (last > first && counts[last - 1] <= limit) --last;
    if (first < kMinBarShare * n) first = 0;
    if (n - last < kMinBarShare * n) last = n;
    return {first, last};
}

// The picture between black bars; empty when too little of the frame is brighter than black
// to tell bars from a dark picture (a fade, a night scene).
cv::Rect active_picture(const cv::Mat& gray) {
    cv::Mat bright, per_row, per_column;
    cv::threshold(gray, bright, kBarLuma, 1, cv::THRESH_BINARY);
    cv::reduce(bright, per_row, 1, cv::REDUCE_SUM, CV_32S);
    cv::reduce(bright, per_column, 0, cv::REDUCE_SUM, CV_32S);
    const auto [top, bottom] = picture_span(per_row, gray.cols);
    const auto [left, right] = picture_span(per_column, gray.rows);
    if (bottom - top < kMinPictureShare * gray.rows || right - left < kMinPictureShare * gray.cols)
        return {};
    return cv::Rect(left, top, right - left, bottom - top);
}

}  // namespace

FrameFeatures compute_frame_features(const Frame& frame, FeatureMask mask) {
    FrameFeatures f;
    f.index = frame.index;
    f.time_s = frame.time_s;
    f.key = frame.key;
    const bool has_proxy = !frame.proxy_gray.empty();
    f.proxy_width = has_proxy ? frame.proxy_gray.cols : frame.detect_gray.cols;
    f.proxy_height = has_proxy ? frame.proxy_gray.rows : frame.detect_gray.rows;

    // Everything here is computed on the small detection image, the same whatever the
    // analysis proxy's size, so `cuts` and `analyze` see identical features. A frame built
    // without one (tests, synthetic input) gets it from its proxy.
    cv::Mat half = frame.detect_bgr, half_gray = frame.detect_gray;
    if (half.empty()) {
        const cv::Size half_size{std::max(1, frame.proxy_bgr.cols / 2),
                                 std::max(1, frame.proxy_bgr.rows / 2)};
        cv::resize(frame.proxy_bgr, half, half_size, 0, 0, cv::INTER_AREA);
        cv::resize(frame.proxy_gray, half_gray, half_size, 0, 0, cv::INTER_AREA);
    }

    cv::Scalar mean, stddev;
    cv::meanStdDev(half_gray, mean, stddev);
    f.luma_mean = float(mean[0]);
    f.luma_std = float(stddev[0]);
    std::array<int, 256> luma_counts{};
    for (int y = 0; y < half_gray.rows; ++y) {
        const uchar* p = half_gray.ptr<uchar>(y);
        for (int x = 0; x < half_gray.cols; ++x) ++luma_counts[p[x]];
    }
    const int total = int(half_gray.total());
    int cumulative = 0, level = 0;
    for (; level < 256 && (cumulative += luma_counts[level]) < total / 20; ++level) {
    }
    f.luma_p05 = float(std::min(level, 255));
    for (++level; level < 256 && (cumulative += luma_counts[level]) < total - total / 20; ++level) {
    }
    f.luma_p95 = float(std::min(level, 255));

    const auto thumbnail = [](const cv::Mat& image, cv::Mat& thumb) {
        if (image.cols >= kThumbWidth && image.rows >= kThumbHeight)
            detail::area_downscale(image, thumb, {kThumbWidth, kThumbHeight});
        else  // a tiny picture: the thumbnail is larger
            cv::resize(image, thumb, {kThumbWidth, kThumbHeight}, 0, 0, cv::INTER_AREA);
    };
    thumbnail(half, f.thumb_bgr);
    cv::cvtColor(f.thumb_bgr, f.thumb, cv::COLOR_BGR2GRAY);
    f.picture = active_picture(half_gray);
    f.picture_frame = half_gray.size();
    if (f.picture.empty() || f.picture == cv::Rect(0, 0, half.cols, half.rows)) {
        f.picture_thumb = f.thumb;
        f.picture_thumb_bgr = f.thumb_bgr;
    } else {
        thumbnail(half_gray(f.picture), f.picture_thumb);
        thumbnail(half(f.picture), f.picture_thumb_bgr);
    }
    if (has(mask, FeatureMask::translation)) detail::windowed_spectrum(f.thumb, f.thumb_spectrum);
    if (!has(mask, FeatureMask::appearance)) return f;

    f.colourfulness = colourfulness_of(f.thumb_bgr);
    // The colours of the picture, not of its bars: a letterboxed film's bars would add the
    // same black to every shot and leave a dark shot's own colours too small a share to count
    // (the shots' descriptors, montage/structure.cpp).
    cv::Mat hsv;
    cv::cvtColor(f.picture.empty() ? half : half(f.picture), hsv, cv::COLOR_BGR2HSV);
    std::array<int, kHistBins> counts{};
    for (int y = 0; y < hsv.rows; ++y) {
        const auto* p = hsv.ptr<cv::Vec3b>(y);
        for (int x = 0; x < hsv.cols; ++x) {
            const int value = p[x][2];
            // A neutral pixel's hue is noise: its hue bin holds its level within its value
            // band instead, so that a black-and-white film's shots differ by 64 levels of
            // grey, not 4.
            int h = p[x][1] < kNeutralSaturation
                        ? value % (256 / kValBins) * kHueBins / (256 / kValBins)
                        : p[x][0] * kHueBins / 180;
            int s = p[x][1] * kSatBins / 256;
            int v = value * kValBins / 256;
            ++counts[(std::min(h, kHueBins - 1) * kSatBins + s) * kValBins + v];
        }
    }
    const float inv = 1.0f / float(std::max<std::size_t>(1, hsv.total()));
    for (int i = 0; i < kHistBins; ++i) f.hist[i] = float(counts[i]) * inv;
    return f;
}

}  // namespace kinoglaz
