// The transition pass split into time segments decoded in parallel.
//
// Exactness: the detectors are deterministic functions of the feature stream, and a frame's
// features depend only on itself and the frame before it. Each segment therefore starts
// decoding a warm-up stretch before its own range (so the detectors' windows and running
// state have filled with the same frames a single pass would have shown them) and goes on
// past its range by the detectors' longest decision delay (so every transition that starts
// in its range has been emitted by push(), not by an early finish()). Only candidates that
// start inside the segment's own range are kept; they are put back in the order a single
// pass would have produced them (frame pushed, detector, order of emission) and resolved
// once over the whole film by DetectorBank::resolve(), as a single pass's bank does. A join is then
// checked: the candidates both neighbours saw just after it must agree. If they do not (a
// detector's running state had not converged within the warm-up, e.g. after a very long run of
// motion), the two segments are merged and decoded again, so the result never silently differs.
//
// Further ordered consumers (SegmentConsumers made for each segment: the montage collector,
// the event finder) keep running state that a warm-up of fixed length cannot rebuild, but they
// rebuild it at every cut from that frame alone (a restart). Such a segment therefore decodes past
// its look-ahead until each of its consumers has restarted inside the next segment's range, and the
// next segment's consumers take over at those restarts; a restart the two disagree on (it has never
// been seen) makes the film decode again in one pass.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include <kinoglaz/analysis.hpp>
#include <kinoglaz/core.hpp>
#include "kinoglaz/pipeline/transition_pass.hpp"
#include "pass_clock.hpp"

