// The soundtrack's beats and onsets, and where each cut falls against them, on films made here
// with the ffmpeg CLI: a drum pattern with a known tempo and beat grid (kick, snare, hi-hat and
// noise; every fourth bar without the kick, so that the beat must be tracked rather than read
// off the loudest hit), cut at frames placed at known offsets from the beats.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <kinoglaz/decode.hpp>
#include <kinoglaz/export.hpp>
#include <kinoglaz/montage.hpp>
#include <kinoglaz/sound.hpp>
#include "support/ffmpeg_cli.hpp"
#include "support/run.hpp"
#include "support/synthetic.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace kinoglaz::test {
namespace {

constexpr double kSeconds = 24;  // long enough for aubio's tracker to settle

// Writes `bytes` to `file`; false when it cannot.
bool write_bytes(const std::filesystem::path& file, const std::string& bytes) {
    std::FILE* f = std::fopen(file.string().c_str(), "wb");
    if (!f) return false;
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    return std::fclose(f) == 0 && ok;
}

// The drum pattern at BPM, as an aevalsrc expression (t in seconds, beat k at k * 60 / bpm).
std::string drums(double bpm, double seconds = kSeconds) {
    char e[1024];
    const double T = 60.0 / bpm;
    std::snprintf(e, sizeof e,
                  "aevalsrc=exprs='"
                  // kick (a 55 Hz thump with its beater click), bars 1-3 of every 4
                  "if(lt(mod(floor(floor(t/%.9f)/4),4),3),"
                  "0.9*sin(2*PI*55*mod(t,%.9f))*exp(-mod(t,%.9f)*18)"
                  "+0.5*(2*random(3)-1)*exp(-mod(t,%.9f)*400),0)"
                  // snare on beats 2 and 4, hi-hat on every eighth, background noise
                  "+mod(floor(t/%.9f),2)*0.5*(2*random(0)-1)*exp(-mod(t,%.9f)*35)"
                  "+0.12*(2*random(1)-1)*exp(-mod(t,%.9f)*120)"
                  "+0.02*(2*random(2)-1)'"
                  ":s=48000:d=%g",
                  T, T, T, T, T, T, T / 2, seconds);
    return e;
}

// Music in bars of BEATS_PER_BAR whose bass marks "one": a 60 Hz note on each bar's first
// beat, a noise click on every beat (so that the tracker follows beats, not bars), background
// noise.
std::string bars(double bpm, int beats_per_bar, double seconds = kSeconds) {
    char e[1024];
    const double T = 60.0 / bpm;
    std::snprintf(e, sizeof e,
                  "aevalsrc=exprs='"
                  "eq(mod(floor(t/%.9f),%d),0)*0.8*sin(2*PI*60*mod(t,%.9f))*exp(-mod(t,%.9f)*10)"
                  "+0.4*(2*random(0)-1)*exp(-mod(t,%.9f)*150)+0.02*(2*random(1)-1)'"
                  ":s=48000:d=%g",
                  T, beats_per_bar, T, T, T, seconds);
    return e;
}

// Half-open shots of textured crops: each cut frame starts a shot of another scene.
bool make_picture(const fs::path& path, double fps, const std::vector<int>& cuts, int frames,
                  const std::string& extra = "-c:v libx264 -pix_fmt yuv420p -preset ultrafast") {
    std::vector<cv::Mat> all;
    std::vector<int> bounds = cuts;
    bounds.insert(bounds.begin(), 0);
    bounds.push_back(frames);
    for (std::size_t s = 0; s + 1 < bounds.size(); ++s) {
        const cv::Mat scene = make_scene(int(s) * 7 + 3, {320, 180});
        auto shot = make_shot(scene, {128, 72}, bounds[s + 1] - bounds[s], {10, 10}, {0.5f, 0});
        all.insert(all.end(), shot.begin(), shot.end());
    }
    return encode_video(all, path.string(), fps, extra);
}

// Cut frames at known offsets from beats: every third beat, offsets cycling through on-beat,
// early and late by up to a fifth of a beat.
std::vector<int> cut_frames(double bpm, double fps, double audio_delay_s) {
    const double T = 60.0 / bpm;
    const double offsets[] = {0.0, 0.1, -0.08, 0.0, 0.2 * T, -0.15 * T, 0.0};
    std::vector<int> cuts;
    int i = 0;
    for (int k = 3; audio_delay_s + k * T < kSeconds - 1.5; k += 3, ++i) {
        const double t = audio_delay_s + k * T + offsets[i % 7];
        const int f = int(std::lround(t * fps));
        if (cuts.empty() || f - cuts.back() >= int(fps * 0.8)) cuts.push_back(f);
    }
    return cuts;
}

struct Truth {
    std::vector<double> beats;  // on the film's clock
};

Truth truth(double bpm, double audio_delay_s) {
    Truth t;
    for (int k = 0; k * 60.0 / bpm < kSeconds - 1e-9; ++k)
        t.beats.push_back(audio_delay_s + k * 60.0 / bpm);
    return t;
}

// MIREX beat F-measure: one-to-one matches within +-tolerance.
double f_measure(const std::vector<double>& truth, const std::vector<double>& found,
                 double tolerance = 0.07) {
    if (truth.empty() || found.empty()) return 0;
    std::vector<bool> used(found.size(), false);
    int hits = 0;
    for (double b : truth) {
        for (std::size_t j = 0; j < found.size(); ++j)
            if (!used[j] && std::abs(found[j] - b) <= tolerance) {
                used[j] = true;
                ++hits;
                break;
            }
    }
    const double p = double(hits) / found.size(), r = double(hits) / truth.size();
    return p + r > 0 ? 2 * p * r / (p + r) : 0;
}

std::vector<double> numbers(const json& a) {
    std::vector<double> v;
    for (const auto& x : a) v.push_back(x.get<double>());
    return v;
}

class SoundTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!have_program("ffmpeg") || !have_program("ffprobe"))
            GTEST_SKIP() << "ffmpeg/ffprobe CLI not found: the test films cannot be made";
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        std::string name = std::string(info->test_suite_name()) + "-" + info->name();
        std::replace(name.begin(), name.end(), '/', '-');
        dir_ = fs::temp_directory_path() /
               ("kinoglaz-sound-" + std::to_string(::getpid()) + "-" + name);
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override {
        if (!dir_.empty() && !HasFailure()) fs::remove_all(dir_);
    }

    // A montage at FPS cut at CUTS, SECONDS long, with AUDIO (ffmpeg input arguments: drums
    // by default) starting DELAY_S after the picture; stereo 48 kHz AAC unless AUDIO_CODEC says
    // otherwise. VIDEO_EXTRA can make the picture VFR; EXT picks the container.
    struct FilmSpec {
        double fps = 25;
        std::vector<int> cuts{};
        double seconds = kSeconds;
        double delay_s = 0;
        std::string audio{};  // ffmpeg input arguments; empty: none
        std::string audio_codec = "-c:a aac -b:a 128k -ac 2 -ar 48000";
        std::string video_extra{};
        std::string ext = "mp4";
    };
    fs::path film(const FilmSpec& f) {
        const auto picture = dir_ / "picture.mkv";
        const int frames = int(std::lround(f.seconds * f.fps));
        EXPECT_TRUE(
            make_picture(picture, f.fps, f.cuts, frames,
                         "-c:v libx264 -pix_fmt yuv420p -preset ultrafast -g 30 " + f.video_extra));
        const auto out = dir_ / ("film." + f.ext);
        std::string args = "-i " + shell_quote(picture.string()) + " ";
        if (!f.audio.empty()) {
            char delay[64];
            std::snprintf(delay, sizeof delay, "%.6f", f.delay_s);
            if (f.delay_s > 0) args += std::string("-itsoffset ") + delay + " ";
            args += f.audio + " -map 0:v -map 1:a -c:v copy " + f.audio_codec + " ";
        } else {
            args += "-c:v copy ";
        }
        EXPECT_TRUE(ffmpeg(args + shell_quote(out.string())));
        return out;
    }
    fs::path film(double bpm, double fps, double delay_s, const std::vector<int>& cuts) {
        return film({.fps = fps,
                     .cuts = cuts,
                     .delay_s = delay_s,
                     .audio = "-f lavfi -i " + shell_quote(drums(bpm))});
    }

    json analyze(const fs::path& input, const std::string& extra = "") {
        const auto out = dir_ / "out";
        auto r = run(shell_quote(kinoglaz_bin()) + " analyze " + shell_quote(input.string()) +
                     " -o " + shell_quote(out.string()) + " --no-reveal --quiet --force " + extra);
        EXPECT_EQ(r.status, 0) << r.err;
        return json::parse(slurp_file((out / "analysis.json").string()), nullptr, false);
    }

    fs::path dir_;
};

