#pragma once
/// Time as values: timestamps in a stream's time base, frame indices in presentation
/// order and half-open frame ranges, following OpenTimelineIO's conventions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kinoglaz {

/// An exact rational number, e.g. a time base (1/90000) or a frame rate (30000/1001).
/// A zero denominator means "unknown"; `to_double()` then returns 0.
struct Rational {
    std::int64_t num = 0;
    std::int64_t den = 1;
    double to_double() const noexcept { return den == 0 ? 0.0 : double(num) / double(den); }
    bool valid() const noexcept { return num != 0 && den != 0; }
    friend bool operator==(const Rational&, const Rational&) = default;
};

/// 0-based frame index in presentation order.
using FrameIndex = std::int64_t;

/// A presentation timestamp in a stream's time base.
struct Timestamp {
    std::int64_t pts = 0;
    Rational time_base{1, 1};
    double seconds() const noexcept { return double(pts) * time_base.to_double(); }
};

/// A half-open range of frames [start, end). A cut is the empty range at the first frame
/// of the incoming shot (start == end).
struct FrameRange {
    FrameIndex start = 0;
    FrameIndex end = 0;
    bool empty() const noexcept { return end <= start; }
    FrameIndex length() const noexcept { return end > start ? end - start : 0; }
    bool contains(FrameIndex f) const noexcept { return f >= start && f < end; }
    friend bool operator==(const FrameRange&, const FrameRange&) = default;
};

/// Formats seconds as "HH:MM:SS.mmm" (negative values are clamped to 0).
std::string format_clock(double seconds);

/// Parses a time argument: plain seconds ("12.5") or "[[HH:]MM:]SS[.mmm]".
/// Returns nullopt for anything else, including negative or non-finite values.
std::optional<double> parse_time(std::string_view text);

/// A point in a film as a user writes it on the command line: seconds ("12.5"),
/// "[[HH:]MM:]SS[.mmm]", SMPTE timecode "HH:MM:SS:FF" (drop-frame "HH:MM:SS;FF"), or a frame
/// number "123f". Frames and timecode count from the first frame (frame 0, 00:00:00:00).
struct TimeSpec {
    enum class Unit { seconds, frame, timecode };
    Unit unit = Unit::seconds;
    double seconds = 0;                  ///< for Unit::seconds
    std::int64_t frame = 0;              ///< for Unit::frame
    int hh = 0, mm = 0, ss = 0, ff = 0;  ///< for Unit::timecode
    bool drop_frame = false;  ///< timecode written with ';' (29.97 and 59.94 drop-frame count)

    /// True when the value depends on the frame rate (frames and timecode).
    bool needs_rate() const noexcept { return unit != Unit::seconds; }
    /// The frame index a timecode or frame number names at `rate` frames per second (nominal;
    /// drop-frame counts 2 numbers a minute at 29.97, 4 at 59.94, except every tenth minute).
    /// nullopt when the frame field is not below the rounded rate, or `rate` is not valid.
    std::optional<FrameIndex> frame_at(Rational rate) const;
    /// Seconds from the first frame. A frame N (or its timecode) becomes half a frame before
    /// frame N's nominal time, so that a range starting or ending there is frame-exact even
    /// when timestamps are rounded. nullopt as frame_at().
    std::optional<double> seconds_at(Rational rate) const;
};

/// Parses a time argument into a TimeSpec; nullopt for anything else (negative, non-finite,
/// malformed, minutes or seconds over 59).
std::optional<TimeSpec> parse_time_spec(std::string_view text);

}  // namespace kinoglaz
