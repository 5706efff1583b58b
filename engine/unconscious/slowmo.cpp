// Slow motion by flow-based frame interpolation: bidirectional DIS optical flow, intermediate
// flows by the linear-motion approximation of Jiang et al. (Super SloMo, CVPR 2018), still
// areas kept still (the zero-motion test of motion-compensated interpolators), and
// occlusion-aware blending from forward-backward consistency.
#include <algorithm>
#include <cmath>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include "kinoglaz/error.hpp"
#include "kinoglaz/parallel_for.hpp"
#include "kinoglaz/reveal.hpp"

namespace kinoglaz {

namespace {

// Flow is estimated on at most this many pixels along the longest side, then scaled up:
// DIS at this size follows the motions a reveal shows, at a fraction of the cost.
constexpr int kFlowMaxSide = 640;

cv::Mat to_gray(const cv::Mat& img) {
    if (img.channels() == 1) return img;
    cv::Mat g;
    cv::cvtColor(img, g, cv::COLOR_BGR2GRAY);
    return g;
}

// Visibility of each pixel of the first picture in the second: 1 where following the
// forward flow and then the backward flow returns home, falling to 0 where it does not
// (the pixel is covered in the other picture).
cv::Mat visibility(const cv::Mat& fwd, const cv::Mat& bwd) {
    cv::Mat map(fwd.size(), CV_32FC2), back, vis(fwd.size(), CV_32F);
    for (int y = 0; y < fwd.rows; ++y) {
        const auto* f = fwd.ptr<cv::Vec2f>(y);
        auto* m = map.ptr<cv::Vec2f>(y);
        for (int x = 0; x < fwd.cols; ++x) m[x] = {float(x) + f[x][0], float(y) + f[x][1]};
    }
    cv::remap(bwd, back, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    for (int y = 0; y < fwd.rows; ++y) {
        const auto* f = fwd.ptr<cv::Vec2f>(y);
        const auto* b = back.ptr<cv::Vec2f>(y);
        float* v = vis.ptr<float>(y);
        for (int x = 0; x < fwd.cols; ++x) {
            float ex = f[x][0] + b[x][0], ey = f[x][1] + b[x][1];
            float mag = f[x][0] * f[x][0] + f[x][1] * f[x][1];
            // Tolerance grows with the motion (Sundaram et al.'s consistency test).
            float tol = 0.01f * mag + 0.5f;
            v[x] = std::exp(-(ex * ex + ey * ey) / tol);
        }
    }
    return vis;
}

// Where the two pictures already agree without any motion at least as well as with the flow
// (8x8 windows), nothing moves there: the flow is noise (DIS in flat or still areas), and
// warping by it would only blur. Those pixels keep the identity maps.
void keep_still_areas(const cv::Mat& g0, const cv::Mat& g1, cv::Mat& map0, cv::Mat& map1) {
    cv::Mat w0, w1, still, moved;
    cv::remap(g0, w0, map0, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::remap(g1, w1, map1, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::boxFilter(cv::abs(g0 - g1), still, -1, {8, 8});
    cv::boxFilter(cv::abs(w0 - w1), moved, -1, {8, 8});
    for (int y = 0; y < g0.rows; ++y) {
        const float* st = still.ptr<float>(y);
        const float* mv = moved.ptr<float>(y);
        auto* m0 = map0.ptr<cv::Vec2f>(y);
        auto* m1 = map1.ptr<cv::Vec2f>(y);
        for (int x = 0; x < g0.cols; ++x)
            if (st[x] <= mv[x]) m0[x] = m1[x] = {float(x), float(y)};
    }
}

}  // namespace

struct FrameInterpolator::State {
    // One DIS per direction: the two flows are estimated at the same time.
    cv::Ptr<cv::DISOpticalFlow> dis[2] = {
        cv::DISOpticalFlow::create(cv::DISOpticalFlow::PRESET_MEDIUM),
        cv::DISOpticalFlow::create(cv::DISOpticalFlow::PRESET_MEDIUM)};
    cv::Size size;
    cv::Mat f01, f10, v0, v1;  // full-size flows (pixels) and visibilities
    cv::Mat g[2];              // full-size grey pictures, CV_32F
};

FrameInterpolator::FrameInterpolator() : state_(std::make_unique<State>()) {}
FrameInterpolator::~FrameInterpolator() = default;
FrameInterpolator::FrameInterpolator(FrameInterpolator&&) noexcept = default;
FrameInterpolator& FrameInterpolator::operator=(FrameInterpolator&&) noexcept = default;

void FrameInterpolator::prepare(const cv::Mat& a, const cv::Mat& b) {
    if (a.empty() || a.size() != b.size() || a.type() != b.type())
        throw_bad_input("slow motion", "the two pictures must have the same size and type");
    auto& s = *state_;
    s.size = a.size();
    cv::Mat ga = to_gray(a), gb = to_gray(b);
    ga.convertTo(s.g[0], CV_32F);
    gb.convertTo(s.g[1], CV_32F);
    double k = std::min(1.0, double(kFlowMaxSide) / std::max(a.cols, a.rows));
    if (k < 1) {
        cv::resize(ga, ga, cv::Size(), k, k, cv::INTER_AREA);
        cv::resize(gb, gb, cv::Size(), k, k, cv::INTER_AREA);
    }
    cv::Mat* flows[2] = {&s.f01, &s.f10};
    parallel_for(cv::Range(0, 2), [&](const cv::Range& r) {
        for (int d = r.start; d < r.end; ++d) {
            s.dis[d]->calc(d == 0 ? ga : gb, d == 0 ? gb : ga, *flows[d]);
            if (k < 1) {
                cv::resize(*flows[d], *flows[d], s.size, 0, 0, cv::INTER_LINEAR);
                *flows[d] *= 1 / k;
            }
        }
    });
    parallel_for(cv::Range(0, 2), [&](const cv::Range& r) {
        for (int d = r.start; d < r.end; ++d)
            (d == 0 ? s.v0 : s.v1) = d == 0 ? visibility(s.f01, s.f10) : visibility(s.f10, s.f01);
    });
}

cv::Mat FrameInterpolator::blend(const cv::Mat& a, const cv::Mat& b, double t) const {
    const auto& s = *state_;
    if (a.size() != s.size || b.size() != s.size)
        throw_bad_input("slow motion", "blend() needs pictures of the prepared size");
    if (t <= 0) return a.clone();
    if (t >= 1) return b.clone();
    const float tf = float(t);
    // Flows from the intermediate instant back to each picture (linear motion through t).
    cv::Mat map0(s.size, CV_32FC2), map1(s.size, CV_32FC2);
    for (int y = 0; y < s.size.height; ++y) {
        const auto* f01 = s.f01.ptr<cv::Vec2f>(y);
        const auto* f10 = s.f10.ptr<cv::Vec2f>(y);
        auto* m0 = map0.ptr<cv::Vec2f>(y);
        auto* m1 = map1.ptr<cv::Vec2f>(y);
        for (int x = 0; x < s.size.width; ++x) {
            cv::Vec2f ft0 = -(1 - tf) * tf * f01[x] + tf * tf * f10[x];
            cv::Vec2f ft1 = (1 - tf) * (1 - tf) * f01[x] - tf * (1 - tf) * f10[x];
            m0[x] = {float(x) + ft0[0], float(y) + ft0[1]};
            m1[x] = {float(x) + ft1[0], float(y) + ft1[1]};
        }
    }
    keep_still_areas(s.g[0], s.g[1], map0, map1);
    cv::Mat w0, w1, vis0, vis1;
    cv::remap(a, w0, map0, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::remap(b, w1, map1, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::remap(s.v0, vis0, map0, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::remap(s.v1, vis1, map1, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::Mat out(s.size, a.type());
    const int ch = a.channels();
    for (int y = 0; y < s.size.height; ++y) {
        const auto* p0 = w0.ptr<std::uint8_t>(y);
        const auto* p1 = w1.ptr<std::uint8_t>(y);
        const float* q0 = vis0.ptr<float>(y);
        const float* q1 = vis1.ptr<float>(y);
        auto* o = out.ptr<std::uint8_t>(y);
        for (int x = 0; x < s.size.width; ++x) {
            // Each side counts by its temporal closeness and by whether the pixel is visible
            // there; where neither is, fall back to the plain temporal weights.
            float a0 = (1 - tf) * q0[x], a1 = tf * q1[x], sum = a0 + a1;
            if (sum < 1e-3f) a0 = 1 - tf, a1 = tf, sum = 1;
            for (int c = 0; c < ch; ++c) {
                int i = x * ch + c;
                o[i] = cv::saturate_cast<std::uint8_t>((a0 * p0[i] + a1 * p1[i]) / sum);
            }
        }
    }
    return out;
}

cv::Mat FrameInterpolator::at(const cv::Mat& a, const cv::Mat& b, double t) {
    prepare(a, b);
    return blend(a, b, t);
}

std::vector<cv::Mat> FrameInterpolator::between(const cv::Mat& a, const cv::Mat& b, int factor) {
    if (factor < 1 || factor > 64)
        throw_bad_usage("slow motion", "factor must be between 1 and 64");
    std::vector<cv::Mat> out;
    if (factor == 1) return out;
    prepare(a, b);
    for (int j = 1; j < factor; ++j) out.push_back(blend(a, b, double(j) / factor));
    return out;
}

}  // namespace kinoglaz
