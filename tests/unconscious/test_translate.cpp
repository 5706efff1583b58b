// The sub-pixel translation EventFinder moves its reference with: exact bilinear weights,
// replicated edges, the same picture as warpAffine up to warpAffine's 1/32-pixel rounding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <tuple>

#include <kinoglaz/unconscious.hpp>

namespace kinoglaz {
namespace {

// dst(x, y) = src(x - dx, y - dy), bilinear, clamped, in double precision.
cv::Mat reference_translation(const cv::Mat& src, double dx, double dy) {
    cv::Mat out(src.size(), CV_32F);
    auto at = [&](int x, int y) {
        return double(
            src.at<float>(std::clamp(y, 0, src.rows - 1), std::clamp(x, 0, src.cols - 1)));
    };
    for (int y = 0; y < src.rows; ++y)
        for (int x = 0; x < src.cols; ++x) {
            const double sx = x - dx, sy = y - dy;
            const int x0 = int(std::floor(sx)), y0 = int(std::floor(sy));
            const double fx = sx - x0, fy = sy - y0;
            out.at<float>(y, x) =
                float((1 - fx) * (1 - fy) * at(x0, y0) + fx * (1 - fy) * at(x0 + 1, y0) +
                      (1 - fx) * fy * at(x0, y0 + 1) + fx * fy * at(x0 + 1, y0 + 1));
        }
    return out;
}

TEST(Translate, MatchesExactBilinearAndWarpAffine) {
    cv::Mat image(90, 160, CV_32F);
    cv::RNG rng(3);
    rng.fill(image, cv::RNG::UNIFORM, 0, 255);
    cv::GaussianBlur(image, image, {0, 0}, 2.0);
    for (const auto& [dx, dy] : std::vector<std::pair<float, float>>{{0.3f, -0.7f},
                                                                     {0.03f, 0.01f},
                                                                     {2.25f, 1.5f},
                                                                     {-5.f, 3.f},
                                                                     {-0.5f, 0.f},
                                                                     {170.f, 0.f},
                                                                     {0.f, -95.5f}}) {
        cv::Mat ours;
        detail::translate_bilinear(image, ours, dx, dy);
        EXPECT_LT(cv::norm(ours, reference_translation(image, dx, dy), cv::NORM_INF), 1e-3)
            << dx << ", " << dy;
        cv::Mat warped;
        const cv::Mat m = (cv::Mat_<double>(2, 3) << 1, 0, dx, 0, 1, dy);
        cv::warpAffine(image, warped, m, image.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
        // warpAffine's weights are rounded to 1/32 pixel: a difference of at most the
        // picture's steepest local step over 1/32 pixel.
        EXPECT_LT(cv::norm(ours, warped, cv::NORM_INF), 1.0) << dx << ", " << dy;
    }
}

// The reference's update in one pass: the translation, then addWeighted with the new frame.
TEST(Translate, BlendedTranslationEqualsTranslationThenAddWeighted) {
    cv::Mat image(45, 80, CV_32F), frame(45, 80, CV_32F);
    cv::RNG rng(5);
    rng.fill(image, cv::RNG::UNIFORM, 0, 255);
    rng.fill(frame, cv::RNG::UNIFORM, 0, 255);
    for (const auto& [dx, dy, beta] : std::vector<std::tuple<float, float, float>>{
             {0.2f, -0.1f, 0.2f}, {-3.5f, 1.25f, 0.04f}, {0.f, 0.f, 0.5f}}) {
        cv::Mat moved, expected, ours;
        detail::translate_bilinear(image, moved, dx, dy);
        cv::addWeighted(moved, 1 - beta, frame, beta, 0, expected);
        detail::translate_and_blend(image, ours, dx, dy, frame, beta);
        EXPECT_LT(cv::norm(ours, expected, cv::NORM_INF), 1e-3) << dx << ", " << dy;
    }
}

TEST(Translate, RefusesInPlaceAndWrongTypes) {
    cv::Mat image(8, 8, CV_32F, cv::Scalar(1));
    EXPECT_ANY_THROW(detail::translate_bilinear(image, image, 0.5f, 0.5f));
    cv::Mat bytes(8, 8, CV_8U), out;
    EXPECT_ANY_THROW(detail::translate_bilinear(bytes, out, 0.5f, 0.5f));
    cv::Mat smaller(4, 8, CV_32F, cv::Scalar(1));
    EXPECT_ANY_THROW(detail::translate_and_blend(image, out, 0.5f, 0.5f, smaller, 0.1f));
}

}  // namespace
}  // namespace kinoglaz
