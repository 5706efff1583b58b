#pragma once
/// Progress reporting and cooperative cancellation.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace kinoglaz {

/// Process-wide cancellation flag, set by the CLI's SIGINT/SIGTERM handler and polled by
/// the pipeline and by FFmpeg's interrupt callback. Lock-free; safe from a signal handler.
std::atomic<bool>& cancel_flag() noexcept;

/// Throws Error(cancelled) if cancellation was requested.
void throw_if_cancelled();

/// A progress bar on stderr (units done, rate, ETA), drawn only when enabled and stderr is a
/// terminal. Each stage of a command has its own bar, on its own line: the ETA is the stage's
/// remaining units at the stage's own rate so far. finish() (or the destructor) draws the
/// stage's final state — everything done and how long it took — so no bar is left standing
/// at "98 %". Thread-safety: one thread calls update() and finish().
class ProgressBar {
  public:
    /// `total` units of work (0 when unknown: no percentage, no ETA); `unit` names them in
    /// the plural ("frames", "shots").
    ProgressBar(std::string label, std::int64_t total, bool enabled, std::string unit = "frames");
    ~ProgressBar();
    /// Redraws at most ~8 times a second; `done` may exceed `total` (a container's count
    /// that was short) and is then shown as it is.
    void update(std::int64_t done);
    /// Draws the final line once (all `done` units, the time taken) and ends it.
    void finish();
    /// Text drawn after the bar's own figures, on every redraw and on the final line (e.g.
    /// where the time went, phase by phase); empty: none. Control characters are replaced.
    void set_detail(const std::string& detail);

  private:
    void draw(std::int64_t done, bool final);

    std::string label_, unit_, detail_;
    std::int64_t total_;
    bool enabled_;
    std::chrono::steady_clock::time_point start_, last_draw_;
    std::int64_t done_ = 0;
    bool drawn_ = false, finished_ = false;
};

}  // namespace kinoglaz
