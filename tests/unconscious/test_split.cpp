// `kinoglaz split`: one file per shot, frame-exact when re-encoding, whole GOPs with --copy;
// the sound of each shot's span goes with it; the pixel aspect is kept; file names follow a
// template; the input and files split did not write are never replaced.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <kinoglaz/core.hpp>
#include <kinoglaz/montage.hpp>
#include <kinoglaz/unconscious.hpp>
#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"
#include "support/run.hpp"
#include "support/synthetic.hpp"

using namespace kinoglaz::test;

namespace {

// One AAC frame at 48 kHz: how far a stream-copied sound may reach past each end.
constexpr double kAudioFrame_s = 1024.0 / 48000.0;

// One field of a stream of a file, as ffprobe reports it ("" when absent).
std::string probe_field(const std::filesystem::path& file, const std::string& stream,
                        const std::string& field) {
    auto r = run("ffprobe -v error -select_streams " + stream + " -show_entries stream=" + field +
                 " -of csv=p=0 " + shell_quote(file.string()));
    std::string value = r.status == 0 ? r.out : "";
    while (!value.empty() && (value.back() == '\n' || value.back() == ',')) value.pop_back();
    return value;
}

double duration_of(const std::filesystem::path& file, const std::string& stream) {
    const auto text = probe_field(file, stream, "duration");
    return text.empty() || text == "N/A" ? -1.0 : std::stod(text);
}

// The loudest sample of a file's sound in dBFS (ffmpeg's volumedetect), or NaN.
double max_volume_db(const std::filesystem::path& file) {
    auto r = run("ffmpeg -nostdin -hide_banner -i " + shell_quote(file.string()) +
                 " -vn -af volumedetect -f null -");
    const auto at = r.err.find("max_volume:");
    if (at == std::string::npos) return std::nan("");
    return std::stod(r.err.substr(at + 11));
}

std::string split_cmd(const std::filesystem::path& input, const std::filesystem::path& out,
                      const std::string& extra = "") {
    return kinoglaz_bin() + " split " + shell_quote(input.string()) + " -o " +
           shell_quote(out.string()) + " --quiet " + extra;
}

int frames_in(const std::filesystem::path& file) {
    auto r =
        run("ffprobe -v error -count_frames -select_streams v:0 -show_entries "
            "stream=nb_read_frames -of csv=p=0 " +
            shell_quote(file.string()));
    return r.status == 0 ? std::atoi(r.out.c_str()) : -1;
}

class Split : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!have_program("ffmpeg") || !have_program("ffprobe"))
            GTEST_SKIP() << "ffmpeg/ffprobe not installed";
        dir_ = temp_dir("split");
        // Three shots of 40, 30 and 50 frames, cut at 40 and 70, keyframes every 25 frames.
        const cv::Size size{320, 180};
        std::vector<cv::Mat> frames;
        int seed = 1;
        for (int length : {40, 30, 50}) {
            auto shot =
                make_shot(make_scene(seed++, {480, 300}), size, length, {40, 30}, {0.5f, 0.2f});
            frames.insert(frames.end(), shot.begin(), shot.end());
        }
        film_ = dir_ / "film.mp4";
        ASSERT_TRUE(encode_video(frames, film_.string(), 25,
                                 "-c:v libx264 -pix_fmt yuv420p -preset ultrafast -g 25 "
                                 "-keyint_min 25 -sc_threshold 0"));
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path dir_, film_;
};

TEST_F(Split, ReencodesEachShotFrameExactly) {
    auto r = run(kinoglaz_bin() + " split " + shell_quote(film_.string()) + " -o " +
                 shell_quote((dir_ / "out").string()) + " --quiet");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(frames_in(dir_ / "out" / "shot-000.mp4"), 40);
    EXPECT_EQ(frames_in(dir_ / "out" / "shot-001.mp4"), 30);
    EXPECT_EQ(frames_in(dir_ / "out" / "shot-002.mp4"), 50);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "out" / "shot-003.mp4"));
}

