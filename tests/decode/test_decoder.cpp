// VideoDecoder and run_pipeline on small videos made at test time with the ffmpeg CLI, each
// built to exercise one decoding path (frame rates, B-frames, VFR, rotation, start offsets,
// non-square pixels, range decoding). Expected values come from how the file was built and,
// where FFmpeg itself is the reference (times, rotation), from ffprobe / ffmpeg.
#include <fstream>
#include <iterator>
#include <tuple>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>

#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include <kinoglaz/pipeline.hpp>
#include "decode/grey_coded.hpp"
#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"
#include "support/run.hpp"
#include "support/synthetic.hpp"

using namespace kinoglaz;
using namespace kinoglaz::test;
namespace fs = std::filesystem;

namespace {

void expect_times_match_ffprobe(const std::string& file, const std::vector<double>& times) {
    auto reference = test::ffprobe_frame_times(file);
    ASSERT_EQ(times.size(), reference.size()) << file;
    for (std::size_t i = 0; i < times.size(); ++i)
        if (std::isfinite(reference[i])) {  // NaN: ffprobe could not time this frame
            EXPECT_NEAR(times[i], reference[i], 1e-6) << file << " frame " << i;
        }
}

}  // namespace

TEST_F(DecoderTest, BFramesComeOutInPresentationOrder) {
    ASSERT_NE(test::ffprobe_picture_types(coded_).find('B'), std::string::npos)
        << "the test file should contain B-frames";
    auto d = decode_all(coded_);
    ASSERT_EQ(d.index.size(), std::size_t(kCodedFrames));
    for (int i = 0; i < kCodedFrames; ++i) {
        EXPECT_EQ(d.index[i], i);
        EXPECT_EQ(d.content[i], i) << "picture " << i << " is another frame's";
        EXPECT_NEAR(d.time_s[i], i / 25.0, 1e-9);
    }
}

TEST_F(DecoderTest, CountsNtscFrameRateExactly) {
    auto file = path("ntsc.mp4");
    ASSERT_TRUE(
        test::ffmpeg("-f lavfi -i testsrc2=size=96x64:rate=30000/1001 -frames:v 45 "
                     "-c:v libx264 -preset ultrafast -pix_fmt yuv420p " +
                     test::shell_quote(file)));
    VideoDecoder decoder(file, {});
    EXPECT_EQ(decoder.info().fps_nominal, (Rational{30000, 1001}));
    std::vector<double> times;
    std::int64_t expected_index = 0;
    while (auto picture = decoder.next()) {
        EXPECT_EQ(picture->index, expected_index++);
        times.push_back(picture->time_s);
    }
    ASSERT_EQ(times.size(), 45u);
    for (std::size_t i = 0; i < times.size(); ++i)
        EXPECT_NEAR(times[i], i * 1001.0 / 30000.0, 1e-9);
    expect_times_match_ffprobe(file, times);

    // count_frames() on a fresh decoder: the exact count and the duration from timestamps.
    VideoDecoder counter(file, {});
    EXPECT_EQ(counter.count_frames(), 45);
    EXPECT_TRUE(counter.info().frame_count_exact);
    EXPECT_NEAR(counter.info().duration_s, 45 * 1001.0 / 30000.0, 1e-6);
}

TEST_F(DecoderTest, VariableFrameRateTimesFollowTimestamps) {
    // Every third frame of a 25 fps source is dropped and the rest keep their timestamps:
    // gaps alternate 40 ms, 80 ms, as in film transfers with dropped frames.
    auto file = path("vfr.mp4");
    ASSERT_TRUE(
        test::ffmpeg("-f lavfi -i testsrc2=size=96x64:rate=25 "
                     "-vf \"trim=end_frame=60,select='not(eq(mod(n,3),2))'\" "
                     "-fps_mode passthrough "
                     "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -bf 2 " +
                     test::shell_quote(file)));
    auto d = decode_all(file);
    ASSERT_EQ(d.time_s.size(), 40u);
    for (std::size_t k = 0; k < d.time_s.size(); ++k) {
        const int source_frame = int(k + k / 2);  // kept frames: 0 1 3 4 6 7 ...
        EXPECT_EQ(d.index[k], std::int64_t(k));
        EXPECT_NEAR(d.time_s[k], source_frame / 25.0, 1e-6) << "frame " << k;
    }
    expect_times_match_ffprobe(file, d.time_s);

    // Range decoding by time on the irregular clock: exactly the frames in [start, end).
    DecodeOptions range;
    range.start_s = 0.3;
    range.end_s = 1.0;
    auto part = decode_all(file, range);
    std::vector<FrameIndex> want;
    for (std::size_t k = 0; k < d.time_s.size(); ++k)
        if (d.time_s[k] >= 0.3 - 1e-9 && d.time_s[k] < 1.0 - 1e-9) want.push_back(d.index[k]);
    EXPECT_EQ(part.index, want);
    for (std::size_t k = 0; k < part.index.size(); ++k)
        EXPECT_NEAR(part.time_s[k], d.time_s[std::size_t(part.index[k])], 1e-9);
}

