#include "kinoglaz/analysis/area_resize.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <kinoglaz/core.hpp>

namespace kinoglaz::detail {

namespace {

// One output coordinate's source span [first, first + weights.size()) and weights (sum 1).
struct Taps {
    int first = 0;
    std::vector<float> weights;
};

std::vector<Taps> area_taps(int src_len, int dst_len) {
    const double scale = double(src_len) / dst_len;
    std::vector<Taps> taps(static_cast<std::size_t>(dst_len));
    for (int d = 0; d < dst_len; ++d) {
        const double lo = d * scale, hi = std::min(double(src_len), (d + 1) * scale);
        auto& t = taps[std::size_t(d)];
        t.first = int(std::floor(lo));
        for (int s = t.first; s < hi; ++s) {
            const double overlap = std::min(hi, s + 1.0) - std::max(lo, double(s));
            if (overlap > 1e-9) t.weights.push_back(float(overlap / scale));
        }
    }
    return taps;
}

// The tables depend only on the geometry, which is the same for every frame of a film.
struct Tables {
    cv::Size src, dst;
    std::vector<Taps> x, y;
};

const Tables& tables_for(cv::Size src, cv::Size dst) {
    thread_local Tables cached;
    if (cached.src != src || cached.dst != dst) {
        cached.src = src;
        cached.dst = dst;
        cached.x = area_taps(src.width, dst.width);
        cached.y = area_taps(src.height, dst.height);
    }
    return cached;
}

}  // namespace

void area_downscale(const cv::Mat& src, cv::Mat& dst, cv::Size size) {
    if (src.depth() != CV_8U || size.width < 1 || size.height < 1 || size.width > src.cols ||
        size.height > src.rows)
        throw Error(ErrorKind::internal, "area_downscale: needs an 8-bit image and a smaller size");
    const int cn = src.channels();
    const Tables& t = tables_for(src.size(), size);
    // Two passes of the same kind, each a weighted sum of whole rows (contiguous, vectorised):
    // the vertical pass, then the horizontal one as a vertical pass over the transpose.
    const auto weighted_rows = [](const cv::Mat& in, const std::vector<Taps>& taps, cv::Mat& out) {
        const int len = in.cols * in.channels();
        out.create(int(taps.size()), in.cols, in.type());
        for (int y = 0; y < out.rows; ++y) {
            const Taps& tap = taps[std::size_t(y)];
            float* o = out.ptr<float>(y);
            std::fill(o, o + len, 0.f);
            for (std::size_t k = 0; k < tap.weights.size(); ++k) {
                const float w = tap.weights[k];
                const float* r = in.ptr<float>(tap.first + int(k));
                for (int i = 0; i < len; ++i) o[i] += w * r[i];
            }
        }
    };
    thread_local cv::Mat as_float, tall, turned, narrow, back;
    src.convertTo(as_float, CV_32FC(cn));
    weighted_rows(as_float, t.y, tall);
    cv::transpose(tall, turned);
    weighted_rows(turned, t.x, narrow);
    cv::transpose(narrow, back);
    back.convertTo(dst, src.type());
}

}  // namespace kinoglaz::detail
