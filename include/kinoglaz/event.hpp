#pragma once
/// Micro-gestures: small, brief local motions found inside shots.

#include <string>

#include <opencv2/core.hpp>

#include "kinoglaz/time.hpp"

namespace kinoglaz {

/// One micro-gesture event. `bbox` is in display pixels of the source, [x, y, w, h].
struct Event {
    FrameRange frames;
    double start_time_s = 0;
    double end_time_s = 0;
    cv::Rect bbox;
    double amplitude_px = 0;  ///< peak displacement at source resolution, pixels
    double peak_hz = 0;       ///< dominant temporal frequency
    double score = 0;         ///< 0..1, higher is more salient
    std::string clip;         ///< relative path of the rendered reveal, empty if none
};

}  // namespace kinoglaz
