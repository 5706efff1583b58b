// Streams whose timestamps cannot be trusted: raw elementary streams have none (analyze must
// still reach keyframes and ranges, by counting frames), and spliced recordings whose clock
// starts again (times must stay increasing, shot lengths positive, the rate right).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <string>
#include <utility>
#include <vector>

#include <kinoglaz/decode.hpp>
#include <kinoglaz/pipeline.hpp>
#include "hardening_util.hpp"
#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"

namespace kinoglaz::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class Timestamps : public PerTestFolder {
  protected:
    Timestamps() : PerTestFolder("timestamps-") {}
    // Two shots of 2 s at 10 fps (one cut at 2.0 s), encoded by ENCODER into NAME.
    bool two_shots(const std::string& name, const std::string& encoder) {
        return ffmpeg(
            "-f lavfi -i testsrc2=s=96x64:r=10:d=2 -f lavfi -i smptebars=s=96x64:r=10:d=2"
            " -filter_complex [0:v][1:v]concat=n=2:v=1[v] -map [v] -c:v " +
            encoder + " " + shell_quote((dir_ / name).string()));
    }
    json analyse(const std::string& name, const std::string& extra = "--no-reveal") {
        const fs::path out = dir_ / (name + ".out");
        auto r = run_kinoglaz("analyze " + shell_quote((dir_ / name).string()) + " -o " +
                              shell_quote(out.string()) + " --quiet " + extra);
        EXPECT_EQ(r.status, 0) << r.err;
        if (r.status != 0) return json();
        return json::parse(slurp_file((out / "analysis.json").string()));
    }
};

TEST_F(Timestamps, RawElementaryStreamsAnalyseToACompleteFolder) {
    std::vector<std::string> streams;
    if (two_shots("film.h264", "libx264 -preset ultrafast -bf 2")) streams.push_back("film.h264");
    if (two_shots("film.hevc", "libx265 -preset ultrafast -x265-params log-level=none"))
        streams.push_back("film.hevc");
    ASSERT_FALSE(streams.empty()) << "no H.264 encoder";
    for (const auto& name : streams) {
        SCOPED_TRACE(name);
        const json doc = analyse(name);
        ASSERT_TRUE(doc.is_object());
        EXPECT_EQ(doc["source"]["frame_count"], 40);
        EXPECT_NEAR(doc["source"]["fps"].get<double>(), 10.0, 0.1);
        ASSERT_EQ(doc["shots"].size(), 2u) << doc["shots"].dump();
        EXPECT_NEAR(doc["shots"][1]["start_time"].get<double>(), 2.0, 1e-6);
        // Every shot's keyframe was reached (decoding forward by frame index) and written.
        const fs::path out = dir_ / (name + ".out");
        for (const auto& shot : doc["shots"]) {
            char file[32];
            std::snprintf(file, sizeof file, "keyframes/shot-%03d.jpg", shot["index"].get<int>());
            EXPECT_TRUE(fs::exists(out / file)) << file;
            EXPECT_GT(fs::file_size(out / file), 100u) << file;
        }
        EXPECT_TRUE(fs::exists(out / "report.html"));
    }
    // A time range of a raw stream (reveal) is cut by the counted times: 0.5 s at 10 fps,
    // slowed 2x, is 5 frames and 4 interpolated between them.
    const fs::path clips = dir_ / "clips";
    fs::create_directories(clips);
    auto r = run_kinoglaz("reveal " + shell_quote((dir_ / streams[0]).string()) + " -o " +
                          shell_quote(clips.string()) + " --start 1.0 --end 1.5 --slow 2");
    ASSERT_EQ(r.status, 0) << r.err;
    std::vector<fs::path> made;
    for (const auto& e : fs::directory_iterator(clips))  // not the folder's .kinoglaz marker
        if (e.path().filename().string().front() != '.') made.push_back(e.path());
    ASSERT_EQ(made.size(), 1u);
    EXPECT_EQ(ffprobe_frame_times(made[0].string()).size(), 9u);
}

