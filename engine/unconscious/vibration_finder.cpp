#include <algorithm>
#include <chrono>
#include <cmath>
#include <complex>
#include <limits>
#include <tuple>
#include <vector>

#include <opencv2/imgproc.hpp>

#include <kinoglaz/core.hpp>
#include "block_sums.hpp"
#include "finder_join.hpp"
#include "kinoglaz/unconscious/translate.hpp"
#include "kinoglaz/unconscious/vibration.hpp"

namespace kinoglaz {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Gradient energy per pixel (grey levels² per pixel²) added to both axes of each block's
// structure tensor, and the least texture (smaller eigenvalue per pixel) a block needs: as
// EventFinder's, whose values were measured on the dev set.
constexpr double kDamping = 4.0;
constexpr double kMinTexture = 1.0;
// Memory of the reference image, seconds: long against the periods looked for (it stays at
// the oscillation's mean position) and short against the shot's slow changes.
constexpr double kReferenceMemoryS = 1.0;
// Neighbouring blocks belong to one region when their frequencies differ by at most this
// share (or one frequency bin of the window, whichever is larger).
constexpr double kSameFrequency = 0.08;
// Successive analyses continue one vibration when their frequencies differ by at most this.
constexpr double kSameVibration = 0.1;
// The largest typical whitened power (power over the local floor) of the blocks outside a
// region at its frequency: noise alone gives about 2 for the best of a lobe's bins. Measured:
// 1.2-2.2 around the guitar's strings, 5.0 around the breathing baby (much of the picture
// breathes with it), 7.7-19 for the false vibrations of the dev set (key-frame pulses on still
// pictures, a judder shared by the whole frame).
constexpr double kMaxShared = 6.0;
// The shortest stretch over which a region's envelope is averaged, seconds (whole periods).
constexpr double kEnvelopeS = 0.3;
// A block whose displacement was unmeasurable in more than this share of the window is left
// out of that analysis.
constexpr double kMaxMissing = 0.2;

float median_of(std::vector<float>& v) {
    if (v.empty()) return 0;
    auto mid = v.begin() + std::ptrdiff_t(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
}

// A region oscillating at one frequency in one analysis (grid coordinates, inclusive box).
struct Finding {
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    double freq_hz = 0, amp = 0, ratio = 0;
    FrameIndex first = 0, last = 0;  // its sustained stretch, inclusive
    double t_first = 0, t_last = 0;
};

// A vibration grown over successive analyses.
struct Track {
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    FrameIndex first = 0, last = 0;
    double t_first = 0, t_last = 0, frame_dt = 0;
    double freq_sum = 0, weight_sum = 0;  // ratio-weighted frequency
    double amp = 0, ratio = 0;            // proxy pixels; the best peak ratio
    int proxy_w = 0, proxy_h = 0, block = 8;
    std::int64_t seen_at = 0;  // the finder's `since` when it was last continued

    double freq() const { return weight_sum > 0 ? freq_sum / weight_sum : 0; }
};

}  // namespace

struct VibrationFinder::State {
    VibrationFinderOptions opt;
    int proxy_w = 0, proxy_h = 0, gw = 0, gh = 0;
    int ring_len = 0;  // window_s at the rate of the first frame
    double rate = 25;  // that rate, frames per second
    cv::Mat ref, moved;
    bool have_ref = false;
    // Residual displacement per block and frame (proxy pixels, NaN: unmeasured), block-major.
    std::vector<float> ring_x, ring_y;
    std::vector<double> ring_time;
    std::vector<FrameIndex> ring_frame;
    int ring_pos = 0;
    std::int64_t since = 0;          // frames stored since the last restart
    std::int64_t analysed_at = -1;   // `since` at the last analysis
    std::int64_t next_analysis = 0;  // `since` of the next one
    std::vector<Track> open, closed;
    std::vector<Restart> restarts;
    FrameIndex last_frame = -1;
    double push_ms_total = 0;
    std::int64_t pushes = 0;
    // Scratch, kept so that push() does not allocate.
    std::vector<double> sums;  // per block: detail::kBlockSums
    detail::BlockSumScratch block_scratch;
    std::vector<float> dx, dy, vx, vy;

