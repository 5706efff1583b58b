#pragma once
// What the single and the segmented pass both derive from the frames they decoded: the rate
// the detectors count in and the film's exact length.

#include <vector>

#include <kinoglaz/decode.hpp>

namespace kinoglaz::detail {

/// The rate that turns the detectors' durations into frames: the nominal rate (VFR only
/// shifts them a little), else the measured one, else 25.
double detector_fps(const SourceInfo& info);

/// Makes `source`'s frame count, duration and mean rate exact from a whole film's
/// `frame_times` (index = frame, seconds; not empty) and its last frame's duration (the
/// detectors' frame, 1 / `fps`, where the stream gives none).
void count_frames(SourceInfo& source, const std::vector<double>& frame_times, double last_duration,
                  double fps);

}  // namespace kinoglaz::detail