TEST_F(Timestamps, SeekingReachesTheRightFrameWhateverTheTimestamps) {
    // Every frame's detection image decoded in one pass, against the same frames reached by
    // grab_frames (seeking, or counting forward where timestamps cannot place frames).
    const std::vector<std::pair<std::string, std::string>> films{
        {"film.mp4", "libx264 -preset ultrafast -bf 2"},
        {"film.avi", "mpeg4 -bf 2"},  // B-frames without a timestamp
        {"film.mpg", "mpeg2video -bf 2"},
        {"film.h264", "libx264 -preset ultrafast -bf 2"},  // none at all
    };
    for (const auto& [name, encoder] : films) {
        SCOPED_TRACE(name);
        ASSERT_TRUE(two_shots(name, encoder));
        const std::string path = (dir_ / name).string();
        std::vector<cv::Mat> sequential;
        std::vector<double> times;
        VideoDecoder decoder(path, {});
        while (auto picture = decoder.next()) {
            sequential.push_back(decoder.convert(*picture).detect_gray);
            times.push_back(picture->time_s);
        }
        ASSERT_EQ(sequential.size(), 40u);
        const std::vector<FrameIndex> wanted{2, 6, 7, 12, 25, 31, 39};
        std::map<FrameIndex, Frame> grabbed;
        grab_frames(path, wanted, {}, [&](FrameIndex i, const Frame& f) { grabbed.emplace(i, f); });
        ASSERT_EQ(grabbed.size(), wanted.size());
        for (FrameIndex i : wanted)
            EXPECT_EQ(cv::norm(grabbed.at(i).detect_gray, sequential[std::size_t(i)], cv::NORM_INF),
                      0)
                << "frame " << i;
        // A time range (reveal, split) delivers the same frames at the same times.
        DecodeOptions range;
        range.start_s = 1.45;
        range.end_s = 3.2;
        VideoDecoder ranged(path, range);
        std::size_t k = 15;  // the first frame at or after 1.45 s, at 10 fps
        while (auto picture = ranged.next()) {
            ASSERT_LT(k, 32u) << "past the end of the range";
            EXPECT_NEAR(picture->time_s, times[k], 1e-9);
            EXPECT_EQ(cv::norm(ranged.convert(*picture).detect_gray, sequential[k], cv::NORM_INF),
                      0)
                << "frame " << k;
            ++k;
        }
        EXPECT_EQ(k, 32u);
    }
}

TEST_F(Timestamps, BackwardJumpsKeepShotsPositiveAndTheRateRight) {
    // Three MPEG-TS recordings of 8 s at 25 fps, joined with `cat`: the second starts 20 s
    // before the first, the third 15 s before the second (each one shot, so two cuts).
    const std::vector<std::string> parts{
        "-f lavfi -i testsrc2=s=96x64:r=25:d=8 -output_ts_offset 40",
        "-f lavfi -i smptebars=s=96x64:r=25:d=8 -output_ts_offset 20",
        "-f lavfi -i testsrc=s=96x64:r=25:d=8 -output_ts_offset 5"};
    std::string joined;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const fs::path part = dir_ / ("part" + std::to_string(i) + ".ts");
        ASSERT_TRUE(ffmpeg(parts[i] + " -c:v libx264 -preset ultrafast -bf 0 " +
                           shell_quote(part.string())));
        joined += slurp_file(part.string());
    }
    std::ofstream(dir_ / "spliced.ts", std::ios::binary) << joined;
    const json doc = analyse("spliced.ts");
    ASSERT_TRUE(doc.is_object());
    const auto& source = doc["source"];
    EXPECT_EQ(source["frame_count"], 600);
    EXPECT_NEAR(source["fps"].get<double>(), 25.0, 0.25);  // within 1 %
    EXPECT_NEAR(source["duration_s"].get<double>(), 24.0, 0.06);
    EXPECT_EQ(source["timestamp_glitches"], 2);
    ASSERT_EQ(doc["shots"].size(), 3u) << doc["shots"].dump();
    double previous_end = 0;
    for (const auto& shot : doc["shots"]) {
        const double start = shot["start_time"], end = shot["end_time"];
        EXPECT_NEAR(end - start, 8.0, 0.05) << shot.dump();
        EXPECT_NEAR(start, previous_end, 1e-6);
        previous_end = end;
    }
    // The pass in time segments, which seek, agrees: it decodes such a stream in one pass
    // (the container's duration is wrong here, so the CLI would not split it anyway).
    const PassResult pass =
        run_segmented_pass((dir_ / "spliced.ts").string(), PassOptions{}, 3, 0.5);
    ASSERT_EQ(pass.frame_times.size(), 600u);
    EXPECT_TRUE(std::is_sorted(pass.frame_times.begin(), pass.frame_times.end()));
    EXPECT_NEAR(pass.source.fps, 25.0, 0.25);
    ASSERT_EQ(pass.transitions.size(), 2u);
    EXPECT_NEAR(pass.transitions[0].start_time_s, 8.0, 1e-6);
    EXPECT_NEAR(pass.transitions[1].start_time_s, 16.0, 1e-6);
}

}  // namespace
}  // namespace kinoglaz::test
