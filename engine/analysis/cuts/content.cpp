#include "content.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

#include <opencv2/imgproc.hpp>

namespace kinoglaz::detail {

namespace {
// A picture-less frame: nine pixels in ten within a few levels of each other (a caption on
// black still counts), or nearly no variation at all.
constexpr float kFlatSpread = 10.0f;
constexpr float kFlatStd = 2.0f;
// colour_distance: thumbnail pixels darker than this (B + G + R) or with a channel at or above
// kClippedLevel in either frame are left out; a mean chromaticity difference of
// kUnrelatedChromaticity counts as unrelated colours.
constexpr double kDarkPixel = 60.0;
constexpr unsigned char kClippedLevel = 250;
constexpr double kUnrelatedChromaticity = 0.1;
}  // namespace

bool is_flat(const FrameFeatures& f) noexcept {
    return f.luma_std < kFlatStd || (f.luma_p95 - f.luma_p05 <= kFlatSpread && f.luma_std < 24.0f);
}

namespace {

// 1 - normalised cross-correlation of two thumbnails at the best of 9 one-pixel shifts.
float structure_distance(const cv::Mat& ta, const cv::Mat& tb) {
    double best = -1;
    for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
            double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
            int n = 0;
            for (int y = 1; y < ta.rows - 1; ++y) {
                const uchar* pa = ta.ptr<uchar>(y);
                const uchar* pb = tb.ptr<uchar>(y + dy);
                for (int x = 1; x < ta.cols - 1; ++x) {
                    double va = pa[x], vb = pb[x + dx];
                    sa += va;
                    sb += vb;
                    saa += va * va;
                    sbb += vb * vb;
                    sab += va * vb;
                    ++n;
                }
            }
            double cov = sab - sa * sb / n;
            double var = (saa - sa * sa / n) * (sbb - sb * sb / n);
            if (var <= 1e-9) continue;
            best = std::max(best, cov / std::sqrt(var));
        }
    return float(std::clamp(1.0 - best, 0.0, 1.0));
}

// Two flat frames compare by brightness, a flat one with a picture is unrelated.
std::optional<float> flat_distance(const FrameFeatures& a, const FrameFeatures& b) {
    const bool flat_a = is_flat(a), flat_b = is_flat(b);
    if (flat_a && flat_b) return std::min(1.0f, std::abs(a.luma_mean - b.luma_mean) / 64.0f);
    if (flat_a != flat_b) return 1.0f;
    return std::nullopt;
}

}  // namespace

float content_distance(const FrameFeatures& a, const FrameFeatures& b) {
    if (auto flat = flat_distance(a, b)) return *flat;
    return structure_distance(a.thumb, b.thumb);
}

float picture_distance(const FrameFeatures& a, const FrameFeatures& b) {
    if (auto flat = flat_distance(a, b)) return *flat;
    if (a.picture_thumb.empty() || b.picture_thumb.empty())
        return structure_distance(a.thumb, b.thumb);
    return structure_distance(a.picture_thumb, b.picture_thumb);
}

float within_bars_distance(const FrameFeatures& a, const FrameFeatures& b) {
    if (a.picture == b.picture) return picture_distance(a, b);
    if (auto flat = flat_distance(a, b)) return *flat;
    const cv::Rect area = a.picture | b.picture;
    const cv::Size frame = a.picture_frame;
    if (area.empty() || frame.empty() || frame != b.picture_frame ||
        a.thumb.size() != b.thumb.size())
        return structure_distance(a.thumb, b.thumb);
    // The area in the thumbnails' pixels, widened to whole pixels.
    const double sx = double(a.thumb.cols) / frame.width, sy = double(a.thumb.rows) / frame.height;
    const int x0 = int(std::floor(area.x * sx)), y0 = int(std::floor(area.y * sy));
    const int x1 = int(std::ceil(area.br().x * sx)), y1 = int(std::ceil(area.br().y * sy));
    const cv::Rect covered = cv::Rect(x0, y0, x1 - x0, y1 - y0) & cv::Rect({}, a.thumb.size());
    // Too few pixels for a correlation at nine shifts: the whole frames.
    if (covered.width < 8 || covered.height < 6) return structure_distance(a.thumb, b.thumb);
    return structure_distance(a.thumb(covered), b.thumb(covered));
}

float colour_distance(const FrameFeatures& a, const FrameFeatures& b) {
    const cv::Mat &ta = a.thumb_bgr, &tb = b.thumb_bgr;
    if (ta.empty() || tb.empty() || ta.size() != tb.size()) return 0;
    // Chromaticity sums per block of an 8x4 grid, over the pixels usable in both frames:
    // chromaticity is noise in the dark, and a clipped channel changes it with the light.
    constexpr int kCols = 8, kRows = 4;
    std::array<double, kCols * kRows * 5> sums{};  // per block: ra, ga, rb, gb, count
    for (int y = 0; y < ta.rows; ++y) {
        const auto* pa = ta.ptr<cv::Vec3b>(y);
        const auto* pb = tb.ptr<cv::Vec3b>(y);
        const int row = y * kRows / ta.rows;
        for (int x = 0; x < ta.cols; ++x) {
            const auto &p = pa[x], &q = pb[x];
            const double sp = double(p[0]) + p[1] + p[2], sq = double(q[0]) + q[1] + q[2];
            if (sp < kDarkPixel || sq < kDarkPixel) continue;
            if (std::max({p[0], p[1], p[2], q[0], q[1], q[2]}) >= kClippedLevel) continue;
            double* s = sums.data() + std::size_t(row * kCols + x * kCols / ta.cols) * 5;
            s[0] += p[2] / sp, s[1] += p[1] / sp, s[2] += q[2] / sq, s[3] += q[1] / sq, s[4] += 1;
        }
    }
    double sum = 0;
    int blocks = 0;
    for (std::size_t k = 0; k < std::size_t(kCols * kRows); ++k) {
        const double* s = sums.data() + k * 5;
        if (s[4] < 4) continue;
        sum += std::hypot(s[0] - s[2], s[1] - s[3]) / s[4];
        ++blocks;
    }
    return blocks ? float(std::min(1.0, sum / blocks / kUnrelatedChromaticity)) : 0.0f;
}

void FeatureWindow::push(const FrameFeatures& f) {
    frames_.push_back(f);
    while (frames_.size() > capacity_) frames_.pop_front();
}

double sensitivity_scale(double sensitivity) noexcept {
    return std::pow(2.0, (0.5 - sensitivity) * 2.0);
}

}  // namespace kinoglaz::detail
