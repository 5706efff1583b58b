#include "kinoglaz/unconscious/gesture_check.hpp"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

#include <opencv2/imgproc.hpp>

#include <kinoglaz/core.hpp>
#include "gamma_threshold.hpp"
#include "kinoglaz/unconscious/translate.hpp"

namespace kinoglaz {

namespace {

// Frames outside the window that a measure needs: its noise is read off them.
constexpr int kMinQuiet = 12;
// Context of a candidate's window, seconds before and after it (within its shot).
constexpr double kBeforeS = 2.0, kAfterS = 1.0;
// Frames of the reference: the mean of this many frames just before the window.
constexpr int kReferenceFrames = 6;
// The camera moves by more than this (pixels) within the context: cells are measured on the
// frame moved back by the camera's motion, where Lucas-Kanade stays in its linear range.
constexpr double kCameraMovePx = 0.5;
// Least cells outside the box, measurable, that the camera's similarity field is fitted to.
constexpr std::size_t kMinFieldCells = 8;
// Least swing back of a gesture against its strongest displacement (as EventFinder's).
constexpr double kMinReversal = 0.35;
// How far the window's best cell must exceed the largest sum of as many frames outside the
// window of any cell: the proposals are chosen where the 320 px image saw the most change, so
// their window is the noisiest stretch of the same pixels; measured on the films of
// benchmarks/micro_films_eval.sh, noise proposals reach 6.7 times their own cell's largest
// sum outside the window, and, where they pass the other tests, up to 2.6 times the largest of
// any cell (2.97-6.6 for the gestures confirmed).
constexpr double kNullMargin = 2.75;
// Least share of a cell's displacement energy in the window along its main direction: a
// gesture moves its patch to and fro along one line, noise points every way (as the finder's
// EventFinderOptions::min_direction_share, 0.8, lowered to an energy three times that across
// it because the window holds a few frames of noise each side of the gesture). Measured on
// the films of docs/optical-unconscious.md: 0.77-1.00 for the gestures confirmed, 0.71 for a
// noise proposal that passed the other tests.
constexpr double kMinDirection = 0.75;
// Largest share of a cell's displacement energy in the window (about its drift, the line through
// the frames outside the window) that the window's mean displacement may hold: a gesture moves
// its patch to and fro about its rest; a place that the encoder redraws to one side and holds
// there stays off it (as EventFinderOptions::max_offset_share, which judges detections only: at
// the 320 px image's noise a faint candidate's path wanders to one side by itself). Measured on
// the films of docs/optical-unconscious.md: 0.00-0.34 for the 24 gestures confirmed, 0.49 for the
// one noise proposal confirmed before (seed 61).
constexpr double kMaxOffsetShare = 0.4;
// A cell's peak displacement in the window, in units of its noise (the median displacement
// outside the window), that passes by itself, where it is also kPeakMargin times the largest peak
// of any cell outside the window: the capped sums (no one frame decides) cannot tell a brief
// gesture far above a region's noise from the region's few large frames outside the window,
// which reach the cap as well. Measured on the films of docs/optical-unconscious.md: noise
// proposals that pass the other tests reach 13.3 times their noise and 2.4 times the region's
// largest peak outside; the gestures gained 96-229 times and 3.4-7.2 times.
constexpr double kMinPeakSnr = 30;
constexpr double kPeakMargin = 3;
// A bump's mean displacement after the window along its peak, over the peak, at most: back at
// its rest (measured: 0.02-0.04 for the cells of a 1.89 px gesture of 0.7 cycles, d107 frames
// 107-112; a redrawn still stays out, near 1).
constexpr double kMaxBumpRest = 0.25;

double median_of(std::vector<double> v) {
    if (v.empty()) return 0;
    auto mid = v.begin() + std::ptrdiff_t(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
}

// One measuring cell: its window and the reference's gradient sums over it.
struct Cell {
    cv::Rect rect;
    bool inner = false;  // over the candidate's box (else the camera's reference)
    bool ok = false;     // textured in two directions
    double n = 0, mx = 0, my = 0, gxx = 0, gxy = 0, gyy = 0, det = 0;
};

double box_sum(const cv::Mat& integral, const cv::Rect& r) {
    return integral.at<double>(r.y + r.height, r.x + r.width) -
           integral.at<double>(r.y, r.x + r.width) - integral.at<double>(r.y + r.height, r.x) +
           integral.at<double>(r.y, r.x);
}

// Each cell's displacement (x, y interleaved; NaN where not measurable) of `image` against
// the reference whose gradients the cells hold: It = -Ix dx - Iy dy + c, the offset c (a
// brightness change) eliminated. The cells are windows of 2x2 blocks of `cell` pixels on one
// grid (measure_gesture), so the sums of It, Ix It and Iy It are taken once per block, in
// one pass over the pixels (the products in float, the sums in double, as cv::multiply and
// cv::integral took them: the same figures for a fifth of the work).
// Per-block sums of displacements(), kept between frames so that it does not allocate.
struct Scratch {
    std::vector<double> t, x, y;
};

void displacements(const cv::Mat& image, const cv::Mat& reference, const cv::Mat& ix,
                   const cv::Mat& iy, const std::vector<Cell>& cells, int cell, Scratch& scratch,
                   std::vector<double>& out) {
    const int nbx = image.cols / cell, nby = image.rows / cell;
    auto& [st, sx, sy] = scratch;
    st.assign(std::size_t(nbx) * std::size_t(nby), 0.0);
    sx.assign(st.size(), 0.0);
    sy.assign(st.size(), 0.0);
    for (int r = 0; r < nby * cell; ++r) {
        const float* a = image.ptr<float>(r);
        const float* b = reference.ptr<float>(r);
        const float* gx = ix.ptr<float>(r);
        const float* gy = iy.ptr<float>(r);
        const std::size_t row = std::size_t(r / cell) * std::size_t(nbx);
        for (int bx = 0; bx < nbx; ++bx) {
            double t = 0, x = 0, y = 0;
            for (int c = bx * cell; c < (bx + 1) * cell; ++c) {
                const float it = a[c] - b[c];
                t += it;
                x += gx[c] * it;
                y += gy[c] * it;
            }
            st[row + std::size_t(bx)] += t;
            sx[row + std::size_t(bx)] += x;
            sy[row + std::size_t(bx)] += y;
        }
    }
    const auto window = [&](const std::vector<double>& sums, const cv::Rect& rect) {
        const std::size_t i =
            std::size_t(rect.y / cell) * std::size_t(nbx) + std::size_t(rect.x / cell);
        return sums[i] + sums[i + 1] + sums[i + std::size_t(nbx)] + sums[i + std::size_t(nbx) + 1];
    };
    out.assign(2 * cells.size(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t k = 0; k < cells.size(); ++k) {
        const Cell& c = cells[k];
        if (!c.ok) continue;
        const double mt = window(st, c.rect) / c.n;
        const double bx = window(sx, c.rect) - c.n * c.mx * mt;
        const double by = window(sy, c.rect) - c.n * c.my * mt;
        out[2 * k] = -(c.gyy * bx - c.gxy * by) / c.det;
        out[2 * k + 1] = -(c.gxx * by - c.gxy * bx) / c.det;
    }
}

// The camera's displacement: the median of the cells outside the box (of all where fewer than
// four outside are measurable).
cv::Point2d camera_of(const std::vector<Cell>& cells, const std::vector<double>& d) {
    std::vector<double> xs, ys;
    for (int pass = 0; pass < 2 && xs.size() < 4; ++pass) {
        xs.clear(), ys.clear();
        for (std::size_t k = 0; k < cells.size(); ++k)
            if (cells[k].ok && (pass == 1 || !cells[k].inner))
                xs.push_back(d[2 * k]), ys.push_back(d[2 * k + 1]);
    }
    return {median_of(xs), median_of(ys)};
}

// The camera's displacement at each cell: a similarity field (shift, turn and scale) fitted to
// the cells outside the box, where they lie on every side of it. A hand-held camera turns as
// well as shifts, and over a region of a few hundred pixels a slight roll moves its sides
// apart by tenths of a pixel, as much as a faint gesture. The cells far from the field are left
// out of a second fit (as the finder's fit_global_motion). The median displacement everywhere
// where the cells outside are too few, or on one side only (a box at the picture's edge: the
// field would be extrapolated into it).
class CameraField {
  public:
    CameraField(const std::vector<Cell>& cells, cv::Size size, const cv::Rect& box)
        : cells_(cells) {
        const cv::Point2d middle(box.x + 0.5 * box.width, box.y + 0.5 * box.height);
        const double scale = 0.5 * std::max(size.width, size.height);
        bool left = false, right = false, above = false, below = false;
        for (const Cell& c : cells) {
            const cv::Point2d p((c.rect.x + 0.5 * c.rect.width - middle.x) / scale,
                                (c.rect.y + 0.5 * c.rect.height - middle.y) / scale);
            centres_.push_back(p);
            if (!c.ok || c.inner) continue;
            left |= p.x < 0;
            right |= p.x > 0;
            above |= p.y < 0;
            below |= p.y > 0;
        }
        surrounded_ = left && right && above && below;
    }

    // Each cell's camera displacement, for the cells' displacements D (x, y interleaved) whose
    // median outside the box is G.
    void fit(const std::vector<double>& d, cv::Point2d g, std::vector<cv::Point2d>& field) {
        field.assign(cells_.size(), g);
        if (!surrounded_) return;
        const auto off = [&](std::size_t k) {
            return std::hypot(d[2 * k] - field[k].x, d[2 * k + 1] - field[k].y);
        };
        for (int pass = 0; pass < 2; ++pass) {
            distances_.clear();
            for (std::size_t k = 0; k < cells_.size(); ++k)
                if (cells_[k].ok && !cells_[k].inner) distances_.push_back(off(k));
            if (distances_.size() < kMinFieldCells) return;
            const double limit = std::max(0.02, 2.5 * median_of(distances_));
            // dx = tx + a x - b y, dy = ty + b x + a y: normal equations in (tx, ty, a, b).
            cv::Matx44d m = cv::Matx44d::zeros();
            cv::Vec4d rhs(0, 0, 0, 0);
            std::size_t used = 0;
            for (std::size_t k = 0; k < cells_.size(); ++k) {
                if (!cells_[k].ok || cells_[k].inner || off(k) > limit) continue;
                const cv::Point2d c = centres_[k];
                const cv::Vec4d u(1, 0, c.x, -c.y), v(0, 1, c.y, c.x);
                m += u * u.t() + v * v.t();
                rhs += u * d[2 * k] + v * d[2 * k + 1];
                ++used;
            }
            cv::Vec4d t;
            if (used < kMinFieldCells || !cv::solve(m, rhs, t, cv::DECOMP_CHOLESKY)) return;
            for (std::size_t k = 0; k < cells_.size(); ++k) {
                const cv::Point2d c = centres_[k];
                field[k] = {t[0] + t[2] * c.x - t[3] * c.y, t[1] + t[3] * c.x + t[2] * c.y};
            }
        }
    }

  private:
    const std::vector<Cell>& cells_;
    std::vector<cv::Point2d> centres_;  // relative to the box's middle, in half the longer side
    bool surrounded_ = false;
    std::vector<double> distances_;  // scratch
};

// Measures the items handed to it, in order, on a thread of its own, while the caller decodes
// the next frames. At most kMaxWaiting items wait (their crops in memory); the caller waits
// beyond. An exception of the measure is thrown again to the caller (rethrow(), finish()); the
// destructor drops what still waits and stops the thread (after an exception of the caller's).
template <class Item>
class MeasuringThread {
  public:
    explicit MeasuringThread(std::function<void(Item&)> measure)
        : measure_(std::move(measure)), thread_([this] { run(); }) {}
    ~MeasuringThread() { stop(true); }
    MeasuringThread(const MeasuringThread&) = delete;
    MeasuringThread& operator=(const MeasuringThread&) = delete;

    void add(Item& item) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return waiting_.size() < kMaxWaiting || failure_; });
        if (failure_) return;
        waiting_.push_back(&item);
        changed_.notify_all();
    }
    void rethrow() {
        std::lock_guard lock(mutex_);
        if (failure_) std::rethrow_exception(failure_);
    }
    // Returns once every item handed over is measured.
    void finish() {
        stop(false);
        rethrow();
    }

