// Real footage: for every .mp4 under $KINOGLAZ_MEDIA/clips and /dev, the decoder delivers
// exactly the frames ffprobe decodes, at the same times (best_effort_timestamp_time minus the
// first frame's), in presentation order.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <kinoglaz/decode.hpp>
#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"
#include "support/run.hpp"

using namespace kinoglaz;
namespace fs = std::filesystem;

namespace {

// Relative paths (clips/NAME.mp4, dev/NAME.mp4), listed when the test binary starts so that
// each file is its own test case (ctest can then run them in parallel).
std::vector<std::string> media_videos() {
    std::vector<std::string> files;
    auto dir = test::media_dir();
    if (dir.empty()) return files;
    for (const char* sub : {"clips", "dev"}) {
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(dir / sub, ec))
            if (entry.path().extension() == ".mp4")
                files.push_back(std::string(sub) + "/" + entry.path().filename().string());
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string test_name(const std::string& relative) {
    std::string name;
    for (char c : relative) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return name;
}

}  // namespace

class MediaDecodeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MediaDecodeTest, FramesAndTimesMatchFfprobe) {
    KINOGLAZ_REQUIRE_MEDIA(file, GetParam());
    if (!test::have_program("ffprobe")) GTEST_SKIP() << "ffprobe not on PATH";
    auto reference = test::ffprobe_frame_times(file.string());
    ASSERT_FALSE(reference.empty()) << "ffprobe decoded nothing from " << file;

    DecodeOptions options;
    options.fast_decode = FastDecode::on;  // timing and count do not depend on deblocking
    VideoDecoder decoder(file.string(), options);
    std::vector<double> times;
    while (auto picture = decoder.next()) {
        ASSERT_EQ(picture->index, std::int64_t(times.size()));
        times.push_back(picture->time_s);
    }
    EXPECT_EQ(decoder.info().decode_errors, 0);
    ASSERT_EQ(times.size(), reference.size()) << file;
    int mismatches = 0;
    for (std::size_t i = 0; i < times.size(); ++i)
        if (std::abs(times[i] - reference[i]) > 1e-6 && ++mismatches <= 5)
            ADD_FAILURE() << file << " frame " << i << ": " << times[i] << " s, ffprobe "
                          << reference[i] << " s";
    EXPECT_EQ(mismatches, 0);
    for (std::size_t i = 1; i < times.size(); ++i)
        ASSERT_GT(times[i], times[i - 1]) << "times must increase, frame " << i;
}

INSTANTIATE_TEST_SUITE_P(Media, MediaDecodeTest, ::testing::ValuesIn(media_videos()),
                         [](const auto& info) { return test_name(info.param); });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(MediaDecodeTest);

TEST(MediaDecode, FootageFolderPresent) {
    if (test::media_dir().empty())
        GTEST_SKIP() << "no test footage (set KINOGLAZ_MEDIA to the shared/media folder)";
    EXPECT_FALSE(media_videos().empty()) << "media folder has no clips/*.mp4 or dev/*.mp4";
}