struct Case {
    double bpm;
    double fps;
};

class SoundGrid : public SoundTest, public ::testing::WithParamInterface<Case> {};

// Tempo within 2 %, beats with F >= 0.9 (+-70 ms), each cut's beat_offset_s within one frame
// of the truth for >= 95 % of the cuts, and the cuts' offsets to the nearest onset small for
// cuts placed on a beat (each beat has a drum hit).
TEST_P(SoundGrid, TempoBeatsAndCutOffsetsMatchTheTruth) {
    const auto [bpm, fps] = GetParam();
    const auto cuts = cut_frames(bpm, fps, 0);
    const auto doc = analyze(film(bpm, fps, 0, cuts));
    ASSERT_TRUE(doc.is_object());
    ASSERT_TRUE(doc.contains("audio"));
    const auto& audio = doc["audio"];
    EXPECT_FALSE(audio.contains("error")) << audio.value("error", "");
    EXPECT_EQ(audio["stream"], 1);
    EXPECT_NEAR(audio["tempo_bpm"].get<double>(), bpm, 0.02 * bpm);
    const auto t = truth(bpm, 0);
    const auto beats = numbers(audio["beats"]);
    EXPECT_GE(f_measure(t.beats, beats), 0.9) << beats.size() << " beats";
    EXPECT_FALSE(numbers(audio["onsets"]).empty());
    // The kick falls on every beat of three bars in four: nothing marks a bar's first beat,
    // so no downbeat is guessed.
    EXPECT_FALSE(audio.contains("downbeats")) << audio["downbeats"].dump();

    int cut_count = 0, within = 0, matched = 0, on_beat = 0;
    for (const auto& tr : doc["transitions"]) {
        if (tr["type"] != "cut") continue;
        ++cut_count;
        const int frame = tr["start_frame"].get<int>();
        if (std::find(cuts.begin(), cuts.end(), frame) == cuts.end()) continue;
        ++matched;
        ASSERT_TRUE(tr.contains("beat_offset_s"));
        ASSERT_TRUE(tr.contains("onset_offset_s"));
        const double truth_offset = *offset_to_nearest(t.beats, frame / fps);
        if (std::abs(tr["beat_offset_s"].get<double>() - truth_offset) <= 1.0 / fps) ++within;
        if (std::abs(truth_offset) <= 0.5 / fps) ++on_beat;
    }
    EXPECT_EQ(matched, int(cuts.size())) << "cuts found: " << cut_count;
    EXPECT_GE(within, 0.95 * cuts.size()) << within << " of " << cuts.size();
    ASSERT_TRUE(doc["rhythm"].contains("on_beat_share"));
    const double share = doc["rhythm"]["on_beat_share"].get<double>();
    EXPECT_NEAR(share, double(on_beat) / cuts.size(), 1.5 / cuts.size());
    std::printf(
        "%g bpm, %.3f fps: tempo %.3f bpm, beat F %.3f, %d of %zu cut offsets within "
        "a frame, on-beat share %.3f (truth %.3f)\n",
        bpm, fps, audio["tempo_bpm"].get<double>(), f_measure(t.beats, beats), within, cuts.size(),
        share, double(on_beat) / cuts.size());
}

