#pragma once
// Synthetic sequences with exact truth (shots, transitions, distractors), and encoding them
// to temporary files through the ffmpeg CLI so that decoding paths get exercised too.

#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace kinoglaz::test {

/// A large textured picture (random blobs and edges) from a seed; crops of it make shots.
cv::Mat make_scene(int seed, cv::Size size);

/// `count` frames looking at `scene` through a window of `size`, whose top-left corner moves
/// from `from` by `step_px` per frame (a pan when non-zero).
std::vector<cv::Mat> make_shot(const cv::Mat& scene, cv::Size size, int count,
                               cv::Point2f from = {0, 0}, cv::Point2f step_px = {0, 0});

/// Linear mix of two frames: alpha * a + (1 - alpha) * b.
cv::Mat mix(const cv::Mat& a, const cv::Mat& b, double alpha);

/// Encodes BGR frames with the ffmpeg CLI. `extra` goes before the output path (codec,
/// pixel format, metadata...). Returns false if ffmpeg failed.
bool encode_video(const std::vector<cv::Mat>& frames, const std::string& path, double fps,
                  const std::string& extra = "-c:v libx264 -pix_fmt yuv420p -preset ultrafast");

}  // namespace kinoglaz::test
