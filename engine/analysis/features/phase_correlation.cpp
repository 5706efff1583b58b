#include "kinoglaz/analysis/phase_correlation.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <memory>
#include <string>

#include <opencv2/imgproc.hpp>

extern "C" {
#include <libavutil/tx.h>
}

#include <kinoglaz/core.hpp>

namespace kinoglaz::detail {

namespace {

// One libavutil transform: a context and its function. Its buffers must be aligned as the
// processor's vector instructions want (the SIMD versions are several times faster): they
// are rows of cv::Mats, whose data OpenCV aligns to 64 bytes, each row a multiple of 32 bytes.
struct Transform {
    struct Free {
        void operator()(AVTXContext* c) const { av_tx_uninit(&c); }
    };
    std::unique_ptr<AVTXContext, Free> context;
    av_tx_fn run = nullptr;

    Transform(AVTXType type, bool inverse, int length) {
        AVTXContext* c = nullptr;
        const float scale = 1.f;
        if (av_tx_init(&c, &run, type, inverse, length, &scale, 0) < 0 || !c)
            throw Error(ErrorKind::internal,
                        "phase correlation: no FFT of length " + std::to_string(length));
        context.reset(c);
    }
    void operator()(void* out, void* in, std::ptrdiff_t stride) const {
        run(context.get(), out, in, stride);
    }
};

// Complex values per row of a buffer holding n of them: a multiple of 4 (32 bytes).
int padded(int n) {
    return (n + 3) / 4 * 4;
}

// The 2-D transforms of one picture size, row by row then column by column, with their
// scratch space: made once per thread and size.
struct Plan {
    int width, height, half;  // half = width / 2 + 1 horizontal frequencies
    Transform rows_forward, columns_forward, columns_inverse, rows_inverse;
    // height rows of `half` complex values (the rows' half spectra), padded to whole vectors
    // and zeroed: the real inverse's vector code reads a little past a row's values, to no
    // effect on the result unless what lies there is not a number.
    cv::Mat by_row;
    cv::Mat column;  // one column's complex values
    cv::Mat cross;   // the normalised cross-power spectrum, laid out as a spectrum
    cv::Mat window, windowed, surface;

    Plan(int w, int h)
        : width(w),
          height(h),
          half(w / 2 + 1),
          rows_forward(AV_TX_FLOAT_RDFT, false, w),
          columns_forward(AV_TX_FLOAT_FFT, false, h),
          columns_inverse(AV_TX_FLOAT_FFT, true, h),
          rows_inverse(AV_TX_FLOAT_RDFT, true, w),
          by_row(h, padded(half), CV_32FC2, cv::Scalar::all(0)),
          column(1, h, CV_32FC2),
          cross(half, h, CV_32FC2),
          surface(h, w, CV_32F) {
        // Rows of whole 32-byte units: the spectra (h complex values) and the pictures.
        CV_Assert(w % 8 == 0 && h % 4 == 0);
        cv::createHanningWindow(window, {w, h}, CV_32F);
    }

    static Plan& of(int w, int h) {
        static thread_local std::unique_ptr<Plan> plan;
        if (!plan || plan->width != w || plan->height != h) plan = std::make_unique<Plan>(w, h);
        return *plan;
    }
};

}  // namespace

void windowed_spectrum(const cv::Mat& gray, cv::Mat& spectrum) {
    CV_Assert(gray.type() == CV_8UC1);
    Plan& p = Plan::of(gray.cols, gray.rows);
    gray.convertTo(p.windowed, CV_32F);
    cv::multiply(p.windowed, p.window, p.windowed);
    for (int y = 0; y < p.height; ++y)
        p.rows_forward(p.by_row.ptr(y), p.windowed.ptr(y), sizeof(float));
    spectrum.create(p.half, p.height, CV_32FC2);
    auto* column = p.column.ptr<AVComplexFloat>();
    for (int u = 0; u < p.half; ++u) {
        for (int y = 0; y < p.height; ++y) column[y] = p.by_row.ptr<AVComplexFloat>(y)[u];
        p.columns_forward(spectrum.ptr(u), column, sizeof(AVComplexFloat));
    }
}

cv::Point2d phase_correlate_spectra(const cv::Mat& a, const cv::Mat& b, double* response) {
    CV_Assert(a.type() == CV_32FC2 && a.size() == b.size());
    const int half = a.rows, h = a.cols, w = 2 * (half - 1);
    Plan& p = Plan::of(w, h);
    // The cross-power spectrum a b*, each coefficient scaled to magnitude 1: only the phase
    // difference, i.e. the translation, is left.
    for (int u = 0; u < half; ++u) {
        const auto* pa = a.ptr<AVComplexFloat>(u);
        const auto* pb = b.ptr<AVComplexFloat>(u);
        auto* out = p.cross.ptr<AVComplexFloat>(u);
        for (int v = 0; v < h; ++v) {
            const float re = pa[v].re * pb[v].re + pa[v].im * pb[v].im;
            const float im = pa[v].im * pb[v].re - pa[v].re * pb[v].im;
            const float inv = 1.f / (std::sqrt(re * re + im * im) + FLT_EPSILON);
            out[v] = {re * inv, im * inv};
        }
    }
    // Back to the picture domain: columns, then rows (each row's half spectrum to real).
    auto* column = p.column.ptr<AVComplexFloat>();
    for (int u = 0; u < half; ++u) {
        p.columns_inverse(column, p.cross.ptr(u), sizeof(AVComplexFloat));
        for (int y = 0; y < h; ++y) p.by_row.ptr<AVComplexFloat>(y)[u] = column[y];
    }
    cv::Mat& surface = p.surface;
    for (int y = 0; y < h; ++y) p.rows_inverse(surface.ptr(y), p.by_row.ptr(y), sizeof(float));
    // The correlation surface with its origin moved to the centre (fftShift), read in place:
    // shifted (x, y) is stored at ((x + w/2) mod w, (y + h/2) mod h). The highest value, the
    // first in the shifted picture's raster order (as cv::minMaxLoc would find it there).
    auto at = [&](int x, int y) { return surface.at<float>((y + h / 2) % h, (x + w / 2) % w); };
    cv::Point peak(0, 0);
    float best = -FLT_MAX;
    for (int y = 0; y < h; ++y) {
        const float* row = surface.ptr<float>((y + h / 2) % h);
        for (int x = 0; x < w; ++x) {
            const float v = row[x < w / 2 ? x + w / 2 : x - w / 2];
            if (v > best) best = v, peak = {x, y};
        }
    }
    double sum = 0, sx = 0, sy = 0;
    for (int y = std::max(0, peak.y - 2); y <= std::min(h - 1, peak.y + 2); ++y)
        for (int x = std::max(0, peak.x - 2); x <= std::min(w - 1, peak.x + 2); ++x) {
            const double v = at(x, y);
            sum += v;
            sx += x * v;
            sy += y * v;
        }
    // A perfect match peaks at w * h (the inverse transform is not scaled).
    if (response) *response = sum / double(w * h);
    sum += DBL_EPSILON;
    return {w / 2.0 - sx / sum, h / 2.0 - sy / sum};
}

}  // namespace kinoglaz::detail