INSTANTIATE_TEST_SUITE_P(Tempi, SoundGrid,
                         ::testing::Values(Case{90, 25}, Case{140, 30000.0 / 1001}, Case{120, 24},
                                           Case{80, 30}, Case{160, 50}),
                         [](const auto& info) {
                             return std::to_string(int(info.param.bpm)) + "bpm_" +
                                    std::to_string(int(std::lround(info.param.fps))) + "fps";
                         });

struct Meter {
    double bpm;
    int beats_per_bar;
    double fps;
};

class SoundMeters : public SoundTest, public ::testing::WithParamInterface<Meter> {};

// A bass note on "one" gives the bar: its length and downbeats with F >= 0.9 (+-70 ms).
TEST_P(SoundMeters, DownbeatsFollowTheBassOnOne) {
    const auto [bpm, beats_per_bar, fps] = GetParam();
    const auto doc =
        analyze(film({.fps = fps,
                      .cuts = {int(fps * 5), int(fps * 11)},
                      .audio = "-f lavfi -i " + shell_quote(bars(bpm, beats_per_bar))}));
    ASSERT_TRUE(doc.contains("audio"));
    const auto& audio = doc["audio"];
    EXPECT_NEAR(audio["tempo_bpm"].get<double>(), bpm, 0.02 * bpm);
    ASSERT_TRUE(audio.contains("downbeats")) << audio.dump();
    EXPECT_EQ(audio["beats_per_bar"], beats_per_bar);
    std::vector<double> truth;
    for (int k = 0; k * beats_per_bar * 60.0 / bpm < kSeconds - 1e-9; ++k)
        truth.push_back(k * beats_per_bar * 60.0 / bpm);
    const auto found = numbers(audio["downbeats"]);
    EXPECT_GE(f_measure(truth, found), 0.9)
        << found.size() << " downbeats, " << truth.size() << " bars";
    const auto report = slurp_file((dir_ / "out" / "report.html").string());
    EXPECT_NE(report.find("class=\"downbeats\""), std::string::npos);
    std::printf("%g bpm in %d: downbeat F %.3f (%zu found, %zu bars)\n", bpm, beats_per_bar,
                f_measure(truth, found), found.size(), truth.size());
}

