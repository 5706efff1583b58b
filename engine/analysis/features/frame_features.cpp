#include <opencv2/imgproc.hpp>

#include "area_resize.hpp"
#include "extract.hpp"
#include "phase_correlation.hpp"

namespace kinoglaz {

namespace {

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

}  // namespace

FrameFeatures compute_frame_features(const Frame& frame, FeatureMask mask) {
    FrameFeatures f;
    f.index = frame.index;
    f.time_s = frame.time_s;
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

    if (half.cols >= kThumbWidth && half.rows >= kThumbHeight)
        detail::area_downscale(half, f.thumb_bgr, {kThumbWidth, kThumbHeight});
    else  // a tiny film: the thumbnail is larger than the picture
        cv::resize(half, f.thumb_bgr, {kThumbWidth, kThumbHeight}, 0, 0, cv::INTER_AREA);
    cv::cvtColor(f.thumb_bgr, f.thumb, cv::COLOR_BGR2GRAY);
    if (has(mask, FeatureMask::translation)) detail::windowed_spectrum(f.thumb, f.thumb_spectrum);
    if (!has(mask, FeatureMask::appearance)) return f;

    f.colourfulness = colourfulness_of(f.thumb_bgr);
    cv::Mat hsv;
    cv::cvtColor(half, hsv, cv::COLOR_BGR2HSV);
    std::array<int, kHistBins> counts{};
    for (int y = 0; y < hsv.rows; ++y) {
        const auto* p = hsv.ptr<cv::Vec3b>(y);
        for (int x = 0; x < hsv.cols; ++x) {
            int h = p[x][0] * kHueBins / 180;
            int s = p[x][1] * kSatBins / 256;
            int v = p[x][2] * kValBins / 256;
            ++counts[(std::min(h, kHueBins - 1) * kSatBins + s) * kValBins + v];
        }
    }
    const float inv = 1.0f / float(std::max<std::size_t>(1, hsv.total()));
    for (int i = 0; i < kHistBins; ++i) f.hist[i] = float(counts[i]) * inv;
    return f;
}

}  // namespace kinoglaz
