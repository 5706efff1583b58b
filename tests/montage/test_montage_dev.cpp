// Montage structure on the dev montages: the real pipeline feeds the collector, the TRUTH
// transitions are given to build_montage, and set-ups, returns and camera movement are
// scored against the truth file (shots[].group, shots[].pattern, distractors).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <kinoglaz/decode.hpp>
#include <kinoglaz/montage.hpp>
#include <kinoglaz/pipeline.hpp>
#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"
#include "support/run.hpp"

namespace kinoglaz {
namespace {

struct FileScore {
    int tp = 0, fp = 0, fn = 0;
    int returns = 0, returns_found = 0;
    int fast = 0, fast_moving = 0;
};

Analysis analyse_with_truth(const std::filesystem::path& video, const nlohmann::json& truth) {
    DecodeOptions dopt;
    dopt.threads = 2;
    dopt.fast_decode = FastDecode::auto_;
    VideoDecoder decoder(video.string(), dopt);
    MontageCollector collector;
    PipelineOptions popt;
    popt.threads = 2;
    popt.features = montage_features();
    run_pipeline(decoder, popt,
                 [&](const FramePtr&, const FrameFeatures& f) { collector.push(f); });

    Analysis a;
    a.source = decoder.info();
    for (const auto& t : truth["transitions"]) {
        Transition tr;
        tr.type = transition_type_from_string(t["type"].get<std::string>()).value();
        tr.frames = {t["start_frame"].get<FrameIndex>(), t["end_frame"].get<FrameIndex>()};
        tr.start_time_s = t["start_time"].get<double>();
        tr.end_time_s = t["end_time"].get<double>();
        a.transitions.push_back(tr);
    }
    build_montage(a, collector);
    return a;
}

FileScore score(const Analysis& a, const nlohmann::json& truth, const std::string& name) {
    FileScore s;
    const auto& tshots = truth["shots"];
    // Truth shot -> our shot with the same frames (the transitions are the truth's own).
    std::vector<int> mine;
    for (const auto& ts : tshots) {
        int found = -1;
        for (const auto& shot : a.shots)
            if (shot.frames.start == ts["start_frame"].get<FrameIndex>() &&
                shot.frames.end == ts["end_frame"].get<FrameIndex>())
                found = shot.index;
        EXPECT_GE(found, 0) << name << ": truth shot " << ts["index"] << " not reproduced";
        mine.push_back(found);
    }
    const bool verbose = std::getenv("KINOGLAZ_MONTAGE_VERBOSE") != nullptr;
    for (std::size_t i = 0; i < tshots.size(); ++i) {
        if (mine[i] < 0) continue;
        if (verbose) {
            const auto& sh = a.shots[std::size_t(mine[i])];
            std::printf(
                "%s shot %zu group %-14s setup %2d scene %2d camera %-8s key %lld "
                "luma %.1f colour %.1f black %.2f\n",
                name.c_str(), i, tshots[i]["group"].get<std::string>().c_str(), sh.setup, sh.scene,
                std::string(to_string(sh.camera)).c_str(), (long long)sh.keyframe,
                sh.descriptor.brightness, sh.descriptor.colourfulness, sh.descriptor.hist[0]);
        }
        for (std::size_t j = i + 1; j < tshots.size(); ++j) {
            if (mine[j] < 0) continue;
            const bool truth_same = tshots[i]["group"] == tshots[j]["group"];
            const bool pred_same =
                a.shots[std::size_t(mine[i])].setup == a.shots[std::size_t(mine[j])].setup;
            if (verbose && (truth_same != pred_same || std::getenv("KINOGLAZ_MONTAGE_ALLPAIRS"))) {
                ShotDescriptor hi = a.shots[std::size_t(mine[i])].descriptor;
                ShotDescriptor hj = a.shots[std::size_t(mine[j])].descriptor;
                hi.layout = cv::Mat();
                hj.layout = cv::Mat();
                std::printf("  %s pair %zu-%zu truth %d pred %d distance %.3f hist %.3f\n",
                            name.c_str(), i, j, truth_same, pred_same,
                            shot_distance(a.shots[std::size_t(mine[i])].descriptor,
                                          a.shots[std::size_t(mine[j])].descriptor),
                            shot_distance(hi, hj));
            }
            s.tp += truth_same && pred_same;
            s.fp += !truth_same && pred_same;
            s.fn += truth_same && !pred_same;
        }
        const auto& ts = tshots[i];
        if (ts.contains("pattern") && ts["pattern"]["kind"] == "return") {
            ++s.returns;
            const int from = mine[i], to = mine[ts["pattern"]["of_shot"].get<std::size_t>()];
            bool found = false;
            for (const auto& e : a.edges)
                found = found || (e.kind == "returns_to" && e.from == from && e.to == to);
            s.returns_found += found;
            EXPECT_TRUE(found) << name << ": no returns_to edge from shot " << i << " to shot "
                               << ts["pattern"]["of_shot"];
        }
    }
    for (const auto& d : truth["distractors"]) {
        if (d["kind"] != "fast_motion") continue;
        const int shot = mine[d["shot"].get<std::size_t>()];
        if (shot < 0) continue;
        ++s.fast;
        const CameraMovement cam = a.shots[std::size_t(shot)].camera;
        const bool ok = cam == CameraMovement::moving || cam == CameraMovement::pan ||
                        cam == CameraMovement::zoom;
        s.fast_moving += ok;
        EXPECT_TRUE(ok) << name << ": fast_motion shot " << d["shot"] << " labelled "
                        << to_string(cam);
    }
    return s;
}

TEST(MontageDev, SetupsReturnsAndCameraMatchTruth) {
    auto dir = test::media_dir();
    if (dir.empty() || !std::filesystem::is_directory(dir / "dev"))
        GTEST_SKIP()
            << "test footage dev/ not found (set KINOGLAZ_MEDIA to the shared/media folder)";
    std::vector<std::filesystem::path> videos;
    for (const auto& e : std::filesystem::directory_iterator(dir / "dev")) {
        const auto name = e.path().filename().string();
        if (name.rfind("dev_montage_", 0) == 0 && e.path().extension() == ".mp4")
            videos.push_back(e.path());
    }
    std::sort(videos.begin(), videos.end());
    if (videos.empty()) GTEST_SKIP() << "no dev_montage_*.mp4 in " << (dir / "dev");

    FileScore total;
    for (const auto& video : videos) {
        auto truth_path = video;
        truth_path.replace_extension(".truth.json");
        std::ifstream in(truth_path);
        ASSERT_TRUE(in) << truth_path;
        const auto truth = nlohmann::json::parse(in);
        const Analysis a = analyse_with_truth(video, truth);
        const FileScore s = score(a, truth, video.stem().string());
        total.tp += s.tp, total.fp += s.fp, total.fn += s.fn;
        total.returns += s.returns, total.returns_found += s.returns_found;
        total.fast += s.fast, total.fast_moving += s.fast_moving;
    }
    const double precision = total.tp + total.fp > 0 ? double(total.tp) / (total.tp + total.fp) : 1;
    const double recall = total.tp + total.fn > 0 ? double(total.tp) / (total.tp + total.fn) : 1;
    std::printf(
        "same-setup pairs: precision %.3f recall %.3f (tp %d fp %d fn %d); returns %d/%d; "
        "fast_motion not static %d/%d\n",
        precision, recall, total.tp, total.fp, total.fn, total.returns_found, total.returns,
        total.fast_moving, total.fast);
    EXPECT_GE(precision, 0.9);
    EXPECT_GE(recall, 0.9);
    EXPECT_GT(total.returns, 0);
    EXPECT_GT(total.fast, 0);
}

// dev_scenes_03 printed in one tone, analysed and scored as `kinoglaz eval` scores it: in
// black and white (its colour taken away) and toned sepia. Its shots' hues then tell them
// nothing, so the set-ups are told apart by saturation, value and the lightness of their
// layout (montage/structure.cpp); compared by hue as a colour film's, 62 of the 98 same-set-up
// pairs were false in black and white (precision 0.37), 18 of 54 in sepia (0.67).
class OneToneFilm : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(OneToneFilm, SetupsMatchTruth) {
    const auto [name, filter] = GetParam();
    const auto dir = test::media_dir();
    const auto film = dir / "dev" / "dev_scenes_03.mp4";
    if (dir.empty() || !std::filesystem::is_regular_file(film))
        GTEST_SKIP()
            << "dev_scenes_03.mp4 not found (set KINOGLAZ_MEDIA to the shared/media folder)";
    if (!test::have_program("ffmpeg")) GTEST_SKIP() << "ffmpeg not on PATH";
    const auto work = test::temp_dir(std::string("montage_") + name);
    const auto grey = work / "dev_scenes_03_one_tone.mp4";
    ASSERT_TRUE(test::ffmpeg("-i " + test::shell_quote(film.string()) + " -vf " + filter +
                             " -c:v libx264 -preset veryfast -crf 18 -g 50 -an " +
                             test::shell_quote(grey.string())));
    auto truth = film;
    truth.replace_extension(".truth.json");
    const auto out = work / "analysis";
    const auto analysed =
        test::run(test::kinoglaz_bin() + " analyze " + test::shell_quote(grey.string()) + " -o " +
                  test::shell_quote(out.string()) + " --no-reveal --quiet");
    ASSERT_EQ(analysed.status, 0) << analysed.err;
    const auto scored = test::run(test::kinoglaz_bin() + " eval --quiet --truth " +
                                  test::shell_quote(truth.string()) + " --pred " +
                                  test::shell_quote((out / "analysis.json").string()));
    std::filesystem::remove_all(work);
    ASSERT_EQ(scored.status, 0) << scored.err;
    // The last line is the figures as JSON.
    std::string last = scored.out;
    while (!last.empty() && last.back() == '\n') last.pop_back();
    const auto figures = nlohmann::json::parse(last.substr(last.rfind('\n') + 1));
    const auto& pairs = figures["montage"]["setup_pairs"];
    std::printf("%s: same-setup pairs precision %.3f recall %.3f\n", name,
                pairs["precision"].get<double>(), pairs["recall"].get<double>());
    EXPECT_GE(pairs["precision"].get<double>(), 0.9);
    EXPECT_GE(pairs["recall"].get<double>(), 0.9);
}

INSTANTIATE_TEST_SUITE_P(
    MontageDev, OneToneFilm,
    ::testing::Values(std::pair{"black_and_white", "hue=s=0"},
                      std::pair{"sepia",
                                "colorchannelmixer=.393:.769:.189:0:.349:.686:.168:0:"
                                ".272:.534:.131"}),
    [](const auto& info) { return std::string(info.param.first); });

}  // namespace
}  // namespace kinoglaz

