#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <vector>

#include <opencv2/imgproc.hpp>

#include <kinoglaz/core.hpp>
#include "block_sums.hpp"
#include "finder_join.hpp"
#include "gamma_threshold.hpp"
#include "kinoglaz/unconscious/translate.hpp"
#include "kinoglaz/unconscious/unconscious.hpp"

namespace kinoglaz {

namespace {

// An event being grown (grid coordinates, inclusive box).
struct Candidate {
    FrameIndex first = 0, last = 0;
    double t_first = 0, t_last = 0, frame_dt = 0;
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    int active_frames = 0;
    double peak_amp = 0;  // proxy pixels
    // Highest residual of any of its blocks in units of that block's noise level, over the
    // shot's tail factor.
    double peak_q = 0;
    // Over the active blocks of every frame: the sum of their signal-to-noise ratios, and
    // of the share of their change that the motion explains weighted by those ratios.
    double snr_sum = 0, explained_sum = 0;
    // Residual vector of the event's strongest block in each active frame (for frequency).
    std::vector<float> series;  // residual of the peak block along its main axis, per frame
    int peak_block = -1;
    double freq_hz = 0;
    int proxy_w = 0, proxy_h = 0, block = 8;
    int window = 1;       // frames of evidence behind each active frame
    int stride = 1;       // frames from one measured frame to the next
    double reversal = 0;  // swing against the strongest residual, over it (0..1)
    // Share of the peak block's frame-to-frame change over the event's frames that its
    // largest single change holds (0..1; 1 when there is none).
    double jump = 1;
    // Share of the peak block's residual energy over those frames that lies against the
    // strongest residual's direction (0..1).
    double back = 0;
    // Share of the peak block's residual energy over those frames that lies along its main
    // direction (0.5..1; 1 when there is none).
    double direction = 1;
    // Share of the picture's own displacement at the peak block (reconstructed from its
    // residual and the reference's rate), about its rest before the event, over the event's
    // frames and a few after, that its mean offset holds (0..1; 0 when there is none).
    double offset = 0;
    // Distance of that path over the frames measured after the event's last active one from its
    // rest, over the path's largest distance from its rest during the event (0 when there is
    // none).
    double end_offset = 0;
    // Grown from the blocks above the candidates' threshold (State::weak), not the detection
    // threshold: at most a proposal for the check at the source's size.
    bool weak = false;
};

// Gradient energy per pixel (grey levels² per pixel²) added to both axes of each block's
// structure tensor.
constexpr double kDamping = 4.0;

// The ratio of residual to noise level (tail factor taken out) at which an event's score
// starts to grow: with the default min_score, an event of 3 active frames needs about 4.75, one
// of 8 frames 3.5. Measured on the dev set and the films of benchmarks/micro_films_eval.sh:
// noise candidates lasting 3 or more frames reach at most 4.3, except 2 of 26.
constexpr double kSalientRatio = 2.5;

// Least reversal (Candidate::reversal) of a gesture.
constexpr double kMinReversal = 0.35;
// ... and of a proposal (EventFinder::proposals()).
constexpr double kMinProposalReversal = 0.2;

// The false-alarm rate per block and frame of the lower threshold that proposes candidates
// for the check at the source's size (gesture_check.hpp): a gesture of 0.3-0.5 source pixels
// at 1280 px is 0.08-0.12 px on the 320 px image, at its noise.
constexpr double kCandidateRate = 1e-3;

// Least size of the source against the proxy's (per side) at which candidates are proposed:
// below it the check at the source's size sees little that the proxy did not. Measured on
// dev_micro (640x360, proxy 320x180): a noise proposal in a motionless stretch passed the check
// (ratio 1.57), the proxy's own events are confirmed no better than noise.
constexpr double kMinCheckScale = 2.5;

// Most candidates proposed (the strongest first), which bounds the check's decoding and
// measuring (each costs up to ~3.5 s of its region at the source's size): 24 per film, and
// beyond 6 minutes 4 per minute of film.
constexpr std::size_t kMaxProposals = 24;
constexpr double kProposalsPerMinute = 4;

// The picture's path that measure_offset reads: the rest is the mean of kOffsetRestFrames
// measured frames ending kOffsetRestGap frames before the event's evidence, the path runs
// over that evidence and up to kOffsetFramesAfter frames after it (those in the ring when a
// candidate closes: three or more measured frames after its last).
constexpr int kOffsetRestFrames = 4, kOffsetRestGap = 2, kOffsetFramesAfter = 4;

// Sums per block (block_sums.hpp): Ix², IxIy, Iy², Ix, Iy, IxIt, IyIt, It, It², pixel count.
constexpr int kSums = detail::kBlockSums;

// The rate at which the reference follows the picture at FPS frames a second: the shot's
// recent rest state, about 0.2 s of memory.
double reference_rate(double fps) {
    return std::clamp(1.0 / (0.2 * fps), 0.02, 0.5);
}

// Of every how many frames the finder measures one at FPS frames a second: it measures at
// 22-45 frames a second. Above that, consecutive frames repeat much of each other's
// compression noise (in the quiet stretches of our micro films, the lag-one correlation of a
// block's evidence terms is 0.32-0.62 at 24-30 fps and 0.63-0.77 at 50-60 fps), so a window
// of 0.14 s would sum terms that are far from independent and a burst of noise would last
// twice as many frames; every other frame holds the same gestures, at half the cost.
int measuring_stride(double fps) {
    return std::max(1, int(std::lround(fps / 30.0)));
}

// Peak of the DFT magnitude of a short displacement series (projected on its main axis,
// mean removed, zero-padded), between ~0.5 Hz and Nyquist.
double dominant_frequency(const std::vector<cv::Point2f>& pts, double fps) {
    if (pts.size() < 3 || fps <= 0) return 0;
    double mx = 0, my = 0;
    for (auto p : pts) mx += p.x, my += p.y;
    mx /= double(pts.size()), my /= double(pts.size());
    double sxx = 0, sxy = 0, syy = 0;
    for (auto p : pts) {
        double x = p.x - mx, y = p.y - my;
        sxx += x * x, sxy += x * y, syy += y * y;
    }
    double ang = 0.5 * std::atan2(2 * sxy, sxx - syy), ux = std::cos(ang), uy = std::sin(ang);
    std::vector<double> v;
    for (auto p : pts) v.push_back((p.x - mx) * ux + (p.y - my) * uy);
    double best = 0, best_f = 0, n = double(v.size());
    for (double f = 0.5; f <= fps / 2 + 1e-9; f += fps / 256) {
        double re = 0, im = 0;
        for (std::size_t k = 0; k < v.size(); ++k) {
            // A Hann window keeps the short series' edges from leaking.
            double w = 0.5 - 0.5 * std::cos(2 * M_PI * (double(k) + 0.5) / n);
            re += w * v[k] * std::cos(2 * M_PI * f * double(k) / fps);
            im -= w * v[k] * std::sin(2 * M_PI * f * double(k) / fps);
        }
        double m = re * re + im * im;
        if (m > best) best = m, best_f = f;
    }
    return best_f;
}

double median_of(std::vector<float>& v) {
    if (v.empty()) return 0;
    auto mid = v.begin() + std::ptrdiff_t(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
}

}  // namespace

struct EventFinder::State {
    EventFinderOptions opt;
    int proxy_w = 0, proxy_h = 0, gw = 0, gh = 0;
    cv::Mat ref;  // CV_32F reference of the shot, blurred
    bool have_ref = false;
    int still_frames = 0;  // frames since the last reset or camera move
    bool was_detecting = false;
    double fps = 25;         // the rate of the frames measured (source_fps / stride)
    double source_fps = 25;  // the stream's own rate
    int stride = 1;          // frames measured: those whose index is a multiple of it
    double last_time = -1;
    // Residual magnitudes of the last `ring_len` frames per block (noise estimate).
    int ring_len = 50, ring_pos = 0, ring_count = 0;
    std::vector<float> ring, noise, ring_x, ring_y;
    // Each block's ring values in ascending order, NaN left out (`history_n` of them): its
    // noise quantiles are read off, not searched for in every refresh.
    std::vector<float> history;
    std::vector<int> history_n;
    // Each block's mean temporal change per pixel while quiet (an average over ~1 s of the
    // frames it was measured and not active; NaN until measured in this shot), and this
    // frame's.
    std::vector<float> change_noise, change_now;
    std::vector<FrameIndex> ring_frame;
    float last_luma = -1;
    std::vector<Candidate> open, open_weak, closed;
    // The candidates of the last finish() that no detection confirmed, for the check at the
    // source's size.
    std::vector<Event> proposals;
    detail::BlockSumScratch block_scratch;
    // Per-frame block measurements, kept between frames so that push() does not allocate.
    std::vector<double> acc, pairs, pooled;
    std::vector<float> dx, dy, ok, ux_est, uy_est, explained, amp, snr, amp_est, vx, vy, ratios;
    // The camera's motion at each block (x, y interleaved): the affine fit of the block field.
    std::vector<float> global;
    // Evidence of motion: each block's capped squared residuals (in units of its noise) of
    // the last `window` frames, and their sum (`level`); the sum's false-alarm threshold and
    // each frame's cap.
    int window = 3;
    float threshold = 1, cap = 1, weak_threshold = 1;
    // How much heavier the shot's noise is than the model's: its residuals' tail quantile over
    // the model's (>= 1).
    float tail_factor = 1;
    bool calibrated = false;  // tail_factor measured in this shot
    std::vector<float> evidence, level;
    // The shot's own distribution of the residuals in units of their blocks' noise levels
    // (every measured block that is not active, every frame while detecting): counts over
    // log-spaced bins.
    static constexpr int kBins = 160;
    static constexpr float kBinsPerOctave = 8, kLowestRatio = 1.f / 256;
    std::vector<double> null_counts = std::vector<double>(kBins, 0.0);
    double null_total = 0;
    float shot_noise = 0;  // median of the blocks' noise levels (proxy pixels)
    cv::Mat active, weak;
    cv::Mat moved;  // scratch of translate
    std::vector<Restart> restarts;
    FrameIndex last_frame = -1;
    double push_ms_total = 0;
    std::int64_t pushes = 0;

