#pragma once
// The decoder tests' grey-coded film (tests/decode, tests/pipeline): each frame's grey level
// says which frame it is, so any picture can be traced back to its frame.

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include <kinoglaz/decode.hpp>
#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"
#include "support/run.hpp"

namespace kinoglaz::test {

// Uniform grey frames whose luma level Y = 20 + 3 N encodes the frame number N, so any decoded
// picture can be traced back to the frame it must be. Made in YUV (U = V = 128); read back from
// the BGR proxy, where video-range luma is expanded: B = G = R = (Y - 16) * 255 / 219.
inline constexpr int kLevel0 = 20, kLevelStep = 3;
inline int frame_of_level(double grey) {
    double luma = grey * 219.0 / 255.0 + 16.0;
    return int(std::lround((luma - kLevel0) / kLevelStep));
}
inline int frame_of_picture(const cv::Mat& bgr) {
    auto m = cv::mean(bgr);
    return frame_of_level((m[0] + m[1] + m[2]) / 3.0);
}

// Near-lossless H.264 (x264 drops B-frames when lossless) with a fixed IBBBP pattern and a
// 12-frame GOP: presentation order differs from decode order, and seeking has to land on a
// keyframe and decode forward.
inline const std::string kBFrameX264 =
    "-c:v libx264 -preset ultrafast -qp 1 -pix_fmt yuv420p "
    "-x264-params bframes=3:b-adapt=0:keyint=12:min-keyint=12:scenecut=0";

struct Decoded {
    std::vector<FrameIndex> index;
    std::vector<double> time_s;
    std::vector<int> content;  // frame number read back from the grey level
};

inline Decoded decode_all(const std::string& path, DecodeOptions options = {}) {
    VideoDecoder decoder(path, options);
    Decoded d;
    while (auto picture = decoder.next()) {
        Frame f = decoder.convert(*picture);
        d.index.push_back(f.index);
        d.time_s.push_back(f.time_s);
        d.content.push_back(frame_of_picture(f.proxy_bgr));
    }
    return d;
}

class DecoderTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = test::temp_dir("decoder");
        coded_ = (dir_ / "coded.mp4").string();
        coded_ok_ = test::ffmpeg(
            "-f lavfi -i \"color=c=black:size=64x48:rate=25,format=yuv420p,"
            "geq=lum='" +
            std::to_string(kLevel0) + "+" + std::to_string(kLevelStep) +
            "*N':cb=128:cr=128\" -frames:v " + std::to_string(kCodedFrames) + " " + kBFrameX264 +
            " " + test::shell_quote(coded_));
    }
    static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }
    void SetUp() override {
        if (!test::have_program("ffmpeg") || !test::have_program("ffprobe"))
            GTEST_SKIP() << "ffmpeg/ffprobe not on PATH";
        ASSERT_TRUE(coded_ok_) << "could not encode the grey-coded test video";
    }
    static std::string path(const std::string& name) { return (dir_ / name).string(); }

    static constexpr int kCodedFrames = 60;  // 2.4 s at 25 fps
    static inline std::filesystem::path dir_;
    static inline std::string coded_;
    static inline bool coded_ok_ = false;
};

}  // namespace kinoglaz::test