TEST_F(DecoderTest, RotationSwapsSizeAndTurnsPixels) {
    // A bright block in one corner of a landscape picture, then a rotation flag in the
    // container: display size is portrait and pixels must match ffmpeg's own autorotation.
    std::vector<cv::Mat> frames;
    for (int i = 0; i < 5; ++i) {
        cv::Mat f(32, 64, CV_8UC3, cv::Scalar::all(40));
        f(cv::Rect(0, 0, 16, 12)).setTo(cv::Scalar::all(230));
        frames.push_back(f);
    }
    auto plain = path("unrotated.mp4"), rotated = path("rotated.mp4");
    ASSERT_TRUE(test::encode_video(frames, plain, 25,
                                   "-c:v libx264 -preset ultrafast -qp 0 -pix_fmt yuv420p"));
    ASSERT_TRUE(test::ffmpeg("-i " + test::shell_quote(plain) +
                             " -c copy -metadata:s:v:0 rotate=90 " + test::shell_quote(rotated)));
    auto reference_raw = path("rotated.gray");
    ASSERT_TRUE(test::ffmpeg("-i " + test::shell_quote(rotated) +
                             " -frames:v 1 -f rawvideo -pix_fmt gray " +
                             test::shell_quote(reference_raw)));
    auto bytes = test::slurp_file(reference_raw);
    ASSERT_EQ(bytes.size(), 32u * 64u) << "ffmpeg's autorotated picture should be 32x64";
    cv::Mat reference(64, 32, CV_8UC1, bytes.data());  // 32 wide, 64 high

    DecodeOptions options;
    options.full_resolution = true;
    VideoDecoder decoder(rotated, options);
    const auto& info = decoder.info();
    EXPECT_TRUE(info.rotation_deg == 90 || info.rotation_deg == 270) << info.rotation_deg;
    EXPECT_EQ(info.coded_width, 64);
    EXPECT_EQ(info.coded_height, 32);
    EXPECT_EQ(info.width, 32);
    EXPECT_EQ(info.height, 64);
    auto picture = decoder.next();
    ASSERT_TRUE(picture);
    Frame f = decoder.convert(*picture);
    ASSERT_EQ(f.full_bgr.size(), cv::Size(32, 64));
    ASSERT_EQ(f.proxy_gray.size(), cv::Size(32, 64));  // no downscale: 64 px < analysis_size
    cv::Mat gray;
    cv::cvtColor(f.full_bgr, gray, cv::COLOR_BGR2GRAY);
    cv::Mat diff;
    cv::absdiff(gray, reference, diff);
    EXPECT_LT(cv::mean(diff)[0], 4.0) << "full-size picture is not rotated like ffmpeg's";
    cv::cvtColor(f.proxy_bgr, gray, cv::COLOR_BGR2GRAY);
    cv::absdiff(gray, reference, diff);
    EXPECT_LT(cv::mean(diff)[0], 4.0) << "analysis proxy is not rotated like ffmpeg's";
    // The grey proxy may keep video-range levels; its orientation must still match.
    cv::Mat score;
    cv::matchTemplate(f.proxy_gray, reference, score, cv::TM_CCOEFF_NORMED);
    EXPECT_GT(score.at<float>(0, 0), 0.95f) << "grey proxy is not rotated like ffmpeg's";
}

