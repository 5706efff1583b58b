#pragma once
/// A decoded frame as the analysis sees it.

#include <memory>

#include <opencv2/core.hpp>

#include <kinoglaz/core.hpp>

namespace kinoglaz {

/// A picture in the samples its codec stores: 8-bit Y'CbCr 4:2:0 as coded (video range for
/// most films), all planes CV_8UC1; luma at the coded size, each chroma plane half of it
/// (rounded up). Coded orientation and sample shape: no rotation, no aspect scaling.
struct PlanarPicture {
    cv::Mat y, cb, cr;
    bool empty() const noexcept { return y.empty(); }
};

/// One decoded picture, converted for analysis. Immutable once built and shared between
/// pipeline stages as `std::shared_ptr<const Frame>`.
///
/// All images are in display orientation (rotation applied) with square pixels.
struct Frame {
    FrameIndex index = 0;   ///< 0-based, presentation order, global even in range decoding
    Timestamp timestamp;    ///< best-effort presentation timestamp in the stream's time base
    double time_s = 0;      ///< seconds since the stream's first frame
    double duration_s = 0;  ///< the frame's nominal duration (0 when unknown)
    bool corrupt = false;   ///< the decoder flagged this picture as damaged
    bool key = false;       ///< DecodedPicture::key: decoding can start at this picture
    cv::Mat proxy_bgr;      ///< small analysis image, CV_8UC3, longest side ~analysis_size
    cv::Mat proxy_gray;     ///< the same picture's luma plane (Y of Y'CbCr, video range as coded:
                            ///< 16..235 for most films), CV_8UC1
    cv::Mat proxy_smooth;   ///< proxy_gray as CV_32F, at most half the picture's size (area
                            ///< averaged), smoothed by a 5x5 Gaussian (sigma 1): the input of
                            ///< micro-motion analysis; empty unless requested
    cv::Mat detect_bgr;     ///< smaller image the per-frame features are computed on, CV_8UC3,
                            ///< longest side ~detection_size (the same whatever analysis_size)
    cv::Mat detect_gray;    ///< its luma plane, CV_8UC1
    cv::Mat full_bgr;       ///< full display resolution CV_8UC3; empty unless requested
    PlanarPicture full_planes;  ///< the coded samples; empty unless requested (the one field
                                ///< not in display orientation)
};

using FramePtr = std::shared_ptr<const Frame>;

}  // namespace kinoglaz
