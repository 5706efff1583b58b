#include "kinoglaz/analyze/analyze.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include <kinoglaz/export.hpp>
#include <kinoglaz/montage.hpp>
#include <kinoglaz/unconscious.hpp>
#include "keyframe_keeper.hpp"

namespace kinoglaz {

namespace {

// Seconds of a vibration that its reveal clip shows, at least (four periods if longer).
constexpr double kVibrationClipS = 3.0;

void validate(const AnalyzeOptions& options) {
    validate_montage_options(options.montage);
    if (options.reveal_clips < 0) throw_bad_usage("analyze", "reveal_clips must be >= 0");
    if (!(options.capture_fps == 0 || (options.capture_fps >= 1 && options.capture_fps <= 1e6)))
        throw_bad_usage("analyze", "capture_fps must be 0 (the file's rate) or 1..1000000");
}

// Keyframe workers at most, and the memory they may hold together: each holds a decoder
// (its references and a picture per frame thread) and two full-size BGR pictures, about 24
// bytes a pixel (50 MB at 1080p, measured: a second worker added 49 MB to the peak).
constexpr int kMaxKeyframeWorkers = 16;
constexpr double kKeyframeWorkersBudget = 512.0 * (1 << 20);

// The pass's threads (0 = all cores).
int pass_threads(const PassOptions& pass) {
    return pass.decode.threads > 0 ? pass.decode.threads
                                   : int(std::max(1u, std::thread::hardware_concurrency()));
}

// The keyframe keeper of the pass (keyframe_keeper.hpp): with ANALYSE, a worker per two
// threads analyses the stretches' pictures while the pass runs, JPEGs into JPEG_FOLDER (empty:
// none); without, it only chooses the frames (the keyframes are the same either way).
MoreConsumerFactory keyframe_keeper(const PassOptions& pass, const SourceInfo& film, bool analyse,
                                    const std::filesystem::path& jpeg_folder) {
    KeyframeKeeperOptions keeper;
    keeper.analyse = analyse;
    keeper.held = KeyframeKeeper::held_per_stretch(film.width, film.height);
    keeper.workers = std::clamp(pass_threads(pass) / 2, 1, kMaxKeyframeWorkers);
    keeper.jpeg_folder = jpeg_folder;
    return [keeper](const MontageCollector& collector) -> std::unique_ptr<SegmentConsumer> {
        return std::make_unique<KeyframeKeeper>(collector, keeper);
    };
}

// The pass with the keyframe keeper, analysing the pictures when PICTURES (JPEGs into
// JPEG_FOLDER, empty: none); its last stretch ended.
AnalysisPass pass_keeping_keyframes(const std::string& input, const AnalyzeOptions& options,
                                    bool pictures, const std::filesystem::path& jpeg_folder) {
    PassOptions pass = options.pass;
    pass.decode.hold_pictures = pictures;
    // The held pictures' number follows their size; the pass tells it only once it has run.
    const SourceInfo film = probe(input, probe_decode_options(pass.decode.allow_network), true);
    AnalysisPass done = run_analysis_pass(input, pass, options.segments, -1,
                                          keyframe_keeper(pass, film, pictures, jpeg_folder));
    if (auto* keeper = dynamic_cast<KeyframeKeeper*>(done.more.get())) keeper->finish();
    return done;
}

// The pass's keeper, taken out of it (null without one).
std::unique_ptr<KeyframeKeeper> keeper_of(AnalysisPass& pass) {
    if (!dynamic_cast<KeyframeKeeper*>(pass.more.get())) return nullptr;
    return std::unique_ptr<KeyframeKeeper>(static_cast<KeyframeKeeper*>(pass.more.release()));
}

// Step 3: every shot's keyframe at full size: each gives its shot's face-based scale and
// local features and is handed to `each` (shot index, picture). With MONTAGE, the local
// features join the set-ups of shots that show one view (a recrop, a boxed copy) and part
// those that show it reframed (a cut-in), in the shots' order as the joiner needs (ViewJoiner
// keeps only those within the set-up window), and the montage is redone.
// A keyframe that KEPT analysed during the pass (build_montage chose it among those) costs
// nothing more here: its JPEG goes to `adopt` (shot index, file) instead. The others (shots
// that no stretch of the pass covered, or all without KEPT) are decoded again by seeking.
// A worker analyses each picture (faces, view features, `each`) on another thread while it
// seeks and decodes its next one: the two take about as long at 1080p. Workers take the
// keyframes in turn, one per two cores: a seek's short decode keeps about two cores busy, and
// one worker alone would leave the rest idle while the pass uses them all. `each` is called
// from several threads at once, in no particular order. Returns how many were decoded again.
int grab_keyframes(const std::string& input, Analysis& analysis, const PassOptions& pass,
                   const MontageOptions* montage, KeyframeKeeper* kept,
                   const std::function<void(int, const cv::Mat&)>& each,
                   const std::function<void(int, const std::filesystem::path&)>& adopt) {
    std::map<FrameIndex, int> shot_of;
    for (const auto& shot : analysis.shots) shot_of.emplace(shot.keyframe, shot.index);
    std::vector<FrameIndex> wanted;
    for (const auto& [frame, shot] : shot_of) wanted.push_back(frame);
    ProgressBar bar("keyframes", std::int64_t(wanted.size()), pass.progress, "shots");
    std::optional<ViewJoiner> views;
    if (montage) views.emplace(analysis, *montage);

    // What each keyframe gave, kept until the ones before it are in (small: no picture).
    struct Result {
        bool decoded = false;
        ShotScale scale = ShotScale::unknown;
        ViewFeatures view;
    };
    std::mutex mutex;
    std::map<std::size_t, Result> arrived;
    std::size_t in_order = 0;
    auto deliver = [&](std::size_t position, Result result) {
        std::lock_guard lock(mutex);
        arrived.emplace(position, std::move(result));
        for (auto it = arrived.begin(); it != arrived.end() && it->first == in_order;
             it = arrived.erase(it), ++in_order) {
            if (!it->second.decoded) continue;  // past the end: a shot without features
            const int index = shot_of.at(wanted[it->first]);
            analysis.shots[std::size_t(index)].scale = it->second.scale;
            if (views) views->add(index, std::move(it->second.view));
        }
        bar.update(std::int64_t(in_order));
    };
    // The pass's own, then the rest (positions in `wanted`) decoded again.
    std::vector<std::size_t> missing;
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        throw_if_cancelled();
        std::optional<KeptKeyframe> own = kept ? kept->take(wanted[i]) : std::nullopt;
        if (!own) {
            missing.push_back(i);
            continue;
        }
        if (adopt && !own->jpeg.empty()) adopt(shot_of.at(wanted[i]), own->jpeg);
        deliver(i, {true, own->scale, std::move(own->view)});
    }
    auto analyse = [&](std::size_t position, const cv::Mat& picture) {
        Result result;
        result.decoded = true;
        result.scale = estimate_scale(picture);
        if (views) result.view = view_features(picture);
        if (each) each(shot_of.at(wanted[position]), picture);
        deliver(position, std::move(result));
    };
    const int threads = pass_threads(pass);
    const double worker_bytes =
        24.0 * std::max(1, analysis.source.width) * std::max(1, analysis.source.height);
    const int workers = std::max(1, std::min({threads / 2, kMaxKeyframeWorkers, int(missing.size()),
                                              int(kKeyframeWorkersBudget / worker_bytes)}));
    const DecodeOptions grab =
        picture_decode_options(std::max(1, threads / workers), pass.decode.allow_network);
    // Workers take runs of consecutive keyframes, so that within a run each knows its next
    // one and may decode on to it rather than seek (FrameGrabber); one worker takes them all.
    const std::size_t run =
        workers == 1 ? missing.size()
                     : std::clamp<std::size_t>(missing.size() / (4 * std::size_t(workers)), 1, 16);
    std::atomic<std::size_t> next_run{0};
    std::atomic<bool> failed{false};
    std::exception_ptr error;
    auto work = [&] {
        try {
            FrameGrabber grabber(input, grab);
            std::future<void> analysing;
            for (std::size_t first; !failed && (first = next_run++ * run) < missing.size();) {
                const std::size_t end = std::min(missing.size(), first + run);
                for (std::size_t m = first; m < end && !failed; ++m) {
                    const std::size_t i = missing[m];
                    std::optional<Frame> frame =
                        grabber.grab(wanted[i], m + 1 < end ? std::optional(wanted[missing[m + 1]])
                                                            : std::nullopt);
                    if (analysing.valid()) analysing.get();
                    if (!frame) {
                        deliver(i, {});
                        continue;
                    }
                    analysing =
                        std::async(std::launch::async, analyse, i, std::move(frame->full_bgr));
                }
            }
            if (analysing.valid()) analysing.get();
        } catch (...) {
            std::lock_guard lock(mutex);
            if (!error) error = std::current_exception();
            failed = true;
        }
    };
    if (!missing.empty()) {
        std::vector<std::thread> others;
        for (int w = 1; w < workers; ++w) others.emplace_back(work);
        work();
        for (auto& other : others) other.join();
    }
    if (error) std::rethrow_exception(error);
    bar.finish();
    throw_if_cancelled();
    if (views) views->finish();
    return int(missing.size());
}

// The sound analysis's options, with a bar when the pass has one.
SoundOptions sound_options(const AnalyzeOptions& options) {
    SoundOptions sound = options.sound;
    sound.progress = options.pass.progress;
    return sound;
}

// The corrections of the analysis in `folder` (analysis.json), checked to be of this film.
KeptEdits earlier_edits(const std::filesystem::path& folder, const SourceInfo& film) {
    const std::filesystem::path file = folder / "analysis.json";
    std::ifstream in(file, std::ios::binary);
    if (!in) throw_bad_input(file.string(), "--keep-edits: no analysis.json there");
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const Analysis earlier = parse_analysis_json(text, file.string());
    check_same_film(earlier.source, film, file.string());
    KeptEdits edits = kept_edits(earlier);
    return edits;
}

// Step 2b: the micro-gestures that the pass only proposed (too faint on its 320 px image) and
// that the source's own pixels confirm join the events (gesture_check.hpp).
void add_checked_gestures(const std::string& input, Analysis& analysis, const EventFinder& finder,
                          const PassOptions& pass) {
    GestureCheckOptions check;
    check.threads = pass.decode.threads;
    check.allow_network = pass.decode.allow_network;
    check.progress = pass.progress;
    const std::vector<Event> found =
        check_gestures(input, finder.proposals(), analysis.transitions, analysis.source, check);
    if (found.empty()) return;
    analysis.events.insert(analysis.events.end(), found.begin(), found.end());
    std::stable_sort(
        analysis.events.begin(), analysis.events.end(),
        [](const Event& a, const Event& b) { return a.frames.start < b.frames.start; });
}

// Wall time since `start`, seconds: Analysis::analysis_seconds.
double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The frames the pass's keeper analysed (none without one).
std::vector<FrameIndex> keyframe_candidates(const AnalysisPass& pass) {
    const auto* keeper = dynamic_cast<const KeyframeKeeper*>(pass.more.get());
    return keeper ? keeper->frames() : std::vector<FrameIndex>{};
}

}  // namespace

