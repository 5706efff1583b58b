// Flow slow motion: an interpolated frame matches the frame that really lay between, better
// than a cross-fade, including around a moving occluder, in BGR and in a codec's own 4:2:0
// planes (where an unmoving average is exactly the codec's rounded one); no blend across cuts.
#include <cmath>
#include <cstdio>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include <kinoglaz/core.hpp>
#include <kinoglaz/unconscious.hpp>
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

// A reveal estimates the flows once, on the magnified view, and the original view of the same
// frames takes them: for the same pictures that is the same result as estimating them, and a
// view whose change the flows do not explain (here: nothing moves in it) is blended unmoved.
TEST(SlowMotion, FlowsTakenFromAnotherViewAreTrustedOnlyWhereTheyExplainIt) {
    auto scene = test::make_scene(7, cv::Size(400, 260));
    cv::Mat a = scene_frame(scene, 0), b = scene_frame(scene, 2);
    FrameInterpolator own, taken;
    own.prepare(a, b);
    taken.prepare_like(own, a, b);
    EXPECT_EQ(cv::norm(own.blend(a, b, 0.5), taken.blend(a, b, 0.5), cv::NORM_INF), 0);
    // A still view (a stays a): the flows of the moving one must not move it.
    FrameInterpolator still;
    still.prepare_like(own, a, a);
    EXPECT_LE(cv::norm(still.blend(a, a, 0.5), a, cv::NORM_INF), 1);
    EXPECT_THROW(still.prepare_like(own, cv::Mat(10, 10, CV_8UC3), cv::Mat(10, 10, CV_8UC3)),
                 Error);
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

// The picture as a codec would store it: planar 4:2:0.
PlanarPicture planar(const cv::Mat& bgr) {
    cv::Mat i420;
    cv::cvtColor(bgr, i420, cv::COLOR_BGR2YUV_I420);
    const int w = bgr.cols, h = bgr.rows;
    const cv::Mat flat = i420.reshape(1, 1);
    auto plane = [&](int offset, int pw, int ph) {
        return flat.colRange(offset, offset + pw * ph).reshape(1, ph).clone();
    };
    return {plane(0, w, h), plane(w * h, w / 2, h / 2), plane(w * h + w * h / 4, w / 2, h / 2)};
}

TEST(SlowMotion, PlanarPicturesFollowTheMotionInEveryPlane) {
    auto scene = test::make_scene(11, cv::Size(400, 260));
    FrameInterpolator interp;
    double psnr_y = 0, psnr_c = 0, fade_y = 0;
    for (int t = 0; t < 6; t += 2) {
        PlanarPicture a = planar(scene_frame(scene, t)), mid = planar(scene_frame(scene, t + 1)),
                      b = planar(scene_frame(scene, t + 2));
        interp.prepare(a, b);
        PlanarPicture got = interp.blend(a, b, 0.5);
        ASSERT_EQ(got.y.size(), a.y.size());
        ASSERT_EQ(got.cb.size(), a.cb.size());
        ASSERT_EQ(got.cr.size(), a.cr.size());
        cv::Mat fade;
        cv::addWeighted(a.y, 0.5, b.y, 0.5, 0, fade);
        psnr_y += cv::PSNR(got.y, mid.y) / 3;
        psnr_c += (cv::PSNR(got.cb, mid.cb) + cv::PSNR(got.cr, mid.cr)) / 6;
        fade_y += cv::PSNR(fade, mid.y) / 3;
    }
    std::printf("  PSNR Y %.1f dB (cross-fade %.1f dB), CbCr %.1f dB\n", psnr_y, fade_y, psnr_c);
    EXPECT_GT(psnr_y, 28.0);
    EXPECT_GT(psnr_y, fade_y + 5.0);
    EXPECT_GT(psnr_c, 30.0);
    EXPECT_THROW(interp.prepare(planar(scene_frame(scene, 0)), PlanarPicture{}), Error);
}

TEST(SlowMotion, StillNoisyPicturesGiveTheCodecsRoundedAverage) {
    // A still scene under independent noise in each picture: nothing moves, so the middle
    // picture is the average rounded half up, (p + q + 1) >> 1, as a codec's bidirectional
    // prediction of an unmoving block is - not a resampled or shifted version of it.
    auto scene = test::make_scene(3, cv::Size(320, 240));
    cv::RNG rng(5);
    auto noisy = [&] {
        cv::Mat noise(scene.size(), CV_16SC3), out;
        rng.fill(noise, cv::RNG::NORMAL, 0, 2);
        scene.convertTo(out, CV_16SC3);
        out += noise;
        out.convertTo(out, CV_8UC3);
        return planar(out);
    };
    PlanarPicture a = noisy(), b = noisy();
    FrameInterpolator interp;
    interp.prepare(a, b);
    // The share of samples that are exactly the unmoved blend (1 - t)·p + t·q, rounded half up
    // ((p + q + 1) >> 1 at t = 1/2).
    auto exact_share = [](const cv::Mat& p, const cv::Mat& q, const cv::Mat& r, double t) {
        int same = 0;
        for (int y = 0; y < r.rows; ++y)
            for (int x = 0; x < r.cols; ++x) {
                const double v = (1 - t) * p.at<std::uint8_t>(y, x) + t * q.at<std::uint8_t>(y, x);
                same += r.at<std::uint8_t>(y, x) == int(std::floor(v + 0.5));
            }
        return double(same) / double(r.total());
    };
    for (double t : {0.5, 0.25}) {
        PlanarPicture got = interp.blend(a, b, t);
        const double y = exact_share(a.y, b.y, got.y, t), cb = exact_share(a.cb, b.cb, got.cb, t),
                     cr = exact_share(a.cr, b.cr, got.cr, t);
        std::printf("  t %.2f: exactly the rounded blend: Y %.2f%%, Cb %.2f%%, Cr %.2f%%\n", t,
                    100 * y, 100 * cb, 100 * cr);
        EXPECT_GT(y, 0.99) << "t " << t;
        EXPECT_GT(cb, 0.99) << "t " << t;
        EXPECT_GT(cr, 0.99) << "t " << t;
    }
}

TEST(SlowMotion, NothingIsBlendedAcrossACut) {
    // Two unrelated pictures (a cut): every picture between is the earlier one, shown until
    // the later one's time, never a cross-fade of two shots.
    auto one = test::make_scene(21, cv::Size(320, 240)), other = test::make_scene(22, one.size());
    FrameInterpolator interp;
    for (const cv::Mat& got : interp.between(one, other, 4))
        EXPECT_EQ(cv::norm(got, one, cv::NORM_INF), 0);
    PlanarPicture p = planar(one), q = planar(other);
    interp.prepare(p, q);
    PlanarPicture got = interp.blend(p, q, 0.5);
    EXPECT_EQ(cv::norm(got.y, p.y, cv::NORM_INF), 0);
    EXPECT_EQ(cv::norm(got.cb, p.cb, cv::NORM_INF), 0);
    // The same scene a few pixels on is no cut: the picture between is new.
    cv::Mat moved;
    const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, 3, 0, 1, 2);
    cv::warpAffine(one, moved, shift, one.size(), cv::INTER_LINEAR, cv::BORDER_REFLECT);
    EXPECT_GT(cv::norm(interp.at(one, moved, 0.5), one, cv::NORM_INF), 0);
}

}  // namespace
}  // namespace kinoglaz
