// Flow slow motion: an interpolated frame matches the frame that really lay between, better
// than a cross-fade, including around a moving occluder.
#include <cmath>
#include <cstdio>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "kinoglaz/error.hpp"
#include "kinoglaz/reveal.hpp"
#include "support/synthetic.hpp"

namespace kinoglaz {
namespace {

// Frame t of a scene panning right by 2 px per frame with a square crossing it at 6 px per
// frame (so part of the background is covered and uncovered between frames).
cv::Mat scene_frame(const cv::Mat& scene, double t) {
    cv::Mat m = (cv::Mat_<double>(2, 3) << 1, 0, -40 - 2 * t, 0, 1, -30);
    cv::Mat out;
    cv::warpAffine(scene, out, m, cv::Size(240, 160), cv::INTER_CUBIC, cv::BORDER_REFLECT);
    cv::rectangle(out, cv::Rect2d(40 + 6 * t, 50, 50, 50), cv::Scalar(30, 200, 60), cv::FILLED,
                  cv::LINE_AA);
    return out;
}

TEST(SlowMotion, InterpolatedFrameMatchesTheDroppedOne) {
    auto scene = test::make_scene(11, cv::Size(400, 260));
    FrameInterpolator interp;
    double psnr_flow = 0, psnr_blend = 0;
    for (int t = 0; t < 6; t += 2) {
        cv::Mat a = scene_frame(scene, t), mid = scene_frame(scene, t + 1),
                b = scene_frame(scene, t + 2);
        auto between = interp.between(a, b, 2);
        ASSERT_EQ(between.size(), 1u);
        ASSERT_EQ(between[0].size(), a.size());
        ASSERT_EQ(between[0].type(), a.type());
        cv::Mat fade;
        cv::addWeighted(a, 0.5, b, 0.5, 0, fade);
        psnr_flow += cv::PSNR(between[0], mid) / 3;
        psnr_blend += cv::PSNR(fade, mid) / 3;
    }
    std::printf("  PSNR flow %.1f dB, cross-fade %.1f dB\n", psnr_flow, psnr_blend);
    EXPECT_GT(psnr_flow, 28.0);
    EXPECT_GT(psnr_flow, psnr_blend + 5.0);
}

TEST(SlowMotion, FactorGivesThatManyInBetweensAtExactFractions) {
    auto scene = test::make_scene(5, cv::Size(400, 260));
    FrameInterpolator interp;
    cv::Mat a = scene_frame(scene, 0), b = scene_frame(scene, 4);
    auto frames = interp.between(a, b, 4);
    ASSERT_EQ(frames.size(), 3u);
    // Frame j of 4 is closest to the true picture at t = j.
    for (int j = 1; j < 4; ++j) {
        double best = -1;
        int best_t = -1;
        for (int t = 0; t <= 4; ++t) {
            double p = cv::PSNR(frames[std::size_t(j - 1)], scene_frame(scene, t));
            if (p > best) best = p, best_t = t;
        }
        EXPECT_EQ(best_t, j);
    }
    EXPECT_TRUE(interp.between(a, b, 1).empty());
    EXPECT_THROW(interp.between(a, b, 0), Error);
    EXPECT_THROW(interp.between(a, cv::Mat(10, 10, CV_8UC3), 2), Error);
}

}  // namespace
}  // namespace kinoglaz
