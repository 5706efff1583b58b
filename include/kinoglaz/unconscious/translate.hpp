#pragma once
// Sub-pixel translation of float images.

#include <opencv2/core.hpp>

namespace kinoglaz::detail {

/// dst(x, y) = src(x - dx, y - dy) by bilinear interpolation with edges replicated: what
/// cv::warpAffine(src, dst, [1 0 dx; 0 1 dy], INTER_LINEAR, BORDER_REPLICATE) computes, but
/// with exact weights (warpAffine rounds them to 1/32 pixel, too coarse for the residual
/// motions of a few hundredths of a pixel that EventFinder measures) and several times
/// faster on a small picture. `src` is CV_32FC1; `dst` must not be `src`.
void translate_bilinear(const cv::Mat& src, cv::Mat& dst, float dx, float dy);

/// translate_bilinear, then dst = (1 - beta) dst + beta blend_with (an image of src's size and
/// type), in one pass over the pixels: what cv::addWeighted after the translation computes.
void translate_and_blend(const cv::Mat& src, cv::Mat& dst, float dx, float dy,
                         const cv::Mat& blend_with, float beta);

}  // namespace kinoglaz::detail