TEST_F(Split, CopiesWholeGroupsOfPicturesAroundEachShot) {
    auto r = run(kinoglaz_bin() + " split " + shell_quote(film_.string()) + " -o " +
                 shell_quote((dir_ / "copy").string()) + " --copy --quiet");
    ASSERT_EQ(r.status, 0) << r.err;
    // Keyframes at 0, 25, 50, 75, 100: shot 0 [0, 40) copies [0, 50), shot 1 [40, 70)
    // copies [25, 75), shot 2 [70, 120) copies [50, 120) (to the end of the film).
    EXPECT_EQ(frames_in(dir_ / "copy" / "shot-000.mp4"), 50);
    EXPECT_EQ(frames_in(dir_ / "copy" / "shot-001.mp4"), 50);
    EXPECT_EQ(frames_in(dir_ / "copy" / "shot-002.mp4"), 70);
}

TEST_F(Split, FilmWithoutSoundGivesSilentFiles) {
    auto r = run(split_cmd(film_, dir_ / "out"));
    ASSERT_EQ(r.status, 0) << r.err;
    for (const char* name : {"shot-000.mp4", "shot-001.mp4", "shot-002.mp4"}) {
        EXPECT_EQ(probe_field(dir_ / "out" / name, "v", "codec_name"), "h264") << name;
        EXPECT_EQ(probe_field(dir_ / "out" / name, "a", "codec_name"), "") << name;
    }
}

// The same film with sound: a 440 Hz tone, quiet (0.1) in shots 0 and 2 and loud (0.8) in
// shot 1, switching exactly at the cuts (1.6 s and 2.8 s). A sound that leaked across a cut
// by even a millisecond would show the loud level in a quiet shot.
class SplitSound : public Split {
  protected:
    void SetUp() override {
        Split::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        const std::string tone =
            "-f lavfi -i \"aevalsrc='(0.1+0.7*gte(t,1.6)*lt(t,2.8))*sin(2*PI*440*t)'"
            ":s=48000:d=4.8:c=stereo\" ";
        // PCM in QuickTime: a source whose samples and timestamps are exact at the cuts (not
        // Matroska, whose timestamps are rounded to the millisecond), for re-encoding.
        pcm_ = dir_ / "film.mov";
        ASSERT_TRUE(ffmpeg("-i " + shell_quote(film_.string()) + " " + tone +
                           "-c:v copy -c:a pcm_s16le " + shell_quote(pcm_.string())));
        // AAC in MP4, the usual film, for stream copy.
        aac_ = dir_ / "film-aac.mp4";
        ASSERT_TRUE(ffmpeg("-i " + shell_quote(film_.string()) + " " + tone +
                           "-c:v copy -c:a aac -b:a 128k " + shell_quote(aac_.string())));
    }
    std::filesystem::path pcm_, aac_;
};

TEST_F(SplitSound, ReencodedShotsCarryExactlyTheirSound) {
    auto r = run(split_cmd(pcm_, dir_ / "out"));
    ASSERT_EQ(r.status, 0) << r.err;
    const double lengths[] = {40 / 25.0, 30 / 25.0, 50 / 25.0};
    for (int i = 0; i < 3; ++i) {
        const auto file = dir_ / "out" / ("shot-00" + std::to_string(i) + ".mp4");
        EXPECT_EQ(probe_field(file, "a", "codec_name"), "aac") << file;
        EXPECT_EQ(probe_field(file, "a", "channels"), "2") << file;
        EXPECT_NEAR(duration_of(file, "v"), lengths[i], 1e-3) << file;
        EXPECT_NEAR(duration_of(file, "a"), lengths[i], kAudioFrame_s) << file;
    }
    // In sync to the millisecond: the quiet shots stay quiet (0.1 = -20 dBFS), the loud one
    // is loud (0.8 = -1.9 dBFS).
    EXPECT_LT(max_volume_db(dir_ / "out" / "shot-000.mp4"), -17.0);
    EXPECT_GT(max_volume_db(dir_ / "out" / "shot-001.mp4"), -4.0);
    EXPECT_LT(max_volume_db(dir_ / "out" / "shot-002.mp4"), -17.0);
}

