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

/// A progress bar on stderr (frames, fps, ETA), drawn only when enabled and stderr is a
/// terminal. Thread-safety: `update` is called from one thread (the ordered stage).
class ProgressBar {
  public:
    ProgressBar(std::string label, std::int64_t total_frames, bool enabled);
    ~ProgressBar();
    void update(std::int64_t frames_done);
    void finish();

  private:
    std::string label_;
    std::int64_t total_;
    bool enabled_;
    std::chrono::steady_clock::time_point start_, last_draw_;
    bool drawn_ = false;
};

}  // namespace kinoglaz