    // Forgets the shot: everything but the picture size and the rate estimates. Noise levels
    // become unknown (NaN) until measured in the new shot, so no block is judged by another
    // shot's noise.
    void reset() {
        have_ref = false;
        still_frames = 0;
        was_detecting = false;
        ring_count = 0;
        std::fill(history_n.begin(), history_n.end(), 0);
        ring_pos = 0;
        std::fill(noise.begin(), noise.end(), std::numeric_limits<float>::quiet_NaN());
        std::fill(change_noise.begin(), change_noise.end(),
                  std::numeric_limits<float>::quiet_NaN());
        shot_noise = 0;
        set_window();
        close_all();
    }

    // The evidence window (~0.14 s: shorter than the briefest gesture) and its threshold.
    void set_window() {
        choose_stride();
        window = std::clamp(int(std::lround(0.14 * fps)), 3, 16);
        threshold = float(detail::gamma_threshold(window, opt.false_alarm_rate));
        weak_threshold = std::min(
            threshold,
            float(detail::gamma_threshold(window, std::max(kCandidateRate, opt.false_alarm_rate))));
        cap = std::min(float(opt.snr_threshold * opt.snr_threshold), 0.75f * threshold);
        tail_factor = 1;
        calibrated = false;
        std::fill(null_counts.begin(), null_counts.end(), 0.0);
        null_total = 0;
        evidence.assign(std::size_t(gw * gh * window), 0.f);
        level.assign(std::size_t(gw * gh), 0.f);
    }

    void close_all() {
        for (auto* list : {&open, &open_weak}) {
            for (auto& c : *list) close(c);
            list->clear();
        }
    }

    // Moves a finished candidate to `closed`, reading its peak block's recent residuals
    // from the ring (still there: events are shorter than the ring) for the frequency.
    void close(Candidate& c) {
        // The frequency is read from the frames whose evidence made the event: from the start
        // of the first active frame's window to the frame after the last active one.
        std::vector<cv::Point2f> pts, after, evidence;
        if (c.peak_block >= 0 && ring_count > 0) {
            for (int k = 0; k < std::min(ring_count, ring_len); ++k) {
                // Oldest first.
                int slot =
                    (ring_pos - std::min(ring_count, ring_len) + k + 2 * ring_len) % ring_len;
                FrameIndex fi = ring_frame[std::size_t(slot)];
                if (fi < c.first - (c.window - 1) * c.stride) continue;
                std::size_t at =
                    std::size_t(c.peak_block) * std::size_t(ring_len) + std::size_t(slot);
                if (fi <= c.last + c.stride) evidence.push_back({ring_x[at], ring_y[at]});
                if (fi < c.first - c.stride) continue;
                (fi > c.last + c.stride ? after : pts).push_back({ring_x[at], ring_y[at]});
            }
        }
        c.freq_hz = dominant_frequency(evidence, fps);
        // Motion that goes and comes back (or to and fro) swings the residual both ways
        // about the reference, which lags behind it; a picture that changes once and stays
        // changed (an intra frame redrawing a still, a freeze's refresh) leaves a residual of
        // one sign that the reference absorbs. The reversal is the largest swing against the
        // strongest residual's direction over that residual, through the frames just after.
        pts.insert(pts.end(), after.begin(), after.end());
        cv::Point2f peak(0, 0);
        for (auto p : pts)
            if (p.dot(p) > peak.dot(peak)) peak = p;
        float back = 0;
        const float norm = std::sqrt(peak.dot(peak));
        for (auto p : pts) back = std::max(back, -p.dot(peak) / std::max(norm, 1e-6f));
        c.reversal = norm > 0 ? double(back / norm) : 0.0;
        measure_steps(c);
        closed.push_back(std::move(c));
    }