TEST_F(SplitSound, CopiedShotsCarryTheSoundOfTheCopiedSpan) {
    auto r = run(split_cmd(aac_, dir_ / "copy", "--copy"));
    ASSERT_EQ(r.status, 0) << r.err;
    // The copied pictures are whole groups of pictures: [0, 50), [25, 75), [50, 120).
    const double spans[] = {50 / 25.0, 50 / 25.0, 70 / 25.0};
    for (int i = 0; i < 3; ++i) {
        const auto file = dir_ / "copy" / ("shot-00" + std::to_string(i) + ".mp4");
        EXPECT_EQ(probe_field(file, "a", "codec_name"), "aac") << file;
        // Whole packets around the copied pictures: at most one more at each end, in sync.
        const double video = duration_of(file, "v"), audio = duration_of(file, "a");
        EXPECT_NEAR(video, spans[i], 1e-3) << file;
        EXPECT_GE(audio, video - 1e-3) << file;
        EXPECT_LE(audio, video + 2 * kAudioFrame_s) << file;
        EXPECT_NEAR(std::stod(probe_field(file, "a", "start_time")),
                    std::stod(probe_field(file, "v", "start_time")), kAudioFrame_s)
            << file;
    }
}

TEST_F(SplitSound, CopyOfSoundMp4CannotHoldSaysSoAndWritesSilentFiles) {
    auto r = run(split_cmd(pcm_, dir_ / "copy", "--copy"));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("pcm_s16le audio cannot be copied"), std::string::npos) << r.err;
    EXPECT_EQ(probe_field(dir_ / "copy" / "shot-000.mp4", "a", "codec_name"), "");
    EXPECT_EQ(frames_in(dir_ / "copy" / "shot-000.mp4"), 50);
}

TEST(SplitMedia, KeepsTheSourcePixelAspect) {
    if (!have_program("ffprobe")) GTEST_SKIP() << "ffprobe not installed";
    KINOGLAZ_REQUIRE_MEDIA(clip, "clips/issue-195-aspect-ratio.mp4");
    const auto dir = temp_dir("split-aspect");
    // Its first 4.4 s (a cut at frame 70, 2.8 s), copied: the same pixels, SAR and sound.
    const auto head = dir / "head.mp4";
    ASSERT_TRUE(ffmpeg("-i " + shell_quote(clip.string()) + " -t 4.4 -c copy " +
                       shell_quote(head.string())));
    const auto source_dar = probe_field(clip, "v", "display_aspect_ratio");
    EXPECT_EQ(source_dar, "16:9");
    EXPECT_EQ(probe_field(head, "v", "sample_aspect_ratio"), "16:11");
    auto r = run(split_cmd(head, dir / "out"));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;
    for (const auto& entry : std::filesystem::directory_iterator(dir / "out")) {
        if (entry.path().extension() != ".mp4") continue;
        EXPECT_EQ(probe_field(entry.path(), "v", "width,height"), "704,576") << entry.path();
        EXPECT_EQ(probe_field(entry.path(), "v", "sample_aspect_ratio"), "16:11") << entry.path();
        EXPECT_EQ(probe_field(entry.path(), "v", "display_aspect_ratio"), source_dar);
        EXPECT_EQ(probe_field(entry.path(), "a", "codec_name"), "aac") << entry.path();
    }
    std::filesystem::remove_all(dir);
}

TEST_F(Split, NamesFollowTheTemplate) {
    auto r = run(split_cmd(film_, dir_ / "out", "--copy --name '$NAME-s$SCENE-$SHOT-$START'"));
    ASSERT_EQ(r.status, 0) << r.err;
    // Scene indices come from the montage; the names must carry whatever it decided.
    std::istringstream lines(r.out);
    std::string line;
    std::vector<std::string> names;
    while (std::getline(lines, line)) names.push_back(std::filesystem::path(line).filename());
    ASSERT_EQ(names.size(), 3u) << r.out;
    EXPECT_EQ(names[0].rfind("film-s0", 0), 0u) << names[0];
    EXPECT_NE(names[0].find("-000-00-00-00.000.mp4"), std::string::npos) << names[0];
    EXPECT_NE(names[1].find("-001-00-00-01.600.mp4"), std::string::npos) << names[1];
    EXPECT_NE(names[2].find("-002-00-00-02.800.mp4"), std::string::npos) << names[2];
    for (const auto& name : names) EXPECT_TRUE(std::filesystem::exists(dir_ / "out" / name));
}

