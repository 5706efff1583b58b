#pragma once
/// Still images written with FFmpeg's JPEG encoder (keyframes, thumbnails).

#include <string>

#include <opencv2/core.hpp>

namespace kinoglaz {

/// Writes `bgr` (CV_8UC3, any size) to PATH as a baseline JPEG at `quality` 1..100 (the
/// libjpeg scale; 90 by default). Throws Error(io) naming PATH when it cannot be encoded or
/// written.
void write_jpeg(const std::string& path, const cv::Mat& bgr, int quality = 90);

}  // namespace kinoglaz
