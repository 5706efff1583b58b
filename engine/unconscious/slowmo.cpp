// Slow motion by flow-based frame interpolation: bidirectional DIS optical flow, intermediate
// flows by the linear-motion approximation of Jiang et al. (Super SloMo, CVPR 2018), trusted
// by how much better than standing still they explain the two pictures (still areas kept
// still: the zero-motion test of motion-compensated interpolators), occlusion-aware blending
// from forward-backward consistency where the two sides disagree, and no blending across a
// cut.
// Works on BGR or grey pictures, or on a codec's own 4:2:0 planes (chroma following the
// luma's motion), rounding as codecs round their bidirectional predictions.
#include <algorithm>
#include <cmath>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include <kinoglaz/core.hpp>
#include "kinoglaz/unconscious/reveal.hpp"
#include "parallel_for.hpp"

namespace kinoglaz {

namespace {

// Flow is estimated on at most this many pixels along the longest side, then scaled up:
// DIS at this size follows the motions a reveal shows, at a fraction of the cost.
constexpr int kFlowMaxSide = 640;

// Runs `fn(y)` for every row y of an image on all cores: the per-pixel passes here are pure,
// and a reveal makes several hundred pictures a second of source.
template <class Fn>
void each_row(int rows, const Fn& fn) {
    parallel_for(
        cv::Range(0, rows),
        [&](const cv::Range& r) {
            for (int y = r.start; y < r.end; ++y) fn(y);
        },
        std::max(1.0, rows / 32.0));
}

cv::Mat to_gray(const cv::Mat& img) {
    if (img.channels() == 1) return img;
    cv::Mat g;
    cv::cvtColor(img, g, cv::COLOR_BGR2GRAY);
    return g;
}

// Visibility of each pixel of the first picture in the second: 1 where following the
// forward flow and then the backward flow returns home, falling to 0 where it does not
// (the pixel is covered in the other picture).
// Where each pixel lands when moved by `flow` (a remap map into the other picture).
cv::Mat landing(const cv::Mat& flow) {
    cv::Mat map(flow.size(), CV_32FC2);
    each_row(flow.rows, [&](int y) {
        const auto* f = flow.ptr<cv::Vec2f>(y);
        auto* m = map.ptr<cv::Vec2f>(y);
        for (int x = 0; x < flow.cols; ++x) m[x] = {float(x) + f[x][0], float(y) + f[x][1]};
    });
    return map;
}

cv::Mat visibility(const cv::Mat& fwd, const cv::Mat& bwd) {
    cv::Mat back, vis(fwd.size(), CV_32F);
    cv::remap(bwd, back, landing(fwd), cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    each_row(fwd.rows, [&](int y) {
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
    });
    return vis;
}

// How far to trust the flow, per pixel (0..1): the share of the two pictures' mismatch around
// the pixel (mean squared difference over 8x8 windows) that fetching along the flow removes,
// 1 - E_moved / E_still. The picture between is that much the motion-compensated blend and
// the rest the unmoved average, so a flow that explains the change fully counts fully and a
// doubtful one (new content such as typed text, grain) only in part; measured over fifteen
// stretches of real footage, this beat both a hard choice and inverse-error weights. Where the
// flow does not explain the pictures markedly better (by a factor kMotionMustExplain), nothing
// moves: the flow is noise (DIS in flat or still areas) and warping by it would only blur, so
// those pixels keep the identity maps (trust 0) and both pictures count by time alone. The
// comparison fetches whole pixels: resampling smooths noise, and would make any made-up
// sub-pixel motion look better than standing still.
constexpr float kMotionMustExplain = 1.5f;

// E_still of two grey pictures: the same for every instant between them, so prepared once.
cv::Mat still_energy(const cv::Mat& g0, const cv::Mat& g1) {
    cv::Mat still;
    const cv::Mat d_still = g0 - g1;
    cv::boxFilter(d_still.mul(d_still), still, -1, {8, 8});
    return still;
}

cv::Mat trust_in_motion(const cv::Mat& g0, const cv::Mat& g1, const cv::Mat& still, cv::Mat& map0,
                        cv::Mat& map1) {
    cv::Mat w0, w1, moved;
    cv::remap(g0, w0, map0, cv::noArray(), cv::INTER_NEAREST, cv::BORDER_REPLICATE);
    cv::remap(g1, w1, map1, cv::noArray(), cv::INTER_NEAREST, cv::BORDER_REPLICATE);
    const cv::Mat d_moved = w0 - w1;
    cv::boxFilter(d_moved.mul(d_moved), moved, -1, {8, 8});
    cv::Mat trust(g0.size(), CV_32F);
    each_row(g0.rows, [&](int y) {
        const float* st = still.ptr<float>(y);
        const float* mv = moved.ptr<float>(y);
        auto* m0 = map0.ptr<cv::Vec2f>(y);
        auto* m1 = map1.ptr<cv::Vec2f>(y);
        float* w = trust.ptr<float>(y);
        for (int x = 0; x < g0.cols; ++x) {
            if (st[x] <= kMotionMustExplain * mv[x]) {
                m0[x] = m1[x] = {float(x), float(y)};
                w[x] = 0;
            } else {
                w[x] = 1 - mv[x] / st[x];
            }
        }
    });
    return trust;
}

// How each output pixel is made: fetched from either picture (remap maps, in that picture's
// pixels) and blended, that blend then mixed with the unmoved average of the two pictures.
struct Fetch {
    cv::Mat map0, map1;
    cv::Mat weight0;      // how much the first picture's fetch counts (0..1), the second the rest
    cv::Mat trust;        // how much the fetched blend counts against the unmoved average (0..1)
    float still0 = 0.5f;  // how much the first picture counts in the unmoved average (1 - t)
};

// The same fetch for a plane of another size (4:2:0 chroma): displacements and weights
// area-averaged down to it, displacements scaled to its pixels.
Fetch resized(const Fetch& f, cv::Size size) {
    const double sx = double(size.width) / f.map0.cols, sy = double(size.height) / f.map0.rows;
    Fetch out;
    out.still0 = f.still0;
    cv::resize(f.weight0, out.weight0, size, 0, 0, cv::INTER_AREA);
    cv::resize(f.trust, out.trust, size, 0, 0, cv::INTER_AREA);
    const cv::Mat* from[2] = {&f.map0, &f.map1};
    cv::Mat* to[2] = {&out.map0, &out.map1};
    for (int d = 0; d < 2; ++d) {
        cv::Mat shift(from[d]->size(), CV_32FC2);
        for (int y = 0; y < shift.rows; ++y) {
            const auto* m = from[d]->ptr<cv::Vec2f>(y);
            auto* o = shift.ptr<cv::Vec2f>(y);
            for (int x = 0; x < shift.cols; ++x) o[x] = {m[x][0] - float(x), m[x][1] - float(y)};
        }
        cv::resize(shift, *to[d], size, 0, 0, cv::INTER_AREA);
        for (int y = 0; y < size.height; ++y) {
            auto* o = to[d]->ptr<cv::Vec2f>(y);
            for (int x = 0; x < size.width; ++x)
                o[x] = {float(x) + float(sx) * o[x][0], float(y) + float(sy) * o[x][1]};
        }
    }
    return out;
}

// The blend of `a` and `b` (any 8-bit type) as the fetch says. Rounded half up, as video
// codecs round their own bidirectional predictions ((p + q + 1) >> 1): where the two
// pictures are averaged unmoved, the result is exactly the codec's prediction.
cv::Mat mix(const cv::Mat& a, const cv::Mat& b, const Fetch& f) {
    cv::Mat w0, w1;
    cv::remap(a, w0, f.map0, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::remap(b, w1, f.map1, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::Mat out(a.size(), a.type());
    const int ch = a.channels();
    each_row(a.rows, [&](int y) {
        const auto* p0 = w0.ptr<std::uint8_t>(y);
        const auto* p1 = w1.ptr<std::uint8_t>(y);
        const auto* q0 = a.ptr<std::uint8_t>(y);
        const auto* q1 = b.ptr<std::uint8_t>(y);
        const float* k = f.weight0.ptr<float>(y);
        const float* trust = f.trust.ptr<float>(y);
        auto* o = out.ptr<std::uint8_t>(y);
        for (int x = 0; x < a.cols; ++x)
            for (int c = 0; c < ch; ++c) {
                const int i = x * ch + c;
                const float moved = k[x] * p0[i] + (1 - k[x]) * p1[i];
                const float unmoved = f.still0 * q0[i] + (1 - f.still0) * q1[i];
                const float v = trust[x] * moved + (1 - trust[x]) * unmoved;
                // v ≥ 0 (all weights are), so truncation is floor: without SSE4.1 std::floor
                // is a library call, the larger part of this loop's time.
                o[i] = cv::saturate_cast<std::uint8_t>(int(v + 0.5f));
            }
    });
    return out;
}

// The two pictures' flows to each other, as prepare() estimates them.
struct Flows {
    cv::Size size;
    cv::Mat f01, f10, v0, v1;  // full-size flows (pixels) and visibilities
    cv::Mat g[2];              // full-size grey pictures, CV_32F
    cv::Mat still;             // their mismatch unmoved, E_still (see trust_in_motion)
    bool unrelated = false;    // no motion leads from one picture to the other (a cut)
};

// Whether no motion leads from the first picture to the second: a cut, or a change too
// violent to follow (a flash). Most of the first picture then differs by more than noise
// from the second one fetched along the flow.
bool unrelated_pictures(const cv::Mat& g0, const cv::Mat& g1, const cv::Mat& f01) {
    cv::Mat back, diff;
    cv::remap(g1, back, landing(f01), cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::absdiff(g0, back, diff);
    return cv::countNonZero(diff > 24) > 0.4 * double(diff.total());
}

// The fetch for the instant t from the prepared flows.
Fetch fetch_at(const Flows& s, double t) {
    const float tf = float(t);
    // Flows from the intermediate instant back to each picture (linear motion through t).
    Fetch f;
    f.map0.create(s.size, CV_32FC2);
    f.map1.create(s.size, CV_32FC2);
    f.weight0.create(s.size, CV_32F);
    each_row(s.size.height, [&](int y) {
        const auto* f01 = s.f01.ptr<cv::Vec2f>(y);
        const auto* f10 = s.f10.ptr<cv::Vec2f>(y);
        auto* m0 = f.map0.ptr<cv::Vec2f>(y);
        auto* m1 = f.map1.ptr<cv::Vec2f>(y);
        for (int x = 0; x < s.size.width; ++x) {
            cv::Vec2f ft0 = -(1 - tf) * tf * f01[x] + tf * tf * f10[x];
            cv::Vec2f ft1 = (1 - tf) * (1 - tf) * f01[x] - tf * (1 - tf) * f10[x];
            m0[x] = {float(x) + ft0[0], float(y) + ft0[1]};
            m1[x] = {float(x) + ft1[0], float(y) + ft1[1]};
        }
    });
    f.trust = trust_in_motion(s.g[0], s.g[1], s.still, f.map0, f.map1);
    f.still0 = 1 - tf;
    const cv::Mat still = f.trust == 0;
    cv::Mat vis0, vis1, c0, c1;
    cv::remap(s.v0, vis0, f.map0, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::remap(s.v1, vis1, f.map1, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::remap(s.g[0], c0, f.map0, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::remap(s.g[1], c1, f.map1, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    each_row(s.size.height, [&](int y) {
        const float* q0 = vis0.ptr<float>(y);
        const float* q1 = vis1.ptr<float>(y);
        const float* p0 = c0.ptr<float>(y);
        const float* p1 = c1.ptr<float>(y);
        const auto* k = still.ptr<std::uint8_t>(y);
        float* w = f.weight0.ptr<float>(y);
        for (int x = 0; x < s.size.width; ++x) {
            // Both sides count by temporal closeness. Where what they bring disagrees (by more
            // than noise: 8 to 24 grey levels), one of them may be hidden at t, and each side
            // counts also by whether its pixel is visible in the other picture. Consistency
            // alone is no evidence: flows of flat or noisy areas fail it while both sides
            // agree, and weighting there only made the blend worse (measured on real clips).
            const float a0 = (1 - tf) * q0[x], a1 = tf * q1[x];
            const float by_visibility = k[x] || a0 + a1 < 1e-3f ? 1 - tf : a0 / (a0 + a1);
            const float disagree = std::clamp((std::abs(p0[x] - p1[x]) - 8.f) / 16.f, 0.f, 1.f);
            w[x] = (1 - disagree) * (1 - tf) + disagree * by_visibility;
        }
    });
    return f;
}

}  // namespace

struct FrameInterpolator::State {
    // One DIS per direction: the two flows are estimated at the same time.
    cv::Ptr<cv::DISOpticalFlow> dis[2] = {
        cv::DISOpticalFlow::create(cv::DISOpticalFlow::PRESET_MEDIUM),
        cv::DISOpticalFlow::create(cv::DISOpticalFlow::PRESET_MEDIUM)};
    Flows flows;
};

FrameInterpolator::FrameInterpolator() : state_(std::make_unique<State>()) {}
FrameInterpolator::~FrameInterpolator() = default;
FrameInterpolator::FrameInterpolator(FrameInterpolator&&) noexcept = default;
FrameInterpolator& FrameInterpolator::operator=(FrameInterpolator&&) noexcept = default;

void FrameInterpolator::prepare(const cv::Mat& a, const cv::Mat& b) {
    if (a.empty() || a.size() != b.size() || a.type() != b.type())
        throw_bad_input("slow motion", "the two pictures must have the same size and type");
    prepare_grey(to_gray(a), to_gray(b));
}

void FrameInterpolator::prepare(const PlanarPicture& a, const PlanarPicture& b) {
    if (a.empty() || a.y.size() != b.y.size() || a.cb.size() != b.cb.size() ||
        a.cr.size() != b.cr.size() || a.y.type() != CV_8UC1 || b.y.type() != CV_8UC1)
        throw_bad_input("slow motion", "the two pictures must have the same planes");
    prepare_grey(a.y, b.y);
}

void FrameInterpolator::prepare_grey(cv::Mat ga, cv::Mat gb) {
    auto& s = state_->flows;
    s.size = ga.size();
    ga.convertTo(s.g[0], CV_32F);
    gb.convertTo(s.g[1], CV_32F);
    s.still = still_energy(s.g[0], s.g[1]);
    double k = std::min(1.0, double(kFlowMaxSide) / std::max(ga.cols, ga.rows));
    if (k < 1) {
        cv::resize(ga, ga, cv::Size(), k, k, cv::INTER_AREA);
        cv::resize(gb, gb, cv::Size(), k, k, cv::INTER_AREA);
    }
    cv::Mat* flows[2] = {&s.f01, &s.f10};
    parallel_for(cv::Range(0, 2), [&](const cv::Range& r) {
        for (int d = r.start; d < r.end; ++d) {
            state_->dis[d]->calc(d == 0 ? ga : gb, d == 0 ? gb : ga, *flows[d]);
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
    s.unrelated = unrelated_pictures(s.g[0], s.g[1], s.f01);
}

void FrameInterpolator::prepare_like(const FrameInterpolator& other, const cv::Mat& a,
                                     const cv::Mat& b) {
    const Flows& from = other.state_->flows;
    if (a.empty() || a.size() != b.size() || a.type() != b.type() || a.size() != from.size ||
        from.f01.empty())
        throw_bad_input("slow motion", "the flows were prepared for pictures of another size");
    auto& s = state_->flows;
    s.size = from.size;
    // Copies: the other interpolator's next estimate may be written into its own buffers.
    from.f01.copyTo(s.f01);
    from.f10.copyTo(s.f10);
    s.v0 = from.v0;  // made afresh by every prepare(), never written in place
    s.v1 = from.v1;
    s.unrelated = from.unrelated;  // a cut is a cut in every view
    to_gray(a).convertTo(s.g[0], CV_32F);
    to_gray(b).convertTo(s.g[1], CV_32F);
    s.still = still_energy(s.g[0], s.g[1]);
}

cv::Mat FrameInterpolator::blend(const cv::Mat& a, const cv::Mat& b, double t) const {
    if (a.size() != state_->flows.size || b.size() != state_->flows.size)
        throw_bad_input("slow motion", "blend() needs pictures of the prepared size");
    if (t <= 0 || state_->flows.unrelated) return a.clone();
    if (t >= 1) return b.clone();
    return mix(a, b, fetch_at(state_->flows, t));
}

PlanarPicture FrameInterpolator::blend(const PlanarPicture& a, const PlanarPicture& b,
                                       double t) const {
    if (a.y.size() != state_->flows.size || b.y.size() != state_->flows.size ||
        a.cb.size() != b.cb.size() || a.cr.size() != b.cr.size())
        throw_bad_input("slow motion", "blend() needs pictures of the prepared size");
    if (t <= 0 || state_->flows.unrelated) return {a.y.clone(), a.cb.clone(), a.cr.clone()};
    if (t >= 1) return {b.y.clone(), b.cb.clone(), b.cr.clone()};
    const Fetch luma = fetch_at(state_->flows, t);
    const Fetch chroma = resized(luma, a.cb.size());
    return {mix(a.y, b.y, luma), mix(a.cb, b.cb, chroma), mix(a.cr, b.cr, chroma)};
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
