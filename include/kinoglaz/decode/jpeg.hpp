#pragma once
/// Still images through FFmpeg's JPEG encoder and decoder (keyframes, thumbnails, the live
/// view's pictures).

#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace kinoglaz {

/// `bgr` (CV_8UC3, any size) as a baseline JPEG at `quality` 1..100 (the libjpeg scale; 90 by
/// default), 4:2:0 (4:4:4 when a side is odd), JPEG's standard Huffman tables. Throws Error(io)
/// when it cannot be encoded.
std::vector<unsigned char> encode_jpeg(const cv::Mat& bgr, int quality = 90);

/// Writes encode_jpeg(bgr, quality) to PATH. Throws Error(io) naming PATH when it cannot be
/// encoded or written.
void write_jpeg(const std::string& path, const cv::Mat& bgr, int quality = 90);

/// A JPEG picture (any baseline or progressive JFIF) as CV_8UC3 BGR. Throws Error(bad_input)
/// for bytes that are not one.
cv::Mat decode_jpeg(const std::vector<unsigned char>& bytes);

}  // namespace kinoglaz