INSTANTIATE_TEST_SUITE_P(Bars, SoundMeters,
                         ::testing::Values(Meter{110, 4, 25}, Meter{150, 3, 30}, Meter{96, 4, 24}),
                         [](const auto& info) {
                             return std::to_string(int(info.param.bpm)) + "bpm_in_" +
                                    std::to_string(info.param.beats_per_bar);
                         });

// Audio that starts 1.5 s after the picture: the beats are on the film's clock (from its first
// video frame), so they and the cut offsets carry the delay.
TEST_F(SoundTest, AudioStartingLaterThanThePictureIsShiftedOntoTheFilmClock) {
    const double bpm = 120, fps = 25, delay = 1.5;
    const auto cuts = cut_frames(bpm, fps, delay);
    const auto doc = analyze(film(bpm, fps, delay, cuts));
    ASSERT_TRUE(doc.contains("audio"));
    const auto& audio = doc["audio"];
    EXPECT_NEAR(audio["start_s"].get<double>(), delay, 0.03);
    auto t = truth(bpm, delay);
    t.beats.erase(
        std::remove_if(t.beats.begin(), t.beats.end(), [](double b) { return b > kSeconds; }),
        t.beats.end());
    const auto beats = numbers(audio["beats"]);
    ASSERT_FALSE(beats.empty());
    EXPECT_GE(beats.front(), delay - 0.07);
    EXPECT_GE(f_measure(t.beats, beats), 0.9);
    int within = 0, matched = 0;
    for (const auto& tr : doc["transitions"]) {
        const int frame = tr["start_frame"].get<int>();
        if (tr["type"] != "cut" || std::find(cuts.begin(), cuts.end(), frame) == cuts.end())
            continue;
        ++matched;
        const double truth_offset = *offset_to_nearest(t.beats, frame / fps);
        if (std::abs(tr["beat_offset_s"].get<double>() - truth_offset) <= 1.0 / fps) ++within;
    }
    EXPECT_EQ(matched, int(cuts.size()));
    EXPECT_GE(within, 0.95 * cuts.size()) << within << " of " << cuts.size();
}

// A VFR film (25 fps, then 50 fps from 12 s): each cut's offset is measured from its real
// timestamp, which frame / fps would place seconds away.
TEST_F(SoundTest, VfrCutOffsetsComeFromTheCutFramesTimestamps) {
    const double bpm = 100, T = 0.6;
    // Frames 0..299 at 25 fps (0..12 s), then 50 fps: frame of time t.
    auto frame_at = [](double t) {
        return t < 12 ? int(std::lround(t * 25)) : 300 + int(std::lround((t - 12) * 50));
    };
    std::vector<int> cuts;
    const double offsets[] = {0.0, 0.1, -0.07, 0.15};
    for (int k = 4, i = 0; k * T < kSeconds - 1.5; k += 4, ++i)
        cuts.push_back(frame_at(k * T + offsets[i % 4]));
    const int frames = 300 + 600;
    FilmSpec spec{.fps = 25,
                  .cuts = cuts,
                  .audio = "-f lavfi -i " + shell_quote(drums(bpm)),
                  .video_extra =
                      "-vf \"settb=1/1000,setpts='if(lt(N,300),N/25,12+(N-300)/50)/TB'\" "
                      "-fps_mode vfr -enc_time_base 1:1000",
                  .ext = "mkv"};
    spec.seconds = frames / 25.0;  // frames to encode; their times come from setpts
    const auto path = film(spec);
    const auto times = ffprobe_frame_times(path.string());
    ASSERT_GE(times.size(), std::size_t(frames) - 2);
    const auto doc = analyze(path);
    ASSERT_TRUE(doc.contains("audio"));
    const auto beats = numbers(doc["audio"]["beats"]);
    const auto t = truth(bpm, 0);
    int matched = 0, within = 0;
    for (const auto& tr : doc["transitions"]) {
        const int frame = tr["start_frame"].get<int>();
        if (tr["type"] != "cut" || std::find(cuts.begin(), cuts.end(), frame) == cuts.end())
            continue;
        ++matched;
        const double time = tr["start_time"].get<double>();
        EXPECT_NEAR(time, times[std::size_t(frame)], 1e-3) << "frame " << frame;
        // The offset is the cut's own time minus the nearest beat found ...
        EXPECT_NEAR(tr["beat_offset_s"].get<double>(), *offset_to_nearest(beats, time), 1e-5);
        // ... and within one frame (of the slower part) of the truth.
        if (std::abs(tr["beat_offset_s"].get<double>() -
                     *offset_to_nearest(t.beats, times[std::size_t(frame)])) <= 1.0 / 25)
            ++within;
    }
    EXPECT_EQ(matched, int(cuts.size()));
    EXPECT_GE(within, 0.95 * cuts.size()) << within << " of " << cuts.size();
}