Analysis montage_of(AnalysisPass& pass, const MontageOptions& montage) {
    Analysis analysis;
    analysis.source = pass.pass.source;
    analysis.transitions = pass.pass.transitions;
    const SourceInfo& film = pass.pass.source;
    if (film.frame_count_exact && film.frame_count == FrameIndex(pass.pass.frame_times.size()))
        analysis.frame_times = pass.pass.frame_times;
    build_montage(analysis, pass.collector, montage, {}, keyframe_candidates(pass));
    analysis.events = pass.events.finish(analysis.transitions, analysis.source);
    std::vector<Event> vibrations = pass.vibrations.finish(analysis.transitions, analysis.source);
    analysis.events.insert(analysis.events.end(), vibrations.begin(), vibrations.end());
    std::stable_sort(
        analysis.events.begin(), analysis.events.end(),
        [](const Event& a, const Event& b) { return a.frames.start < b.frames.start; });
    return analysis;
}

void to_capture_rate(std::vector<Event>& events, const SourceInfo& source, double capture_fps) {
    if (capture_fps <= 0 || source.fps <= 0) return;
    for (Event& e : events) e.peak_hz *= capture_fps / source.fps;
}

Analysis analyze(const std::string& input, const AnalyzeOptions& options) {
    const auto start = std::chrono::steady_clock::now();
    validate(options);
    Analysis analysis;
    std::unique_ptr<KeyframeKeeper> keeper;
    {
        // The pass's per-frame records (~0.3 KB a frame) are freed before the keyframe stage,
        // so that a long film's peak memory is the larger of the two stages, not their sum.
        AnalysisPass pass = pass_keeping_keyframes(input, options, options.scales, {});
        analysis = montage_of(pass, options.montage);
        keeper = keeper_of(pass);
        add_checked_gestures(input, analysis, pass.events, options.pass);
    }
    to_capture_rate(analysis.events, analysis.source, options.capture_fps);
    throw_if_cancelled();
    add_sound(analysis, input, sound_options(options));
    throw_if_cancelled();
    if (options.scales)
        grab_keyframes(input, analysis, options.pass, &options.montage, keeper.get(), {}, {});
    analysis.analysis_seconds = seconds_since(start);
    return analysis;
}

