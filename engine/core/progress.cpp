#include "kinoglaz/core/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>

#include "kinoglaz/core/error.hpp"
#include "kinoglaz/core/text.hpp"

namespace kinoglaz {

std::atomic<bool>& cancel_flag() noexcept {
    static std::atomic<bool> flag{false};
    return flag;
}

void throw_if_cancelled() {
    if (cancel_flag().load(std::memory_order_relaxed))
        throw Error(ErrorKind::cancelled, "interrupted");
}

ProgressBar::ProgressBar(std::string label, std::int64_t total, bool enabled, std::string unit)
    : label_(terminal_safe(label)),
      unit_(std::move(unit)),
      total_(total),
      enabled_(enabled && isatty(STDERR_FILENO)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() {
    // Unwinding (an error, an interruption) leaves the last state as it was, ended by a newline
    // so that the error line stands on its own.
    if (std::uncaught_exceptions() > 0) {
        if (enabled_ && drawn_ && !finished_) std::fputc('\n', stderr);
        finished_ = true;
        return;
    }
    finish();
}

void ProgressBar::update(std::int64_t done) {
    done_ = done;
    if (!enabled_ || finished_) return;
    auto now = std::chrono::steady_clock::now();
    // Redraw at most ~8 times a second: drawing must never slow the pipeline.
    if (drawn_ && now - last_draw_ < std::chrono::milliseconds(125)) return;
    last_draw_ = now;
    draw(done, false);
}

void ProgressBar::draw(std::int64_t done, bool final) {
    drawn_ = true;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = elapsed > 0 ? double(done) / elapsed : 0;
    const std::int64_t total = final ? done : total_;
    char tail[96];
    if (final)
        std::snprintf(tail, sizeof tail, "done in %.1f s", elapsed);
    else if (total > 0 && rate > 0)
        std::snprintf(tail, sizeof tail, "ETA %.0f s", std::max(0.0, double(total - done) / rate));
    else
        std::snprintf(tail, sizeof tail, "ETA ?");
    if (total > 0) {
        const double frac = std::clamp(double(done) / double(total), 0.0, 1.0);
        const int filled = int(frac * 30);
        std::fprintf(stderr, "\r%s [%.*s%*s] %3d%% %lld/%lld %s %.1f/s %s%s%s\033[K",
                     label_.c_str(), filled, "##############################", 30 - filled, "",
                     int(frac * 100), (long long)done, (long long)total, unit_.c_str(), rate, tail,
                     detail_.empty() ? "" : " ", detail_.c_str());
    } else {
        std::fprintf(stderr, "\r%s %lld %s %.1f/s %s%s%s\033[K", label_.c_str(), (long long)done,
                     unit_.c_str(), rate, tail, detail_.empty() ? "" : " ", detail_.c_str());
    }
    if (final) std::fputc('\n', stderr);
    std::fflush(stderr);
}

void ProgressBar::set_detail(const std::string& detail) {
    detail_ = terminal_safe(detail);
}

void ProgressBar::finish() {
    if (finished_) return;
    finished_ = true;
    if (enabled_) draw(done_, true);
}

}  // namespace kinoglaz
