#pragma once
/// Streaming consumers that can follow a pass split into time segments.
///
/// A consumer with running state (a reference image, noise levels, an open colour sum) can
/// still be split if its state is sometimes rebuilt from the current frame alone: a cut resets
/// it. From such a restart on, a segment that started decoding earlier than the single pass
/// would have shows the consumer exactly what the single pass shows it, so a later segment's
/// consumer can take over from the first restart both saw.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "kinoglaz/features.hpp"
#include "kinoglaz/frame.hpp"
#include "kinoglaz/time.hpp"

namespace kinoglaz {

/// A frame at which a consumer rebuilt its state from that frame (and the one before it)
/// alone, decided by a test of those two frames only. `digest` summarises what the consumer
/// carries across the restart (picture size, rate estimates): two runs that restart at the
/// same frame with the same digest go on identically.
struct Restart {
    FrameIndex frame = 0;
    std::uint64_t digest = 0;
};

/// Incremental FNV-1a over the bytes of trivially copyable values, for Restart::digest.
class Digest {
  public:
    template <typename T>
    Digest& add(const T& value) noexcept {
        const auto* p = reinterpret_cast<const unsigned char*>(&value);
        for (std::size_t i = 0; i < sizeof(T); ++i) hash_ = (hash_ ^ p[i]) * 0x100000001b3ULL;
        return *this;
    }
    std::uint64_t value() const noexcept { return hash_; }

  private:
    std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

/// The first restart at or after `frame` in an ascending list, or null.
inline const Restart* first_restart_from(const std::vector<Restart>& restarts,
                                         FrameIndex frame) noexcept {
    auto it = std::lower_bound(restarts.begin(), restarts.end(), frame,
                               [](const Restart& r, FrameIndex f) { return r.frame < f; });
    return it == restarts.end() ? nullptr : &*it;
}

/// The ordered consumers of one segment of a segmented pass (run_segmented_pass): one sink per
/// segment, made by a SinkFactory, fed that segment's frames in order from one thread, and
/// joined afterwards into one sink holding what a single pass would have given.
class SegmentSink {
  public:
    virtual ~SegmentSink() = default;

    /// The next frame of the segment, in presentation order.
    virtual void push(const FramePtr& frame, const FrameFeatures& features) = 0;

    /// Whether every consumer in the sink has restarted at a frame >= `frame`: a segment may
    /// stop there, since the next one can take over at those restarts.
    virtual bool restarted_since(FrameIndex frame) const = 0;

    /// Joins the next segment's sink: for each consumer, keeps this sink's data before its
    /// first restart at or after `from` and takes `next`'s from that restart on (or keeps all
    /// of its own where `next` ended before that restart). Returns false when `next` decoded
    /// that frame but did not restart there with the same digest; both sinks are then unusable.
    /// `next` is left empty.
    virtual bool take_over(SegmentSink& next, FrameIndex from) = 0;
};

/// Makes one empty sink per segment; every sink of one factory has the same dynamic type.
using SinkFactory = std::function<std::unique_ptr<SegmentSink>()>;

}  // namespace kinoglaz