    void setup(const cv::Mat& image, const Frame& frame) {
        proxy_w = image.cols;
        proxy_h = image.rows;
        gw = std::max(1, proxy_w / opt.block_px);
        gh = std::max(1, proxy_h / opt.block_px);
        rate = frame.duration_s > 0 ? std::clamp(1.0 / frame.duration_s, 1.0, 240.0) : 25.0;
        ring_len = std::clamp(int(std::lround(opt.window_s * rate)), 16, 4096);
        ring_x.assign(std::size_t(gw * gh) * std::size_t(ring_len), kNaN);
        ring_y = ring_x;
        ring_time.assign(std::size_t(ring_len), 0);
        ring_frame.assign(std::size_t(ring_len), -1);
    }

    // Ends the shot: analyses what came since the last analysis, closes every vibration and
    // forgets the shot (the picture size and the rate stay).
    void end_shot() {
        if (since > analysed_at && since >= min_window_frames()) analyse();
        close_all();
        since = 0;
        analysed_at = -1;
        next_analysis = 0;
        ring_pos = 0;
        have_ref = false;
    }

    void close_all() {
        for (auto& t : open) closed.push_back(t);
        open.clear();
    }

    std::int64_t min_window_frames() const {
        return std::max<std::int64_t>(8, std::lround(opt.min_window_s * rate));
    }