FolderAnalysis analyze_to_folder(const std::string& input, const std::filesystem::path& outdir,
                                 const AnalyzeOptions& options) {
    const auto start = std::chrono::steady_clock::now();
    validate(options);
    // Claimed before any work, so that a refused folder costs nothing; written into a staging
    // folder that is moved into OUTDIR only once complete.
    OutputFolder folder(outdir, OutputKind::analysis, options.force);
    folder.protect(input);

    std::optional<KeptEdits> kept;
    Analysis analysis;
    std::unique_ptr<KeyframeKeeper> keeper;
    const std::filesystem::path keyframes_folder = folder.path() / "keyframes";
    std::filesystem::create_directories(keyframes_folder);
    {
        // The pass's per-frame records (~0.3 KB a frame) are freed before the keyframe stage,
        // so that a long film's peak memory is the larger of the two stages, not their sum.
        AnalysisPass pass = pass_keeping_keyframes(input, options, true, keyframes_folder);
        if (!options.keep_edits.empty()) {
            kept = earlier_edits(options.keep_edits, pass.pass.source);
            pass.pass.transitions = apply_kept_transitions(pass.pass.transitions, *kept);
        }
        analysis = montage_of(pass, options.montage);
        add_checked_gestures(input, analysis, pass.events, options.pass);
        if (kept && !kept->fixed_setups.empty())  // the person's set-ups, before the keyframes
            build_montage(analysis, pass.collector, options.montage, kept->fixed_setups,
                          keyframe_candidates(pass));
        if (kept) apply_fixed_scenes(analysis, kept->fixed_scenes);
        keeper = keeper_of(pass);
        throw_if_cancelled();
        write_montage_cache(folder.path() / kMontageCacheName, pass.collector, analysis.source);
    }

    FolderKeyframes keyframes;
    // The person's set-ups and scenes (--keep-edits) stand; otherwise the keyframes' local
    // features may join or part set-ups.
    const bool own_grouping = kept && (!kept->fixed_setups.empty() || !kept->fixed_scenes.empty());
    std::mutex written;
    FolderAnalysis result;
    result.keyframes_decoded = grab_keyframes(
        input, analysis, options.pass, own_grouping ? nullptr : &options.montage, keeper.get(),
        [&](int shot, const cv::Mat& picture) {
            write_jpeg((folder.path() / keyframe_path(shot)).string(), picture);
            std::lock_guard lock(written);
            keyframes.written.push_back(shot);
        },
        [&](int shot, const std::filesystem::path& jpeg) {
            const std::filesystem::path to = folder.path() / keyframe_path(shot);
            std::error_code ec;
            std::filesystem::rename(jpeg, to, ec);
            if (ec) throw_io(to.string(), "cannot write: " + ec.message());
            std::lock_guard lock(written);
            keyframes.written.push_back(shot);
        });
    result.keyframes_from_pass = int(analysis.shots.size()) - result.keyframes_decoded;
    keeper.reset();  // removes the JPEGs of the frames no shot took
    if (kept) {
        apply_labels(analysis, kept->labels);
        analysis.removed_transitions = kept->removed;
    }
    add_sound(analysis, input, sound_options(options));
    throw_if_cancelled();

    if (options.reveal && !analysis.events.empty()) {
        // A vibration may last a whole shot: its clip shows its first seconds (a few periods),
        // so that a long one costs no more than a gesture's.
        std::vector<Event> shown = analysis.events;
        for (Event& e : shown)
            if (e.kind == EventKind::vibration && e.peak_hz > 0)
                e.end_time_s = std::min(e.end_time_s,
                                        e.start_time_s + std::max(kVibrationClipS, 4 / e.peak_hz));
        // Clip names and overlays speak the capture's Hz, as the analysis does.
        to_capture_rate(shown, analysis.source, options.capture_fps);
        render_event_reveals(
            input, analysis.source, shown, folder.path().string(), options.reveal_clips,
            options.pass.progress,
            options.capture_fps > 0 ? std::optional(options.capture_fps) : std::nullopt);
        for (std::size_t i = 0; i < shown.size(); ++i) analysis.events[i].clip = shown[i].clip;
    }
    to_capture_rate(analysis.events, analysis.source, options.capture_fps);
    throw_if_cancelled();
    analysis.analysis_seconds = seconds_since(start);  // not written: the files stay deterministic

    // Writing is one step (the exports, the report, the graph drawn by Graphviz): its bar says
    // that it runs and how long it took.
    ProgressBar writing_bar("writing", 1, options.pass.progress, "folders");
    writing_bar.update(0);
    write_analysis_folder(analysis, folder.path(), keyframes, options.exports);
    folder.commit("analysis.json");
    writing_bar.update(1);
    writing_bar.finish();
    result.analysis = std::move(analysis);
    result.folder = folder.outdir();
    return result;
}

}  // namespace kinoglaz
