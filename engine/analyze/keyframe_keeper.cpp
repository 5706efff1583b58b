#include "keyframe_keeper.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <system_error>

#include <kinoglaz/core.hpp>

namespace kinoglaz {

namespace {

// Stretches shorter than this are not analysed: a flash's frame or two between restarts (a
// shot that short falls back to decoding its keyframe again).
constexpr std::int64_t kMinStretchFrames = 3;
// The decoded pictures of the open stretch, together, at most (see held_per_stretch()).
constexpr double kHeldBytes = 40.0 * (1 << 20);
constexpr int kMostHeld = 6;

std::atomic<std::uint64_t> g_serial{0};

std::filesystem::path pass_file(const std::filesystem::path& folder, std::uint64_t serial,
                                FrameIndex frame, const char* extension) {
    return folder / (".pass-" + std::to_string(serial) + "-" + std::to_string(frame) + extension);
}

// A matrix's shape and bytes (8-bit: descriptors and the grey picture).
void write_mat(std::ofstream& out, const cv::Mat& m) {
    const std::int32_t shape[3] = {m.rows, m.cols, m.type()};
    out.write(reinterpret_cast<const char*>(shape), sizeof shape);
    if (m.empty()) return;
    const cv::Mat c = m.isContinuous() ? m : m.clone();
    out.write(reinterpret_cast<const char*>(c.data), std::streamsize(c.total() * c.elemSize()));
}

cv::Mat read_mat(std::ifstream& in) {
    std::int32_t shape[3] = {0, 0, 0};
    in.read(reinterpret_cast<char*>(shape), sizeof shape);
    if (!in || shape[0] <= 0 || shape[1] <= 0) return {};
    cv::Mat m(shape[0], shape[1], shape[2]);
    in.read(reinterpret_cast<char*>(m.data), std::streamsize(m.total() * m.elemSize()));
    return m;
}

// ViewFeatures to and from a file of the keeper's, read back by the same process.
void write_view(const std::filesystem::path& path, const ViewFeatures& v) {
    std::ofstream out(path, std::ios::binary);
    const std::int32_t head[3] = {v.size.width, v.size.height, std::int32_t(v.points.size())};
    out.write(reinterpret_cast<const char*>(head), sizeof head);
    const float active[4] = {v.active.x, v.active.y, v.active.width, v.active.height};
    out.write(reinterpret_cast<const char*>(active), sizeof active);
    out.write(reinterpret_cast<const char*>(v.points.data()),
              std::streamsize(v.points.size() * sizeof(cv::Point2f)));
    write_mat(out, v.descriptors);
    write_mat(out, v.picture);
    if (!out) throw_io(path.string(), "cannot write");
}

ViewFeatures read_view(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    ViewFeatures v;
    std::int32_t head[3] = {0, 0, 0};
    float active[4] = {0, 0, 0, 0};
    in.read(reinterpret_cast<char*>(head), sizeof head);
    in.read(reinterpret_cast<char*>(active), sizeof active);
    v.size = {head[0], head[1]};
    v.active = {active[0], active[1], active[2], active[3]};
    v.points.resize(std::size_t(std::max(0, head[2])));
    in.read(reinterpret_cast<char*>(v.points.data()),
            std::streamsize(v.points.size() * sizeof(cv::Point2f)));
    v.descriptors = read_mat(in);
    v.picture = read_mat(in);
    if (!in) throw_io(path.string(), "cannot read back");
    return v;
}

}  // namespace

int KeyframeKeeper::held_per_stretch(int width, int height) noexcept {
    const double bytes = 1.5 * std::max(1, width) * std::max(1, height);  // 4:2:0
    return std::clamp(int(kHeldBytes / bytes), 1, kMostHeld);
}

KeyframeKeeper::KeyframeKeeper(const MontageCollector& collector,
                               const KeyframeKeeperOptions& options)
    : collector_(&collector), options_(options), serial_(g_serial++) {
    const int workers = options.analyse ? std::clamp(options.workers, 1, 16) : 0;
    for (int w = 0; w < workers; ++w) workers_.emplace_back([this] { work(); });
}

KeyframeKeeper::~KeyframeKeeper() {
    stop_workers();
    for (auto it = results_.begin(); it != results_.end();) drop(it++);
}

double KeyframeKeeper::cost(const Held& h) const {
    // pick_keyframe's measure (build.cpp), against the stretch's mean so far.
    const double n = double(std::max<std::int64_t>(1, stretch_frames_));
    double d = 0;
    for (std::size_t k = 0; k < 12; ++k) d += std::abs(double(h.quad[k]) - quad_sum_[k] / n);
    return d / 12.0 + 200.0 * double(h.motion);
}

void KeyframeKeeper::push(const Frame& frame, const FrameFeatures& features) {
    const FrameIndex f = features.index;
    const auto& restarts = collector_->restarts();
    if (!restarts.empty() && restarts.back().frame == f) {
        restarts_.push_back(restarts.back());
        close_stretch();
    }
    last_frame_ = f;
    const MontageCollector::FrameRecord& record = collector_->at(f);
    if (stretch_frames_ == 0) stretch_start_ = f;
    ++stretch_frames_;
    for (std::size_t k = 0; k < 12; ++k) quad_sum_[k] += record.quad[k];
    Held candidate{f, record.quad, f > stretch_start_ ? record.mc_diff : 0.0f,
                   options_.analyse ? frame.held : nullptr};
    if (held_.size() < std::size_t(std::clamp(options_.held, 1, 16))) {
        held_.push_back(std::move(candidate));
        return;
    }
    // The worst held picture by the mean so far gives way to a better one.
    auto worst = std::max_element(held_.begin(), held_.end(),
                                  [&](const Held& a, const Held& b) { return cost(a) < cost(b); });
    if (cost(candidate) < cost(*worst)) *worst = std::move(candidate);
}

void KeyframeKeeper::close_stretch() {
    std::vector<Held> held = std::move(held_);
    held_.clear();
    const std::int64_t frames = stretch_frames_;
    if (frames >= kMinStretchFrames && !held.empty()) {
        // Ties to the earlier frame, as pick_keyframe's scan.
        std::sort(held.begin(), held.end(),
                  [](const Held& a, const Held& b) { return a.frame < b.frame; });
        const Held* best = &held.front();
        for (const Held& h : held)
            if (cost(h) < cost(*best)) best = &h;
        std::unique_lock lock(mutex_);
        if (!options_.analyse) chosen_.push_back(best->frame);
        // Bounded: the pass waits for a worker rather than holding ever more pictures.
        changed_.wait(lock, [&] {
            return !options_.analyse || stopping_ || error_ || queue_.size() < 2 * workers_.size();
        });
        if (options_.analyse && best->picture && !stopping_ && !error_) {
            queue_.push_back({best->frame, best->picture});
            chosen_.push_back(best->frame);
            changed_.notify_all();
        }
    }
    stretch_frames_ = 0;
    quad_sum_.fill(0);
}

void KeyframeKeeper::work() {
    for (;;) {
        Job job;
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping
            job = std::move(queue_.front());
            queue_.pop_front();
            ++busy_;
            changed_.notify_all();
        }
        KeptKeyframe kept;
        std::exception_ptr error;
        try {
            const cv::Mat bgr = job.picture->full_bgr();
            job.picture.reset();  // the decoder's buffer goes back as soon as it is converted
            kept.scale = estimate_scale(bgr);
            if (options_.views) kept.view = view_features(bgr);
            if (!options_.jpeg_folder.empty()) {
                kept.jpeg = pass_file(options_.jpeg_folder, serial_, job.frame, ".jpg");
                write_jpeg(kept.jpeg.string(), bgr);
                if (options_.views) {
                    kept.view_file = pass_file(options_.jpeg_folder, serial_, job.frame, ".view");
                    write_view(kept.view_file, kept.view);
                    kept.view = {};
                }
            }
        } catch (...) {
            error = std::current_exception();
        }
        std::lock_guard lock(mutex_);
        --busy_;
        if (error && !error_) error_ = error;
        if (!error) results_.insert_or_assign(job.frame, std::move(kept));
        changed_.notify_all();
    }
}

