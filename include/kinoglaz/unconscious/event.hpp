#pragma once
/// The optical unconscious's events: micro-gestures (small, brief local motions) and
/// vibrations (regions oscillating for a sustained stretch) found inside shots.

#include <optional>
#include <string>
#include <string_view>

#include <opencv2/core.hpp>

#include <kinoglaz/core.hpp>

namespace kinoglaz {

/// What an Event is: analysis.json's `events[].kind`.
enum class EventKind {
    gesture,    ///< brief, local (EventFinder)
    vibration,  ///< sustained, periodic (VibrationFinder)
};

/// "gesture" / "vibration".
inline const char* event_kind_name(EventKind kind) noexcept {
    return kind == EventKind::vibration ? "vibration" : "gesture";
}

/// The kind named `name` (as event_kind_name() writes it), or nothing.
inline std::optional<EventKind> event_kind_from_string(std::string_view name) noexcept {
    if (name == "gesture") return EventKind::gesture;
    if (name == "vibration") return EventKind::vibration;
    return std::nullopt;
}

/// One event. `bbox` is in display pixels of the source, [x, y, w, h].
struct Event {
    EventKind kind = EventKind::gesture;
    FrameRange frames;
    double start_time_s = 0;
    double end_time_s = 0;
    cv::Rect bbox;
    double amplitude_px = 0;  ///< peak displacement at source resolution, pixels
    double peak_hz = 0;       ///< dominant temporal frequency, Hz of the file's time (of the
                              ///< capture when the analysis was given a capture rate)
    double score = 0;         ///< 0..1, higher is more salient
    std::string clip;         ///< relative path of the rendered reveal, empty if none
};

}  // namespace kinoglaz