  private:
    static constexpr std::size_t kMaxWaiting = 2;

    void run() {
        std::unique_lock lock(mutex_);
        for (;;) {
            changed_.wait(lock, [&] { return !waiting_.empty() || stopping_; });
            if (waiting_.empty()) return;
            Item* item = waiting_.front();
            lock.unlock();
            std::exception_ptr failure;
            try {
                measure_(*item);
            } catch (...) {
                failure = std::current_exception();
            }
            lock.lock();
            waiting_.pop_front();
            if (failure) failure_ = failure, waiting_.clear();
            changed_.notify_all();
        }
    }
    void stop(bool drop_waiting) {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
            if (drop_waiting) waiting_.clear();
        }
        changed_.notify_all();
        if (thread_.joinable()) thread_.join();
    }

    std::function<void(Item&)> measure_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Item*> waiting_;
    std::exception_ptr failure_;
    bool stopping_ = false;
    std::thread thread_;  // last: started once the members above exist
};

}  // namespace

GestureMeasure measure_gesture(const std::vector<cv::Mat>& crops,
                               const std::vector<bool>& in_window, cv::Rect box, int cell,
                               double false_alarm_rate, const std::vector<bool>& elsewhere) {
    GestureMeasure result;
    const int frames = int(crops.size());
    const int window = int(std::count(in_window.begin(), in_window.end(), true));
    // The frames that tell the region's own noise: neither the window's nor another motion's.
    std::vector<bool> quiet_frame(crops.size());
    for (int k = 0; k < frames; ++k)
        quiet_frame[std::size_t(k)] =
            !in_window[std::size_t(k)] &&
            !(std::size_t(k) < elsewhere.size() && elsewhere[std::size_t(k)]);
    const int quiet_frames = int(std::count(quiet_frame.begin(), quiet_frame.end(), true));
    if (frames == 0 || window == 0 || quiet_frames < kMinQuiet || cell < 2) return result;
    const cv::Size size = crops[0].size();
    box &= cv::Rect({0, 0}, size);
    // The reference: the mean of the frames just before the window (just after it where there
    // are too few), so that it lies close in time and the camera's drift stays small.
    const int first_in =
        int(std::find(in_window.begin(), in_window.end(), true) - in_window.begin());
    const int last_in =
        frames - 1 -
        int(std::find(in_window.rbegin(), in_window.rend(), true) - in_window.rbegin());
    // 8-bit crops are smoothed one frame at a time, when read: a long film's overlapping
    // candidates hold their crops at a quarter of the floating-point size (on the 2-hour 1080p
    // film, one candidate's crops in floating point added ~150 MB at once).
    cv::Mat smoothed;
    const auto frame = [&](int k) -> const cv::Mat& {
        const cv::Mat& crop = crops[std::size_t(k)];
        if (crop.type() == CV_32F) return crop;
        crop.convertTo(smoothed, CV_32F);
        cv::GaussianBlur(smoothed, smoothed, {5, 5}, 1.0);
        return smoothed;
    };
    cv::Mat reference = cv::Mat::zeros(size, CV_32F);
    int used = 0;
    for (int k = first_in - 1; k >= 0 && used < kReferenceFrames; --k)
        if (quiet_frame[std::size_t(k)]) reference += frame(k), ++used;
    for (int k = first_in; k < frames && used < kReferenceFrames; ++k)
        if (quiet_frame[std::size_t(k)]) reference += frame(k), ++used;
    reference /= double(used);
    cv::Mat ix, iy;
    cv::Sobel(reference, ix, CV_32F, 1, 0, 3, 1.0 / 8);
    cv::Sobel(reference, iy, CV_32F, 0, 1, 3, 1.0 / 8);
    cv::Mat int_x, int_y, int_xx, int_xy, int_yy;
    cv::integral(ix, int_x, CV_64F);
    cv::integral(iy, int_y, CV_64F);
    cv::integral(ix.mul(ix), int_xx, CV_64F);
    cv::integral(ix.mul(iy), int_xy, CV_64F);
    cv::integral(iy.mul(iy), int_yy, CV_64F);
    // Windows of two strides, one stride apart, as the finder pools its blocks.
    std::vector<Cell> cells;
    for (int y = 0; y + 2 * cell <= size.height; y += cell)
        for (int x = 0; x + 2 * cell <= size.width; x += cell) {
            Cell c;
            c.rect = {x, y, 2 * cell, 2 * cell};
            c.inner = (c.rect & box).area() * 2 >= c.rect.area() ||
                      (c.rect & box).area() * 2 >= box.area();
            if ((c.rect & box).area() > 0 && !c.inner) continue;  // neither in nor out
            c.n = double(c.rect.area());
            c.mx = box_sum(int_x, c.rect) / c.n;
            c.my = box_sum(int_y, c.rect) / c.n;
            c.gxx = box_sum(int_xx, c.rect) - c.n * c.mx * c.mx;
            c.gxy = box_sum(int_xy, c.rect) - c.n * c.mx * c.my;
            c.gyy = box_sum(int_yy, c.rect) - c.n * c.my * c.my;
            const double tr = c.gxx + c.gyy;
            c.det = c.gxx * c.gyy - c.gxy * c.gxy;
            const double lmin = 0.5 * (tr - std::sqrt(std::max(0.0, tr * tr - 4 * c.det)));
            // Too little texture in two directions: not measurable (as in the finder).
            c.ok = lmin / c.n >= 1.0;
            cells.push_back(c);
        }
    // Each inner cell's displacement relative to the camera's, per frame.
    std::vector<std::vector<cv::Point2d>> residual(cells.size(),
                                                   std::vector<cv::Point2d>(std::size_t(frames)));
    // Each frame's displacements as measured (kept: where the camera stays still they are the
    // ones the test reads).
    std::vector<std::vector<double>> measured(static_cast<std::size_t>(frames));
    Scratch scratch;
    std::vector<cv::Point2d> camera(static_cast<std::size_t>(frames));
    for (int k = 0; k < frames; ++k) {
        displacements(frame(k), reference, ix, iy, cells, cell, scratch, measured[std::size_t(k)]);
        camera[std::size_t(k)] = camera_of(cells, measured[std::size_t(k)]);
    }
    double wander = 0;
    for (const auto& g : camera) wander = std::max(wander, std::hypot(g.x, g.y));
    cv::Mat moved;
    CameraField camera_field(cells, size, box);
    std::vector<cv::Point2d> field;
    for (int k = 0; k < frames; ++k) {
        cv::Point2d g = camera[std::size_t(k)];
        std::vector<double>& d = measured[std::size_t(k)];
        if (wander > kCameraMovePx) {
            // Move the frame back by the camera's motion, twice refined, and measure what
            // remains: sub-pixel, where the linear estimate holds. translate_bilinear rather
            // than cv::warpAffine: exact weights, and a fifth of the time on these crops.
            cv::Point2d total(0, 0);
            const cv::Mat& picture = frame(k);
            for (int pass = 0; pass < 3; ++pass) {
                total += g;
                detail::translate_bilinear(picture, moved, float(-total.x), float(-total.y));
                displacements(moved, reference, ix, iy, cells, cell, scratch, d);
                g = camera_of(cells, d);
            }
            // A camera that wanders turns as well. A still one keeps the median: a field fitted
            // there has only its own noise to take out (docs/optical-unconscious.md, "Hand-held
            // films").
            camera_field.fit(d, g, field);
        } else {
            field.assign(cells.size(), g);
        }
        for (std::size_t c = 0; c < cells.size(); ++c)
            residual[c][std::size_t(k)] = {d[2 * c] - field[c].x, d[2 * c + 1] - field[c].y};
    }

    int inner_cells = 0;
    for (const Cell& c : cells) inner_cells += c.inner && c.ok;
    if (inner_cells == 0) return result;
    const double threshold =
        detail::gamma_threshold(window, false_alarm_rate / double(inner_cells));
    const double cap = 0.75 * threshold;
    // Each inner cell that swings back: its window's sum, that sum over the model's threshold
    // (the cell's own tail taken out), its peak displacement.
    struct CellResult {
        double sum, model_ratio, amplitude_px;
        cv::Rect rect;
        double direction;
        double peak_snr;  // the window's largest displacement over the cell's noise
        bool bump;        // no swing back: judged by its peak alone
    };
    std::vector<CellResult> found;
    double global_out = 0, peak_out = 0;
    for (std::size_t c = 0; c < cells.size(); ++c) {
        if (!cells[c].inner || !cells[c].ok) continue;
        auto& r = residual[c];
        // The cell's slow drift (the scene settling, the reference's own age): a line fitted
        // through the frames outside the window.
        double st = 0, stt = 0, sn = 0;
        cv::Point2d sv(0, 0), stv(0, 0);
        for (int k = 0; k < frames; ++k)
            if (quiet_frame[std::size_t(k)]) {
                sn += 1, st += k, stt += double(k) * k;
                sv += r[std::size_t(k)], stv += double(k) * r[std::size_t(k)];
            }
        const double den = sn * stt - st * st;
        const cv::Point2d slope = den > 0 ? (sn * stv - st * sv) / den : cv::Point2d(0, 0);
        const cv::Point2d offset = (sv - slope * st) / sn;
        std::vector<double> energy(static_cast<std::size_t>(frames)), quiet;
        double mxx = 0, mxy = 0, myy = 0;
        cv::Point2d window_sum(0, 0);
        for (int k = 0; k < frames; ++k) {
            const cv::Point2d v = r[std::size_t(k)] - (offset + slope * double(k));
            energy[std::size_t(k)] = v.dot(v);
            if (in_window[std::size_t(k)])
                mxx += v.x * v.x, mxy += v.x * v.y, myy += v.y * v.y, window_sum += v;
            else if (quiet_frame[std::size_t(k)])
                quiet.push_back(energy[std::size_t(k)]);
        }
        const double level = median_of(quiet);
        if (!(level > 0)) continue;
        peak_out =
            std::max(peak_out, std::sqrt(*std::max_element(quiet.begin(), quiet.end()) / level));
        std::vector<double> z(static_cast<std::size_t>(frames));
        for (int k = 0; k < frames; ++k)
            z[std::size_t(k)] = std::min(energy[std::size_t(k)] / level, cap);
        // The window's sum, and the largest sum of as many consecutive frames outside it.
        double in = 0, largest_out = 0;
        int stretches = 0;
        for (int k = 0; k < frames; ++k) in += in_window[std::size_t(k)] ? z[std::size_t(k)] : 0.0;
        for (int k = 0; k + window <= frames; ++k) {
            bool outside = true;
            double sum = 0;
            for (int j = k; j < k + window && outside; ++j) {
                outside = quiet_frame[std::size_t(j)];
                sum += z[std::size_t(j)];
            }
            if (!outside) continue;
            largest_out = std::max(largest_out, sum);
            ++stretches;
        }
        // How far the noise outside the window reaches beyond the model's: its largest sum
        // against the sum Gaussian noise exceeds once in as many independent stretches.
        const double independent = std::max(1.0, double(stretches) / window);
        const double tail =
            stretches > 0
                ? std::max(1.0, largest_out / detail::gamma_threshold(window, 0.5 / independent))
                : 1.0;
        global_out = std::max(global_out, largest_out);
        // A gesture goes and comes back (as in the finder): against the frames before the
        // window, its displacement swings both ways about its strongest one; a step (a still
        // picture redrawn by an intra frame) stays on one side.
        cv::Point2d before(0, 0), peak(0, 0);
        int n_before = 0;
        for (int k = 0; k < first_in; ++k)
            if (quiet_frame[std::size_t(k)]) before += r[std::size_t(k)], ++n_before;
        if (n_before > 0) before /= double(n_before);
        for (int k = 0; k < frames; ++k)
            if (in_window[std::size_t(k)]) {
                const cv::Point2d v = r[std::size_t(k)] - before;
                if (v.dot(v) > peak.dot(peak)) peak = v;
            }
        double back = 0;
        const double norm = std::sqrt(peak.dot(peak));
        for (int k = 0; k < frames; ++k)
            if (in_window[std::size_t(k)])
                back =
                    std::max(back, -(r[std::size_t(k)] - before).dot(peak) / std::max(norm, 1e-9));
        if (norm <= 0) continue;
        double peak_energy = 0;
        for (int k = 0; k < frames; ++k)
            if (in_window[std::size_t(k)])
                peak_energy = std::max(peak_energy, energy[std::size_t(k)]);
        // Without the swing back, a bump: out and back to its rest, which only the peak test
        // may pass (a still picture redrawn by an intra frame steps aside and stays there).
        const bool bump = back < kMinReversal * norm;
        if (bump) {
            double rest_after = 0;
            int n_after = 0;
            for (int k = last_in + 1; k < frames; ++k)
                if (quiet_frame[std::size_t(k)])
                    rest_after += (r[std::size_t(k)] - before).dot(peak), ++n_after;
            if (n_after == 0 || rest_after / (n_after * norm * norm) > kMaxBumpRest) continue;
        }
        // Along one line (the larger eigenvalue of the window's second moments over their trace).
        const double tr = mxx + myy;
        const double direction =
            tr > 0 ? 0.5 + 0.5 * std::sqrt((mxx - myy) * (mxx - myy) + 4 * mxy * mxy) / tr : 0.5;
        if (direction < kMinDirection) continue;
        // About its rest, not held to one side.
        if (tr > 0 && window_sum.dot(window_sum) / (double(window) * tr) > kMaxOffsetShare)
            continue;
        found.push_back({in, in / (tail * threshold), std::sqrt(peak_energy), cells[c].rect,
                         direction, std::sqrt(peak_energy / level), bump});
    }
    // The window's best cell against the largest sum of any cell outside the window: the
    // best of many cells is compared with the worst of their noise; or its peak against theirs.
    for (const CellResult& f : found) {
        const double by_peak = f.peak_snr / std::max(kMinPeakSnr, kPeakMargin * peak_out);
        const double ratio =
            f.bump ? by_peak
                   : std::max(
                         std::min(f.model_ratio, f.sum / std::max(kNullMargin * global_out, 1e-12)),
                         by_peak);
        if (ratio > result.ratio) {
            result.ratio = ratio;
            result.cell = f.rect;
            result.amplitude_px = f.amplitude_px;
            result.direction = f.direction;
        }
    }
    result.passed = result.ratio > 1;
    return result;
}

