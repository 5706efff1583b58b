#include "kinoglaz/progress.hpp"

#include <unistd.h>

#include <cstdio>

#include "kinoglaz/error.hpp"

namespace kinoglaz {

std::atomic<bool>& cancel_flag() noexcept {
    static std::atomic<bool> flag{false};
    return flag;
}

void throw_if_cancelled() {
    if (cancel_flag().load(std::memory_order_relaxed))
        throw Error(ErrorKind::cancelled, "interrupted");
}

ProgressBar::ProgressBar(std::string label, std::int64_t total_frames, bool enabled)
    : label_(std::move(label)),
      total_(total_frames),
      enabled_(enabled && isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() {
    finish();
}

void ProgressBar::update(std::int64_t done) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    // Redraw at most ~8 times a second: drawing must never slow the pipeline.
    if (drawn_ && now - last_draw_ < std::chrono::milliseconds(125)) return;
    last_draw_ = now;
    drawn_ = true;
    double elapsed = std::chrono::duration<double>(now - start_).count();
    double fps = elapsed > 0 ? double(done) / elapsed : 0;
    if (total_ > 0) {
        double frac = std::min(1.0, double(done) / double(total_));
        int filled = int(frac * 30);
        double eta = fps > 0 ? double(total_ - done) / fps : 0;
        std::fprintf(stderr, "\r%s [%.*s%*s] %3d%% %lld/%lld frames %.0f fps ETA %.0fs ",
                     label_.c_str(), filled, "##############################", 30 - filled, "",
                     int(frac * 100), (long long)done, (long long)total_, fps, eta > 0 ? eta : 0.0);
    } else {
        std::fprintf(stderr, "\r%s %lld frames %.0f fps ", label_.c_str(), (long long)done, fps);
    }
    std::fflush(stderr);
}

void ProgressBar::finish() {
    if (enabled_ && drawn_) {
        std::fprintf(stderr, "\n");
        drawn_ = false;
    }
}

}  // namespace kinoglaz
