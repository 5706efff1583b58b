// grab_frames() and seeking on small films with B-frames made at test time (H.264 with a
// B-pyramid, closed and open GOP; HEVC): every picture sought is the one decoding the whole
// film gives (same index, same pixels), and a seek bounded to one frame delivers that frame
// alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include <kinoglaz/decode.hpp>
#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"
#include "support/run.hpp"

using namespace kinoglaz;
namespace fs = std::filesystem;

namespace {

constexpr int kFrames = 100;
constexpr int kKeyInterval = 40;  // keyframes at 0, 40, 80

struct Film {
    const char* name;
    const char* codec;  // ffmpeg encoding options
};

const Film kFilms[] = {
    {"h264_closed",
     "-c:v libx264 -preset veryfast -x264-params "
     "bframes=3:b-pyramid=normal:keyint=40:min-keyint=40:scenecut=0"},
    {"h264_open",
     "-c:v libx264 -preset veryfast -x264-params "
     "bframes=5:b-pyramid=normal:open-gop=1:keyint=40:min-keyint=40:scenecut=0"},
    {"hevc",
     "-c:v libx265 -preset ultrafast -x265-params "
     "bframes=3:b-pyramid=1:keyint=40:min-keyint=40:scenecut=0:log-level=error"},
};

DecodeOptions full_size() {
    DecodeOptions options;
    options.threads = 2;
    options.analysis_proxy = false;
    options.full_resolution = true;
    return options;
}

bool same_pixels(const cv::Mat& a, const cv::Mat& b) {
    return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

class GrabFrames : public ::testing::TestWithParam<Film> {
  protected:
    void SetUp() override {
        if (!test::have_program("ffmpeg") || !test::have_program("ffprobe"))
            GTEST_SKIP() << "ffmpeg/ffprobe not on PATH";
        dir_ = test::temp_dir(std::string("grab_") + GetParam().name);
        path_ = (dir_ / "film.mp4").string();
        // A moving test pattern: each picture predicts from its neighbours, so a missing or
        // wrong reference would show.
        ASSERT_TRUE(test::ffmpeg("-f lavfi -i testsrc2=size=320x240:rate=25 -frames:v " +
                                 std::to_string(kFrames) + " -pix_fmt yuv420p " + GetParam().codec +
                                 " " + test::shell_quote(path_)));
        ASSERT_NE(test::ffprobe_picture_types(path_).find('B'), std::string::npos)
            << "the test film should have B-frames";
        VideoDecoder decoder(path_, full_size());
        while (auto picture = decoder.next()) all_.push_back(decoder.convert(*picture).full_bgr);
        ASSERT_EQ(all_.size(), std::size_t(kFrames));
    }
    void TearDown() override {
        if (!dir_.empty()) fs::remove_all(dir_);
    }

    // The pictures grab_frames() gives for `targets`, by target.
    std::map<FrameIndex, Frame> grab(const std::vector<FrameIndex>& targets) {
        std::map<FrameIndex, Frame> got;
        grab_frames(path_, targets, full_size(),
                    [&](FrameIndex target, const Frame& frame) { got.emplace(target, frame); });
        return got;
    }

    fs::path dir_;
    std::string path_;
    std::vector<cv::Mat> all_;  // every picture, decoded from the start
};

// Targets walked to from the one before (2 -> 5, 41 -> 44 -> 47), sought from a keyframe
// (33, 78), on one (40, 80), just after it (41, 81), just before one (78: in an open GOP, a
// leading picture of the keyframe at 80, decodable only from the GOP before), and the last.
TEST_P(GrabFrames, GivesThePicturesDecodingTheWholeFilmGives) {
    const std::vector<FrameIndex> targets = {2, 5, 33, 40, 41, 44, 47, 78, 80, 81, 99};
    const auto got = grab(targets);
    ASSERT_EQ(got.size(), targets.size());
    for (const auto& [target, frame] : got) {
        EXPECT_EQ(frame.index, target);
        EXPECT_TRUE(same_pixels(frame.full_bgr, all_[std::size_t(target)]))
            << "frame " << target << " differs from the full decode";
    }
}

// A seek bounded to one frame delivers it and then ends.
TEST_P(GrabFrames, ABoundedSeekDeliversItsFrameAlone) {
    for (const FrameIndex target : {FrameIndex(33), FrameIndex(78)}) {
        VideoDecoder decoder(path_, full_size());
        decoder.seek(target, target + 1);
        auto picture = decoder.next();
        ASSERT_TRUE(picture.has_value()) << "frame " << target;
        EXPECT_EQ(picture->index, target);
        EXPECT_TRUE(same_pixels(decoder.convert(*picture).full_bgr, all_[std::size_t(target)]))
            << "frame " << target;
        EXPECT_FALSE(decoder.next().has_value()) << "a frame after the bound came out";
    }
}

// A FrameGrabber asked one frame at a time without the next (as the keyframe stage's workers
// are): each bounded seek drains the codec, and a near frame asked next must not be walked to
// from there (it once came back empty).
TEST_P(GrabFrames, AGrabberGivesFramesAskedOneAtATime) {
    FrameGrabber grabber(path_, full_size());
    for (const FrameIndex target : {33, 36, 41, 44, 78, 80, 99}) {
        std::optional<Frame> frame = grabber.grab(target);
        ASSERT_TRUE(frame.has_value()) << "frame " << target;
        EXPECT_EQ(frame->index, target);
        EXPECT_TRUE(same_pixels(frame->full_bgr, all_[std::size_t(target)])) << "frame " << target;
    }
    EXPECT_FALSE(grabber.grab(kFrames).has_value()) << "a frame past the end";
}

// Decoding on to a frame ahead in the same group of pictures (64 -> 78; keyframes at 40 and
// 80) gives its picture, and decodes fewer pictures than the frames passed, because those no
// other picture refers to are skipped; and fewer than a seek to it, which starts again at the
// keyframe (40). The keyframe stage walks so between shots of one group of pictures.
TEST_P(GrabFrames, AWalkDecodesOnlyThePicturesTheTargetNeeds) {
    VideoDecoder walker(path_, full_size());
    walker.seek(64);
    std::optional<DecodedPicture> picture = walker.next();
    ASSERT_TRUE(picture.has_value());
    ASSERT_EQ(picture->index, 64);
    const std::int64_t before = walker.pictures_decoded();
    walker.skip_to(78);
    picture = walker.next();
    ASSERT_TRUE(picture.has_value());
    EXPECT_EQ(picture->index, 78);
    EXPECT_TRUE(same_pixels(walker.convert(*picture).full_bgr, all_[78]));
    const std::int64_t walked = walker.pictures_decoded() - before;
    EXPECT_LT(walked, 78 - 64) << "every picture on the way was decoded";

    VideoDecoder seeker(path_, full_size());
    seeker.seek(78);
    picture = seeker.next();
    ASSERT_TRUE(picture.has_value());
    EXPECT_EQ(picture->index, 78);
    EXPECT_LT(walked, seeker.pictures_decoded());
}

// The engine's reads of full-size pictures (keyframes, the gesture check's samples) compute
// no features on them, so they skip the detection image, whose resampling reads the whole
// picture again; the pictures themselves are the same.
TEST_P(GrabFrames, PictureReadsSkipTheDetectionImage) {
    FrameGrabber keyframes(path_, picture_decode_options(1, false));
    std::optional<Frame> frame = keyframes.grab(41);
    ASSERT_TRUE(frame.has_value());
    EXPECT_TRUE(same_pixels(frame->full_bgr, all_[41]));
    EXPECT_TRUE(frame->detect_gray.empty() && frame->detect_bgr.empty());
    FrameGrabber samples(path_, full_frames_decode_options(1, false, true, {}, {}));
    frame = samples.grab(41);
    ASSERT_TRUE(frame.has_value());
    EXPECT_EQ(frame->full_planes.y.size(), all_[41].size());
    EXPECT_TRUE(frame->detect_gray.empty() && frame->detect_bgr.empty());
    // The pass's reads still build it.
    VideoDecoder pass(path_, DecodeOptions{});
    std::optional<DecodedPicture> picture = pass.next();
    ASSERT_TRUE(picture.has_value());
    EXPECT_FALSE(pass.convert(*picture).detect_gray.empty());
}

// seek_start() names the keyframe a seek decodes from: the I-frame before, as ffprobe sees
// the picture types (one every kKeyInterval frames).
TEST_P(GrabFrames, SeekStartIsTheKeyframeBefore) {
    const std::string types = test::ffprobe_picture_types(path_);
    ASSERT_EQ(types.size(), std::size_t(kFrames));
    ASSERT_EQ(std::count(types.begin(), types.end(), 'I'), kFrames / kKeyInterval + 1) << types;
    VideoDecoder decoder(path_, full_size());
    for (FrameIndex target = 0; target < kFrames; ++target)
        EXPECT_EQ(decoder.seek_start(target), FrameIndex(types.find_last_of('I', target)))
            << "frame " << target << " of " << types;
}

INSTANTIATE_TEST_SUITE_P(Films, GrabFrames, ::testing::ValuesIn(kFilms),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