TEST(SplitNames, TemplateVariablesAndPadding) {
    std::vector<kinoglaz::Shot> shots(3);
    for (int i = 0; i < 3; ++i) {
        shots[i].index = i * 600;  // the widest index sets the padding of all
        shots[i].scene = i;
        shots[i].start_time_s = 3723.5 * i;
    }
    auto names =
        kinoglaz::shot_file_names("$NAME_$SHOT_$SCENE_$START$$", "/a/b/My Film.mkv", shots);
    ASSERT_EQ(names.size(), 3u);
    EXPECT_EQ(names[0], "My Film_0000_000_00-00-00.000$.mp4");
    EXPECT_EQ(names[1], "My Film_0600_001_01-02-03.500$.mp4");
    EXPECT_EQ(names[2], "My Film_1200_002_02-04-07.000$.mp4");
    EXPECT_EQ(kinoglaz::shot_file_names(kinoglaz::SplitOptions{}.name_template, "x.mp4", shots)[1],
              "shot-0600.mp4");
}

TEST(SplitNames, RefusesNamesThatAreNotPlainDistinctFiles) {
    std::vector<kinoglaz::Shot> shots(2);
    shots[1].index = 1;
    for (const char* bad : {"", "a/$SHOT", "..\\$SHOT", "..", ".$SHOT", "$SCENE", "same",
                            "$SHOT-$UNKNOWN", "$NAME"}) {
        try {
            kinoglaz::shot_file_names(bad, bad == std::string("$NAME") ? "/dir/" : "f.mp4", shots);
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const kinoglaz::Error& e) {
            EXPECT_EQ(e.kind(), kinoglaz::ErrorKind::bad_usage) << bad;
        }
    }
}

TEST_F(Split, RefusedTemplateIsOneLineAndExitTwo) {
    for (const char* bad : {"a/$SHOT", "..", "same", "$BOGUS", ""}) {
        auto r = run(split_cmd(film_, dir_ / "out", std::string("--name ") + shell_quote(bad)));
        EXPECT_EQ(r.status, 2) << bad << ": " << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_FALSE(std::filesystem::exists(dir_ / "out" / "shot-000.mp4")) << bad;
    }
}

TEST_F(Split, NeverOverwritesItsOwnInput) {
    ASSERT_EQ(run(split_cmd(film_, dir_ / "X", "--copy")).status, 0);
    const auto input = dir_ / "X" / "shot-000.mp4";
    const std::string before = slurp_file(input.string());
    ASSERT_FALSE(before.empty());
    for (const char* mode : {"", "--copy"}) {
        auto r = run(split_cmd(input, dir_ / "X", mode));
        EXPECT_EQ(r.status, 2) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_EQ(slurp_file(input.string()), before);
    }
    // Through a hard link and a symbolic link: the same file under another name.
    std::filesystem::create_hard_link(input, dir_ / "hard.mp4");
    std::filesystem::create_symlink(input, dir_ / "soft.mp4");
    for (const char* name : {"hard.mp4", "soft.mp4"})
        EXPECT_EQ(run(split_cmd(dir_ / name, dir_ / "X")).status, 2) << name;
    EXPECT_EQ(slurp_file(input.string()), before);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "X" / ".shot-000.mp4"));
}

TEST_F(Split, NeverReplacesFilesItDidNotWrite) {
    std::filesystem::create_directories(dir_ / "out");
    { std::ofstream(dir_ / "out" / "shot-001.mp4") << "someone else's"; }
    auto r = run(split_cmd(film_, dir_ / "out", "--copy"));
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(slurp_file((dir_ / "out" / "shot-001.mp4").string()), "someone else's");
    EXPECT_FALSE(std::filesystem::exists(dir_ / "out" / "shot-000.mp4"));
    // Its own files from an earlier run it replaces.
    std::filesystem::remove(dir_ / "out" / "shot-001.mp4");
    ASSERT_EQ(run(split_cmd(film_, dir_ / "out", "--copy")).status, 0);
    EXPECT_EQ(run(split_cmd(film_, dir_ / "out", "--copy")).status, 0);
    EXPECT_EQ(frames_in(dir_ / "out" / "shot-001.mp4"), 50);
}

TEST(SplitCli, BadInputIsOneLineAndExitOne) {
    auto r = run(kinoglaz_bin() + " split /nonexistent.mp4 -o /tmp/kinoglaz-split-none");
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(std::filesystem::exists("/tmp/kinoglaz-split-none"));
}

}  // namespace
