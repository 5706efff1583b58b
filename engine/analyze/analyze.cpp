#include "kinoglaz/analyze/analyze.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
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

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <opencv2/imgproc.hpp>

#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include <kinoglaz/export.hpp>
#include <kinoglaz/montage.hpp>
#include <kinoglaz/unconscious.hpp>

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

// Step 3: every shot's keyframe at full size, decoded again by seeking: each gives its shot's
// face-based scale and local features and is handed to `each` (shot index, picture). With
// MONTAGE, the local features join the set-ups of shots that show one view (a recrop, a boxed
// copy) and part those that show it reframed (a cut-in), in the shots' order as the joiner
// needs (ViewJoiner keeps only those within the set-up window), and the montage is redone.
// The keyframe is chosen once the shot's final bounds are known, so it cannot come from the
// pass (whose pictures are decoded without the loop filter anyway).
// A worker analyses each picture (faces, view features, `each`) on another thread while it
// seeks and decodes its next one. Workers take the keyframes in turn, one per core, each
// decoding on one thread (a seek's short decode on two frame threads took 1.25x the CPU time
// for 0.86x the wall time on the 47 keyframes of the 1080p film): where a keyframe chosen
// near a codec keyframe (pick_keyframe) decodes in a fraction of its analysis's time, the
// analyses fill the cores; where decoding dominates (a film of high bitrate whose shots
// start between codec keyframes, benchmarks/README.md, "Keyframes decoded on"), the
// decoders do, where one worker left all but one core idle.
// `each` is called from several threads at once, in no particular order.
void grab_keyframes(const std::string& input, Analysis& analysis, const PassOptions& pass,
                    const MontageOptions* montage,
                    const std::function<void(int, const cv::Mat&)>& each) {
    std::map<FrameIndex, int> shot_of;
    for (const auto& shot : analysis.shots) shot_of.emplace(shot.keyframe, shot.index);
    std::vector<FrameIndex> wanted;
    for (const auto& [frame, shot] : shot_of) wanted.push_back(frame);
    const int threads = pass.decode.threads > 0
                            ? pass.decode.threads
                            : int(std::max(1u, std::thread::hardware_concurrency()));
    const double worker_bytes =
        24.0 * std::max(1, analysis.source.width) * std::max(1, analysis.source.height);
    const int workers = std::max(1, std::min({threads, kMaxKeyframeWorkers, int(wanted.size()),
                                              int(kKeyframeWorkersBudget / worker_bytes)}));
    const DecodeOptions grab = picture_decode_options(1, pass.decode.allow_network);
    // Pictures each worker analyses at once: one per core it has, within the budget (each
    // holds about half a worker's bytes: the picture in BGR and grey, the faces' copies).
    const int analysers =
        std::max(1, std::min(threads / workers,
                             int(kKeyframeWorkersBudget / (workers * worker_bytes / 2)) - 1));
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
    // Faces and views are measured inside the film's active picture, as the pass's features
    // are: a windowboxed film's bars would halve the views' corners and their pictures' size.
    const PixelBox& area = analysis.source.picture_area;
    auto analyse = [&](std::size_t position, const cv::Mat& picture) {
        Result result;
        result.decoded = true;
        const cv::Mat inside = area.empty()
                                   ? picture
                                   : picture(cv::Rect(area.x, area.y, area.width, area.height) &
                                             cv::Rect(0, 0, picture.cols, picture.rows));
        cv::Mat grey;  // the faces' and the views': converted once
        cv::cvtColor(inside, grey, cv::COLOR_BGR2GRAY);
        result.scale = estimate_scale(inside, grey);
        if (views) result.view = view_features(grey);
        if (each) each(shot_of.at(wanted[position]), picture);
        deliver(position, std::move(result));
    };
    // Workers take runs of consecutive keyframes, so that within a run each knows its next one
    // and decodes on to it rather than seeking back where no codec keyframe lies between
    // (FrameGrabber): a run is cut there only once it holds its share of the keyframes (four
    // times that regardless), so that the workers share the work; one worker takes them all.
    // The first worker's grabber indexes the film for the cuts.
    FrameGrabber first_grabber(input, grab);
    std::vector<std::size_t> run_starts{0};
    if (workers > 1) {
        const std::size_t share =
            std::clamp<std::size_t>(wanted.size() / (4 * std::size_t(workers)), 1, 16);
        for (std::size_t i = 1; i < wanted.size(); ++i) {
            const std::size_t length = i - run_starts.back();
            const bool linked = first_grabber.seek_start(wanted[i]) <= wanted[i - 1];
            if (length >= 4 * share || (length >= share && !linked)) run_starts.push_back(i);
        }
    }
    run_starts.push_back(wanted.size());
    std::atomic<std::size_t> next_run{0};
    std::atomic<bool> failed{false};
    std::exception_ptr error;
    auto work = [&](FrameGrabber* first) {
        try {
            std::optional<FrameGrabber> own;
            FrameGrabber& grabber = first ? *first : own.emplace(input, grab);
            std::deque<std::future<void>> analysing;  // oldest first, `analysers` at most
            for (std::size_t r; !failed && (r = next_run++) + 1 < run_starts.size();) {
                const std::size_t end = run_starts[r + 1];
                for (std::size_t i = run_starts[r]; i < end && !failed; ++i) {
                    std::optional<Frame> frame = grabber.grab(
                        wanted[i], i + 1 < end ? std::optional(wanted[i + 1]) : std::nullopt);
                    if (analysing.size() >= std::size_t(analysers)) {
                        analysing.front().get();
                        analysing.pop_front();
                    }
                    if (!frame) {
                        deliver(i, {});
                        continue;
                    }
                    analysing.push_back(
                        std::async(std::launch::async, analyse, i, std::move(frame->full_bgr)));
                }
            }
            for (auto& pending : analysing) pending.get();
        } catch (...) {
            std::lock_guard lock(mutex);
            if (!error) error = std::current_exception();
            failed = true;
        }
    };
    std::vector<std::thread> others;
    for (int w = 1; w < workers; ++w) others.emplace_back(work, nullptr);
    work(&first_grabber);
    for (auto& other : others) other.join();
    if (error) std::rethrow_exception(error);
    bar.finish();
    throw_if_cancelled();
    if (views) views->finish();
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
// Runs after the pass's records are freed (the caller's scope), so that a long film's peak is
// the larger of the two, not their sum: on the 2-hour 1080p film the check's crops came on top
// of the pass's ~220 MB.
void add_checked_gestures(const std::string& input, Analysis& analysis,
                          const std::vector<Event>& proposals, const PassOptions& pass) {
    GestureCheckOptions check;
    check.threads = pass.decode.threads;
    check.allow_network = pass.decode.allow_network;
    check.progress = pass.progress;
    const std::vector<Event> found = check_gestures(input, proposals, analysis.events,
                                                    analysis.transitions, analysis.source, check);
    if (found.empty()) return;
    analysis.events.insert(analysis.events.end(), found.begin(), found.end());
    std::stable_sort(
        analysis.events.begin(), analysis.events.end(),
        [](const Event& a, const Event& b) { return a.frames.start < b.frames.start; });
}

// Hands the pages of freed memory back to the system between stages: glibc keeps them in the
// arenas of the threads that freed them (the pass's codec and pipeline threads, the gesture
// check's), where the next stage's threads do not reuse them, so its peak would stack on the
// one before's high-water mark (the 2-hour 1080p film: ~270 MB in the keyframe stage after a
// ~216 MB pass, benchmarks/README.md, "Long films").
void release_freed_memory() {
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

// Wall time since `start`, seconds: Analysis::analysis_seconds.
double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Analysis montage_of(AnalysisPass& pass, const MontageOptions& montage) {
    Analysis analysis;
    analysis.source = pass.pass.source;
    analysis.transitions = pass.pass.transitions;
    const SourceInfo& film = pass.pass.source;
    if (film.frame_count_exact && film.frame_count == FrameIndex(pass.pass.frame_times.size()))
        analysis.frame_times = pass.pass.frame_times;
    build_montage(analysis, pass.collector, montage);
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
    std::vector<Event> proposals;  // the gesture finder's, checked once the pass is freed
    {
        // The pass's per-frame records (~0.3 KB a frame) are freed before the gesture check and
        // the keyframe stage, so that a long film's peak memory is the largest of the stages,
        // not their sum.
        AnalysisPass pass = run_analysis_pass(input, options.pass, options.segments);
        analysis = montage_of(pass, options.montage);
        proposals = pass.events.proposals();
    }
    release_freed_memory();
    add_checked_gestures(input, analysis, proposals, options.pass);
    release_freed_memory();
    to_capture_rate(analysis.events, analysis.source, options.capture_fps);
    throw_if_cancelled();
    add_sound(analysis, input, sound_options(options));
    throw_if_cancelled();
    if (options.scales) grab_keyframes(input, analysis, options.pass, &options.montage, {});
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
    std::vector<Event> proposals;  // the gesture finder's, checked once the pass is freed
    {
        // The pass's per-frame records (~0.3 KB a frame) are freed before the gesture check and
        // the keyframe stage, so that a long film's peak memory is the largest of the stages,
        // not their sum.
        AnalysisPass pass = run_analysis_pass(input, options.pass, options.segments);
        if (!options.keep_edits.empty()) {
            kept = earlier_edits(options.keep_edits, pass.pass.source);
            pass.pass.transitions = apply_kept_transitions(pass.pass.transitions, *kept);
        }
        analysis = montage_of(pass, options.montage);
        proposals = pass.events.proposals();
        if (kept && !kept->fixed_setups.empty())  // the person's set-ups, before the keyframes
            build_montage(analysis, pass.collector, options.montage, kept->fixed_setups);
        if (kept) apply_fixed_scenes(analysis, kept->fixed_scenes);
        throw_if_cancelled();
        write_montage_cache(folder.path() / kMontageCacheName, pass.collector, analysis.source);
    }
    release_freed_memory();
    add_checked_gestures(input, analysis, proposals, options.pass);
    release_freed_memory();

    std::filesystem::create_directories(folder.path() / "keyframes");
    FolderKeyframes keyframes;
    // The person's set-ups and scenes (--keep-edits) stand; otherwise the keyframes' local
    // features may join or part set-ups.
    const bool own_grouping = kept && (!kept->fixed_setups.empty() || !kept->fixed_scenes.empty());
    std::mutex written;
    grab_keyframes(input, analysis, options.pass, own_grouping ? nullptr : &options.montage,
                   [&](int shot, const cv::Mat& picture) {
                       write_jpeg((folder.path() / keyframe_path(shot)).string(), picture);
                       std::lock_guard lock(written);
                       keyframes.written.push_back(shot);
                   });
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
    return {std::move(analysis), folder.outdir()};
}

}  // namespace kinoglaz
