#include "content.hpp"

#include <cmath>

namespace kinoglaz::detail {

namespace {
// A picture-less frame: nine pixels in ten within a few levels of each other (a caption on
// black still counts), or nearly no variation at all.
constexpr float kFlatSpread = 10.0f;
constexpr float kFlatStd = 2.0f;
}  // namespace

bool is_flat(const FrameFeatures& f) noexcept {
    return f.luma_std < kFlatStd || (f.luma_p95 - f.luma_p05 <= kFlatSpread && f.luma_std < 24.0f);
}

float content_distance(const FrameFeatures& a, const FrameFeatures& b) {
    const bool flat_a = is_flat(a), flat_b = is_flat(b);
    if (flat_a && flat_b) return std::min(1.0f, std::abs(a.luma_mean - b.luma_mean) / 64.0f);
    if (flat_a != flat_b) return 1.0f;
    // Normalised cross-correlation at the best of 9 one-pixel shifts.
    const cv::Mat& ta = a.thumb;
    const cv::Mat& tb = b.thumb;
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

void FeatureWindow::push(const FrameFeatures& f) {
    frames_.push_back(f);
    while (frames_.size() > capacity_) frames_.pop_front();
}

double sensitivity_scale(double sensitivity) noexcept {
    return std::pow(2.0, (0.5 - sensitivity) * 2.0);
}

}  // namespace kinoglaz::detail
