#pragma once
// Joining the state of a finder of one segment with the next segment's (SegmentConsumer),
// shared by the gesture and the vibration finders.

#include <algorithm>
#include <memory>

#include <kinoglaz/analysis.hpp>

namespace kinoglaz::detail {

// SegmentConsumer::take_over for a finder whose state is held by `mine`: keeps its findings
// and restarts before its first restart at or after `from` and takes `next`'s from that
// restart on. The restart closed everything opened before it in both finders, so the findings
// part cleanly by their first frame. STATE has `closed` (items with a `first` frame),
// `restarts`, `last_frame`, `push_ms_total` and `pushes`; `next` is left empty.
template <class State>
bool join_finder_states(std::unique_ptr<State>& mine, std::unique_ptr<State>& next,
                        FrameIndex from) {
    State& own = *mine;
    State& theirs = *next;
    const Restart* at = first_restart_from(own.restarts, from);
    // This finder went on to the end of the film, or past all of `next`: nothing to take.
    if (!at || theirs.last_frame < at->frame) {
        next = std::make_unique<State>();
        return true;
    }
    const Restart* same = first_restart_from(theirs.restarts, at->frame);
    if (!same || same->frame != at->frame || same->digest != at->digest) return false;
    const FrameIndex frame = at->frame;
    std::erase_if(own.closed, [&](const auto& c) { return c.first >= frame; });
    for (auto& c : theirs.closed)
        if (c.first >= frame) own.closed.push_back(std::move(c));
    theirs.closed = std::move(own.closed);
    std::erase_if(own.restarts, [&](const Restart& r) { return r.frame >= frame; });
    std::erase_if(theirs.restarts, [&](const Restart& r) { return r.frame < frame; });
    own.restarts.insert(own.restarts.end(), theirs.restarts.begin(), theirs.restarts.end());
    theirs.restarts = std::move(own.restarts);
    theirs.push_ms_total += own.push_ms_total;
    theirs.pushes += own.pushes;
    mine = std::move(next);
    next = std::make_unique<State>();
    return true;
}

}  // namespace kinoglaz::detail
