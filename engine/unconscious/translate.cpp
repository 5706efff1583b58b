#include "kinoglaz/unconscious/translate.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <kinoglaz/core.hpp>

namespace kinoglaz::detail {

namespace {

// out[i] = w00 a[i] + w01 a[i + 1] + w10 b[i] + w11 b[i + 1]: one bilinear step between two
// source rows (separate arrays, so the compiler vectorises).
void blend_rows(const float* __restrict a, const float* __restrict b, float* __restrict out, int n,
                float w00, float w01, float w10, float w11) {
    for (int i = 0; i < n; ++i) out[i] = w00 * a[i] + w01 * a[i + 1] + w10 * b[i] + w11 * b[i + 1];
}

// out[i] = keep * out[i] + beta * with[i].
void mix_row(float* __restrict out, const float* __restrict with, int n, float keep, float beta) {
    for (int i = 0; i < n; ++i) out[i] = out[i] * keep + with[i] * beta;
}

void translate(const cv::Mat& src, cv::Mat& dst, float dx, float dy, const cv::Mat* blend_with,
               float beta) {
    if (src.type() != CV_32FC1 || src.empty() || src.data == dst.data)
        throw Error(ErrorKind::internal, "translate: needs a separate CV_32FC1 output");
    if (blend_with && (blend_with->type() != CV_32FC1 || blend_with->size() != src.size()))
        throw Error(ErrorKind::internal, "translate_and_blend: images of different sizes");
    const int w = src.cols, h = src.rows;
    // Source position of output (x, y): (x + ox + fx, y + oy + fy) with fx, fy in [0, 1).
    const int ox = int(std::floor(-dx)), oy = int(std::floor(-dy));
    const float fx = -dx - float(ox), fy = -dy - float(oy);
    const float w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
    dst.create(h, w, CV_32FC1);
    // Output columns whose two source columns both lie inside the picture.
    const int x_lo = std::clamp(-ox, 0, w), x_hi = std::clamp(w - 2 - ox, x_lo - 1, w - 1);
    const auto column = [w](int x) { return std::clamp(x, 0, w - 1); };
    for (int y = 0; y < h; ++y) {
        const float* r0 = src.ptr<float>(std::clamp(y + oy, 0, h - 1));
        const float* r1 = src.ptr<float>(std::clamp(y + oy + 1, 0, h - 1));
        float* out = dst.ptr<float>(y);
        const auto edge = [&](int x) {
            const int a = column(x + ox), b = column(x + ox + 1);
            out[x] = w00 * r0[a] + w01 * r0[b] + w10 * r1[a] + w11 * r1[b];
        };
        for (int x = 0; x < std::min(x_lo, w); ++x) edge(x);
        if (x_lo <= x_hi)
            blend_rows(r0 + x_lo + ox, r1 + x_lo + ox, out + x_lo, x_hi - x_lo + 1, w00, w01, w10,
                       w11);
        for (int x = std::max(x_lo, x_hi + 1); x < w; ++x) edge(x);
        // The row is still in the cache.
        if (blend_with) mix_row(out, blend_with->ptr<float>(y), w, 1 - beta, beta);
    }
}

}  // namespace

void translate_bilinear(const cv::Mat& src, cv::Mat& dst, float dx, float dy) {
    translate(src, dst, dx, dy, nullptr, 0);
}

void translate_and_blend(const cv::Mat& src, cv::Mat& dst, float dx, float dy,
                         const cv::Mat& blend_with, float beta) {
    translate(src, dst, dx, dy, &blend_with, beta);
}

}  // namespace kinoglaz::detail
