#pragma once
/// Happens-before annotations for ThreadSanitizer where kinoglaz hands work to a scheduler
/// that is not instrumented: Debian builds oneTBB (and OpenCV's parallel_for_ on top of it)
/// without -fsanitize=thread, so TSan cannot see that a pipeline stage, or a parallel_for_
/// body, starts after the work that prepared its input. Each such hand-over is announced on a
/// sync object: the code before it releases, the task body acquires on entry and releases on
/// exit, and the code after it acquires. Accesses of tasks that really overlap in time stay
/// unordered, so TSan still reports races between them. No-ops in other builds.

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

namespace kinoglaz::tsan {

/// Everything this thread did so far happens before a later acquire() on `sync`.
inline void release(const void* sync) noexcept {
#if defined(__SANITIZE_THREAD__)
    __tsan_release(const_cast<void*>(sync));
#else
    (void)sync;
#endif
}

/// Everything done before earlier release()s on `sync` happens before what this thread does next.
inline void acquire(const void* sync) noexcept {
#if defined(__SANITIZE_THREAD__)
    __tsan_acquire(const_cast<void*>(sync));
#else
    (void)sync;
#endif
}

/// A task body run by the uninstrumented scheduler: acquires on entry, releases on exit.
class TaskScope {
  public:
    explicit TaskScope(const void* sync) noexcept : sync_(sync) { acquire(sync_); }
    ~TaskScope() { release(sync_); }
    TaskScope(const TaskScope&) = delete;
    TaskScope& operator=(const TaskScope&) = delete;

  private:
    const void* sync_;
};

}  // namespace kinoglaz::tsan