    // A step of the picture (an encoder redrawing a block once, and keeping it) shows in the
    // residual against the reference for as long as the reference takes to absorb it, ~0.2 s,
    // which is as long as a gesture: its evidence spans several frames. Yet the picture moved
    // in one frame only. The residual r(t) = d(t) - ref(t), with ref following the picture at
    // rate beta, gives the picture's own frame-to-frame change as the innovation
    // r(t) - (1 - beta) r(t - 1) = d(t) - d(t - 1). Returned: the largest innovation's share
    // of their energy over the frames whose evidence made the event (its peak block), into
    // c.jump. A gesture goes and comes back within those frames, measured against a reference
    // that lags behind it, so its residual takes both signs there; a step keeps one sign
    // while the reference absorbs it: the share of the residual's energy against the
    // strongest residual's direction goes into c.back. A gesture moves its patch to and fro
    // along one direction, so its residual over those frames lies along one line; noise (a
    // burst of compression noise, a block whose coded texture changes) points every way: the
    // share of the energy along the main direction goes into c.direction.
    void measure_steps(Candidate& c) const {
        c.jump = 1;
        c.back = 0;
        c.direction = 1;
        if (c.peak_block < 0 || ring_count < 2) return;
        const float keep = float(1 - reference_rate(fps));
        const int n = std::min(ring_count, ring_len);
        double total = 0, largest = 0;
        cv::Point2f previous(0, 0), strongest(0, 0);
        std::vector<cv::Point2f> own;
        for (int k = 0; k < n; ++k) {  // oldest first
            const int slot = (ring_pos - n + k + 2 * ring_len) % ring_len;
            const FrameIndex fi = ring_frame[std::size_t(slot)];
            const std::size_t at =
                std::size_t(c.peak_block) * std::size_t(ring_len) + std::size_t(slot);
            const cv::Point2f r(ring_x[at], ring_y[at]);
            if (k > 0 && fi >= c.first - (c.window - 1) * c.stride && fi <= c.last + c.stride) {
                const cv::Point2f e = r - keep * previous;
                total += double(e.dot(e));
                largest = std::max(largest, double(e.dot(e)));
                own.push_back(r);
                if (r.dot(r) > strongest.dot(strongest)) strongest = r;
            }
            previous = r;
        }
        if (total > 0) c.jump = largest / total;
        double along = 0, against = 0;
        for (auto r : own) {
            const double v = double(r.dot(strongest));
            along += v * v;
            if (v < 0) against += v * v;
        }
        if (along > 0) c.back = against / along;
        double sxx = 0, sxy = 0, syy = 0;
        for (auto r : own) {
            sxx += double(r.x * r.x), sxy += double(r.x * r.y), syy += double(r.y * r.y);
        }
        // The larger eigenvalue of the residuals' second moments over their trace.
        const double trace = sxx + syy;
        if (trace > 0)
            c.direction = 0.5 + std::sqrt(0.25 * (sxx - syy) * (sxx - syy) + sxy * sxy) / trace;
        measure_offset(c);
    }

    // The residual r is the picture's displacement d less the reference's, and the reference
    // moves by beta * r each measured frame, so d(t) = r(t) + beta * (r(t - 1) + r(t - 2) +
    // ...) up to a constant: the picture's own path at the peak block, from the ring. A
    // gesture moves the picture about its rest and back, to and fro, so over its frames the
    // path keeps close to the rest on average; the reference's high-pass makes a change of
    // the picture to one side (a drift of the shot, a coding offset held over several frames
    // and then undone) swing the residual both ways as well, but the path stays off its rest
    // for most of those frames. Into c.offset: the share of the path's mean square about the
    // rest (the mean of the four frames ending two frames before the event's evidence) over
    // the evidence frames and up to four after that its mean holds. A gesture is brief, too: its
    // patch comes back to where it was. Into c.end_offset: the path's mean distance from the rest
    // over the frames after the event's last active one (three or four when it closes), over its
    // largest distance from the rest until then.
    void measure_offset(Candidate& c) const {
        c.offset = 0;
        c.end_offset = 0;
        const int n = std::min(ring_count, ring_len);
        const float beta = float(reference_rate(fps));
        const FrameIndex lo = c.first - (c.window - 1) * c.stride,
                         hi = c.last + kOffsetFramesAfter * c.stride;
        cv::Point2f ref(0, 0), rest(0, 0), sum(0, 0), end(0, 0);
        std::vector<cv::Point2f> before;
        double square = 0, largest = 0;
        int inside = 0, after = 0;
        for (int k = 0; k < n; ++k) {  // oldest first
            const int slot = (ring_pos - n + k + 2 * ring_len) % ring_len;
            const FrameIndex fi = ring_frame[std::size_t(slot)];
            const std::size_t at =
                std::size_t(c.peak_block) * std::size_t(ring_len) + std::size_t(slot);
            const cv::Point2f r(ring_x[at], ring_y[at]), d = r + ref;
            ref += beta * r;
            if (fi < lo - kOffsetRestGap * c.stride) {
                before.push_back(d);
                continue;
            }
            if (fi < lo || fi > hi) continue;
            if (inside == 0) {
                const std::size_t from =
                    before.size() - std::min<std::size_t>(before.size(), kOffsetRestFrames);
                for (std::size_t j = from; j < before.size(); ++j) rest += before[j];
                if (before.size() > from) rest *= 1.f / float(before.size() - from);
            }
            const cv::Point2f v = d - rest;
            sum += v;
            square += double(v.dot(v));
            ++inside;
            if (fi > c.last)
                end += v, ++after;
            else
                largest = std::max(largest, double(v.dot(v)));
        }
        if (inside > 0 && square > 0) {
            const cv::Point2f mean = sum * (1.f / float(inside));
            c.offset = double(mean.dot(mean)) * inside / square;
        }
        if (after > 0 && largest > 0)
            c.end_offset = double(cv::norm(end * (1.f / float(after)))) / std::sqrt(largest);
    }

    // Fixed from one reset to the next, so that the evidence ring's slots stay in step.
    void choose_stride() {
        stride = measuring_stride(source_fps);
        fps = source_fps / stride;
    }

    void setup(const cv::Mat& gray) {
        choose_stride();
        proxy_w = gray.cols;
        proxy_h = gray.rows;
        gw = std::max(1, proxy_w / opt.block_px);
        gh = std::max(1, proxy_h / opt.block_px);
        ring_len = std::clamp(int(std::lround(2 * fps)), 16, 256);
        ring.assign(std::size_t(gw * gh * ring_len), 0.f);
        ring_x = ring_y = history = ring;
        history_n.assign(std::size_t(gw * gh), 0);
        ring_frame.assign(std::size_t(ring_len), -1);
        noise.assign(std::size_t(gw * gh), 0.f);
        change_noise.assign(std::size_t(gw * gh), std::numeric_limits<float>::quiet_NaN());
        change_now.assign(std::size_t(gw * gh), 0.f);
    }

    // Adds a value to / removes one from block i's sorted history (NaN: nothing to do). The
    // place is found by counting, not by binary search: at most a few hundred values, and
    // the count has no branches to mispredict.
    void remember(std::size_t i, float v) {
        if (std::isnan(v)) return;
        float* sorted = history.data() + i * std::size_t(ring_len);
        const int n = history_n[i]++;
        int at = 0;
        for (int k = 0; k < n; ++k) at += sorted[k] <= v;
        std::copy_backward(sorted + at, sorted + n, sorted + n + 1);
        sorted[at] = v;
    }
    void forget(std::size_t i, float v) {
        if (std::isnan(v)) return;
        float* sorted = history.data() + i * std::size_t(ring_len);
        const int n = history_n[i]--;
        int at = 0;
        for (int k = 0; k < n; ++k) at += sorted[k] < v;
        std::copy(sorted + at + 1, sorted + n, sorted + at);
    }