namespace kinoglaz {
namespace {

// A real two-shot of faces (goldeneye clip, frames 140-159): the face detector gives a
// close scale, not the faceless fallback.
TEST(MontageScaleMedia, FacesInRealFootageGiveACloseScale) {
    KINOGLAZ_REQUIRE_MEDIA(path, "clips/goldeneye-vfr-drop3.mp4");
    DecodeOptions options;
    options.full_resolution = true;
    VideoDecoder decoder(path.string(), options);
    cv::Mat image;
    while (auto picture = decoder.next())
        if (picture->index == 150) {
            image = decoder.convert(*picture).full_bgr.clone();
            break;
        }
    ASSERT_FALSE(image.empty());
    const ShotScale scale = estimate_scale(image);
    EXPECT_TRUE(scale == ShotScale::close_up || scale == ShotScale::medium_close_up ||
                scale == ShotScale::extreme_close_up)
        << to_string(scale);
}

// The keyframe stage converts each keyframe to grey once for the faces and the views: given
// that grey, both give what they give from the colour picture, and the caller's grey is left
// as it was (the faces equalise their own copy; this 360-line picture, a face of the dev set,
// is searched unscaled).
TEST(MontageScaleMedia, AGreyKeyframeGivenServesTheFacesAndTheViews) {
    KINOGLAZ_REQUIRE_MEDIA(path, "dev/dev_montage_03.mp4");
    DecodeOptions options;
    options.full_resolution = true;
    VideoDecoder decoder(path.string(), options);
    cv::Mat image;
    while (auto picture = decoder.next())
        if (picture->index == 189) {
            image = decoder.convert(*picture).full_bgr.clone();
            break;
        }
    ASSERT_FALSE(image.empty());
    ASSERT_LE(image.rows, 360);
    cv::Mat grey;
    cv::cvtColor(image, grey, cv::COLOR_BGR2GRAY);
    const cv::Mat untouched = grey.clone();
    const ShotScale scale = estimate_scale(image);
    ASSERT_NE(scale, ShotScale::unknown) << "the frame should show a face";
    EXPECT_EQ(estimate_scale(image, grey), scale);
    EXPECT_EQ(cv::norm(grey, untouched, cv::NORM_INF), 0);
    const ViewFeatures from_grey = view_features(grey), from_colour = view_features(image);
    EXPECT_EQ(from_grey.points, from_colour.points);
    EXPECT_EQ(cv::norm(from_grey.descriptors, from_colour.descriptors, cv::NORM_INF), 0);
}

// A shot's scale is earned by a face: the dev set's faceless keyframes that a single face
// cascade took for faces (metal texture, jar, deer, a cartoon on a monitor, a hand over a jar,
// a rock, a guitar — checked by eye) stay unknown, the real faces keep their scale.
TEST(MontageScaleMedia, OnlyRealFacesGiveAScale) {
    KINOGLAZ_REQUIRE_MEDIA(dir, "dev");
    struct Keyframe {
        const char* film;
        FrameIndex frame;
        bool face;
    };
    const Keyframe keyframes[] = {
        {"dev_montage_03", 189, true},  {"dev_montage_03", 627, true},
        {"dev_scenes_01", 656, true},   {"dev_montage_03", 251, false},
        {"dev_montage_03", 543, false}, {"dev_montage_03", 574, false},
        {"dev_montage_03", 847, false}, {"dev_montage_04", 15, false},
        {"dev_montage_04", 752, false}, {"dev_montage_04", 865, false},
        {"dev_scenes_01", 1649, false},
    };
    DecodeOptions options;
    options.full_resolution = true;
    int checked = 0;
    for (const auto& k : keyframes)
        grab_frames((dir / (std::string(k.film) + ".mp4")).string(), {k.frame}, options,
                    [&](FrameIndex, const Frame& picture) {
                        ++checked;
                        const ShotScale scale = estimate_scale(picture.full_bgr);
                        EXPECT_EQ(scale != ShotScale::unknown, k.face)
                            << k.film << " frame " << k.frame << ": " << to_string(scale);
                    });
    EXPECT_EQ(checked, int(std::size(keyframes)));
}

// Shot scale is a face's size relative to the picture: the same keyframes enlarged to 1080p
// and 4K (where the cascades search a reduced copy) give the scale they give at their own size.
TEST(MontageScaleMedia, ScaleDoesNotDependOnThePicturesSize) {
    KINOGLAZ_REQUIRE_MEDIA(dir, "dev");
    const std::pair<const char*, FrameIndex> keyframes[] = {{"dev_montage_03", 189},
                                                            {"dev_montage_03", 627},
                                                            {"dev_scenes_01", 656},
                                                            {"dev_montage_04", 752}};
    DecodeOptions options;
    options.full_resolution = true;
    int faces = 0, checked = 0;
    for (const auto& [film, frame] : keyframes)
        grab_frames((dir / (std::string(film) + ".mp4")).string(), {frame}, options,
                    [&](FrameIndex, const Frame& picture) {
                        const ShotScale own = estimate_scale(picture.full_bgr);
                        faces += own != ShotScale::unknown;
                        for (const cv::Size size : {cv::Size(1920, 1080), cv::Size(3840, 2160)}) {
                            cv::Mat large;
                            cv::resize(picture.full_bgr, large, size, 0, 0, cv::INTER_CUBIC);
                            EXPECT_EQ(estimate_scale(large), own)
                                << film << " frame " << frame << " at " << size.width << "x"
                                << size.height;
                            ++checked;
                        }
                    });
    EXPECT_EQ(checked, 2 * int(std::size(keyframes)));
    EXPECT_EQ(faces, 3);  // the three faces, and a faceless keyframe
}

}  // namespace
}  // namespace kinoglaz
