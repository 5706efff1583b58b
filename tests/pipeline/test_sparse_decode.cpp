// Sparse decoding (DecodeOptions::sparse_decode): on a 1280x720 H.264 film with B-pyramids,
// cuts, a dissolve and a one-frame flash, unreferenced pictures in ordinary stretches go
// undecoded, every frame still comes out with the times of a full decode, and the detectors
// find the same transitions as when every picture is decoded.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <kinoglaz/core.hpp>
#include <kinoglaz/pipeline.hpp>
#include "support/ffmpeg_cli.hpp"
#include "support/synthetic.hpp"

using namespace kinoglaz;
using namespace kinoglaz::test;

namespace {

class SparseDecodeTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        dir_ = std::filesystem::temp_directory_path() /
               ("kinoglaz_sparse_" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
        const cv::Size size(1280, 720);
        std::vector<cv::Mat> frames;
        auto append = [&](const std::vector<cv::Mat>& shot) {
            frames.insert(frames.end(), shot.begin(), shot.end());
        };
        // A slow pan, a cut, a still shot dissolving (12 frames) into a pan, a one-frame
        // flash inside it, a cut to a last pan.
        const cv::Mat a = make_scene(1, {1600, 900}), b = make_scene(2, {1600, 900}),
                      c = make_scene(3, {1600, 900}), d = make_scene(4, {1600, 900});
        append(make_shot(a, size, 40, {0, 0}, {2, 1}));
        const auto shot_b = make_shot(b, size, 40);
        const auto shot_c = make_shot(c, size, 50, {0, 0}, {1.5f, 0});
        append(std::vector<cv::Mat>(shot_b.begin(), shot_b.end() - 6));
        for (int i = 0; i < 12; ++i)
            frames.push_back(mix(shot_c[std::size_t(i)], shot_b[std::size_t(34 + std::min(i, 5))],
                                 (i + 1) / 13.0));
        for (int i = 12; i < 50; ++i) {
            frames.push_back(shot_c[std::size_t(i)]);
            if (i == 30)
                frames.back() =
                    mix(shot_c[std::size_t(i)], cv::Mat(size, CV_8UC3, cv::Scalar::all(255)), 0.4);
        }
        append(make_shot(d, size, 40, {200, 100}, {-2, -1}));
        film_ = (dir_ / "film.mp4").string();
        ok_ = encode_video(frames, film_, 25,
                           "-c:v libx264 -pix_fmt yuv420p -preset superfast -bf 3 "
                           "-x264-params b-pyramid=normal");
        // The same stream in MPEG-TS: Annex B start codes instead of MP4's length prefixes.
        annex_b_ = (dir_ / "film.ts").string();
        ok_ = ok_ && ffmpeg("-i " + film_ + " -c copy " + annex_b_);
        small_ = (dir_ / "small.mp4").string();
        std::vector<cv::Mat> small_frames;
        for (int i = 0; i < 60; i += 1)
            small_frames.push_back(frames[std::size_t(i)](cv::Rect(0, 0, 640, 360)).clone());
        ok_ = ok_ && encode_video(small_frames, small_, 25,
                                  "-c:v libx264 -pix_fmt yuv420p -preset superfast -bf 3");
    }
    static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }
    void SetUp() override {
        if (!ok_) GTEST_SKIP() << "ffmpeg could not encode the test film";
    }

    struct Decoded {
        std::vector<FrameIndex> index;
        std::vector<double> time_s;
        std::int64_t skipped_flags = 0, skipped = 0;
    };
    static Decoded decode(const std::string& path, bool sparse, std::optional<double> start_s = {},
                          std::optional<double> end_s = {}) {
        DecodeOptions options;
        options.sparse_decode = sparse;
        options.start_s = start_s;
        options.end_s = end_s;
        VideoDecoder decoder(path, options);
        Decoded d;
        while (auto picture = decoder.next()) {
            d.index.push_back(picture->index);
            d.time_s.push_back(picture->time_s);
            if (picture->skipped) {
                ++d.skipped_flags;
                EXPECT_EQ(picture->data(), nullptr);
            } else {
                EXPECT_NE(picture->data(), nullptr);
            }
        }
        d.skipped = decoder.pictures_skipped();
        return d;
    }

    static inline std::filesystem::path dir_;
    static inline std::string film_, annex_b_, small_;
    static inline bool ok_ = false;
};

TEST_F(SparseDecodeTest, SkipsPicturesAndKeepsEveryFrameAndTime) {
    const Decoded full = decode(film_, false), sparse = decode(film_, true);
    EXPECT_EQ(full.skipped, 0);
    ASSERT_EQ(full.index.size(), 164u);
    EXPECT_EQ(sparse.index, full.index);
    EXPECT_EQ(sparse.time_s, full.time_s);
    // Some pictures were left out (the film has B-frames no other picture refers to), and
    // each is delivered once as a skipped frame.
    EXPECT_GT(sparse.skipped, 10);
    EXPECT_EQ(sparse.skipped_flags, sparse.skipped);
}

TEST_F(SparseDecodeTest, KeepsTheFramesOfARange) {
    // A range seeks to the keyframe before its start: skipping starts afresh from there.
    const Decoded full = decode(film_, false, 2.0, 5.0), sparse = decode(film_, true, 2.0, 5.0);
    ASSERT_EQ(full.index.size(), 75u);
    EXPECT_EQ(full.index.front(), 50);
    EXPECT_EQ(sparse.index, full.index);
    EXPECT_EQ(sparse.time_s, full.time_s);
    EXPECT_EQ(sparse.skipped_flags, sparse.skipped);
}

TEST_F(SparseDecodeTest, ReadsAnnexBStreams) {
    const Decoded full = decode(annex_b_, false), sparse = decode(annex_b_, true);
    ASSERT_EQ(full.index.size(), 164u);
    EXPECT_EQ(sparse.index, full.index);
    EXPECT_EQ(sparse.time_s, full.time_s);
    // Nearly as many skipped as from the MP4 (the access unit delimiters and repeated
    // parameter sets of MPEG-TS change the packets' sizes a little).
    EXPECT_GT(sparse.skipped, 8);
    EXPECT_EQ(sparse.skipped_flags, sparse.skipped);
}

TEST_F(SparseDecodeTest, SmallPicturesAreDecodedInFull) {
    const Decoded full = decode(small_, false), sparse = decode(small_, true);
    EXPECT_EQ(sparse.skipped, 0);
    EXPECT_EQ(sparse.index, full.index);
}

TEST_F(SparseDecodeTest, FindsTheSameTransitionsAsAFullDecode) {
    PassOptions options;
    options.decode.threads = 2;
    options.decode.analysis_proxy = false;  // as `cuts` decodes
    const PassResult full = run_transition_pass(film_, options);
    options.decode.sparse_decode = true;
    const PassResult sparse = run_transition_pass(film_, options);
    EXPECT_EQ(sparse.frame_times, full.frame_times);
    EXPECT_EQ(sparse.source.frame_count, full.source.frame_count);
    ASSERT_GE(full.transitions.size(), 3u);  // two cuts and the dissolve
    ASSERT_EQ(sparse.transitions.size(), full.transitions.size());
    for (std::size_t i = 0; i < full.transitions.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(sparse.transitions[i].type, full.transitions[i].type);
        EXPECT_EQ(sparse.transitions[i].frames.start, full.transitions[i].frames.start);
        EXPECT_EQ(sparse.transitions[i].frames.end, full.transitions[i].frames.end);
    }
}

}  // namespace