// No audio stream: no audio section, no offsets, no shares.
TEST_F(SoundTest, FilmWithoutAudioHasNoAudioSection) {
    const auto doc = analyze(film({.cuts = {50, 100}, .seconds = 6}));
    ASSERT_TRUE(doc.is_object());
    EXPECT_FALSE(doc.contains("audio"));
    EXPECT_FALSE(doc["rhythm"].contains("on_beat_share"));
    ASSERT_EQ(doc["transitions"].size(), 2u);
    for (const auto& tr : doc["transitions"]) EXPECT_FALSE(tr.contains("beat_offset_s"));
}

// A corrupt AAC stream (bytes overwritten in its middle, in MPEG-TS): the audio section says
// so and counts the skipped packets; the picture's analysis is complete.
TEST_F(SoundTest, CorruptAudioGivesAnErrorAndThePictureIsAnalysedInFull) {
    const auto clean = dir_ / "drums.aac";
    ASSERT_TRUE(ffmpeg("-f lavfi -i " + shell_quote(drums(120, 8)) + " -c:a aac -b:a 128k " +
                       shell_quote(clean.string())));
    std::string bytes = slurp_file(clean.string());
    ASSERT_GT(bytes.size(), 30000u);
    for (std::size_t i = bytes.size() / 3; i < bytes.size() / 3 + 20000; i += 7)
        bytes[i] = char((i * 31) & 255);
    const auto bad = dir_ / "bad.aac";
    ASSERT_TRUE(write_bytes(bad, bytes));
    const std::vector<int> cuts{50, 110, 160};
    const auto doc = analyze(film({.cuts = cuts,
                                   .seconds = 8,
                                   .audio = "-i " + shell_quote(bad.string()),
                                   .audio_codec = "-c:a copy",
                                   .ext = "ts"}));
    ASSERT_TRUE(doc.contains("audio"));
    EXPECT_TRUE(doc["audio"].contains("error"));
    EXPECT_GT(doc["audio"]["decode_errors"].get<int>(), 0);
    std::vector<int> found;
    for (const auto& tr : doc["transitions"]) found.push_back(tr["start_frame"].get<int>());
    EXPECT_EQ(found, cuts);
    EXPECT_EQ(doc["shots"].size(), cuts.size() + 1);
}