TEST_F(DecoderTest, NonZeroStartTimeCountsFromFirstFrame) {
    for (const std::string ext : {"mp4", "ts"}) {
        auto file = path("offset." + ext);
        ASSERT_TRUE(
            test::ffmpeg("-f lavfi -i testsrc2=size=96x64:rate=25 -frames:v 20 "
                         "-c:v libx264 -preset ultrafast -pix_fmt yuv420p "
                         "-output_ts_offset 10 " +
                         test::shell_quote(file)));
        VideoDecoder decoder(file, {});
        EXPECT_GE(decoder.info().start_time_s, 10.0 - 1e-6) << ext;
        std::vector<double> times;
        while (auto picture = decoder.next()) {
            EXPECT_EQ(picture->index, std::int64_t(times.size())) << ext;
            EXPECT_GE(picture->timestamp.seconds(), 10.0 - 1e-6) << ext;
            times.push_back(picture->time_s);
        }
        ASSERT_EQ(times.size(), 20u) << ext;
        for (std::size_t i = 0; i < times.size(); ++i)
            EXPECT_NEAR(times[i], i / 25.0, 1e-4) << ext << " frame " << i;
        expect_times_match_ffprobe(file, times);
    }
}

TEST_F(DecoderTest, NonSquarePixelsGiveDisplayWidth) {
    auto file = path("sar.mp4");
    ASSERT_TRUE(
        test::ffmpeg("-f lavfi -i testsrc2=size=64x48:rate=25 -frames:v 3 -vf setsar=2 "
                     "-c:v libx264 -preset ultrafast -pix_fmt yuv420p " +
                     test::shell_quote(file)));
    DecodeOptions options;
    options.full_resolution = true;
    options.analysis_size = 64;
    VideoDecoder decoder(file, options);
    const auto& info = decoder.info();
    EXPECT_EQ(info.sample_aspect, (Rational{2, 1}));
    EXPECT_EQ(info.coded_width, 64);
    EXPECT_EQ(info.width, 128);
    EXPECT_EQ(info.height, 48);
    auto picture = decoder.next();
    ASSERT_TRUE(picture);
    Frame f = decoder.convert(*picture);
    EXPECT_EQ(f.full_bgr.size(), cv::Size(128, 48));
    EXPECT_EQ(f.proxy_bgr.size(), cv::Size(64, 24));  // longest side = analysis_size
}

