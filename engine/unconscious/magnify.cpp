// Motion magnification: linear Eulerian (Wu et al., SIGGRAPH 2012) and phase-based on a Riesz
// pyramid (Wadhwa et al., ICCP 2014), both streaming with an IIR temporal band-pass.
#include <algorithm>
#include <cmath>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include <kinoglaz/core.hpp>
#include "kinoglaz/unconscious/reveal.hpp"
#include "parallel_for.hpp"

namespace kinoglaz {

std::optional<MagnifyMethod> magnify_method_from_string(const std::string& name) noexcept {
    if (name == "eulerian") return MagnifyMethod::eulerian;
    if (name == "phase") return MagnifyMethod::phase;
    return std::nullopt;
}

std::pair<double, double> default_band(double fps) noexcept {
    double hi = std::min(12.0, 0.4 * (fps > 0 ? fps : 25.0));
    return {std::min(0.4, hi / 4), hi};
}

namespace {

// Two cascaded second-order band-pass sections (RBJ "constant 0 dB peak"): gain 1 and phase 0
// at the centre frequency √(lo·hi), -6 dB at lo and hi, 12 dB/octave outside. One section
// alone leaks too much out-of-band motion (a quarter of it three times past the edge).
// Transposed direct form II; four states per filtered value.
struct BandPass {
    float b0 = 0, a1 = 0, a2 = 0;
    BandPass() = default;
    BandPass(double lo, double hi, double fps) {
        double f0 = std::sqrt(lo * hi), w0 = 2 * M_PI * f0 / fps;
        double bw_oct = std::log2(hi / lo);
        double q_alpha = std::sin(w0) * std::sinh(std::log(2.0) / 2 * bw_oct * w0 / std::sin(w0));
        double a0 = 1 + q_alpha;
        b0 = float(q_alpha / a0);
        a1 = float(-2 * std::cos(w0) / a0);
        a2 = float((1 - q_alpha) / a0);
    }
    // y = bp(x) element-wise over equally sized float arrays; s holds the four states.
    void step(const float* x, float* y, float* const s[4], std::size_t n) const {
        float *s1 = s[0], *s2 = s[1], *s3 = s[2], *s4 = s[3];
        for (std::size_t i = 0; i < n; ++i) {
            float mid = b0 * x[i] + s1[i];
            s1[i] = -a1 * mid + s2[i];
            s2[i] = -b0 * x[i] - a2 * mid;
            float out = b0 * mid + s3[i];
            s3[i] = -a1 * out + s4[i];
            s4[i] = -b0 * mid - a2 * out;
            y[i] = out;
        }
    }
};

// The states of one filtered image.
struct FilterState {
    cv::Mat s[4];
    explicit FilterState(const cv::Mat& like) {
        for (auto& m : s) m = cv::Mat::zeros(like.size(), like.type());
    }
    void row(int r, float* out[4]) {
        for (int k = 0; k < 4; ++k) out[k] = s[k].ptr<float>(r);
    }
};

// Band amplitude (luma 0..1) below which local phase is mostly noise, at least: about 2 grey
// levels of compression or sensor noise.
constexpr float kPhaseNoiseAmp = 0.008f;
// The floor as a multiple of the footage's estimated noise σ: at 1.5 σ the light α = 20 adds
// to guitar's wood grain drops by half (PSNR against the unmagnified clip 36.6 -> 39.9 dB),
// and a synthetic texture still moves (1 + α) times as far within 4 %; at 3 σ that drops to
// 15 % too little.
constexpr float kNoiseFloorPerSigma = 1.5f;
// The largest phase shift applied to one coefficient, radians.
constexpr float kMaxPhaseShift = float(M_PI / 2);

std::vector<cv::Mat> laplacian_pyramid(const cv::Mat& img, int levels) {
    std::vector<cv::Mat> pyr(std::size_t(levels) + 1);
    cv::Mat cur = img;
    for (int l = 0; l < levels; ++l) {
        cv::Mat down, up;
        cv::pyrDown(cur, down);
        cv::pyrUp(down, up, cur.size());
        pyr[std::size_t(l)] = cur - up;
        cur = down;
    }
    pyr[std::size_t(levels)] = cur;  // low-pass residual
    return pyr;
}

cv::Mat collapse(const std::vector<cv::Mat>& pyr) {
    cv::Mat cur = pyr.back().clone();
    for (int l = int(pyr.size()) - 2; l >= 0; --l) {
        cv::Mat up;
        cv::pyrUp(cur, up, pyr[std::size_t(l)].size());
        cur = up + pyr[std::size_t(l)];
    }
    return cur;
}

int auto_levels(cv::Size size, int requested) {
    int levels = 0;
    for (int m = std::min(size.width, size.height); m >= 16 && levels < 6; m /= 2) ++levels;
    levels = std::max(1, levels);
    return requested > 0 ? std::min(requested, levels) : levels;
}

// The Riesz transform's frequency response, packed so that one inverse complex DFT yields
// R1 + i·R2: (ky - i·kx) / |k| (both components of the real input are real).
cv::Mat riesz_multiplier(cv::Size size) {
    cv::Mat m(size, CV_32FC2);
    for (int v = 0; v < size.height; ++v)
        for (int u = 0; u < size.width; ++u) {
            double kx = u <= size.width / 2 ? u : u - size.width;
            double ky = v <= size.height / 2 ? v : v - size.height;
            kx /= size.width, ky /= size.height;
            double k = std::hypot(kx, ky);
            m.at<cv::Vec2f>(v, u) =
                k > 0 ? cv::Vec2f(float(ky / k), float(-kx / k)) : cv::Vec2f(0, 0);
        }
    return m;
}

// Exact Riesz transform of a band (the 3-tap approximation of Wadhwa et al. is only right
// near one frequency; on Laplacian bands it under-amplifies by up to half).
// The band is mirrored out to a size the FFT handles fast (and that keeps the wrap-around
// away from the picture's edges).
cv::Size riesz_size(cv::Size band) {
    return {cv::getOptimalDFTSize(band.width + 8), cv::getOptimalDFTSize(band.height + 8)};
}

void riesz(const cv::Mat& band, const cv::Mat& multiplier, cv::Mat& r1, cv::Mat& r2) {
    cv::Mat padded, spectrum, product, both;
    cv::copyMakeBorder(band, padded, 0, multiplier.rows - band.rows, 0, multiplier.cols - band.cols,
                       cv::BORDER_REFLECT);
    cv::dft(padded, spectrum, cv::DFT_COMPLEX_OUTPUT);
    cv::mulSpectrums(spectrum, multiplier, product, 0);
    cv::idft(product, both, cv::DFT_SCALE | cv::DFT_COMPLEX_OUTPUT);
    cv::Mat planes[2];
    cv::split(both, planes);
    cv::Rect inside(0, 0, band.cols, band.rows);
    r1 = planes[0](inside).clone();
    r2 = planes[1](inside).clone();
}

// Runs `fn(row_begin, row_end)` over the rows of an image on all cores.
template <class Fn>
void for_rows(int rows, Fn fn) {
    parallel_for(
        cv::Range(0, rows), [&](const cv::Range& r) { fn(r.start, r.end); },
        std::max(1.0, rows / 16.0));
}

// Amplitude-weighted spatial smoothing of the band-passed phase (Wadhwa et al. 2014, sec. 4):
// phase is only meaningful where a band has structure, so strong neighbours speak for weak
// ones, and the shimmer of noise on weak texture and the pixel-to-pixel jitter along an edge
// average out. The phase is a vector along the local orientation, φ·(cos θ, sin θ); dividing
// its weighted sum by the weights alone, G(φ·n·A) / G(A), would shrink it wherever
// orientations mix (an isotropic texture keeps half of it: each pixel's shift is its own
// orientation's share). So the sum is divided by the weighted orientation tensor instead,
// d = (G(A)·N)⁻¹ G(φ·n·A) with N = G(A·r rᵀ / |f|²) / trace: the displacement that best
// explains the neighbours' phases. N's smaller eigenvalue is raised to 1/2 (that of an
// isotropic texture): across an edge, where the neighbours say nothing, noise gains at most
// 2x, as much as any texture needs. On an edge this is G(φ·A) / G(A) along its normal; on an
// isotropic texture it keeps the full amplification.
// `fc`, `fs` (the band-passed phase vector) are replaced by the smoothed one.
void smooth_phase(const cv::Mat& L, const cv::Mat& r1, const cv::Mat& r2, const cv::Mat& amp,
                  cv::Mat& fc, cv::Mat& fs, double sigma) {
    const int rows = L.rows, cols = L.cols;
    cv::Mat phase_w(L.size(), CV_32FC3), tensor(L.size(), CV_32FC3);
    for_rows(rows, [&](int y0, int y1) {
        for (int y = y0; y < y1; ++y) {
            const float* lp = L.ptr<float>(y);
            const float* o1 = r1.ptr<float>(y);
            const float* o2 = r2.ptr<float>(y);
            const float* am = amp.ptr<float>(y);
            const float* c = fc.ptr<float>(y);
            const float* sn = fs.ptr<float>(y);
            auto* pw = phase_w.ptr<cv::Vec3f>(y);
            auto* tw = tensor.ptr<cv::Vec3f>(y);
            for (int x = 0; x < cols; ++x) {
                const float a = am[x];
                pw[x] = {a * c[x], a * sn[x], a};
                // r rᵀ over the monogenic energy: the orientation, whatever the local phase.
                const float k = a / (lp[x] * lp[x] + o1[x] * o1[x] + o2[x] * o2[x] + 1e-12f);
                tw[x] = {k * o1[x] * o1[x], k * o1[x] * o2[x], k * o2[x] * o2[x]};
            }
        }
    });
    cv::GaussianBlur(phase_w, phase_w, cv::Size(), sigma, sigma, cv::BORDER_REFLECT);
    cv::GaussianBlur(tensor, tensor, cv::Size(), sigma, sigma, cv::BORDER_REFLECT);
    for_rows(rows, [&](int y0, int y1) {
        for (int y = y0; y < y1; ++y) {
            const auto* pw = phase_w.ptr<cv::Vec3f>(y);
            const auto* tw = tensor.ptr<cv::Vec3f>(y);
            float* c = fc.ptr<float>(y);
            float* sn = fs.ptr<float>(y);
            for (int x = 0; x < cols; ++x) {
                const float w = pw[x][2];
                const float tr = tw[x][0] + tw[x][2];
                if (!(w > 1e-12f) || !(tr > 1e-12f)) {
                    c[x] = sn[x] = 0;
                    continue;
                }
                // N = tensor / trace: eigenvalues λ1 ≥ 1/2 ≥ λ2 = 1 - λ1, e1 e1ᵀ = (N - λ2 I) /
                // (λ1 - λ2). With λ2 raised to 1/2: N⁻¹ = 2 I + (1/λ1 - 2) e1 e1ᵀ.
                const float nxx = tw[x][0] / tr, nxy = tw[x][1] / tr, nyy = tw[x][2] / tr;
                const float half_gap = std::sqrt(0.25f * (nxx - nyy) * (nxx - nyy) + nxy * nxy);
                const float bx = pw[x][0] / w, by = pw[x][1] / w;
                float dx = 2 * bx, dy = 2 * by;
                if (half_gap > 1e-6f) {
                    const float l1 = 0.5f + half_gap, l2 = 0.5f - half_gap;
                    const float pxx = (nxx - l2) / (2 * half_gap), pxy = nxy / (2 * half_gap),
                                pyy = (nyy - l2) / (2 * half_gap);
                    const float g = 1 / l1 - 2;
                    dx += g * (pxx * bx + pxy * by);
                    dy += g * (pxy * bx + pyy * by);
                }
                c[x] = dx;
                sn[x] = dy;
            }
        }
    });
}

}  // namespace

struct MotionMagnifier::State {
    MagnifyOptions opt;
    BandPass bp;
    cv::Size size;
    int type = -1;
    int levels = 0;
    bool started = false;
    // Eulerian: per level, the filter states (same layout as the level).
    std::vector<FilterState> fstate;
    // Phase: per level, the previous frame's coefficients and the accumulated phase.
    std::vector<cv::Mat> prev_l, prev_r1, prev_r2, phase_c, phase_s;
    std::vector<FilterState> fs_c, fs_s;
    std::vector<cv::Mat> riesz_m;
    float noise_level = 0;  // running estimate of the finest band's noise, luma 0..1