// A truncated audio stream: in an MPEG-TS film the sound's packets stop 40 % of the way in
// (the last one cut short), the picture goes on. The section says what went wrong and how far
// the sound reaches; the picture's analysis is complete.
TEST_F(SoundTest, TruncatedAudioGivesAnErrorAndThePictureIsAnalysedInFull) {
    const std::vector<int> cuts{50, 110, 160};
    const fs::path whole = film({.cuts = cuts,
                                 .seconds = 8,
                                 .audio = "-f lavfi -i " + shell_quote(drums(120, 8)),
                                 .ext = "ts"});
    const std::string bytes = slurp_file(whole.string());
    ASSERT_EQ(bytes.size() % 188, 0u) << "not a transport stream";
    // The audio stream's packets (its PID as ffprobe gives it), kept up to 40 % of them.
    const auto probe =
        run("ffprobe -v error -select_streams a:0 -show_entries stream=id -of csv=p=0 " +
            shell_quote(whole.string()));
    ASSERT_EQ(probe.status, 0) << probe.err;
    const int audio = int(std::stol(probe.out, nullptr, 0));
    auto pid_of = [&](std::size_t at) {
        return ((bytes[at + 1] & 0x1f) << 8) | (unsigned char)bytes[at + 2];
    };
    int audio_packets = 0;
    for (std::size_t at = 0; at < bytes.size(); at += 188) audio_packets += pid_of(at) == audio;
    ASSERT_GT(audio_packets, 10);
    std::string cut;
    int kept = 0;
    for (std::size_t at = 0; at < bytes.size(); at += 188)
        if (pid_of(at) != audio || ++kept <= audio_packets * 2 / 5) cut.append(bytes, at, 188);
    const auto bad = dir_ / "truncated.ts";
    ASSERT_TRUE(write_bytes(bad, cut));
    const auto doc = analyze(bad);
    ASSERT_TRUE(doc.contains("audio"));
    EXPECT_TRUE(doc["audio"].contains("error")) << doc["audio"].dump();
    EXPECT_LT(doc["audio"]["duration_s"].get<double>(), 5.0);
    std::vector<int> found;
    for (const auto& tr : doc["transitions"]) found.push_back(tr["start_frame"].get<int>());
    EXPECT_EQ(found, cuts);
    EXPECT_NEAR(doc["source"]["duration_s"].get<double>(), 8.0, 0.1);
}

// A silent track: an audio section that says so, no beats; the rest completes.
TEST_F(SoundTest, SilentTrackGivesAnError) {
    const auto doc =
        analyze(film({.cuts = {50, 100},
                      .seconds = 6,
                      .audio = "-f lavfi -i " + shell_quote("anullsrc=r=48000:cl=stereo:d=6")}));
    ASSERT_TRUE(doc.contains("audio"));
    EXPECT_NE(doc["audio"].value("error", "").find("silent"), std::string::npos);
    EXPECT_TRUE(doc["audio"]["beats"].empty());
    EXPECT_EQ(doc["transitions"].size(), 2u);
}

// An audio codec no decoder knows: a Matroska film whose PCM track's codec ID is renamed
// (same length, so the file stays well-formed). The section names the problem; the picture's
// analysis is complete.
TEST_F(SoundTest, UnsupportedAudioCodecGivesAnErrorAndThePictureIsAnalysedInFull) {
    const std::vector<int> cuts{40, 90};
    const fs::path pcm = film({.cuts = cuts,
                               .seconds = 5,
                               .audio = "-f lavfi -i " + shell_quote(drums(120, 5)),
                               .audio_codec = "-c:a pcm_s16le",
                               .ext = "mkv"});
    std::string bytes = slurp_file(pcm.string());
    const std::string known = "A_PCM/INT/LIT", unknown = "A_KGZ/INT/LIT";
    const auto at = bytes.find(known);
    ASSERT_NE(at, std::string::npos) << "no PCM codec ID in the Matroska header";
    bytes.replace(at, known.size(), unknown);
    const auto bad = dir_ / "unknown-codec.mkv";
    ASSERT_TRUE(write_bytes(bad, bytes));

    const auto doc = analyze(bad);
    ASSERT_TRUE(doc.contains("audio"));
    EXPECT_NE(doc["audio"].value("error", "").find("codec is unknown"), std::string::npos)
        << doc["audio"].dump();
    EXPECT_EQ(doc["audio"]["codec"], "unknown");
    EXPECT_TRUE(doc["audio"]["beats"].empty());
    std::vector<int> found;
    for (const auto& tr : doc["transitions"]) found.push_back(tr["start_frame"].get<int>());
    EXPECT_EQ(found, cuts);
    EXPECT_EQ(doc["shots"].size(), cuts.size() + 1);
}