namespace kinoglaz {

namespace {

// Extra frames on either side, for the detectors' look-back over their windows' edges.
constexpr int kMarginFrames = 8;

// A detector's candidate with the time of its first frame (-inf: before the decoded range).
struct Candidate {
    DetectorBank::Candidate c;
    double start_time = 0;
};

struct SegmentRun {
    double own_start = -INFINITY, own_end = INFINITY;         // own range, seconds [start, end)
    std::vector<std::unique_ptr<SegmentConsumer>> consumers;  // further consumers, if any
    std::vector<Candidate> candidates;                        // all, with start times
    std::vector<std::pair<FrameIndex, double>> times;  // (index, time) of every frame decoded
    FrameIndex last_index = -1;
    double last_duration = 0;
    std::int64_t decode_errors = 0;
    SourceInfo info;
    std::exception_ptr error;
    bool unseekable = false;  // the timestamps cannot place frames (see below)
};

struct Plan {
    DetectorOptions detectors;
    int warm_frames = 0, look_frames = 0;
    double warm_s = 0, look_s = 0;
};

// Whether every consumer has restarted at a frame >= `frame`: a segment may stop there, since
// the next one can take over at those restarts.
bool restarted_since(const std::vector<std::unique_ptr<SegmentConsumer>>& consumers,
                     FrameIndex frame) {
    return std::all_of(consumers.begin(), consumers.end(), [&](const auto& c) {
        return first_restart_from(c->restarts(), frame) != nullptr;
    });
}

void run_segment(const std::string& input, const PassOptions& options, const Plan& plan,
                 int threads, int decode_threads, bool last, SegmentRun& run,
                 std::atomic<std::int64_t>& frames_done) {
    try {
        DecodeOptions decode = decode_options(options);
        decode.threads = decode_threads;
        // Always give a range: it makes the decoder index frames by the demuxed timestamp
        // table, so indices are global whichever segment decodes a frame.
        decode.start_s =
            std::isfinite(run.own_start) ? std::max(0.0, run.own_start - plan.warm_s) : 0.0;
        decode.end_s.reset();
        const double look_end = run.own_end + plan.look_s;
        // With consumers the segment runs on until they have restarted (see above).
        if (std::isfinite(run.own_end) && run.consumers.empty()) decode.end_s = look_end;
        VideoDecoder decoder(input, decode);
        // Segments start by seeking; a stream whose timestamps cannot place frames (raw
        // elementary streams, clocks that go back) would make each decode from the first frame.
        if (!decoder.seeks_by_timestamp()) {
            run.unseekable = true;
            return;
        }
        FrameIndex own_end_index = -1;  // first frame at or after own_end

        DetectorBank bank(plan.detectors);
        std::map<FrameIndex, double> time_of;
        std::atomic<bool> complete{false};  // all the segment needs is decoded
        PipelineOptions pipeline;
        pipeline.threads = threads;
        pipeline.features = bank.needs() | options.extra_features;
        pipeline.progress = false;
        pipeline.stop = &complete;
        auto consume = [&](const FramePtr& frame, const FrameFeatures& f) {
            if (!run.consumers.empty()) {
                if (std::isfinite(run.own_end)) {
                    if (own_end_index < 0 && frame->time_s >= run.own_end) own_end_index = f.index;
                    if (frame->time_s >= look_end &&
                        restarted_since(run.consumers, own_end_index)) {
                        complete = true;
                        return;
                    }
                }
                for (auto& c : run.consumers) c->push(*frame, f);
            }
            bank.push(f);
            run.times.emplace_back(f.index, frame->time_s);
            time_of[f.index] = frame->time_s;
            run.last_index = f.index;
            run.last_duration = frame->duration_s;
            frames_done.fetch_add(1, std::memory_order_relaxed);
        };
        run_pipeline(decoder, pipeline, consume);
        // Only the true end of the stream may flush: elsewhere the segment goes on past its
        // range far enough that push() has emitted everything that starts in it.
        if (last && run.last_index >= 0) bank.flush(run.last_index + 1);
        for (const auto& c : bank.candidates()) {
            auto it = time_of.find(c.transition.frames.start);
            run.candidates.push_back({c, it != time_of.end() ? it->second : -INFINITY});
        }
        run.info = decoder.info();
        run.decode_errors = decoder.info().decode_errors;
    } catch (...) {
        run.error = std::current_exception();
    }
}

bool same(const Candidate& x, const Candidate& y) {
    const auto &a = x.c, &b = y.c;
    return a.transition.type == b.transition.type &&
           a.transition.frames.start == b.transition.frames.start &&
           a.transition.frames.end == b.transition.frames.end &&
           a.transition.confidence == b.transition.confidence && a.emitted == b.emitted &&
           a.detector == b.detector;
}

// The candidates starting at or after `from` and emitted no later than `until`, in order.
std::vector<Candidate> window_of(const SegmentRun& run, double from, FrameIndex until) {
    std::vector<Candidate> out;
    for (const auto& c : run.candidates)
        if (c.start_time >= from && c.c.emitted <= until) out.push_back(c);
    return out;
}

}  // namespace

int automatic_segments(const SourceInfo& source, int threads) {
    // FFmpeg's frame threads scale with the picture. Measured on 2 cores with H.264: at
    // 640x360 two of them decode no faster than one (each waits on the other's reference
    // rows) and even at 1280x720 they leave a core idle, while independent single-threaded
    // decoders run side by side (`cuts` 1.4-1.7x faster than one pass). At 1920x1080 frame
    // threads keep the cores busy and the segments' overlaps are extra work.
    constexpr std::int64_t kSmallPicture = 1280 * 720;
    const std::int64_t area = std::int64_t(source.width) * source.height;
    return area > 0 && area <= kSmallPicture ? std::max(1, threads) : 1;
}

PassResult run_segmented_pass(const std::string& input, const PassOptions& options, int segments,
                              double min_segment_s) {
    return run_segmented_pass(input, options, segments, ConsumerFactory{}, min_segment_s).pass;
}

SegmentedPassResult run_segmented_pass(const std::string& input, const PassOptions& given,
                                       int segments, const ConsumerFactory& make_consumers,
                                       double min_segment_s) {
    if (segments < 0 || segments > 64)
        throw_bad_usage("segments", "--segments must be between 1 and 64");
    // Found once: every segment measures inside the same area.
    const PassOptions options = with_picture_area(input, given);
    auto single_pass = [&] {
        SegmentedPassResult out;
        FrameConsumer consumer;
        if (make_consumers) {
            out.consumers = make_consumers();
            consumer = [&consumers = out.consumers](const FramePtr& frame, const FrameFeatures& f) {
                for (auto& c : consumers) c->push(*frame, f);
            };
        }
        out.pass = run_transition_pass(input, options, consumer);
        return out;
    };
    // Ranges and metrics dumps are the single pass's job.
    if (segments == 1 || options.decode.start_s || options.decode.end_s ||
        !options.metrics_csv.empty())
        return single_pass();

    SourceInfo probe_info;
    {
        VideoDecoder decoder(input, probe_decode_options(options.decode.allow_network));
        probe_info = decoder.info();
    }
    const int total_threads = options.decode.threads > 0
                                  ? options.decode.threads
                                  : int(std::max(1u, std::thread::hardware_concurrency()));
    if (segments == 0) segments = std::min(64, automatic_segments(probe_info, total_threads));
    Plan plan;
    plan.detectors = {.fps = detail::detector_fps(probe_info), .sensitivity = options.sensitivity};
    {
        const DetectorBank bank(plan.detectors);
        plan.warm_frames = bank.warm_up_frames() + kMarginFrames;
        plan.look_frames = bank.max_delay_frames() + kMarginFrames;
    }
    // Seconds from frames at the slowest rate the stream might run at (VFR): the average
    // rate when it is lower than the nominal one.
    double slow_fps = plan.detectors.fps;
    if (probe_info.fps_average.valid() && probe_info.fps_average.to_double() > 0)
        slow_fps = std::min(slow_fps, probe_info.fps_average.to_double());
    plan.warm_s = plan.warm_frames / slow_fps;
    plan.look_s = plan.look_frames / slow_fps;

    const double duration = probe_info.duration_s;
    // Every join costs an overlap of extra decoding (and each part a demux pass to index
    // timestamps). Measured on 2 cores with 640x360 H.264: two parts of 20 s (40 s film) ran
    // at 0.73-0.80x of one pass, two of 90 s at 1.08x, two of 5 min at 1.51x. A part must
    // therefore be at least twice its overlap for the parallelism to pay for it.
    const double min_part = min_segment_s >= 0 ? min_segment_s : 2 * (plan.warm_s + plan.look_s);
    int n = segments;
    if (duration <= 0)
        n = 1;
    else if (min_part > 0)
        n = std::min(n, std::max(1, int(duration / min_part)));
    if (n <= 1) return single_pass();
    // Segments overlap, so the bar counts the frames decoded against the film's length plus
    // the overlaps; it ends at about 100%.
    ProgressBar bar("analysing",
                    probe_info.frame_count > 0
                        ? probe_info.frame_count + (n - 1) * (plan.warm_frames + plan.look_frames)
                        : 0,
                    options.progress);
    std::atomic<std::int64_t> frames_done{0};

    std::vector<double> cuts;  // interior boundaries, seconds
    for (int k = 1; k < n; ++k) cuts.push_back(duration * k / n);
    if (std::getenv("KINOGLAZ_DEBUG_SEGMENTS"))
        std::fprintf(
            stderr,
            "segments: %d over %.3f s, warm-up %d frames (%.2f s), look-ahead %d frames (%.2f s)\n",
            n, duration, plan.warm_frames, plan.warm_s, plan.look_frames, plan.look_s);

    std::map<std::pair<double, double>, SegmentRun> done;  // by own range
    while (true) {
        std::vector<std::pair<double, double>> ranges;
        for (std::size_t k = 0; k <= cuts.size(); ++k)
            ranges.emplace_back(k == 0 ? -INFINITY : cuts[k - 1],
                                k == cuts.size() ? INFINITY : cuts[k]);
        std::vector<std::pair<double, double>> todo;
        for (const auto& r : ranges)
            if (!done.count(r)) todo.push_back(r);
        if (!todo.empty()) {
            const int per = std::max(1, total_threads / int(ranges.size()));
            std::vector<SegmentRun> runs(todo.size());
            std::vector<std::thread> workers;
            int running = int(todo.size());
            std::mutex mutex;
            std::condition_variable finished;
            for (std::size_t i = 0; i < todo.size(); ++i) {
                runs[i].own_start = todo[i].first;
                runs[i].own_end = todo[i].second;
                if (make_consumers) runs[i].consumers = make_consumers();
                // TBB's parallelism limit is process-wide (the smallest one set wins), so every
                // segment asks for all threads and shares one worker pool; codecs get a share.
                workers.emplace_back([&, i] {
                    run_segment(input, options, plan, total_threads, per,
                                !std::isfinite(todo[i].second), runs[i], frames_done);
                    std::lock_guard lock(mutex);
                    --running;
                    finished.notify_one();
                });
            }
            // The bar is drawn from this thread only (ProgressBar is single-threaded).
            {
                std::unique_lock lock(mutex);
                while (!finished.wait_for(lock, std::chrono::milliseconds(100),
                                          [&] { return running == 0; }))
                    bar.update(frames_done.load(std::memory_order_relaxed));
            }
            for (auto& w : workers) w.join();
            for (auto& r : runs)
                if (r.error) std::rethrow_exception(r.error);
            throw_if_cancelled();
            for (auto& r : runs)
                if (r.unseekable) return single_pass();
            for (std::size_t i = 0; i < todo.size(); ++i) done[todo[i]] = std::move(runs[i]);
        }
        // Check every join; merge the segments around those that disagree.
        std::vector<double> kept;
        for (std::size_t k = 0; k < cuts.size(); ++k) {
            const SegmentRun& left = done.at(ranges[k]);
            const SegmentRun& right = done.at(ranges[k + 1]);
            auto a = window_of(left, cuts[k], left.last_index);
            auto b = window_of(right, cuts[k], left.last_index);
            bool ok = left.last_index >= 0 && a.size() == b.size() &&
                      std::equal(a.begin(), a.end(), b.begin(), same);
            if (ok) kept.push_back(cuts[k]);
            if (std::getenv("KINOGLAZ_DEBUG_SEGMENTS"))
                std::fprintf(stderr, "segments: join at %.3f s: %s (%zu candidates after it)\n",
                             cuts[k], ok ? "agrees" : "differs, merging", a.size());
        }
        if (kept.size() == cuts.size()) break;
        cuts = kept;
    }

    bar.finish();
    std::vector<std::pair<double, double>> ranges;
    for (std::size_t k = 0; k <= cuts.size(); ++k)
        ranges.emplace_back(k == 0 ? -INFINITY : cuts[k - 1],
                            k == cuts.size() ? INFINITY : cuts[k]);
    SegmentedPassResult out;
    PassResult& result = out.pass;
    std::vector<DetectorBank::Candidate> kept;
    std::vector<char> seen;
    for (const auto& r : ranges) {
        const SegmentRun& run = done.at(r);
        for (const auto& c : run.candidates)
            if (c.start_time >= run.own_start && c.start_time < run.own_end) kept.push_back(c.c);
        for (const auto& [index, time] : run.times) {
            if (index >= FrameIndex(result.frame_times.size())) {
                result.frame_times.resize(std::size_t(index + 1), 0);
                seen.resize(std::size_t(index + 1), 0);
            }
            result.frame_times[std::size_t(index)] = time;
            seen[std::size_t(index)] = 1;
        }
        // Damage cannot be placed in time (a broken packet may yield no frame), so the
        // overlaps would count it twice: a damaged film is decoded again in one pass, which
        // counts every error once, as the contract's decode_errors wants.
        if (run.decode_errors > 0) return single_pass();
    }
    if (result.frame_times.empty()) throw_bad_input(input, "no decodable video frames");
    if (std::find(seen.begin(), seen.end(), 0) != seen.end())
        // A frame no segment delivered (timestamps the table cannot place): only a single
        // pass numbers such a stream the way the contract wants.
        return single_pass();

    const SegmentRun& last = done.at(ranges.back());
    result.source = last.info;
    detail::count_frames(result.source, result.frame_times, last.last_duration, plan.detectors.fps);
    result.transitions = DetectorBank(plan.detectors).resolve(std::move(kept), result.frame_times);
    const auto& times = result.frame_times;

    // Each segment's consumers take over from those before at the first frame of its own range.
    for (std::size_t k = 0; make_consumers && k < ranges.size(); ++k) {
        SegmentRun& run = done.at(ranges[k]);
        if (k == 0) {
            out.consumers = std::move(run.consumers);
            continue;
        }
        const auto from = FrameIndex(std::lower_bound(times.begin(), times.end(), ranges[k].first) -
                                     times.begin());
        bool joined = true;
        for (std::size_t c = 0; c < out.consumers.size() && joined; ++c)
            joined = out.consumers[c]->take_over(*run.consumers[c], from);
        if (!joined) {
            if (std::getenv("KINOGLAZ_DEBUG_SEGMENTS"))
                std::fprintf(stderr, "segments: consumers differ after %.3f s, one pass\n",
                             ranges[k].first);
            return single_pass();
        }
    }
    out.segments = int(ranges.size());
    return out;
}

}  // namespace kinoglaz