    float noise_sigma(const cv::Mat& finest);

    cv::Mat eulerian(const cv::Mat& frame);
    cv::Mat phase(const cv::Mat& frame);
};

MotionMagnifier::MotionMagnifier(const MagnifyOptions& o) : state_(std::make_unique<State>()) {
    auto bad = [](const std::string& what) { throw_bad_usage("magnify", what); };
    if (!(o.fps > 0 && o.fps <= 1000)) bad("frame rate must be between 0 and 1000");
    if (!(o.alpha >= 0 && o.alpha <= 100)) bad("α (--magnify) must be between 0 and 100");
    if (!(o.low_hz > 0 && o.high_hz > o.low_hz)) bad("the band must satisfy 0 < low < high (Hz)");
    if (!(o.high_hz < o.fps / 2))
        bad("the band's upper edge must be below half the frame rate (" +
            std::to_string(o.fps / 2) + " Hz)");
    if (!(o.lambda_c_px >= 1 && o.lambda_c_px <= 1000)) bad("λc must be between 1 and 1000 px");
    if (!(o.chroma_attenuation >= 0 && o.chroma_attenuation <= 1))
        bad("chroma attenuation must be between 0 and 1");
    if (!(o.phase_sigma_px >= 0 && o.phase_sigma_px <= 10))
        bad("phase blur σ must be between 0 and 10 px");
    if (o.levels < 0 || o.levels > 8) bad("pyramid levels must be between 0 and 8");
    state_->opt = o;
    state_->bp = BandPass(o.low_hz, o.high_hz, o.fps);
}

MotionMagnifier::~MotionMagnifier() = default;
MotionMagnifier::MotionMagnifier(MotionMagnifier&&) noexcept = default;
MotionMagnifier& MotionMagnifier::operator=(MotionMagnifier&&) noexcept = default;
const MagnifyOptions& MotionMagnifier::options() const noexcept {
    return state_->opt;
}

cv::Mat MotionMagnifier::process(const cv::Mat& frame) {
    auto& s = *state_;
    if (frame.empty() || (frame.type() != CV_8UC3 && frame.type() != CV_8UC1))
        throw_bad_input("magnify", "frames must be 8-bit BGR or grey");
    if (s.type >= 0 && (frame.size() != s.size || frame.type() != s.type))
        throw_bad_input("magnify", "frame size or type changed within a stream");
    s.size = frame.size();
    s.type = frame.type();
    if (s.levels == 0) s.levels = auto_levels(frame.size(), s.opt.levels);
    return s.opt.method == MagnifyMethod::eulerian ? s.eulerian(frame) : s.phase(frame);
}

cv::Mat MotionMagnifier::State::eulerian(const cv::Mat& frame) {
    cv::Mat work;
    frame.convertTo(work, CV_32F, 1.0 / 255);
    if (work.channels() == 3) cv::cvtColor(work, work, cv::COLOR_BGR2YCrCb);
    auto pyr = laplacian_pyramid(work, levels);
    if (!started) {
        for (auto& p : pyr) {
            // Start in the steady state of a still picture (output 0), or the first second
            // would ring with the band-pass's response to the step from black.
            fstate.emplace_back(p);
            fstate.back().s[0] = p * -bp.b0;
            fstate.back().s[1] = p * -bp.b0;
        }
        started = true;
    }
    const double alpha = opt.alpha;
    const int ch = work.channels();
    for (std::size_t l = 0; l < pyr.size(); ++l) {
        // Wavelengths held by level l: about 4·2^l pixels (the residual: coarser still).
        double lambda = 4.0 * std::pow(2.0, double(l));
        // Keep (1 + α_l)·δ below λ/8 where δ = λc / (8 (1 + α)): finer levels get less.
        double a_l = std::clamp((1 + alpha) * lambda / opt.lambda_c_px - 1, 0.0, alpha);
        cv::Mat& p = pyr[l];
        const float gain_y = float(a_l), gain_c = float(a_l * opt.chroma_attenuation);
        const int cols = p.cols * ch;
        for_rows(p.rows, [&](int r0, int r1) {
            std::vector<float> y(static_cast<std::size_t>(cols));
            for (int r = r0; r < r1; ++r) {
                float* x = p.ptr<float>(r);
                float* st[4];
                fstate[l].row(r, st);
                bp.step(x, y.data(), st, std::size_t(cols));
                for (int i = 0; i < cols; ++i)
                    x[i] += (ch == 3 && i % 3 != 0 ? gain_c : gain_y) * y[std::size_t(i)];
            }
        });
    }
    cv::Mat out = collapse(pyr);
    if (ch == 3) cv::cvtColor(out, out, cv::COLOR_YCrCb2BGR);
    out.convertTo(out, CV_8U, 255.0);
    return out;
}

// Donoho's estimate of the noise σ from the finest band (most of its coefficients are noise,
// the rest are edges): median |coefficient| / 0.6745, on every other pixel of every other row,
// smoothed over frames.
float MotionMagnifier::State::noise_sigma(const cv::Mat& finest) {
    std::vector<float> v;
    v.reserve(std::size_t(finest.rows / 2 + 1) * std::size_t(finest.cols / 2 + 1));
    for (int y = 0; y < finest.rows; y += 2) {
        const float* p = finest.ptr<float>(y);
        for (int x = 0; x < finest.cols; x += 2) v.push_back(std::abs(p[x]));
    }
    if (v.empty()) return noise_level;
    auto mid = v.begin() + std::ptrdiff_t(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    const float sigma = *mid / 0.6745f;
    noise_level = noise_level > 0 ? 0.9f * noise_level + 0.1f * sigma : sigma;
    return noise_level;
}

cv::Mat MotionMagnifier::State::phase(const cv::Mat& frame) {
    // Phase-based magnification works on luma; chroma passes through unchanged.
    cv::Mat ycc, luma;
    std::vector<cv::Mat> planes;
    if (frame.channels() == 3) {
        cv::cvtColor(frame, ycc, cv::COLOR_BGR2YCrCb);
        cv::split(ycc, planes);
        planes[0].convertTo(luma, CV_32F, 1.0 / 255);
    } else {
        frame.convertTo(luma, CV_32F, 1.0 / 255);
    }
    auto pyr = laplacian_pyramid(luma, levels);
    // The noise floor below which phase is not trusted follows the footage's own noise:
    // compressed or grainy footage (guitar: about 7 grey levels) needs a higher one than
    // clean footage, or α times the phase of its grain shimmers.
    const float noise_amp = std::max(kPhaseNoiseAmp, kNoiseFloorPerSigma * noise_sigma(pyr[0]));
    const int n_band = levels;  // the low-pass residual is not a band: left as is
    if (!started) {
        for (int l = 0; l < n_band; ++l) {
            cv::Size sz = pyr[std::size_t(l)].size();
            auto z = [&] { return cv::Mat(cv::Mat::zeros(sz, CV_32F)); };
            prev_l.push_back(pyr[std::size_t(l)].clone());
            riesz_m.push_back(riesz_multiplier(riesz_size(sz)));
            prev_r1.push_back(z());
            prev_r2.push_back(z());
            phase_c.push_back(z()), phase_s.push_back(z());
            fs_c.emplace_back(z()), fs_s.emplace_back(z());
        }
    }
    const float alpha = float(opt.alpha);
    for (int l = 0; l < n_band; ++l) {
        auto li = std::size_t(l);
        cv::Mat& L = pyr[li];
        const int rows = L.rows, cols = L.cols;
        cv::Mat r1, r2, amp(L.size(), CV_32F);
        riesz(L, riesz_m[li], r1, r2);
        if (!started) {
            // The first frame is its own predecessor: no phase change yet.
            prev_r1[li] = r1.clone();
            prev_r2[li] = r2.clone();
        }
        cv::Mat fc(L.size(), CV_32F), fs(L.size(), CV_32F);
        // The quaternionic phase change
        // since the previous frame (Wadhwa et al., eq. 8-10), accumulated and band-passed.
        for_rows(rows, [&](int y0, int y1) {
            for (int y = y0; y < y1; ++y) {
                const float* lp = L.ptr<float>(y);
                const float* o1 = r1.ptr<float>(y);
                const float* o2 = r2.ptr<float>(y);
                const float* pl = prev_l[li].ptr<float>(y);
                const float* p1 = prev_r1[li].ptr<float>(y);
                const float* p2 = prev_r2[li].ptr<float>(y);
                float* pc = phase_c[li].ptr<float>(y);
                float* psn = phase_s[li].ptr<float>(y);
                float* am = amp.ptr<float>(y);
                for (int x = 0; x < cols; ++x) {
                    float qr = lp[x] * pl[x] + o1[x] * p1[x] + o2[x] * p2[x];
                    float qx = -lp[x] * p1[x] + pl[x] * o1[x];
                    float qy = -lp[x] * p2[x] + pl[x] * o2[x];
                    float qxy = std::sqrt(qx * qx + qy * qy);
                    float qa = std::sqrt(qr * qr + qxy * qxy);
                    float dphi = qa > 1e-12f ? std::acos(std::clamp(qr / qa, -1.f, 1.f)) : 0.f;
                    float inv = qxy > 1e-12f ? dphi / qxy : 0.f;
                    pc[x] += qx * inv;
                    psn[x] += qy * inv;
                    am[x] = std::sqrt(qa);
                }
            }
        });
        if (!started) continue;
        for_rows(rows, [&](int y0, int y1) {
            for (int y = y0; y < y1; ++y) {
                float* st[4];
                fs_c[li].row(y, st);
                bp.step(phase_c[li].ptr<float>(y), fc.ptr<float>(y), st, std::size_t(cols));
                fs_s[li].row(y, st);
                bp.step(phase_s[li].ptr<float>(y), fs.ptr<float>(y), st, std::size_t(cols));
            }
        });
        if (opt.phase_sigma_px > 0) smooth_phase(L, r1, r2, amp, fc, fs, opt.phase_sigma_px);
        prev_l[li] = L.clone();
        prev_r1[li] = r1;
        prev_r2[li] = r2;
        // Shift each coefficient's phase by α times its band-passed motion phase.
        for_rows(rows, [&](int y0, int y1) {
            for (int y = y0; y < y1; ++y) {
                float* lp = L.ptr<float>(y);
                const float* o1 = r1.ptr<float>(y);
                const float* o2 = r2.ptr<float>(y);
                const float* c = fc.ptr<float>(y);
                const float* sn = fs.ptr<float>(y);
                const float* am = amp.ptr<float>(y);
                for (int x = 0; x < cols; ++x) {
                    // Phase is noise where a band has almost no amplitude (flat or blurred
                    // areas): amplify it only as far as the structure there supports, and
                    // never turn a coefficient by more than a quarter period, which would
                    // invert or erase detail instead of moving it.
                    float a2 = am[x] * am[x];
                    float conf = a2 / (a2 + noise_amp * noise_amp);
                    float pcx = alpha * conf * c[x], psx = alpha * conf * sn[x];
                    float mag = std::sqrt(pcx * pcx + psx * psx);
                    if (mag < 1e-9f) continue;
                    if (mag > kMaxPhaseShift) {
                        pcx *= kMaxPhaseShift / mag, psx *= kMaxPhaseShift / mag;
                        mag = kMaxPhaseShift;
                    }
                    float sm = std::sin(mag) / mag;
                    lp[x] = std::cos(mag) * lp[x] - sm * (pcx * o1[x] + psx * o2[x]);
                }
            }
        });
    }
    started = true;
    cv::Mat out_luma = collapse(pyr);
    cv::Mat out;
    if (frame.channels() == 3) {
        out_luma.convertTo(planes[0], CV_8U, 255.0);
        cv::merge(planes, ycc);
        cv::cvtColor(ycc, out, cv::COLOR_YCrCb2BGR);
    } else {
        out_luma.convertTo(out, CV_8U, 255.0);
    }
    return out;
}

}  // namespace kinoglaz