// --audio-stream names the stream; one that is not audio gives an error in the section, and
// --no-audio leaves the section out.
TEST_F(SoundTest, AudioStreamOptionChoosesTheStream) {
    const auto path =
        film({.cuts = {50}, .seconds = 4, .audio = "-f lavfi -i " + shell_quote(drums(120, 4))});
    auto doc = analyze(path, "--audio-stream 0");
    ASSERT_TRUE(doc.contains("audio"));
    EXPECT_EQ(doc["audio"]["stream"], 0);
    EXPECT_NE(doc["audio"].value("error", "").find("not an audio stream"), std::string::npos);
    doc = analyze(path, "--audio-stream 1");
    EXPECT_FALSE(doc["audio"].contains("error"));
    EXPECT_EQ(doc["audio"]["channels"], 2);
    EXPECT_EQ(doc["audio"]["sample_rate"], 48000);
    doc = analyze(path, "--no-audio");
    EXPECT_FALSE(doc.contains("audio"));
    auto r = run(shell_quote(kinoglaz_bin()) + " analyze " + shell_quote(path.string()) + " -o " +
                 shell_quote((dir_ / "x").string()) + " --no-audio --audio-stream 1");
    EXPECT_EQ(r.status, 2) << r.err;
}

// The beats reach the folder's other files: a lane and offset columns in the report, markers in
// OTIO and FCPXML, a tier in ELAN, a WebVTT metadata track; `batch` tables gain tempo and the
// on-beat share.
TEST_F(SoundTest, BeatsReachReportExportsAndCorpusTables) {
    const double bpm = 120;
    const auto cuts = cut_frames(bpm, 25, 0);
    const auto path = film(bpm, 25, 0, cuts);
    const auto doc = analyze(path);
    ASSERT_TRUE(doc.contains("audio"));
    const auto beats = numbers(doc["audio"]["beats"]);
    ASSERT_GT(beats.size(), 20u);
    const auto out = dir_ / "out";
    auto count = [](const std::string& text, const std::string& what) {
        std::size_t n = 0;
        for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
        return n;
    };
    const std::string report = slurp_file((out / "report.html").string());
    EXPECT_NE(report.find("class=\"sound-lane\""), std::string::npos);
    EXPECT_NE(report.find("to beat</th>"), std::string::npos);
    EXPECT_NE(report.find("Tempo"), std::string::npos);
    const auto otio = json::parse(slurp_file((out / "timeline.otio").string()));
    std::size_t otio_beats = 0;
    for (const auto& track : otio["tracks"]["children"])
        for (const auto& m : track["markers"]) otio_beats += m["name"] == "beat";
    EXPECT_EQ(otio_beats, beats.size());
    EXPECT_EQ(count(slurp_file((out / "timeline.fcpxml").string()), "value=\"beat\""),
              beats.size());
    const std::string eaf = slurp_file((out / "annotations.eaf").string());
    EXPECT_NE(eaf.find("TIER_ID=\"beats\""), std::string::npos);
    EXPECT_EQ(count(eaf, "<ANNOTATION_VALUE>beat "), beats.size());
    const std::string vtt = slurp_file((out / "beats.vtt").string());
    EXPECT_EQ(vtt.rfind("WEBVTT\n", 0), 0u);
    EXPECT_EQ(count(vtt, " --> "), beats.size());
    if (have_program("xmllint")) {
        auto r = run("xmllint --noout " + shell_quote((out / "annotations.eaf").string()) + " " +
                     shell_quote((out / "timeline.fcpxml").string()));
        EXPECT_EQ(r.status, 0) << r.err;
    }

    std::FILE* list = std::fopen((dir_ / "films.txt").string().c_str(), "w");
    ASSERT_NE(list, nullptr);
    std::fprintf(list, "%s\n", path.string().c_str());
    std::fclose(list);
    auto r =
        run(shell_quote(kinoglaz_bin()) + " batch " + shell_quote((dir_ / "films.txt").string()) +
            " -o " + shell_quote((dir_ / "corpus").string()) + " --no-reveal --quiet");
    ASSERT_EQ(r.status, 0) << r.err;
    const auto corpus = json::parse(slurp_file((dir_ / "corpus" / "corpus.json").string()));
    ASSERT_EQ(corpus["films"].size(), 1u);
    EXPECT_NEAR(corpus["films"][0]["tempo_bpm"].get<double>(), bpm, 0.02 * bpm);
    EXPECT_NEAR(corpus["films"][0]["on_beat_share"].get<double>(),
                doc["rhythm"]["on_beat_share"].get<double>(), 1e-3);  // the tables round to 0.001
    EXPECT_NE(
        slurp_file((dir_ / "corpus" / "corpus.csv").string()).find(",tempo_bpm,on_beat_share,"),
        std::string::npos);
}