// The samples ffmpeg itself decodes from FILE, as planar 8-bit 4:2:0 (its first picture).
std::vector<std::uint8_t> ffmpeg_yuv420(const std::string& file, const std::string& raw) {
    if (!test::ffmpeg("-i " + test::shell_quote(file) +
                      " -frames:v 1 -f rawvideo -pix_fmt yuv420p " + test::shell_quote(raw)))
        return {};
    std::ifstream in(raw, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_F(DecoderTest, FullPlanesAreTheCodedSamples) {
    // 4:2:0 is handed over as stored, to the byte; another layout (4:4:4, odd size) is
    // converted to 4:2:0 at the coded size, with chroma planes rounded up.
    for (auto [format, w, h] : {std::tuple{"yuv420p", 64, 48}, std::tuple{"yuv444p", 63, 47}}) {
        auto file = path(std::string("planes-") + format + ".mkv");
        ASSERT_TRUE(test::ffmpeg(
            std::string("-f lavfi -i testsrc2=size=64x48:rate=25 -frames:v 2 -vf format=") +
            format + ",crop=" + std::to_string(w) + ":" + std::to_string(h) + ":0:0 -pix_fmt " +
            format + " -c:v ffv1 " + test::shell_quote(file)));
        DecodeOptions options;
        options.full_planes = true;
        VideoDecoder decoder(file, options);
        auto picture = decoder.next();
        ASSERT_TRUE(picture);
        const PlanarPicture p = decoder.convert(*picture).full_planes;
        const int cw = (w + 1) / 2, ch = (h + 1) / 2;
        ASSERT_EQ(p.y.size(), cv::Size(w, h)) << format;
        ASSERT_EQ(p.cb.size(), cv::Size(cw, ch)) << format;
        ASSERT_EQ(p.cr.size(), cv::Size(cw, ch)) << format;
        auto bytes = ffmpeg_yuv420(file, path(std::string("planes-") + format + ".yuv"));
        ASSERT_EQ(bytes.size(), std::size_t(w * h + 2 * cw * ch)) << format;
        cv::Mat want_y(h, w, CV_8UC1, bytes.data());
        cv::Mat want_cb(ch, cw, CV_8UC1, bytes.data() + w * h);
        EXPECT_EQ(cv::norm(p.y, want_y, cv::NORM_INF), 0) << format << ": luma is not as coded";
        if (std::string(format) == "yuv420p")
            EXPECT_EQ(cv::norm(p.cb, want_cb, cv::NORM_INF), 0) << "chroma is not as coded";
        else
            EXPECT_LT(cv::norm(p.cb, want_cb, cv::NORM_L1) / double(p.cb.total()), 2.0)
                << "4:4:4 chroma is not resampled like ffmpeg's";
    }
    DecodeOptions without;
    VideoDecoder decoder(coded_, without);
    auto picture = decoder.next();
    ASSERT_TRUE(picture);
    EXPECT_TRUE(decoder.convert(*picture).full_planes.empty()) << "planes made without asking";
}

TEST_F(DecoderTest, RangeDecodingReturnsExactlyTheFramesAsked) {
    const auto all = decode_all(coded_);
    ASSERT_EQ(all.index.size(), std::size_t(kCodedFrames));
    struct Case {
        std::optional<double> start, end;
    };
    for (Case c : {Case{1.0, 2.0}, Case{1.01, std::nullopt}, Case{std::nullopt, 0.5},
                   Case{0.0, 0.04}, Case{2.36, std::nullopt}, Case{0.47, 0.53}}) {
        DecodeOptions options;
        options.start_s = c.start;
        options.end_s = c.end;
        auto got = decode_all(coded_, options);
        Decoded want;
        for (std::size_t i = 0; i < all.index.size(); ++i) {
            double t = all.time_s[i];
            if (c.start && t < *c.start - 1e-9) continue;
            if (c.end && t >= *c.end - 1e-9) continue;
            want.index.push_back(all.index[i]);
            want.time_s.push_back(t);
            want.content.push_back(all.content[i]);
        }
        std::string label = "start " + (c.start ? std::to_string(*c.start) : "-") + " end " +
                            (c.end ? std::to_string(*c.end) : "-");
        ASSERT_FALSE(want.index.empty()) << label;
        EXPECT_EQ(got.index, want.index) << label;
        EXPECT_EQ(got.content, want.content) << label << ": wrong pictures after seeking";
        ASSERT_EQ(got.time_s.size(), want.time_s.size()) << label;
        for (std::size_t i = 0; i < got.time_s.size(); ++i)
            EXPECT_NEAR(got.time_s[i], want.time_s[i], 1e-9) << label;
    }
}

TEST_F(DecoderTest, RangeDecodingPastTheEndDeliversNothing) {
    DecodeOptions options;
    options.start_s = 100.0;
    VideoDecoder decoder(coded_, options);
    EXPECT_FALSE(decoder.next().has_value());
}

TEST_F(DecoderTest, FastDecodeKeepsFramesAndTimes) {
    DecodeOptions fast;
    fast.fast_decode = FastDecode::on;
    auto a = decode_all(coded_), b = decode_all(coded_, fast);
    EXPECT_EQ(a.index, b.index);
    EXPECT_EQ(a.time_s, b.time_s);
    EXPECT_EQ(a.content, b.content);
}

TEST_F(DecoderTest, RejectsInvalidOptions) {
    DecodeOptions bad_threads;
    bad_threads.threads = -1;
    DecodeOptions bad_size;
    bad_size.analysis_size = 8;
    DecodeOptions bad_range;
    bad_range.start_s = 2.0;
    bad_range.end_s = 1.0;
    for (const auto& options : {bad_threads, bad_size, bad_range}) {
        try {
            VideoDecoder decoder(coded_, options);
            ADD_FAILURE() << "invalid options accepted";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::bad_usage) << e.what();
        }
    }
}

// Every image of a Frame is a whole image to OpenCV: a filter's border never reaches into the
// buffer it was cut from (other planes, swscale's scratch rows), which made corner detection
// near the bottom edge read uninitialised memory and differ between runs.
// The micro-motion input averages at least 2x2 pixels per sample: half a small picture, the
// proxy's size where that is already smaller; the same with or without the proxy, from
// 4:2:0 (the luma pyramid) and from other layouts (swscale).
TEST_F(DecoderTest, SmoothedProxyIsAtMostHalfThePicture) {
    const std::string hd = path("hd.mp4"), yuv444 = path("small444.mkv");
    ASSERT_TRUE(
        test::ffmpeg("-f lavfi -i testsrc2=size=1280x720:rate=25:duration=0.12 "
                     "-pix_fmt yuv420p -c:v libx264 -preset ultrafast " +
                     test::shell_quote(hd)));
    ASSERT_TRUE(
        test::ffmpeg("-f lavfi -i testsrc2=size=96x54:rate=25:duration=0.12 "
                     "-pix_fmt yuv444p -c:v libx264 -preset ultrafast " +
                     test::shell_quote(yuv444)));
    const auto first_frame = [](const std::string& file, bool proxy) {
        DecodeOptions options;
        options.analysis_proxy = proxy;
        options.smoothed_proxy = true;
        VideoDecoder decoder(file, options);
        auto picture = decoder.next();
        EXPECT_TRUE(picture) << file;
        return picture ? decoder.convert(*picture) : Frame{};
    };
    const struct {
        std::string file;
        cv::Size smooth;
    } cases[] = {{coded_, {32, 24}}, {hd, {320, 180}}, {yuv444, {48, 27}}};
    for (const auto& c : cases) {
        const Frame with = first_frame(c.file, true), without = first_frame(c.file, false);
        EXPECT_EQ(with.proxy_smooth.size(), c.smooth) << c.file;
        EXPECT_EQ(with.proxy_smooth.type(), CV_32FC1) << c.file;
        EXPECT_TRUE(without.proxy_gray.empty()) << c.file;
        ASSERT_EQ(without.proxy_smooth.size(), c.smooth) << c.file;
        if (c.smooth == with.proxy_gray.size()) continue;  // made from the proxy itself
        EXPECT_EQ(cv::norm(with.proxy_smooth, without.proxy_smooth, cv::NORM_INF), 0) << c.file;
    }
    // A uniform grey picture stays its grey level.
    const Frame grey = first_frame(coded_, false);
    double lo = 0, hi = 0;
    cv::minMaxLoc(grey.proxy_smooth, &lo, &hi);
    EXPECT_EQ(lo, hi);
    EXPECT_NEAR(lo, kLevel0, 2);
}

TEST_F(DecoderTest, FrameImagesDoNotExtendIntoTheirBuffers) {
    const std::string yuv444 = path("yuv444.mkv");
    ASSERT_TRUE(
        test::ffmpeg("-f lavfi -i testsrc2=size=96x54:rate=25:duration=0.2 -pix_fmt yuv444p "
                     "-c:v libx264 -preset ultrafast " +
                     test::shell_quote(yuv444)));
    for (const std::string& file : {coded_, yuv444})
        for (bool colour : {false, true}) {
            DecodeOptions options;
            options.analysis_colour = colour;
            options.smoothed_proxy = true;
            options.full_resolution = true;
            VideoDecoder decoder(file, options);
            auto picture = decoder.next();
            ASSERT_TRUE(picture) << file;
            const Frame frame = decoder.convert(*picture);
            const std::pair<const char*, const cv::Mat*> images[] = {
                {"proxy_gray", &frame.proxy_gray},     {"proxy_bgr", &frame.proxy_bgr},
                {"proxy_smooth", &frame.proxy_smooth}, {"detect_gray", &frame.detect_gray},
                {"detect_bgr", &frame.detect_bgr},     {"full_bgr", &frame.full_bgr}};
            for (const auto& [name, image] : images) {
                if (image->empty()) continue;
                cv::Size whole;
                cv::Point offset;
                image->locateROI(whole, offset);
                EXPECT_EQ(whole, image->size()) << file << " colour " << colour << " " << name;
                EXPECT_EQ(offset, cv::Point(0, 0)) << file << " colour " << colour << " " << name;
            }
        }
}