    void push(const Frame& frame, const FrameFeatures& f);
    void measure(const cv::Mat& cur);
    void analyse();
    void add(const Finding& finding, double frame_dt);
    static void merge(Track& into, const Track& from);
};

VibrationFinder::VibrationFinder(const VibrationFinderOptions& o)
    : state_(std::make_unique<State>()) {
    auto bad = [](const char* what) { throw_bad_usage("vibrations", what); };
    if (!(o.window_s >= 2 && o.window_s <= 30)) bad("window_s must be between 2 and 30");
    if (!(o.min_window_s >= 1 && o.min_window_s <= o.window_s))
        bad("min_window_s must be between 1 and window_s");
    if (!(o.hop_s >= 0.1 && o.hop_s <= o.window_s)) bad("hop_s must be between 0.1 and window_s");
    if (!(o.min_duration_s >= 0.2 && o.min_duration_s <= 30))
        bad("min_duration_s must be between 0.2 and 30");
    if (!(o.min_cycles >= 1 && o.min_cycles <= 20)) bad("min_cycles must be between 1 and 20");
    if (!(o.peak_ratio >= 4 && o.peak_ratio <= 1000)) bad("peak_ratio must be between 4 and 1000");
    if (!(o.min_peak_share >= 0 && o.min_peak_share <= 1))
        bad("min_peak_share must be between 0 and 1");
    if (!(o.min_amplitude_px > 0)) bad("min_amplitude_px must be > 0");
    if (!(o.max_amplitude_share > 0 && o.max_amplitude_share <= 0.05))
        bad("max_amplitude_share must be in (0, 0.05]");
    if (o.block_px < 4 || o.block_px > 32) bad("block_px must be between 4 and 32");
    if (o.min_blocks < 1 || o.min_blocks > 16) bad("min_blocks must be between 1 and 16");
    if (!(o.transition_guard_s >= 0 && o.transition_guard_s <= 5))
        bad("transition_guard_s must be between 0 and 5");
    if (o.max_events < 0) bad("max_events must be >= 0");
    state_->opt = o;
}

VibrationFinder::~VibrationFinder() = default;
VibrationFinder::VibrationFinder(VibrationFinder&&) noexcept = default;
VibrationFinder& VibrationFinder::operator=(VibrationFinder&&) noexcept = default;

double VibrationFinder::mean_push_ms() const noexcept {
    return state_->pushes ? state_->push_ms_total / double(state_->pushes) : 0;
}

const std::vector<Restart>& VibrationFinder::restarts() const noexcept {
    return state_->restarts;
}

bool VibrationFinder::take_over(VibrationFinder& next, FrameIndex from) {
    return detail::join_finder_states(state_, next.state_, from);
}

void VibrationFinder::push(const Frame& frame, const FrameFeatures& features) {
    auto t0 = std::chrono::steady_clock::now();
    state_->push(frame, features);
    state_->push_ms_total +=
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ++state_->pushes;
}

void VibrationFinder::State::push(const Frame& frame, const FrameFeatures& f) {
    if (frame.proxy_smooth.empty() && frame.proxy_gray.empty()) return;
    last_frame = frame.index;
    cv::Mat cur = frame.proxy_smooth;
    if (cur.empty()) {
        frame.proxy_gray.convertTo(cur, CV_32F);
        cv::GaussianBlur(cur, cur, cv::Size(5, 5), 1.0);
    }
    if (proxy_w != cur.cols || proxy_h != cur.rows) {
        close_all();
        setup(cur, frame);
        since = 0, analysed_at = -1, next_analysis = 0, ring_pos = 0, have_ref = false;
    }
    // The tests of EventFinder: a cut, a flash or a camera jump (the grey difference, the
    // thumbnails' translation), so that both restart at the same frames.
    const bool jump = f.pixel_diff * 255.f > 10.f;
    // The thumbnail is 64x36 whatever the frame's shape: each axis scales on its own.
    const float sx = f.shift_dx * float(proxy_w) / float(kThumbWidth),
                sy = f.shift_dy * float(proxy_h) / float(kThumbHeight);
    const float shift = std::hypot(sx, sy);
    const bool restart = jump || shift > 6.f;
    if (restart || !have_ref) {
        if (have_ref) end_shot();
        ref = cur.clone();  // updated in place; the frame's image is shared
        have_ref = true;
        // Decided by this frame and the one before it alone; the rest of the state is fixed
        // by the picture size and the first frame's rate, which the digest holds.
        if (restart)
            restarts.push_back(
                {frame.index, Digest().add(proxy_w).add(proxy_h).add(ring_len).value()});
        return;
    }
    // A visible camera move: bring the reference along before measuring.
    if (shift > 0.5f) {
        detail::translate_bilinear(ref, moved, sx, sy);
        std::swap(ref, moved);
    }
    measure(cur);
    ring_time[std::size_t(ring_pos)] = frame.time_s;
    ring_frame[std::size_t(ring_pos)] = frame.index;
    ring_pos = (ring_pos + 1) % ring_len;
    ++since;
    if (since >= min_window_frames() && since >= next_analysis) {
        analyse();
        next_analysis = since + std::max<std::int64_t>(1, std::lround(opt.hop_s * rate));
    }
}

// Block-wise Lucas-Kanade of `cur` against the reference with a brightness offset
// (It = -Ix dx - Iy dy + c), the camera's motion (the median block displacement) removed;
// stores the residuals at ring_pos and moves the reference towards `cur`.
void VibrationFinder::State::measure(const cv::Mat& cur) {
    // Block means of the products (block_sums.hpp): gradients on the reference, It = cur - ref.
    detail::accumulate_block_sums(ref, cur, opt.block_px, gw, gh, block_scratch, sums);

    const int n_blocks = gw * gh;
    dx.assign(std::size_t(n_blocks), kNaN);
    dy.assign(std::size_t(n_blocks), kNaN);
    vx.clear();
    vy.clear();
    for (int b = 0; b < n_blocks; ++b) {
        const double* block = sums.data() + std::size_t(b) * detail::kBlockSums;
        if (block[9] <= 0) continue;
        auto m = [&](int k) { return block[k] / block[9]; };
        const double mx = m(3), my = m(4), mt = m(7);
        const double gxx = m(0) - mx * mx, gxy = m(1) - mx * my, gyy = m(2) - my * my;
        const double bx = m(5) - mx * mt, by = m(6) - my * mt;
        const double tr = gxx + gyy, det = gxx * gyy - gxy * gxy;
        const double lmin = 0.5 * (tr - std::sqrt(std::max(0.0, tr * tr - 4 * det)));
        // Too little texture in every direction: not measurable here.
        if (!(tr - lmin >= kMinTexture) || !(lmin >= 0)) continue;
        // Across the strongest gradient (a string's motion across itself) the displacement is
        // measured as it is; along it (the aperture problem) it is damped towards zero.
        const double l1 = tr - lmin, l2 = lmin;
        double e1x = gxy, e1y = l1 - gxx;  // eigenvector of l1
        if (std::abs(e1x) + std::abs(e1y) < 1e-12)
            e1x = gxx >= gyy ? 1 : 0, e1y = gxx >= gyy ? 0 : 1;
        const double norm = std::hypot(e1x, e1y);
        e1x /= norm, e1y /= norm;
        const double normal = -(bx * e1x + by * e1y) / l1;
        const double tangent = -(-bx * e1y + by * e1x) / (l2 + kDamping);
        dx[std::size_t(b)] = float(normal * e1x - tangent * e1y);
        dy[std::size_t(b)] = float(normal * e1y + tangent * e1x);
        vx.push_back(dx[std::size_t(b)]);
        vy.push_back(dy[std::size_t(b)]);
    }
    // Stabilisation: the median displacement is the camera's; too few measurable blocks
    // cannot tell it from local motion, and the frame counts as unmeasured.
    const bool measurable = vx.size() >= std::size_t(std::max(4, n_blocks / 5));
    float gx = 0, gy = 0;
    if (measurable) {
        gx = median_of(vx);
        gy = median_of(vy);
    }
    for (int b = 0; b < n_blocks; ++b) {
        const std::size_t at = std::size_t(b) * std::size_t(ring_len) + std::size_t(ring_pos);
        ring_x[at] = measurable ? dx[std::size_t(b)] - gx : kNaN;
        ring_y[at] = measurable ? dy[std::size_t(b)] - gy : kNaN;
    }
    // The reference follows the picture slowly and the camera at once.
    const double beta = std::clamp(1.0 / (kReferenceMemoryS * rate), 0.01, 0.5);
    if (std::hypot(gx, gy) > 0.01f) {
        detail::translate_and_blend(ref, moved, gx, gy, cur, float(beta));
        std::swap(ref, moved);
    } else {
        cv::addWeighted(ref, 1 - beta, cur, beta, 0, ref);
    }
}

// The spectra of the window's blocks, the regions that oscillate in it, and their vibrations.
void VibrationFinder::State::analyse() {
    analysed_at = since;
    const int n = int(std::min<std::int64_t>(since, ring_len));
    const int first_slot = (ring_pos - n + ring_len) % ring_len;
    auto slot = [&](int k) { return std::size_t((first_slot + k) % ring_len); };
    const double span = ring_time[slot(n - 1)] - ring_time[slot(0)];
    const double fs = span > 0 ? double(n - 1) / span : rate;
    const int m = cv::getOptimalDFTSize(n);
    const double f_lo = std::max(opt.min_cycles * fs / n, 2 * fs / m);
    const double f_hi = 0.45 * fs;
    const int k_lo = int(std::ceil(f_lo * m / fs)), k_hi = int(std::floor(f_hi * m / fs));
    if (k_hi - k_lo < 8) return;
    // Half width of the Hann window's main lobe, in bins of the transform (padded to a fast size).
    const int lobe = std::max(1, int(std::lround(2.0 * m / n)));

    // Each block's two displacement series: missing samples filled with the mean, the linear
    // trend removed (a slow drift is no oscillation), a Hann window, zero padding.
    const int n_blocks = gw * gh;
    cv::Mat series = cv::Mat::zeros(2 * n_blocks, m, CV_32F);
    std::vector<std::vector<float>> raw(std::size_t(2 * n_blocks));
    std::vector<bool> usable(std::size_t(n_blocks), true);
    std::vector<double> hann(static_cast<std::size_t>(n));
    double hann_sum = 0;
    for (int k = 0; k < n; ++k) {
        hann[std::size_t(k)] = 0.5 - 0.5 * std::cos(2 * M_PI * (k + 0.5) / n);
        hann_sum += hann[std::size_t(k)];
    }
    for (int b = 0; b < n_blocks; ++b) {
        for (int axis = 0; axis < 2; ++axis) {
            const float* values =
                (axis == 0 ? ring_x : ring_y).data() + std::size_t(b) * std::size_t(ring_len);
            auto& v = raw[std::size_t(2 * b + axis)];
            v.resize(std::size_t(n));
            int missing = 0;
            double sum = 0;
            for (int k = 0; k < n; ++k) {
                v[std::size_t(k)] = values[slot(k)];
                if (std::isnan(v[std::size_t(k)]))
                    ++missing;
                else
                    sum += v[std::size_t(k)];
            }
            if (missing > kMaxMissing * n) {
                usable[std::size_t(b)] = false;
                continue;
            }
            const double mean = sum / std::max(1, n - missing);
            for (auto& x : v)
                if (std::isnan(x)) x = float(mean);
            // Least-squares line over k = 0..n-1.
            const double km = 0.5 * (n - 1);
            double skv = 0, skk = 0;
            for (int k = 0; k < n; ++k) {
                skv += (k - km) * (v[std::size_t(k)] - mean);
                skk += (k - km) * (k - km);
            }
            const double slope = skk > 0 ? skv / skk : 0;
            float* row = series.ptr<float>(2 * b + axis);
            for (int k = 0; k < n; ++k) {
                v[std::size_t(k)] = float(v[std::size_t(k)] - mean - slope * (k - km));
                row[k] = float(v[std::size_t(k)] * hann[std::size_t(k)]);
            }
        }
    }
    cv::Mat spectra;
    cv::dft(series, spectra, cv::DFT_ROWS | cv::DFT_COMPLEX_OUTPUT);

    // Each block's strongest peak against its own local floor. The floor follows the
    // frequency: displacement noise is far from white (slow drift and an encoder's slow
    // corrections put most of it at low frequencies), so a peak is judged against the power
    // of its neighbourhood of ~±35 % in frequency (its own lobe left out), measured at every
    // lobe width and interpolated in between.
    const int k_top = m / 2;
    const int coarse = lobe;
    std::vector<double> freq(std::size_t(n_blocks), 0), ratio(std::size_t(n_blocks), 0);
    std::vector<bool> oscillating(std::size_t(n_blocks), false);
    std::vector<float> power(std::size_t(k_top + 1)), near;
    std::vector<double> floor_at(std::size_t(k_top + 1));
    // Every block's whitened band (power over its local floor), kept for the test of shared
    // frequencies below.
    cv::Mat whitened(n_blocks, k_hi + 1, CV_32F, cv::Scalar(0));
    double floor_min = 0;  // of the block at hand: its mean power over a million
    const auto floor_of = [&](int k) {
        const int reach = std::max(int(0.35 * k), 2 * lobe + 6);
        near.clear();
        for (int j = std::max(1, k - reach); j <= std::min(k_top, k + reach); ++j)
            if (std::abs(j - k) > lobe) near.push_back(power[std::size_t(j)]);
        return std::max(double(median_of(near)), floor_min);
    };
    for (int b = 0; b < n_blocks; ++b) {
        if (!usable[std::size_t(b)]) continue;
        const auto* sx = spectra.ptr<cv::Vec2f>(2 * b);
        const auto* sy = spectra.ptr<cv::Vec2f>(2 * b + 1);
        double total = 0;
        for (int k = 1; k <= k_top; ++k) {
            power[std::size_t(k)] = sx[k].dot(sx[k]) + sy[k].dot(sy[k]);
            total += power[std::size_t(k)];
        }
        // A block that did not move at all (an encoder repeating it exactly) says nothing.
        if (!(total > 0)) {
            usable[std::size_t(b)] = false;
            continue;
        }
        floor_min = 1e-6 * total / k_top;
        for (int k = k_lo; k <= k_hi + coarse; k += coarse)
            floor_at[std::size_t(std::min(k, k_top))] = floor_of(std::min(k, k_top));
        int peak = k_lo;
        float* white = whitened.ptr<float>(b);
        for (int k = k_lo; k <= k_hi; ++k) {
            const int a = k_lo + (k - k_lo) / coarse * coarse, c = std::min(a + coarse, k_top);
            const double w = c > a ? double(k - a) / (c - a) : 0;
            const double fl = (1 - w) * floor_at[std::size_t(a)] + w * floor_at[std::size_t(c)];
            white[k] = float(power[std::size_t(k)] / fl);
            if (white[k] > white[peak]) peak = k;
        }
        const double top = white[peak];
        double in_lobe = 0, in_band = 0;
        for (int k = k_lo; k <= k_hi; ++k) {
            const double above = std::max(0.0, double(white[k]) - 1);
            in_band += above;
            if (std::abs(k - peak) <= lobe) in_lobe += above;
        }
        ratio[std::size_t(b)] = top;
        if (top < opt.peak_ratio || in_lobe < opt.min_peak_share * in_band) continue;
        // A peak at the band's edge may be the slope of something outside it.
        if (peak == k_lo || peak == k_hi) continue;
        const double pl = power[std::size_t(peak - 1)], pr = power[std::size_t(peak + 1)];
        const double pc = power[std::size_t(peak)];
        const double curve = pl - 2 * pc + pr;
        const double delta = curve < 0 ? std::clamp(0.5 * (pl - pr) / curve, -0.5, 0.5) : 0;
        freq[std::size_t(b)] = (peak + delta) * fs / m;
        oscillating[std::size_t(b)] = true;
    }

    // Regions: neighbouring oscillating blocks at the same frequency, strongest first.
    std::vector<int> order;
    for (int b = 0; b < n_blocks; ++b)
        if (oscillating[std::size_t(b)]) order.push_back(b);
    std::sort(order.begin(), order.end(),
              [&](int a, int b) { return ratio[std::size_t(a)] > ratio[std::size_t(b)]; });
    std::vector<bool> taken(std::size_t(n_blocks), false);
    std::vector<Finding> found;  // this analysis's, strongest first
    const double bin_hz = fs / n;
    for (int seed : order) {
        if (taken[std::size_t(seed)]) continue;
        const double f0 = freq[std::size_t(seed)];
        const double tolerance = std::max(kSameFrequency * f0, bin_hz);
        std::vector<int> region{seed}, stack{seed};
        taken[std::size_t(seed)] = true;
        while (!stack.empty()) {
            const int b = stack.back();
            stack.pop_back();
            for (int dyb = -1; dyb <= 1; ++dyb)
                for (int dxb = -1; dxb <= 1; ++dxb) {
                    const int r = b / gw + dyb, c = b % gw + dxb;
                    if (r < 0 || r >= gh || c < 0 || c >= gw) continue;
                    const int nb = r * gw + c;
                    if (taken[std::size_t(nb)] || !oscillating[std::size_t(nb)] ||
                        std::abs(freq[std::size_t(nb)] - f0) > tolerance)
                        continue;
                    taken[std::size_t(nb)] = true;
                    region.push_back(nb);
                    stack.push_back(nb);
                }
        }
        if (int(region.size()) < opt.min_blocks) continue;
        // A frequency the whole picture shares is not a local vibration: an encoder's cycle
        // of frame types or of key frames, which moves every block of a still picture a
        // little, or flickering light. Outside the region, the typical block's whitened power
        // at f0 (its best bin within a lobe) must be that of noise.
        const int k0 = std::clamp(int(std::lround(f0 * m / fs)), k_lo, k_hi);
        std::vector<float> elsewhere;
        for (int b = 0; b < n_blocks; ++b) {
            if (!usable[std::size_t(b)] ||
                std::find(region.begin(), region.end(), b) != region.end())
                continue;
            const float* white = whitened.ptr<float>(b);
            float best = 0;
            for (int k = std::max(k_lo, k0 - lobe); k <= std::min(k_hi, k0 + lobe); ++k)
                best = std::max(best, white[k]);
            elsewhere.push_back(best);
        }
        const double shared = elsewhere.empty() ? 0.0 : median_of(elsewhere);
        if (shared > kMaxShared) continue;
        // When the region oscillated: its envelope at f0 by complex demodulation, averaged over
        // whole periods (so that a steady sinusoid gives a flat envelope) spanning at least
        // `kEnvelopeS`, per block and then over the region; it is up where it exceeds half
        // its 90th percentile (the maximum would be a noise spike's).
        const int period = std::clamp(int(std::lround(fs / f0)), 1, n);
        const int span_len =
            std::min(n / period, std::max(1, int(std::ceil(kEnvelopeS * fs / period)))) * period;
        std::vector<double> envelope(std::size_t(n), 0.0);
        std::vector<std::vector<double>> block_env;
        std::vector<std::complex<double>> acc(std::size_t(n + 1)), z[2];
        for (int b : region) {
            std::vector<double> env(std::size_t(n), 0.0);
            for (int axis = 0; axis < 2; ++axis) {
                const auto& v = raw[std::size_t(2 * b + axis)];
                // Running sums of v(k) e^{-i 2 pi f0 k / fs}.
                for (int k = 0; k < n; ++k)
                    acc[std::size_t(k + 1)] =
                        acc[std::size_t(k)] +
                        double(v[std::size_t(k)]) * std::polar(1.0, -2 * M_PI * f0 * k / fs);
                z[axis].resize(std::size_t(n));
                for (int k = 0; k < n; ++k) {
                    const int lo = std::clamp(k - span_len / 2, 0, n - span_len);
                    z[axis][std::size_t(k)] =
                        (acc[std::size_t(lo + span_len)] - acc[std::size_t(lo)]) / double(span_len);
                }
            }
            for (int k = 0; k < n; ++k) {
                env[std::size_t(k)] = 2 * std::sqrt(std::norm(z[0][std::size_t(k)]) +
                                                    std::norm(z[1][std::size_t(k)]));
                envelope[std::size_t(k)] += env[std::size_t(k)] / double(region.size());
            }
            block_env.push_back(std::move(env));
        }
        std::vector<float> levels(envelope.begin(), envelope.end());
        std::nth_element(levels.begin(), levels.begin() + std::ptrdiff_t(n * 9 / 10), levels.end());
        const double top = levels[std::size_t(n * 9 / 10)];
        int best_a = 0, best_b = 0;
        for (int k = 0; k < n;) {
            if (envelope[std::size_t(k)] < 0.5 * top) {
                ++k;
                continue;
            }
            int e = k;
            while (e < n && envelope[std::size_t(e)] >= 0.5 * top) ++e;
            if (e - k > best_b - best_a) best_a = k, best_b = e;
            k = e;
        }
        const double duration = double(best_b - best_a) / fs;
        if (duration < opt.min_duration_s || duration * f0 < opt.min_cycles) continue;
        Finding finding;
        finding.x0 = gw, finding.y0 = gh, finding.x1 = -1, finding.y1 = -1;
        for (std::size_t i = 0; i < region.size(); ++i) {
            const int r = region[i] / gw, c = region[i] % gw;
            finding.x0 = std::min(finding.x0, c), finding.x1 = std::max(finding.x1, c);
            finding.y0 = std::min(finding.y0, r), finding.y1 = std::max(finding.y1, r);
            double mean = 0;
            for (int k = best_a; k < best_b; ++k) mean += block_env[i][std::size_t(k)];
            finding.amp = std::max(finding.amp, mean / (best_b - best_a));
        }
        finding.freq_hz = f0;
        finding.ratio = ratio[std::size_t(seed)];
        finding.first = ring_frame[slot(best_a)];
        finding.last = ring_frame[slot(best_b - 1)];
        finding.t_first = ring_time[slot(best_a)];
        finding.t_last = ring_time[slot(best_b - 1)];
        // A harmonic of a stronger region at the same place is part of its vibration (a
        // motion that is not quite a sinusoid), not a vibration of its own.
        const bool harmonic = std::any_of(found.begin(), found.end(), [&](const Finding& f) {
            const double k = std::round(f0 / f.freq_hz);
            return k >= 2 &&
                   std::abs(f0 - k * f.freq_hz) <= std::max(kSameFrequency * f0, bin_hz) &&
                   finding.x0 <= f.x1 + 1 && finding.x1 >= f.x0 - 1 && finding.y0 <= f.y1 + 1 &&
                   finding.y1 >= f.y0 - 1;
        });
        if (harmonic) continue;
        found.push_back(finding);
        add(finding, 1.0 / fs);
    }
    // Vibrations not continued for longer than the shortest vibration are over (a weaker
    // window in between does not split one).
    const auto gap = std::max<std::int64_t>(std::lround(opt.min_duration_s * rate),
                                            std::lround(opt.hop_s * rate));
    for (std::size_t i = open.size(); i-- > 0;)
        if (since - open[i].seen_at > gap) {
            closed.push_back(open[i]);
            open.erase(open.begin() + std::ptrdiff_t(i));
        }
}

// Continues the open vibration at the finding's place and frequency, or begins one.
void VibrationFinder::State::add(const Finding& g, double frame_dt) {
    const auto continues = [&](const Track& t) {
        return g.x0 <= t.x1 + 1 && g.x1 >= t.x0 - 1 && g.y0 <= t.y1 + 1 && g.y1 >= t.y0 - 1 &&
               std::abs(g.freq_hz - t.freq()) <= kSameVibration * t.freq();
    };
    Track* track = nullptr;
    for (std::size_t i = 0; i < open.size();) {
        if (!continues(open[i])) {
            ++i;
        } else if (!track) {
            track = &open[i++];
        } else {
            // The finding joins two vibrations that grew towards each other: one now.
            merge(*track, open[i]);
            open.erase(open.begin() + std::ptrdiff_t(i));
        }
    }
    if (!track) {
        open.push_back(Track{});
        track = &open.back();
        track->x0 = g.x0, track->y0 = g.y0, track->x1 = g.x1, track->y1 = g.y1;
        track->first = g.first, track->last = g.last;
        track->t_first = g.t_first, track->t_last = g.t_last;
        track->proxy_w = proxy_w, track->proxy_h = proxy_h, track->block = opt.block_px;
    }
    Track one;
    one.x0 = g.x0, one.y0 = g.y0, one.x1 = g.x1, one.y1 = g.y1;
    one.first = g.first, one.last = g.last, one.t_first = g.t_first, one.t_last = g.t_last;
    one.freq_sum = g.ratio * g.freq_hz, one.weight_sum = g.ratio;
    one.amp = g.amp, one.ratio = g.ratio;
    merge(*track, one);
    track->frame_dt = frame_dt;
    track->seen_at = since;
}

// Adds `from` (of the same shot) to `into`.
void VibrationFinder::State::merge(Track& into, const Track& from) {
    into.x0 = std::min(into.x0, from.x0), into.y0 = std::min(into.y0, from.y0);
    into.x1 = std::max(into.x1, from.x1), into.y1 = std::max(into.y1, from.y1);
    if (from.first < into.first) into.first = from.first, into.t_first = from.t_first;
    if (from.last > into.last) into.last = from.last, into.t_last = from.t_last;
    into.freq_sum += from.freq_sum;
    into.weight_sum += from.weight_sum;
    into.amp = std::max(into.amp, from.amp);
    into.ratio = std::max(into.ratio, from.ratio);
    into.seen_at = std::max(into.seen_at, from.seen_at);
}

std::vector<Event> VibrationFinder::finish(const std::vector<Transition>& transitions,
                                           const SourceInfo& source) {
    auto& s = *state_;
    if (s.have_ref) s.end_shot();
    s.close_all();
    const auto& o = s.opt;
    std::vector<Event> events;
    for (const Track& t : s.closed) {
        FrameIndex first = t.first, last = t.last;
        // Keep the longer part on either side of each transition (and its guard).
        const double guard = o.transition_guard_s / std::max(t.frame_dt, 1e-3);
        for (const auto& tr : transitions) {
            const auto ts = FrameIndex(std::floor(double(tr.frames.start) - guard));
            const auto te =
                FrameIndex(std::ceil(double(std::max(tr.frames.end, tr.frames.start + 1)) + guard));
            if (!(first < te && last >= ts)) continue;
            if (ts - first >= last + 1 - te)
                last = ts - 1;
            else
                first = te;
        }
        // What is left must still be sustained: long enough, and enough periods.
        const double duration = double(last + 1 - first) * t.frame_dt;
        if (last < first || duration < o.min_duration_s || duration * t.freq() < o.min_cycles)
            continue;
        const double sx = source.width > 0 ? double(source.width) / t.proxy_w : 1.0;
        const double sy = source.height > 0 ? double(source.height) / t.proxy_h : 1.0;
        const double amp_px = t.amp * 0.5 * (sx + sy);
        const double longest = std::max(source.width > 0 ? source.width : t.proxy_w,
                                        source.height > 0 ? source.height : t.proxy_h);
        if (amp_px < o.min_amplitude_px || amp_px > o.max_amplitude_share * longest) continue;
        Event e;
        e.kind = EventKind::vibration;
        e.frames = {first, last + 1};
        e.start_time_s = t.t_first + double(first - t.first) * t.frame_dt;
        e.end_time_s = t.t_last - double(t.last - last) * t.frame_dt + t.frame_dt;
        const int x = int(std::floor(t.x0 * t.block * sx)),
                  y = int(std::floor(t.y0 * t.block * sy));
        int w = int(std::ceil((t.x1 - t.x0 + 1) * t.block * sx));
        int h = int(std::ceil((t.y1 - t.y0 + 1) * t.block * sy));
        if (source.width > 0) w = std::min(w, source.width - x);
        if (source.height > 0) h = std::min(h, source.height - y);
        e.bbox = {x, y, std::max(1, w), std::max(1, h)};
        e.amplitude_px = amp_px;
        e.peak_hz = t.freq();
        // 0.5 at the threshold, approaching 1 as the peak stands higher above its floor.
        e.score = std::clamp(1.0 - 0.5 * o.peak_ratio / t.ratio, 0.0, 1.0);
        events.push_back(e);
    }
    if (int(events.size()) > o.max_events) {
        std::sort(events.begin(), events.end(),
                  [](const Event& a, const Event& b) { return a.score > b.score; });
        events.resize(std::size_t(o.max_events));
    }
    std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
        return std::tie(a.frames.start, a.bbox.y, a.bbox.x) <
               std::tie(b.frames.start, b.bbox.y, b.bbox.x);
    });
    s.closed.clear();
    return events;
}

}  // namespace kinoglaz
