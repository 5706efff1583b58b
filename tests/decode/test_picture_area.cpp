// find_picture_area() and DecodeOptions::picture_area on films made at test time: a film
// boxed whole between constant black bars, the same film without them, one whose own shots
// are boxed, and a still whose black edge is not a bar.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>

#include <kinoglaz/decode.hpp>
#include <kinoglaz/export.hpp>
#include "decode/grey_coded.hpp"
#include "support/synthetic.hpp"

using namespace kinoglaz;
using namespace kinoglaz::test;

namespace {

constexpr int kShots = 8, kShotFrames = 12;  // a codec keyframe at each shot (-g 12)
const cv::Size kFrame(256, 192), kPicture(192, 108);
const cv::Point kPictureAt(32, 40);
const std::string kEncode =
    "-c:v libx264 -pix_fmt yuv420p -preset ultrafast -crf 18 -g 12 -sc_threshold 0";

// Eight shots of different textured scenes, each framed as `frame` says.
std::vector<cv::Mat> film(const std::function<cv::Mat(const cv::Mat&, int)>& frame) {
    std::vector<cv::Mat> frames;
    for (int shot = 0; shot < kShots; ++shot) {
        const cv::Mat scene = make_scene(100 + shot, {400, 300});
        for (const cv::Mat& picture : make_shot(scene, kPicture, kShotFrames, {10, 10}, {1, 0}))
            frames.push_back(frame(picture, shot));
    }
    return frames;
}

cv::Mat boxed(const cv::Mat& picture) {
    cv::Mat frame(kFrame, CV_8UC3, cv::Scalar::all(0));
    picture.copyTo(frame(cv::Rect(kPictureAt, kPicture)));
    return frame;
}

}  // namespace

TEST_F(DecoderTest, PictureAreaIsTheFilmBetweenItsBars) {
    const std::string file = path("windowboxed.mp4");
    ASSERT_TRUE(
        encode_video(film([](const cv::Mat& p, int) { return boxed(p); }), file, 25, kEncode));
    const PixelBox area = find_picture_area(file, false);
    EXPECT_EQ(area, (PixelBox{kPictureAt.x, kPictureAt.y, kPicture.width, kPicture.height}));

    // The detection image shows the picture alone, at the detection size, and the film's
    // facts report where it lies.
    DecodeOptions options;
    options.picture_area = area;
    VideoDecoder decoder(file, options);
    EXPECT_EQ(decoder.info().picture_area, area);
    auto picture = decoder.next();
    ASSERT_TRUE(picture);
    const Frame frame = decoder.convert(*picture);
    ASSERT_EQ(frame.detect_gray.size(), cv::Size(160, 90));
    ASSERT_EQ(frame.proxy_gray.size(), cv::Size(256, 192)) << "the proxy stays the whole frame";
    cv::Mat inside;
    cv::resize(frame.proxy_gray(cv::Rect(kPictureAt, kPicture)), inside, {160, 90}, 0, 0,
               cv::INTER_AREA);
    cv::Mat difference;
    cv::absdiff(frame.detect_gray, inside, difference);
    EXPECT_LT(cv::mean(difference)[0], 3.0) << "the detection image is not the picture's";

    // analysis.json keeps it.
    Analysis analysis;
    analysis.source = decoder.info();
    EXPECT_EQ(parse_analysis_json(analysis_json(analysis), "test").source.picture_area, area);
}

TEST_F(DecoderTest, PictureAreaIsEmptyWithoutBars) {
    const std::string file = path("full_frame.mp4");
    ASSERT_TRUE(
        encode_video(film([](const cv::Mat& p, int) { return p.clone(); }), file, 25, kEncode));
    EXPECT_TRUE(find_picture_area(file, false).empty());
    VideoDecoder decoder(file, DecodeOptions{});
    EXPECT_TRUE(decoder.info().picture_area.empty());
}

TEST_F(DecoderTest, PictureAreaKeepsEveryShotWhole) {
    // Every other shot pillarboxed on its own (a portrait shot in a landscape film): the
    // full-frame shots reach the frame's sides, so there is no bar to crop.
    const std::string file = path("boxed_shots.mp4");
    ASSERT_TRUE(encode_video(film([](const cv::Mat& p, int shot) {
                                 if (shot % 2 == 0) return p.clone();
                                 cv::Mat frame(p.size(), CV_8UC3, cv::Scalar::all(0));
                                 const cv::Rect middle(p.cols / 3, 0, p.cols / 3, p.rows);
                                 p(middle).copyTo(frame(middle));
                                 return frame;
                             }),
                             file, 25, kEncode));
    EXPECT_TRUE(find_picture_area(file, false).empty());
}

TEST_F(DecoderTest, PictureAreaNeedsDistinctPicturesToSeeABar) {
    // One still picture whose top is black throughout: seen seven times, it is one witness,
    // and a dark edge of one shot is no film's bar.
    const cv::Mat still = boxed(make_scene(7, {400, 300})(cv::Rect(0, 0, 192, 108)));
    const std::string file = path("still.mp4");
    ASSERT_TRUE(encode_video(std::vector<cv::Mat>(kShots * kShotFrames, still), file, 25, kEncode));
    EXPECT_TRUE(find_picture_area(file, false).empty());
}
