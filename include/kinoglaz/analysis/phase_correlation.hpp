#pragma once
// Phase correlation (Kuglin & Hines 1975) split into its per-image and per-pair halves, so
// that a film's frames are each transformed once rather than twice: cv::phaseCorrelate takes
// two images and runs three DFTs per call, two of which would redo a neighbour's work. The
// transforms are FFmpeg's (libavutil/tx), about twice as fast as cv::dft on a thumbnail.

#include <opencv2/core.hpp>

namespace kinoglaz::detail {

/// The DFT of `gray` (CV_8UC1, width a multiple of 8 and height of 4, as the 64x36 thumbnails)
/// multiplied by a Hann window, which keeps
/// the picture's borders from reading as a strong edge at shift 0. Only the non-redundant half
/// of the spectrum is kept: CV_32FC2, one row per horizontal frequency 0 .. width/2, one
/// column per vertical frequency.
void windowed_spectrum(const cv::Mat& gray, cv::Mat& spectrum);

/// The translation of the picture of spectrum `b` relative to that of `a` (both made by
/// windowed_spectrum at one size), in pixels, sub-pixel by the 5x5 weighted centroid of the
/// correlation peak, with the peak's response (about 1 for a pure translation, near 0 for
/// unrelated pictures) -- cv::phaseCorrelate's conventions.
cv::Point2d phase_correlate_spectra(const cv::Mat& a, const cv::Mat& b, double* response);

}  // namespace kinoglaz::detail