// Segmented decoding (--segments) gives the same audio section and cut offsets.
TEST_F(SoundTest, SegmentedAnalysisHasTheSameSound) {
    const auto path = film({.cuts = {50, 110, 160},
                            .seconds = 8,
                            .audio = "-f lavfi -i " + shell_quote(drums(120, 8))});
    const auto whole = analyze(path);
    const auto segmented = analyze(path, "--segments 2");
    ASSERT_TRUE(whole.contains("audio"));
    EXPECT_EQ(whole["audio"], segmented["audio"]);
    EXPECT_EQ(whole["transitions"], segmented["transitions"]);
    EXPECT_EQ(whole["rhythm"]["on_beat_share"], segmented["rhythm"]["on_beat_share"]);
}

// The nearest-time offset, signed, ties to the earlier time.
TEST(SoundOffsets, OffsetToNearestIsSigned) {
    const std::vector<double> beats{1.0, 2.0, 3.0};
    EXPECT_FALSE(offset_to_nearest({}, 1.0));
    EXPECT_DOUBLE_EQ(*offset_to_nearest(beats, 0.5), -0.5);
    EXPECT_DOUBLE_EQ(*offset_to_nearest(beats, 1.25), 0.25);
    EXPECT_DOUBLE_EQ(*offset_to_nearest(beats, 1.75), -0.25);
    EXPECT_DOUBLE_EQ(*offset_to_nearest(beats, 2.5), 0.5);
    EXPECT_DOUBLE_EQ(*offset_to_nearest(beats, 4.0), 1.0);
}

// Offsets are taken from each cut's own time (VFR-safe), gradual transitions get none, and
// the shares count cuts within half a frame of a beat and one frame of an onset.
TEST(SoundOffsets, CutsGetOffsetsAndSharesFromTheirTimes) {
    Analysis a;
    a.source.fps = 25;
    auto cut = [](FrameIndex f, double t) {
        Transition x;
        x.frames = {f, f};
        x.start_time_s = x.end_time_s = t;
        return x;
    };
    a.transitions = {cut(10, 1.01), cut(40, 2.2), cut(41, 3.03)};
    Transition dissolve;
    dissolve.type = TransitionType::dissolve;
    dissolve.frames = {60, 70};
    dissolve.start_time_s = 4.0;
    a.transitions.push_back(dissolve);
    AudioAnalysis audio;
    audio.beats = {1.0, 2.0, 3.0, 4.0};
    audio.onsets = {2.19, 3.1};
    a.audio = audio;
    apply_sound_offsets(a);
    ASSERT_EQ(a.audio->cuts.size(), 3u);
    EXPECT_NEAR(*a.audio->cuts[0].beat_offset_s, 0.01, 1e-9);
    EXPECT_NEAR(*a.audio->cuts[1].beat_offset_s, 0.2, 1e-9);
    EXPECT_NEAR(*a.audio->cuts[2].beat_offset_s, 0.03, 1e-9);
    EXPECT_NEAR(*a.audio->cuts[1].onset_offset_s, 0.01, 1e-9);
    EXPECT_NEAR(*a.audio->on_beat_share, 1.0 / 3, 1e-9);   // only 0.01 <= 0.02
    EXPECT_NEAR(*a.audio->on_onset_share, 1.0 / 3, 1e-9);  // 0.01; not 0.07 > 0.04 or 0.2
    // analysis.json carries them on the cuts and reads them back; without audio, nothing.
    const auto text = analysis_json(a, JsonContent::full);
    const auto doc = json::parse(text);
    EXPECT_NEAR(doc["transitions"][1]["beat_offset_s"].get<double>(), 0.2, 1e-6);
    EXPECT_FALSE(doc["transitions"][3].contains("beat_offset_s"));
    EXPECT_NEAR(doc["rhythm"]["on_beat_share"].get<double>(), 1.0 / 3, 1e-6);
    const Analysis back = parse_analysis_json(text, "test");
    ASSERT_TRUE(back.audio);
    EXPECT_EQ(back.audio->beats, audio.beats);
    ASSERT_EQ(back.audio->cuts.size(), 3u);
    EXPECT_NEAR(*back.audio->cuts[2].beat_offset_s, 0.03, 1e-6);
    EXPECT_NEAR(*back.audio->on_onset_share, 1.0 / 3, 1e-6);
    a.audio.reset();
    const Analysis none = parse_analysis_json(analysis_json(a, JsonContent::full), "test");
    EXPECT_FALSE(none.audio);
    EXPECT_EQ(none.transitions.size(), 4u);
}

}  // namespace
}  // namespace kinoglaz::test