    void refresh_noise_levels(bool all);
    void refresh_tail_factor();
    void count_null(float v) {
        const int bin = std::clamp(
            int(std::floor(std::log2(std::max(v, kLowestRatio) / kLowestRatio) * kBinsPerOctave)),
            0, kBins - 1);
        null_counts[std::size_t(bin)] += 1;
        null_total += 1;
    }
    void fit_global_motion(float gx, float gy);
    void push(const Frame& frame, const FrameFeatures& f);
    void translate(cv::Mat& image, float dx, float dy);
    void link(const std::vector<float>& amp_est, const std::vector<float>& amp,
              const std::vector<float>& snr, const std::vector<float>& explained,
              const cv::Mat& active, const Frame& frame, std::vector<Candidate>& open);
};

EventFinder::EventFinder(const EventFinderOptions& o) : state_(std::make_unique<State>()) {
    auto bad = [](const char* what) { throw_bad_usage("events", what); };
    if (!(o.min_amplitude_px > 0) || !(o.max_amplitude_px > o.min_amplitude_px))
        bad("amplitudes must satisfy 0 < min_amplitude_px < max_amplitude_px");
    if (!(o.max_duration_s >= 0.1 && o.max_duration_s <= 10))
        bad("max_duration_s must be between 0.1 and 10");
    if (!(o.snr_threshold >= 2 && o.snr_threshold <= 50))
        bad("snr_threshold must be between 2 and 50");
    if (!(o.false_alarm_rate >= 1e-12 && o.false_alarm_rate <= 1e-2))
        bad("false_alarm_rate must be between 1e-12 and 1e-2");
    if (!(o.transition_guard_s >= 0 && o.transition_guard_s <= 5))
        bad("transition_guard_s must be between 0 and 5");
    if (!(o.warmup_s >= 0.2 && o.warmup_s <= 10)) bad("warmup_s must be between 0.2 and 10");
    if (o.block_px < 4 || o.block_px > 32) bad("block_px must be between 4 and 32");
    if (o.max_events < 0) bad("max_events must be >= 0");
    if (!(o.min_score >= 0 && o.min_score <= 1)) bad("min_score must be between 0 and 1");
    if (!(o.min_motion_share >= 0 && o.min_motion_share <= 1))
        bad("min_motion_share must be between 0 and 1");
    if (!(o.max_jump_share >= 0 && o.max_jump_share <= 1))
        bad("max_jump_share must be between 0 and 1");
    if (!(o.min_back_share >= 0 && o.min_back_share <= 0.5))
        bad("min_back_share must be between 0 and 0.5");
    if (!(o.min_direction_share >= 0 && o.min_direction_share <= 1))
        bad("min_direction_share must be between 0 and 1");
    if (!(o.max_offset_share >= 0 && o.max_offset_share <= 1))
        bad("max_offset_share must be between 0 and 1");
    if (!(o.max_end_offset >= 0 && o.max_end_offset <= 1))
        bad("max_end_offset must be between 0 and 1");
    state_->opt = o;
}

EventFinder::~EventFinder() = default;
EventFinder::EventFinder(EventFinder&&) noexcept = default;
EventFinder& EventFinder::operator=(EventFinder&&) noexcept = default;

double EventFinder::mean_push_ms() const noexcept {
    return state_->pushes ? state_->push_ms_total / double(state_->pushes) : 0;
}

const std::vector<Event>& EventFinder::proposals() const noexcept {
    return state_->proposals;
}

const std::vector<Restart>& EventFinder::restarts() const noexcept {
    return state_->restarts;
}

bool EventFinder::take_over(EventFinder& next, FrameIndex from) {
    return detail::join_finder_states(state_, next.state_, from);
}

void EventFinder::push(const Frame& frame, const FrameFeatures& features) {
    auto t0 = std::chrono::steady_clock::now();
    state_->push(frame, features);
    state_->push_ms_total +=
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ++state_->pushes;
}

void EventFinder::State::push(const Frame& frame, const FrameFeatures& f) {
    if (frame.proxy_smooth.empty() && frame.proxy_gray.empty()) return;
    last_frame = frame.index;
    // The rate of this frame alone (its interval from the previous one, or its duration).
    double inst = 0;
    if (last_time >= 0 && frame.time_s > last_time)
        inst = std::clamp(1.0 / (frame.time_s - last_time), 1.0, 240.0);
    else if (frame.duration_s > 0)
        inst = std::clamp(1.0 / frame.duration_s, 1.0, 240.0);
    // A slow average of the rate: robust to VFR jitter.
    if (inst > 0) source_fps = last_time >= 0 ? 0.9 * source_fps + 0.1 * inst : inst;
    fps = source_fps / stride;
    last_time = frame.time_s;
    // Normally made by the decoder's conversion, in parallel (FeatureMask::smoothed_proxy).
    cv::Mat cur = frame.proxy_smooth;
    if (cur.empty()) {
        frame.proxy_gray.convertTo(cur, CV_32F);
        cv::GaussianBlur(cur, cur, cv::Size(5, 5), 1.0);
    }
    if (proxy_w != cur.cols || proxy_h != cur.rows) {
        setup(cur);
        reset();
    }

    // A cut, flash or violent change: the reference no longer describes the picture. The
    // grey difference alone decides: the finder sees only grey, so a change of colour that
    // leaves the grey picture alike leaves its reference valid.
    bool jump = f.pixel_diff * 255.f > 10.f;
    // Frame-to-frame translation from the thumbnails' phase correlation, in proxy pixels.
    // The thumbnail is 64x36 whatever the frame's shape: each axis scales on its own.
    float sx = f.shift_dx * float(proxy_w) / float(kThumbWidth),
          sy = f.shift_dy * float(proxy_h) / float(kThumbHeight);
    const float shift = std::hypot(sx, sy);
    const bool restart = jump || shift > 6.f;
    if (restart || !have_ref) {
        if (have_ref) reset();
        ref = cur.clone();  // ref is updated in place; the frame's image is shared
        have_ref = true;
        last_luma = f.luma_mean;
        if (restart) {
            // Decided by this frame and the one before it alone, and everything carried over
            // is in the digest: a finder that started earlier goes on identically from here.
            if (inst > 0) source_fps = inst;
            set_window();
            restarts.push_back({frame.index, Digest()
                                                 .add(proxy_w)
                                                 .add(proxy_h)
                                                 .add(ring_len)
                                                 .add(fps)
                                                 .add(last_time)
                                                 .add(last_luma)
                                                 .value()});
        }
        return;
    }
    // A visible camera move: bring the reference along before measuring, so the block
    // estimates stay within their linear range.
    if (shift > 0.5f) translate(ref, sx, sy);
    if (frame.index % stride != 0) return;  // see measuring_stride
    // Consecutive numbers for the frames measured.
    const FrameIndex step = frame.index / stride;

    // Block-wise Lucas-Kanade with a brightness offset: It = -Ix dx - Iy dy + c.
    const int n_blocks = gw * gh;
    const auto blocks = std::size_t(n_blocks);
    detail::accumulate_block_sums(ref, cur, opt.block_px, gw, gh, block_scratch, acc);
    for (auto* v : {&dx, &dy, &ok, &ux_est, &uy_est, &explained, &amp, &snr, &amp_est})
        v->assign(blocks, 0.f);
    vx.clear();
    vy.clear();
    // Each estimate pools a 2x2 neighbourhood of blocks (overlapping windows of twice the
    // block size): four times the pixels halves the noise, while the smallest gestures of
    // interest (~50 source px) still fill a window.
    // Separably: each block plus its right neighbour, then that plus the same below.
    pooled.resize(acc.size());
    pairs.resize(acc.size());
    const auto sums_of = [&](std::vector<double>& v, int bx, int by) {
        return v.data() + std::size_t(std::min(gh - 1, by) * gw + std::min(gw - 1, bx)) * kSums;
    };
    for (int by = 0; by < gh; ++by)
        for (int bx = 0; bx < gw; ++bx) {
            const double *left = sums_of(acc, bx, by), *right = sums_of(acc, bx + 1, by);
            double* dst = sums_of(pairs, bx, by);
            for (int k = 0; k < kSums; ++k) dst[k] = left[k] + right[k];
        }
    for (int by = 0; by < gh; ++by)
        for (int bx = 0; bx < gw; ++bx) {
            const double *top = sums_of(pairs, bx, by), *bottom = sums_of(pairs, bx, by + 1);
            double* dst = sums_of(pooled, bx, by);
            for (int k = 0; k < kSums; ++k) dst[k] = top[k] + bottom[k];
        }
    for (int b = 0; b < n_blocks; ++b) {
        const double* a = pooled.data() + std::size_t(b) * kSums;
        double n = a[9];
        if (n < 4) continue;
        // Eliminate the offset c (a per-block brightness change), leaving a 2x2 system on
        // the centred gradients.
        double mx = a[3] / n, my = a[4] / n, mt = a[7] / n;
        double gxx = a[0] - n * mx * mx, gxy = a[1] - n * mx * my, gyy = a[2] - n * my * my;
        double bx = a[5] - n * mx * mt, by = a[6] - n * my * mt;
        double tr = gxx + gyy, det = gxx * gyy - gxy * gxy;
        double lmin = 0.5 * (tr - std::sqrt(std::max(0.0, tr * tr - 4 * det)));
        // Too little texture in two directions: the displacement is not measurable here.
        if (lmin / n < 1.0) continue;
        double udx = -(gyy * bx - gxy * by) / det, udy = -(gxx * by - gxy * bx) / det;
        // Tikhonov damping: along a weakly textured direction (an edge) the estimate is mostly
        // noise, so it is shrunk towards zero there instead of amplified.
        gxx += kDamping * n;
        gyy += kDamping * n;
        det = gxx * gyy - gxy * gxy;
        // Model It = -(Ix dx + Iy dy): G d = -b.
        double ddx = -(gyy * bx - gxy * by) / det;
        double ddy = -(gxx * by - gxy * bx) / det;
        dx[std::size_t(b)] = float(ddx);
        // The share of the block's temporal change (about its mean) that the displacement
        // explains, R² of the fit: high for a moving texture, low for what changes in place
        // (an encoder sharpening detail over successive frames, ringing, flicker).
        const double change = a[8] - n * mt * mt;
        // Noise changes every block too, and a displacement explains almost none of it: the
        // share is taken of the change above the block's own noise (its mean change while
        // quiet), or a weak gesture in a noisy shot would look like change in place.
        const double motion = -(udx * bx + udy * by);
        change_now[std::size_t(b)] = float(change / n);
        const float quiet_change = change_noise[std::size_t(b)];
        const double excess =
            std::isnan(quiet_change) ? change : std::max(change - n * quiet_change, motion);
        explained[std::size_t(b)] = excess > 0 ? float(std::clamp(motion / excess, 0.0, 1.0)) : 0.f;
        // The undamped estimate measures amplitude where the texture supports it.
        bool reliable = lmin / n >= 4 * kDamping;
        ux_est[std::size_t(b)] = float(reliable ? udx : ddx);
        uy_est[std::size_t(b)] = float(reliable ? udy : ddy);
        dy[std::size_t(b)] = float(ddy);
        ok[std::size_t(b)] = 1.f;
        vx.push_back(float(ddx));
        vy.push_back(float(ddy));
    }
    bool measurable = vx.size() >= std::size_t(std::max(4, n_blocks / 5));
    float gx = 0, gy = 0;
    if (measurable) {
        gx = float(median_of(vx));
        gy = float(median_of(vy));
        fit_global_motion(gx, gy);
    } else {
        global.assign(blocks * 2, 0.f);
    }
    // The camera's own motion relative to the reference: a moving camera shows parallax that
    // would pass for local motion, so detection waits until it settles.
    bool camera_moving = !measurable || std::hypot(gx, gy) > 0.35f || shift > 0.5f;
    // A fade or a lighting change in progress: the picture is not at rest either.
    bool relighting = last_luma >= 0 && std::abs(f.luma_mean - last_luma) > 0.75f;
    last_luma = f.luma_mean;
    camera_moving = camera_moving || relighting;
    if (camera_moving)
        still_frames = 0;
    else
        ++still_frames;

    // Residual local motion, its noise level, and the active blocks.
    active.create(gh, gw, CV_8U);
    active.setTo(0);
    weak.create(gh, gw, CV_8U);
    weak.setTo(0);
    const int warm = int(std::lround(opt.warmup_s * fps));
    const bool detecting = still_frames >= warm && ring_count >= std::min(ring_len, warm);
    // The noise levels are read only while detecting and change slowly: refreshed when
    // detection starts and every 4th frame after that.
    const bool refresh_noise = detecting && (!was_detecting || step % 4 == 0);
    was_detecting = detecting;
    if (detecting) refresh_noise_levels(refresh_noise);
    if (refresh_noise) refresh_tail_factor();
    ratios.clear();
    for (int b = 0; b < n_blocks; ++b) {
        auto i = std::size_t(b);
        if (ok[i] == 0.f) continue;
        const float rx = dx[i] - global[2 * i], ry = dy[i] - global[2 * i + 1];
        const float ex = ux_est[i] - global[2 * i], ey = uy_est[i] - global[2 * i + 1];
        amp[i] = std::sqrt(rx * rx + ry * ry);
        amp_est[i] = std::sqrt(ex * ex + ey * ey);
        if (std::isnan(noise[i])) continue;  // not measured in this shot yet
        snr[i] = amp[i] / noise[i];
        ratios.push_back(snr[i]);
    }
    // Frames differ in quality (an intra frame after a run of predicted ones, a noisier
    // field): when the whole picture is noisier than usual, so is every block.
    const float frame_noise = std::max(1.f, float(median_of(ratios)));
    // Each block's evidence of motion over the last `window` frames: the sum of its squared
    // residuals in units of its noise level, each frame's term capped so that no single
    // frame (a spike of compression noise) decides alone. Under noise alone the residual
    // is Rayleigh-distributed about its median, so each term is exponential and the sum
    // a gamma variable whose tail gives `threshold` for the false-alarm rate.
    const std::size_t slot = std::size_t(step % window);
    for (int b = 0; b < n_blocks; ++b) {
        auto i = std::size_t(b);
        float z = 0;
        if (ok[i] != 0.f && !std::isnan(noise[i])) {
            snr[i] /= frame_noise;
            const float q = snr[i] / tail_factor;
            z = std::min(q * q, cap);
        }
        float& old = evidence[i * std::size_t(window) + slot];
        level[i] += z - old;
        old = z;
        level[i] = std::max(level[i], 0.f);  // rounding
        if (detecting && calibrated && ok[i] != 0.f && !std::isnan(noise[i]) && amp[i] > 0.02f) {
            if (level[i] > threshold) active.at<std::uint8_t>(b / gw, b % gw) = 1;
            if (level[i] > weak_threshold) weak.at<std::uint8_t>(b / gw, b % gw) = 1;
        }
    }
    // Record residuals after the test, so an event does not raise its own threshold at once.
    const float change_rate = float(std::clamp(1.0 / fps, 0.005, 0.2));
    for (int b = 0; b < n_blocks; ++b) {
        auto i = std::size_t(b);
        bool usable = ok[i] != 0.f && !active.at<std::uint8_t>(b / gw, b % gw);
        if (detecting && usable && !std::isnan(noise[i])) count_null(snr[i]);
        if (usable) {
            float& q = change_noise[i];
            q = std::isnan(q) ? change_now[i] : q + change_rate * (change_now[i] - q);
        }
        std::size_t at = i * std::size_t(ring_len) + std::size_t(ring_pos);
        // Frames where the block had no measurement and no level yet hold NaN.
        const float residual = usable ? amp[i] : noise[i];
        if (ring_count == ring_len) forget(i, ring[at]);
        remember(i, residual);
        ring[at] = residual;
        ring_x[at] = ux_est[i] - global[2 * i];
        ring_y[at] = uy_est[i] - global[2 * i + 1];
    }
    ring_frame[std::size_t(ring_pos)] = frame.index;
    ring_pos = (ring_pos + 1) % ring_len;
    ring_count = std::min(ring_count + 1, ring_len);

    if (detecting) {
        link(amp_est, amp, snr, explained, active, frame, open);
        link(amp_est, amp, snr, explained, weak, frame, open_weak);
    }
    // Events not extended for a few frames are complete.
    const FrameIndex gap = std::max<FrameIndex>(2, FrameIndex(std::lround(0.1 * fps)));
    for (auto* list : {&open, &open_weak})
        for (std::size_t k = 0; k < list->size();) {
            if (frame.index - (*list)[k].last > gap * stride || !detecting) {
                close((*list)[k]);
                list->erase(list->begin() + std::ptrdiff_t(k));
            } else {
                ++k;
            }
        }

    // Follow the picture slowly (and the camera at once).
    const double beta = reference_rate(fps);
    if (std::hypot(gx, gy) > 0.01f) {
        detail::translate_and_blend(ref, moved, gx, gy, cur, float(beta));
        std::swap(ref, moved);
    } else {
        cv::addWeighted(ref, 1 - beta, cur, beta, 0, ref);
    }
}

// Each block's noise level: the median of its recent residuals, raised where their 90th
// percentile says the noise is more heavy-tailed than Gaussian noise's (compression noise
// is), and never far below the shot's typical level (a block's history is short).
void EventFinder::State::refresh_noise_levels(bool all) {
    // The ratio of the 90th percentile to the median of a Rayleigh variable, sqrt(ln 10 / ln 2).
    constexpr float kRayleighTail = 1.8226f;
    if (all) {
        ratios.clear();
        for (std::size_t i = 0; i < history_n.size(); ++i)
            if (const int n = history_n[i]; n > 0)
                ratios.push_back(history[i * std::size_t(ring_len) + std::size_t(n / 2)]);
        shot_noise = float(median_of(ratios));
    }
    for (std::size_t i = 0; i < history_n.size(); ++i) {
        const int n = history_n[i];
        if (n == 0 || !(all || std::isnan(noise[i]))) continue;
        const float* sorted = history.data() + i * std::size_t(ring_len);
        noise[i] = std::max(
            {sorted[n / 2], sorted[n * 9 / 10] / kRayleighTail, 0.25f * shot_noise, 0.004f});
    }
}

// The camera's motion at each block into `global`: the affine motion that fits the blocks'
// displacements best, least squares over the blocks near the median (gx, gy) and then near
// the first fit, so that a hand-held camera's slight rotation and zoom are not taken for
// local motion; the median translation alone where too few blocks agree.
void EventFinder::State::fit_global_motion(float gx, float gy) {
    const int n_blocks = gw * gh;
    global.resize(std::size_t(2 * n_blocks));
    const float half_w = 0.5f * float(proxy_w), half_h = 0.5f * float(proxy_h);
    const auto centre = [&](int b) {  // the pooled window's centre, relative to the picture's
        const int bx = std::min(b % gw + 1, gw), by = std::min(b / gw + 1, gh);
        return cv::Point2f((float(bx * opt.block_px) - half_w) / half_w,
                           (float(by * opt.block_px) - half_h) / half_h);
    };
    for (int b = 0; b < n_blocks; ++b)
        global[std::size_t(2 * b)] = gx, global[std::size_t(2 * b + 1)] = gy;
    for (int pass = 0; pass < 2; ++pass) {
        ratios.clear();
        for (int b = 0; b < n_blocks; ++b)
            if (ok[std::size_t(b)] != 0.f)
                ratios.push_back(std::hypot(dx[std::size_t(b)] - global[std::size_t(2 * b)],
                                            dy[std::size_t(b)] - global[std::size_t(2 * b + 1)]));
        const float limit = std::max(0.02f, 2.5f * float(median_of(ratios)));
        cv::Matx33d m = cv::Matx33d::zeros();
        cv::Vec3d bx_sum(0, 0, 0), by_sum(0, 0, 0);
        int used = 0;
        for (int b = 0; b < n_blocks; ++b) {
            const auto i = std::size_t(b);
            if (ok[i] == 0.f ||
                std::hypot(dx[i] - global[2 * i], dy[i] - global[2 * i + 1]) > limit)
                continue;
            const cv::Point2f c = centre(b);
            const cv::Vec3d v(1, c.x, c.y);
            m += v * v.t();
            bx_sum += v * double(dx[i]);
            by_sum += v * double(dy[i]);
            ++used;
        }
        cv::Vec3d ax, ay;
        if (used < std::max(12, n_blocks / 10) || !cv::solve(m, bx_sum, ax, cv::DECOMP_CHOLESKY) ||
            !cv::solve(m, by_sum, ay, cv::DECOMP_CHOLESKY))
            return;
        for (int b = 0; b < n_blocks; ++b) {
            const cv::Point2f c = centre(b);
            global[std::size_t(2 * b)] = float(ax[0] + ax[1] * c.x + ax[2] * c.y);
            global[std::size_t(2 * b + 1)] = float(ay[0] + ay[1] * c.x + ay[2] * c.y);
        }
    }
}

// The shot's tail factor: the residual ratio that its noise exceeds once in a hundred block
// measurements, over the model's (a Rayleigh variable exceeds sqrt(log2 100) times its
// median as often; rarer quantiles would be raised by the gestures' own edges). Compression noise
// is heavier-tailed than the model, and by how much depends on the encoder and the picture; each
// frame's ratios are divided by the factor.
void EventFinder::State::refresh_tail_factor() {
    constexpr double kRate = 1e-2;
    const double wanted = kRate * null_total;
    if (wanted < 4) return;  // too few samples to read that tail yet
    calibrated = true;
    double above = 0;
    for (int bin = kBins - 1; bin >= 0; --bin) {
        above += null_counts[std::size_t(bin)];
        if (above >= wanted) {
            const float edge = kLowestRatio * std::exp2(float(bin + 1) / kBinsPerOctave);
            tail_factor = std::max(1.f, edge / float(std::sqrt(std::log2(1 / kRate))));
            return;
        }
    }
}

void EventFinder::State::translate(cv::Mat& image, float dx, float dy) {
    detail::translate_bilinear(image, moved, dx, dy);
    std::swap(image, moved);
}

void EventFinder::State::link(const std::vector<float>& amp_est, const std::vector<float>& amp,
                              const std::vector<float>& snr, const std::vector<float>& explained,
                              const cv::Mat& active, const Frame& frame,
                              std::vector<Candidate>& open) {
    if (cv::countNonZero(active) == 0) return;
    // Neighbouring blocks, and blocks one apart, belong to one component.
    cv::Mat grown, labels, stats, centroids;
    cv::dilate(active, grown, cv::Mat::ones(3, 3, CV_8U));
    int n = cv::connectedComponentsWithStats(grown, labels, stats, centroids, 8, CV_32S);
    for (int l = 1; l < n; ++l) {
        // Bounds and strongest block over the truly active blocks of this component.
        int x0 = gw, y0 = gh, x1 = -1, y1 = -1, best = -1;
        float best_amp = 0, best_q = 0;
        double snr_sum = 0, explained_sum = 0;
        for (int y = 0; y < gh; ++y)
            for (int x = 0; x < gw; ++x) {
                if (labels.at<int>(y, x) != l || !active.at<std::uint8_t>(y, x)) continue;
                int b = y * gw + x;
                x0 = std::min(x0, x), y0 = std::min(y0, y);
                x1 = std::max(x1, x), y1 = std::max(y1, y);
                if (amp[std::size_t(b)] > best_amp) {
                    best_amp = amp[std::size_t(b)];
                    best = b;
                }
                best_q = std::max(best_q, snr[std::size_t(b)] / tail_factor);
                snr_sum += snr[std::size_t(b)];
                explained_sum += snr[std::size_t(b)] * explained[std::size_t(b)];
            }
        if (best < 0) continue;
        Candidate* target = nullptr;
        for (auto& c : open)
            if (x0 <= c.x1 + 1 && x1 >= c.x0 - 1 && y0 <= c.y1 + 1 && y1 >= c.y0 - 1) {
                target = &c;
                break;
            }
        if (!target) {
            open.push_back(Candidate{});
            target = &open.back();
            target->first = frame.index;
            target->t_first = frame.time_s;
            target->x0 = x0, target->y0 = y0, target->x1 = x1, target->y1 = y1;
            target->proxy_w = proxy_w, target->proxy_h = proxy_h, target->block = opt.block_px;
            target->frame_dt = 1.0 / fps;
            target->window = window;
            target->stride = stride;
            target->weak = &open == &open_weak;
        }
        auto& c = *target;
        c.x0 = std::min(c.x0, x0), c.y0 = std::min(c.y0, y0);
        c.x1 = std::max(c.x1, x1), c.y1 = std::max(c.y1, y1);
        if (!(c.last == frame.index && c.active_frames > 0)) ++c.active_frames;
        // The evidence that made the block active spans its window, so the gesture's peak
        // may lie in the frames just before this one: read them from the ring.
        double best_est = amp_est[std::size_t(best)];
        for (int k = 1; k < std::min(window, ring_count); ++k) {
            const int slot = (ring_pos - 1 - k + 2 * ring_len) % ring_len;
            const std::size_t at = std::size_t(best) * std::size_t(ring_len) + std::size_t(slot);
            best_est = std::max(best_est, double(std::hypot(ring_x[at], ring_y[at])));
        }
        if (best_est > c.peak_amp) c.peak_block = best;
        c.last = frame.index;
        c.t_last = frame.time_s;
        c.frame_dt = 1.0 / fps;
        c.peak_amp = std::max(c.peak_amp, best_est);
        c.peak_q = std::max(c.peak_q, double(best_q));
        c.snr_sum += snr_sum;
        c.explained_sum += explained_sum;
    }
}

std::vector<Event> EventFinder::finish(const std::vector<Transition>& transitions,
                                       const SourceInfo& source) {
    auto& s = *state_;
    s.close_all();
    const auto& o = s.opt;
    std::vector<Event> events;
    // Candidates that no detection confirms, with their rank (the unclamped score).
    std::vector<std::pair<double, Event>> proposed;
    for (const auto& c : s.closed) {
        // A step, not a motion: the picture changed once and stayed (still pictures whose
        // intra frames redraw them; measured: 0.00 on testvideo's photographs, 0.45 and more
        // for every injected gesture of the dev set and benchmarks/micro_films_eval.sh).
        // (A proposal may swing back less at the proxy's size, where it is at the noise; the
        // check at the source's size applies the test again.)
        if (c.reversal < kMinProposalReversal) continue;
        // A jump, not a motion: the picture changed in one frame (a coding step of a block,
        // an intra frame), and the reference's slow absorption of it drew it out in time.
        // (EventFinderOptions::max_jump_share; measured: 0.15-0.53 for every injected gesture
        // found on the dev set and the films of benchmarks/micro_films_eval.sh, 0.60-0.78 for
        // the steps that made false events there.)
        if (c.jump > o.max_jump_share) continue;
        // A step that the reference absorbs, one-signed over the event's own frames however
        // much it swings back later (measured: 0.16-0.60 for the injected gestures found on
        // the own films, 0.00-0.02 for the coding steps that made false events there). The jump
        // test applies to the proposals too; this one and the blip test below do not: at the
        // 320 px image's noise a faint gesture's share and span are mostly noise (a 0.33 px
        // gesture of seed 42: 0.00 over 3 frames; 0.26-0.22 px ones of seeds 52 and 41: 2
        // frames), and the check at the source's size tests the swing back again. Such a
        // candidate is proposed only where its score would make it an event: on a real 1080p
        // film (scenes1080) the weaker ones added four proposals, all noise, where there was none.
        bool proposal_only = c.back < o.min_back_share;
        // Motion along no one direction: noise, not a patch moving to and fro
        // (EventFinderOptions::min_direction_share).
        if (c.direction < o.min_direction_share) continue;
        if (c.active_frames < 2) continue;  // a blip is noise, not a gesture
        proposal_only = proposal_only || c.active_frames < 3;
        // A block is active while its evidence window holds the motion, so activity lasts
        // window - 1 frames longer than the motion, and is centred that much later.
        const FrameIndex lag = (c.window - 1) / 2;
        double dur = std::max(c.frame_dt, c.t_last - c.t_first + c.frame_dt * (2 - c.window));
        if (dur > o.max_duration_s) continue;
        int gw = std::max(1, c.proxy_w / c.block), gh = std::max(1, c.proxy_h / c.block);
        int bw = c.x1 - c.x0 + 1, bh = c.y1 - c.y0 + 1;
        // Wide-spread activity is a lighting or global change, not a local gesture.
        if (bw * bh > gw * gh / 4) continue;
        double sx = source.width > 0 ? double(source.width) / c.proxy_w : 1.0;
        double sy = source.height > 0 ? double(source.height) / c.proxy_h : 1.0;
        double amp_px = c.peak_amp * 0.5 * (sx + sy);
        if (amp_px > o.max_amplitude_px) continue;
        double guard_frames =
            o.transition_guard_s * c.stride * (c.frame_dt > 0 ? 1.0 / c.frame_dt : 25.0);
        bool near_transition = false;
        for (const auto& t : transitions) {
            double ts = double(t.frames.start) - guard_frames;
            double te = double(std::max(t.frames.end, t.frames.start + 1)) + guard_frames;
            if (double(c.first) < te && double(c.last + c.stride) > ts) near_transition = true;
        }
        if (near_transition) continue;
        // Residual motion that flips every measured frame is the signature of alternating frame
        // types in the encoder (quality pumping); but a gesture near half the measured rate flips
        // as well (10.5 Hz at 50 fps, measured one frame in two), and a brief one's few frames
        // leave its spectrum's peak uncertain. So such a candidate is at most proposed: the check
        // at the source's size measures every frame of it, where the encoder's alternation has no
        // gesture's shape (measured: 2 gestures more on the dev-spec films, no false event on any
        // film of docs/optical-unconscious.md).
        proposal_only = proposal_only || c.freq_hz > 0.46 / c.frame_dt;

        Event e;
        e.frames = {std::max<FrameIndex>(0, c.first - lag * c.stride),
                    c.last + c.stride - lag * c.stride};
        e.start_time_s = std::max(0.0, c.t_first - double(lag) * c.frame_dt);
        e.end_time_s = c.t_last + c.frame_dt * double(1 - lag);
        int x = int(std::floor(c.x0 * c.block * sx)), y = int(std::floor(c.y0 * c.block * sy));
        int w = int(std::ceil(bw * c.block * sx)), h = int(std::ceil(bh * c.block * sy));
        if (source.width > 0) w = std::min(w, source.width - x);
        if (source.height > 0) h = std::min(h, source.height - y);
        e.bbox = {x, y, std::max(1, w), std::max(1, h)};
        e.amplitude_px = amp_px;
        // The spectrum's peak over the frames whose evidence made the event (close()): they
        // begin a window before the first active frame, so even a brief event's series holds a
        // window and more. (Read over the active frames alone, a brief event's series was too short
        // for its peak, and half a period over its duration stood in: 12-15 Hz, whatever the
        // motion. Against the injected gestures' frequencies on the films of
        // docs/optical-unconscious.md: 120 of 126 found within 20 %, before 71.) Half a period
        // over the duration only where the ring holds too few frames for a spectrum.
        e.peak_hz = c.freq_hz > 0 ? c.freq_hz : 0.5 / dur;
        // Slower than the reference follows (its corner frequency, beta * fps / 2 pi: 0.8 Hz
        // from 10 to 250 fps): the picture's slow change that the reference lags behind, the
        // shot's own drift, not a brief motion against a still rest state (measured: 0.66 Hz
        // for a real shot's slow step pair, 0.88 Hz and more for injected gestures found).
        if (e.peak_hz * c.frame_dt < reference_rate(1 / c.frame_dt) / (2 * M_PI)) continue;
        // The score grows with the strongest residual over its noise level (the shot's tail
        // factor taken out) and with the number of active frames: a brief event must stand
        // out further.
        const double rank =
            1.0 - std::exp(-(c.peak_q / kSalientRatio - 1.0) - 0.1 * c.active_frames);
        e.score = std::clamp(rank, 0.0, 1.0);
        // Change a displacement does not explain is not a gesture.
        const double share = c.explained_sum / std::max(c.snr_sum, 1e-12);
        // The picture moved to one side and stayed there for most of the event's frames, not
        // about its rest (EventFinderOptions::max_offset_share). Only a detection stands far
        // enough above its noise for its path to say so: a proposal's is mostly its noise, whose
        // path (the residuals summed) wanders to one side (0.47 for the faint gesture of
        // GestureCheck.FaintGestureMissedAt320PxIsConfirmedAtSourceSize); the check at the
        // source's size judges it.
        // ... or ended away from its rest (EventFinderOptions::max_end_offset): a gesture is
        // brief, its patch comes back; a place redrawn to one side and then held on the other
        // keeps its mean offset small but does not come back. Judged as the offset, on
        // detections only.
        const bool offset = c.offset > o.max_offset_share || c.end_offset > o.max_end_offset;
        if (!proposal_only && !c.weak && !offset && c.reversal >= kMinReversal &&
            amp_px >= o.min_amplitude_px && share >= o.min_motion_share && e.score >= o.min_score)
            events.push_back(e);
        else if (!(offset && !c.weak) && share >= 0.5 * o.min_motion_share &&
                 0.5 * (sx + sy) >= kMinCheckScale && (!proposal_only || rank >= o.min_score))
            proposed.emplace_back(rank, e);
    }
    // A proposal is what the detections did not find: none where an event is, one (the
    // strongest) where several overlap, and only the strongest few.
    std::stable_sort(proposed.begin(), proposed.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    const auto overlap = [](const Event& a, const Event& b) {
        return a.frames.start < b.frames.end && b.frames.start < a.frames.end &&
               (a.bbox & b.bbox).area() > 0;
    };
    s.proposals.clear();
    const double minutes =
        (source.duration_s > 0 ? source.duration_s : double(s.last_frame + 1) / s.source_fps) /
        60.0;
    const std::size_t most =
        std::max(kMaxProposals, std::size_t(std::lround(kProposalsPerMinute * minutes)));
    for (const auto& [rank, p] : proposed) {
        if (s.proposals.size() >= most) break;
        const auto covers = [&](const Event& e) { return overlap(e, p); };
        if (std::none_of(events.begin(), events.end(), covers) &&
            std::none_of(s.proposals.begin(), s.proposals.end(), covers))
            s.proposals.push_back(p);
    }
    std::sort(s.proposals.begin(), s.proposals.end(),
              [](const Event& a, const Event& b) { return a.frames.start < b.frames.start; });
    if (int(events.size()) > o.max_events) {
        std::sort(events.begin(), events.end(),
                  [](const Event& a, const Event& b) { return a.score > b.score; });
        events.resize(std::size_t(o.max_events));
    }
    std::sort(events.begin(), events.end(),
              [](const Event& a, const Event& b) { return a.frames.start < b.frames.start; });
    s.closed.clear();
    return events;
}

}  // namespace kinoglaz