void KeyframeKeeper::wait_idle() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return (queue_.empty() && busy_ == 0) || error_; });
    if (error_) std::rethrow_exception(error_);
}

void KeyframeKeeper::stop_workers() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        queue_.clear();
        changed_.notify_all();
    }
    for (auto& w : workers_)
        if (w.joinable()) w.join();
}

void KeyframeKeeper::drop(std::map<FrameIndex, KeptKeyframe>::iterator it) {
    std::error_code ec;  // a file already gone is no error
    if (!it->second.jpeg.empty()) std::filesystem::remove(it->second.jpeg, ec);
    if (!it->second.view_file.empty()) std::filesystem::remove(it->second.view_file, ec);
    results_.erase(it);
}

bool KeyframeKeeper::take_over(KeyframeKeeper& next, FrameIndex from) {
    wait_idle();
    next.wait_idle();
    const Restart* at = first_restart_from(restarts_, from);
    // This keeper went on to the end of the film, or past all of `next`.
    if (!at || next.last_frame_ < 0 || next.last_frame_ < at->frame) {
        for (auto it = next.results_.begin(); it != next.results_.end();) next.drop(it++);
        next.chosen_.clear();
        next.held_.clear();
        return true;
    }
    const Restart* same = first_restart_from(next.restarts_, at->frame);
    if (!same || same->frame != at->frame || same->digest != at->digest) return false;
    const FrameIndex frame = at->frame;
    // Stretches end at restarts, so the results split there: this keeper's before, the next's
    // from there on (each analysed from the same frames as one pass would have).
    for (auto it = results_.lower_bound(frame); it != results_.end();) drop(it++);
    for (auto it = next.results_.begin(); it != next.results_.end();) {
        if (it->first < frame) {
            next.drop(it++);
        } else {
            results_.insert(next.results_.extract(it++));
        }
    }
    std::erase_if(chosen_, [&](FrameIndex f) { return f >= frame; });
    for (FrameIndex f : next.chosen_)
        if (f >= frame) chosen_.push_back(f);
    next.chosen_.clear();
    std::erase_if(restarts_, [&](const Restart& r) { return r.frame >= frame; });
    for (const auto& r : next.restarts_)
        if (r.frame >= frame) restarts_.push_back(r);
    last_frame_ = next.last_frame_;
    stretch_start_ = next.stretch_start_;
    stretch_frames_ = next.stretch_frames_;
    quad_sum_ = next.quad_sum_;
    held_ = std::move(next.held_);
    next.held_.clear();
    next.last_frame_ = -1;
    return true;
}

void KeyframeKeeper::finish() {
    close_stretch();
}

std::vector<FrameIndex> KeyframeKeeper::frames() const {
    std::lock_guard lock(mutex_);
    return chosen_;
}

std::optional<KeptKeyframe> KeyframeKeeper::take(FrameIndex f) {
    wait_idle();
    std::lock_guard lock(mutex_);
    auto it = results_.find(f);
    if (it == results_.end()) return std::nullopt;
    KeptKeyframe kept = std::move(it->second);
    results_.erase(it);
    if (!kept.view_file.empty()) {
        kept.view = read_view(kept.view_file);
        std::error_code ec;
        std::filesystem::remove(kept.view_file, ec);
        kept.view_file.clear();
    }
    return kept;
}

}  // namespace kinoglaz
