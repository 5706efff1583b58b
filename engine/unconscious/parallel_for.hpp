#pragma once
/// cv::parallel_for_ with the hand-over to OpenCV's worker threads made visible to
/// ThreadSanitizer (see tsan_annotations.hpp): Debian's OpenCV runs the body on oneTBB, which
/// is not instrumented.

#include <opencv2/core/utility.hpp>

#include "kinoglaz/internal/tsan_annotations.hpp"

namespace kinoglaz {

namespace detail {

/// One sync object for every annotated parallel_for: a body acquires it before it touches
/// anything, so no read of the body's own state comes before the acquire.
inline const char parallel_for_sync = 0;

template <class Fn>
class AnnotatedBody final : public cv::ParallelLoopBody {
  public:
    explicit AnnotatedBody(const Fn& fn) : fn_(fn) {}
    void operator()(const cv::Range& range) const override {
        tsan::TaskScope scope(&parallel_for_sync);
        fn_(range);
    }

  private:
    const Fn& fn_;
};

}  // namespace detail

/// Runs `fn(range)` over parts of `range` on OpenCV's threads, as cv::parallel_for_.
template <class Fn>
void parallel_for(const cv::Range& range, const Fn& fn, double nstripes = -1.0) {
    const detail::AnnotatedBody<Fn> body(fn);
    tsan::release(&detail::parallel_for_sync);
    cv::parallel_for_(range, body, nstripes);
    tsan::acquire(&detail::parallel_for_sync);
}

}  // namespace kinoglaz
