#pragma once
/// Streaming consumers that can follow a pass split into time segments (SegmentConsumer).
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
#include <typeinfo>
#include <vector>

#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include "kinoglaz/analysis/features.hpp"

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

/// A consumer of the ordered frame stream that a segmented pass (run_segmented_pass) can
/// split in time and join again: the montage collector, the event finder. Each segment gets
/// its own consumers, fed that segment's frames in order from one thread; afterwards the
/// consumer of each segment takes over from the one of the segment before at a restart both
/// saw, so the joined consumer holds exactly what one pass would have given it.
///
/// To write one, derive from Joinable<YourConsumer> (below) rather than from this class.
/// Thread-safety: none; one ordered stage feeds it.
class SegmentConsumer {
  public:
    virtual ~SegmentConsumer() = default;

    /// The next frame, in presentation order.
    virtual void push(const Frame& frame, const FrameFeatures& features) = 0;

    /// The frames at which the consumer rebuilt its state from that frame (and the one
    /// before it) alone, ascending: where a consumer of a later segment may take over. A
    /// segment may stop decoding once each of its consumers has restarted inside the next
    /// segment's range.
    virtual const std::vector<Restart>& restarts() const noexcept = 0;

    /// Joins the consumer of the next segment, `next` (of the same type): keeps this one's data
    /// before its first restart at or after `from` and takes `next`'s from that restart on (or
    /// keeps all of its own where `next` ended before that restart). Returns false when `next`
    /// decoded that frame but did not restart there with the same digest; both consumers are
    /// then unusable. `next` is left empty.
    virtual bool take_over(SegmentConsumer& next, FrameIndex from) = 0;
};

/// The base of a SegmentConsumer joined only with consumers of its own type `Derived`, which
/// provides push() and restarts() (overriding them) and a non-virtual
/// `bool take_over(Derived& next, FrameIndex from)` with the contract of
/// SegmentConsumer::take_over.
template <typename Derived>
class Joinable : public SegmentConsumer {
  public:
    bool take_over(SegmentConsumer& next, FrameIndex from) final {
        // Names Derived's own overload; fails to compile where Derived has none.
        bool (Derived::*typed)(Derived&, FrameIndex) = &Derived::take_over;
        if (typeid(next) != typeid(Derived))
            throw Error(ErrorKind::internal, "segmented pass: consumers of different types joined");
        return (static_cast<Derived&>(*this).*typed)(static_cast<Derived&>(next), from);
    }
};

/// Makes one segment's consumers, in the same order and of the same types at every call.
using ConsumerFactory = std::function<std::vector<std::unique_ptr<SegmentConsumer>>()>;

}  // namespace kinoglaz