std::vector<Event> check_gestures(const std::string& input, const std::vector<Event>& proposals,
                                  const std::vector<Event>& detected,
                                  const std::vector<Transition>& transitions,
                                  const SourceInfo& source, const GestureCheckOptions& options,
                                  GestureCheckStats* stats) {
    GestureCheckStats counted;
    std::vector<Event> confirmed;
    if (proposals.empty() || source.width <= 0 || source.height <= 0 || source.fps <= 0 ||
        source.rotation_deg != 0 || source.sample_aspect.num != source.sample_aspect.den)
        return confirmed;
    const double fps = source.fps;
    // Cells of about the proxy's blocks at the source's size.
    const int cell =
        std::clamp(int(std::lround(std::max(source.width, source.height) / 40.0)), 8, 48);
    // Each proposal's frames and region; one decoding for all, in frame order, each measured
    // (and its crops let go) as soon as its last frame is in.
    struct Plan {
        const Event* proposal = nullptr;
        FrameIndex lo = 0, hi = 0, w0 = 0, w1 = 0, pad = 0;
        cv::Rect region;
        std::vector<cv::Mat> crops;  // the source's luma in `region`, CV_8U
        std::vector<bool> in_window, elsewhere;
        bool done = false;
    };
    std::vector<Plan> plans;
    std::vector<FrameIndex> wanted;
    for (const Event& p : proposals) {
        // The context: within the shot, up to kBeforeS before and kAfterS after the window.
        FrameIndex lo =
            std::max<FrameIndex>(0, p.frames.start - FrameIndex(std::lround(kBeforeS * fps)));
        FrameIndex hi = p.frames.end + FrameIndex(std::lround(kAfterS * fps));
        if (source.frame_count > 0) hi = std::min<FrameIndex>(hi, source.frame_count);
        for (const Transition& t : transitions) {
            if (t.frames.end <= p.frames.start) lo = std::max(lo, t.frames.end + 1);
            if (t.frames.start >= p.frames.end) hi = std::min(hi, t.frames.start);
        }
        // The window, widened by a few frames: the detection's span is where the motion was
        // strongest, and it fades in and out around it.
        const FrameIndex pad = std::max<FrameIndex>(2, FrameIndex(std::lround(0.08 * fps)));
        const FrameIndex w0 = std::max(lo, p.frames.start - pad);
        const FrameIndex w1 = std::min(hi, p.frames.end + pad);
        if (w1 <= w0 || hi - lo - (w1 - w0) < kMinQuiet) continue;
        // The margin holds the camera's reference cells; half the box's side, at most two
        // cells more, so that a large box (the check's cost grows with its region's area)
        // does not bring in most of the picture.
        const int margin = std::min(std::max(p.bbox.width, p.bbox.height) / 2, 2 * cell) + 2 * cell;
        Plan plan;
        plan.proposal = &p;
        plan.lo = lo, plan.hi = hi, plan.w0 = w0, plan.w1 = w1, plan.pad = pad;
        plan.region = cv::Rect(p.bbox.x - margin, p.bbox.y - margin, p.bbox.width + 2 * margin,
                               p.bbox.height + 2 * margin) &
                      cv::Rect(0, 0, source.width, source.height);
        for (FrameIndex f = lo; f < hi; ++f) wanted.push_back(f);
        plans.push_back(std::move(plan));
    }
    const auto measure = [&](Plan& plan) {
        ++counted.measured;
        const GestureMeasure m =
            measure_gesture(plan.crops, plan.in_window, plan.proposal->bbox - plan.region.tl(),
                            cell, options.false_alarm_rate, plan.elsewhere);
        plan.crops.clear();
        if (!m.passed) return;
        Event e = *plan.proposal;
        e.amplitude_px = m.amplitude_px;
        // Where the source's pixels moved: the best cell's window and a cell around it, within
        // the proposal's box (the 320 px stage's box of a faint candidate spreads over the
        // blocks its noise reached: up to 320x256 px around a 93 px gesture at 1280x720).
        const cv::Rect moved(m.cell.x - cell + plan.region.x, m.cell.y - cell + plan.region.y,
                             m.cell.width + 2 * cell, m.cell.height + 2 * cell);
        if (!(moved & e.bbox).empty()) e.bbox &= moved;
        e.score = std::clamp(1.0 - 0.3 / m.ratio, 0.7, 1.0);
        confirmed.push_back(e);
    };
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    counted.frames_wanted = wanted.size();
    counted.decodings = wanted.empty() ? 0 : 1;
    bool usable = true;
    // The frames are decoded on frame threads, one per core, and each complete plan is
    // measured on a thread of its own meanwhile (MeasuringThread), sharing the cores. Decoding
    // at the source's size is most of the check: on one thread fewer than the cores (2 cores:
    // one) it left a core idle, and the check of a 45 Mbit/s 1080p film took 9.1 s of wall time
    // for 9.4 s of CPU; on two, 5.1 s for 9.3 s (benchmarks/README.md, "The check's decoding").
    const int cores = options.threads > 0 ? options.threads
                                          : int(std::max(1u, std::thread::hardware_concurrency()));
    const DecodeOptions decode =
        full_frames_decode_options(cores, options.allow_network, true, {}, {});
    // A long film's proposals take minutes to decode: the bar says so, and Ctrl-C stops it.
    ProgressBar bar("gestures", std::int64_t(wanted.size()), options.progress && !wanted.empty());
    {
        MeasuringThread<Plan> measuring(measure);
        grab_frames(input, wanted, decode, [&](FrameIndex index, const Frame& frame) {
            throw_if_cancelled();
            measuring.rethrow();
            ++counted.frames_decoded;
            bar.update(std::int64_t(counted.frames_decoded));
            const cv::Mat& y = frame.full_planes.y;
            if (y.cols != source.width || y.rows != source.height || y.type() != CV_8UC1)
                usable = false;
            if (!usable) return;
            for (Plan& plan : plans) {
                if (plan.done || index < plan.lo || index >= plan.hi) continue;
                plan.crops.push_back(y(plan.region).clone());
                plan.in_window.push_back(index >= plan.w0 && index < plan.w1);
                plan.elsewhere.push_back(
                    std::any_of(detected.begin(), detected.end(), [&](const Event& e) {
                        return e.kind == EventKind::gesture && index >= e.frames.start - plan.pad &&
                               index < e.frames.end + plan.pad && !(e.bbox & plan.region).empty();
                    }));
                if (index + 1 == plan.hi) {
                    plan.done = true;
                    measuring.add(plan);
                }
            }
        });
        measuring.finish();
    }
    bar.finish();
    if (stats) *stats = counted;
    if (!usable) return {};
    for (Plan& plan : plans)  // the film ended early
        if (!plan.done) measure(plan);
    if (stats) stats->measured = counted.measured;
    std::sort(confirmed.begin(), confirmed.end(),
              [](const Event& a, const Event& b) { return a.frames.start < b.frames.start; });
    return confirmed;
}

}  // namespace kinoglaz
