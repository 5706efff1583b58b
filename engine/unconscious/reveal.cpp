// Reveal clips: decode a range, magnify and slow it, draw what was done on the frame, write
// H.264.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include <opencv2/imgproc.hpp>

#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include "kinoglaz/unconscious/reveal.hpp"
#include "video_writer.hpp"

namespace kinoglaz {

namespace {

// Longest source range a reveal renders (a reveal is a close look, not a transcode).
constexpr double kMaxRangeS = 60;
// Highest frame rate a reveal is written at: what players show. Footage shot faster than this
// is slowed by showing more of its own frames, not by interpolating, and frames beyond what
// the output shows are skipped before any work, so a reveal's cost follows its output frames,
// not the source's frame rate (a 1000 fps clip once took minutes).
constexpr double kMaxOutputFps = 120;
// Longest side of a preview's panels, pixels: small enough to render in seconds.
constexpr int kPreviewPx = 480;
// Peak bit rate of a clip, bits per pixel of each second's pictures: about 8 Mbit/s for
// 864x192 at 120 fps, 25 Mbit/s for 1920x544 at 120 fps; CRF 18 rarely reaches it.
constexpr double kMaxBitsPerPixel = 0.4;

// Which source frames a reveal uses and how it slows them (see write_slowed).
struct Sampling {
    double fps = 25;            // rate of the frames used (the magnifier's rate)
    double min_interval_s = 0;  // frames closer than this to the last one used are skipped
    int interpolate = 1;        // pictures written per source interval (1 = the frame only)
};

// Up to kMaxOutputFps, every frame is used and K-1 pictures are interpolated between two.
// Faster footage keeps K·kMaxOutputFps frames a second (all of them if it has fewer): slowed
// K times they play at up to kMaxOutputFps with no interpolation. A magnification band that
// needs a higher rate keeps enough frames for it.
Sampling sampling_for(double fps, int k, double band_hi_hz) {
    if (fps <= kMaxOutputFps) return {fps, 0, k};
    const double wanted = std::max(kMaxOutputFps * k, band_hi_hz / 0.45);
    // Every step-th frame; half a frame of slack absorbs jitter in variable-rate timestamps.
    const int step = std::max(1, int(std::ceil(fps / wanted - 1e-9)));
    return {fps / step, (step - 0.5) / fps, 1};
}

int even_down(int v) {
    return std::max(2, v - v % 2);
}

// Text with a dark box behind it, readable on any picture. `scale` is OpenCV's font scale;
// the stroke thickens with it so that large text stays legible when projected.
void caption(cv::Mat& img, const std::string& text, cv::Point origin, double scale) {
    const int thick = std::max(1, int(std::lround(scale * 1.6)));
    const int pad = std::max(3, int(std::lround(scale * 6)));
    int baseline = 0;
    auto size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, thick, &baseline);
    cv::rectangle(img, origin + cv::Point(-pad, baseline + pad),
                  origin + cv::Point(size.width + pad, -size.height - pad), cv::Scalar(0, 0, 0),
                  cv::FILLED);
    cv::putText(img, text, origin, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(255, 255, 255),
                thick, cv::LINE_AA);
}

// The font scale for a picture `height` pixels tall: text about 1/25 of the height (a line of
// a projected slide), never smaller than OpenCV's small text.
double text_scale(int height) {
    return std::max(0.4, height / 540.0);
}

// Where a reveal's time goes, phase by phase, for its progress bar.
struct PhaseClock {
    enum Phase { decode, magnify, slow_motion, encode, count };
    double seconds[count] = {};
    template <class Fn>
    auto time(Phase phase, Fn fn) {
        const auto t0 = std::chrono::steady_clock::now();
        struct Add {
            double& s;
            std::chrono::steady_clock::time_point t0;
            ~Add() {
                s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            }
        } add{seconds[phase], t0};
        return fn();
    }
    std::string summary() const {
        char buf[160];
        std::snprintf(buf, sizeof buf,
                      "(decode %.1f s, magnify %.1f s, slow motion %.1f s, encode %.1f s)",
                      seconds[decode], seconds[magnify], seconds[slow_motion], seconds[encode]);
        return buf;
    }
};

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

// Writes a source range slowed K times: for every source interval [p0, p1) between the
// frames used (see Sampling: a frame closer than `min_interval_s` to the last one used is
// skipped before it is converted) the earlier picture itself, then N-1 pictures interpolated
// at exact fractions of the interval, and the last picture at the end. In the output time base
// (the source's), picture j of an interval sits at K·(p0 - first) + j·K·(p1 - p0)/N: exactly K
// times its source time, so the slow-down is exact even with a variable frame rate. `take(frame)`
// makes a Picture of a decoded frame, `prepare(a, b)` readies the interpolation between two, `at(a,
// b, t)` makes the one at t, and `emit(picture, source_time, pts)` writes one. The bar counts the
// pictures written (the last phase, so it ends when the clip does) and shows where the time went.
// Returns the number of source frames.
template <class Picture, class Take, class Prepare, class At, class Emit>
std::int64_t write_slowed(VideoDecoder& decoder, int k, const Sampling& sampling, ProgressBar& bar,
                          PhaseClock& clock, Take take, Prepare prepare, At at, Emit emit) {
    std::int64_t frames_in = 0, first_pts = 0, prev_pts = 0, written = 0;
    double prev_time = 0;
    Picture prev;
    const int n = sampling.interpolate;
    auto put = [&](const Picture& p, double time, std::int64_t pts) {
        clock.time(PhaseClock::encode, [&] { emit(p, time, pts); });
        bar.set_detail(clock.summary());
        bar.update(++written);
    };
    for (;;) {
        auto decoded = clock.time(PhaseClock::decode, [&] { return decoder.next(); });
        if (!decoded) break;
        if (frames_in > 0 && decoded->time_s - prev_time < sampling.min_interval_s - 1e-9) {
            throw_if_cancelled();
            continue;
        }
        Frame f = clock.time(PhaseClock::decode, [&] { return decoder.convert(*decoded); });
        Picture picture = take(f);
        const std::int64_t pts = f.timestamp.pts;
        if (frames_in == 0) first_pts = pts;
        if (frames_in > 0 && pts > prev_pts) {
            if (n > 1)
                clock.time(PhaseClock::slow_motion, [&] {
                    prepare(prev, picture);
                    return 0;
                });
            for (int j = 0; j < n; ++j) {
                throw_if_cancelled();  // each output frame costs milliseconds at full size
                const double t = double(j) / n;
                const double time = prev_time + t * (f.time_s - prev_time);
                const std::int64_t out_pts = std::int64_t(k) * (prev_pts - first_pts) +
                                             std::int64_t(j) * k * (pts - prev_pts) / n;
                if (j == 0)
                    put(prev, time, out_pts);
                else
                    put(clock.time(PhaseClock::slow_motion, [&] { return at(prev, picture, t); }),
                        time, out_pts);
            }
        }
        prev = std::move(picture);
        prev_pts = pts;
        prev_time = f.time_s;
        ++frames_in;
    }
    if (frames_in > 0) put(prev, prev_time, std::int64_t(k) * (prev_pts - first_pts));
    return frames_in;
}

}  // namespace

void render_reveal(const std::string& input, const RevealOptions& o,
                   const std::string& output_mp4) {
    if (o.slow < 1 || o.slow > 16) throw_bad_usage("reveal", "--slow must be between 1 and 16");
    if (!(o.magnify >= 0 && o.magnify <= 100))
        throw_bad_usage("reveal", "--magnify must be between 0 and 100");
    if (o.band && !(o.band->first > 0 && o.band->second > o.band->first))
        throw_bad_usage("reveal", "--band must be LO:HI with 0 < LO < HI (Hz)");
    if (o.max_panel_px != 0 && (o.max_panel_px < 64 || o.max_panel_px > 3840))
        throw_bad_usage("reveal", "panel size must be between 64 and 3840 pixels");
    if (o.capture_fps && !(*o.capture_fps > 0 && *o.capture_fps <= 1e6))
        throw_bad_usage("reveal", "--capture-fps must be above 0 and at most 1000000");
    if (o.start_s && o.end_s && *o.end_s <= *o.start_s)
        throw_bad_usage("reveal", "--end must be after --start");
    if (o.roi && (o.roi->width <= 0 || o.roi->height <= 0 || o.roi->x < 0 || o.roi->y < 0))
        throw_bad_usage("reveal", "--roi must be x,y,w,h with w, h > 0 and x, y >= 0");

    // A clean slow motion of the whole picture goes through the coded samples when they are
    // shown as stored (no rotation, square pixels, even size); everything else through BGR.
    auto open = [&](bool planes) {
        const double start = o.start_s.value_or(0);
        const double end = std::min(o.end_s.value_or(start + kMaxRangeS), start + kMaxRangeS);
        return std::make_unique<VideoDecoder>(
            input, full_frames_decode_options(o.threads, false, planes, o.start_s, end));
    };
    bool planar = o.clean && o.magnify == 0 && !o.roi && !o.preview && o.max_panel_px == 0;
    auto decoder_ptr = open(planar);
    if (planar) {
        const SourceInfo& in = decoder_ptr->info();
        if (in.rotation_deg != 0 || in.sample_aspect.num != in.sample_aspect.den ||
            in.coded_width % 2 != 0 || in.coded_height % 2 != 0) {
            planar = false;
            decoder_ptr = open(false);
        }
    }
    VideoDecoder& decoder = *decoder_ptr;
    const SourceInfo& info = decoder.info();
    const double source_fps = info.fps > 0 ? info.fps : 25;
    // Frequencies the person reads and gives are physical when the footage was shot at another
    // rate than it plays: one Hz of the file is `hz` Hz of the scene.
    const double hz = o.capture_fps ? *o.capture_fps / source_fps : 1.0;
    std::optional<std::pair<double, double>> file_band;
    if (o.band) file_band = std::make_pair(o.band->first / hz, o.band->second / hz);
    const Sampling sampling = sampling_for(
        source_fps, o.slow, file_band ? file_band->second : default_band(source_fps).second);
    const double fps = sampling.fps;  // the rate of the frames the magnifier sees
    if (o.roi && (o.roi->x >= info.width || o.roi->y >= info.height))
        throw_bad_usage("reveal", "--roi lies outside the " + std::to_string(info.width) + "x" +
                                      std::to_string(info.height) + " picture");
    auto band = file_band.value_or(default_band(fps));
    if (band.second >= fps / 2) band.second = 0.45 * fps;
    if (band.first >= band.second)
        throw_bad_usage("reveal", std::string("--band must lie below half the ") +
                                      (o.capture_fps ? "capture" : "frame") + " rate (" +
                                      fmt("%.2f", hz * fps / 2) + " Hz)");

    // What is shown: the ROI with as much context again around it, or the whole picture.
    cv::Rect frame_rect(0, 0, info.width, info.height), view = frame_rect;
    cv::Rect roi;
    if (o.roi) {
        roi = *o.roi & frame_rect;
        int w = std::max(roi.width * 3, 160), h = std::max(roi.height * 3, 120);
        view = cv::Rect(roi.x + roi.width / 2 - w / 2, roi.y + roi.height / 2 - h / 2, w, h);
        // Slide the view inside the picture before clipping, so the ROI keeps its context.
        view.x = std::clamp(view.x, 0, std::max(0, info.width - view.width));
        view.y = std::clamp(view.y, 0, std::max(0, info.height - view.height));
        view &= frame_rect;
    }
    // Processing happens at source resolution by default: a classroom projects the clip, and
    // every pixel shrunk away is detail the magnification cannot show. `--size` (or a preview)
    // makes it smaller. A small ROI is enlarged only for display (to a panel about 720 pixels
    // tall, at most 4x; a preview's to 360), so a gesture is visible without paying for it.
    const int longest = std::max(view.width, view.height);
    const int limit = o.max_panel_px > 0 ? o.max_panel_px : o.preview ? kPreviewPx : 0;
    const double work_scale = limit > 0 ? std::min(1.0, double(limit) / longest) : 1.0;
    cv::Size work(std::max(8, int(std::lround(view.width * work_scale))),
                  std::max(8, int(std::lround(view.height * work_scale))));
    double scale = work_scale;
    if (o.roi && !o.clean) {
        const double tall = o.preview ? 360 : 720;
        scale = std::max(scale, std::min(4.0, tall / view.height));
        if (limit > 0) scale = std::min(scale, std::max(work_scale, double(limit) / longest));
    }
    cv::Size panel(even_down(int(std::lround(view.width * scale))),
                   even_down(int(std::lround(view.height * scale))));
    const bool show_original = o.side_by_side && !o.clean;
    cv::Size canvas(show_original ? panel.width * 2 : panel.width, panel.height);

    MagnifyOptions mopt;
    mopt.method = o.method;
    mopt.alpha = o.magnify;
    mopt.low_hz = band.first;
    mopt.high_hz = band.second;
    mopt.fps = fps;
    if (o.preview) mopt.levels = 4;  // the coarsest levels cost little and move little
    MotionMagnifier magnifier(mopt);
    FrameInterpolator interp_processed, interp_original;

    const auto tmp = output_mp4 + ".partial.mp4";
    // An error or an interruption leaves no half-written clip: declared before the writer,
    // this removes the file after the writer has closed it.
    struct RemoveUnlessDone {
        const std::string& path;
        bool done = false;
        ~RemoveUnlessDone() {
            std::error_code ec;
            if (!done) std::filesystem::remove(path, ec);
        }
    } partial{tmp};
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    const int k = o.slow;
    const std::string method = o.method == MagnifyMethod::phase ? "phase" : "eulerian";
    std::int64_t frames_in = 0;
    // The bar counts the pictures written; its total, from the range and the rates.
    const double range_start = o.start_s.value_or(0);
    double range_end = std::min(o.end_s.value_or(info.duration_s), range_start + kMaxRangeS);
    if (info.duration_s > 0) range_end = std::min(range_end, info.duration_s);
    const std::int64_t frames_used =
        std::max<std::int64_t>(1, std::llround((range_end - range_start) * fps));
    ProgressBar bar(o.progress_label, (frames_used - 1) * sampling.interpolate + 1,
                    !o.progress_label.empty());
    PhaseClock clock;
    // Quality for projection: CRF 18 is visually lossless at these sizes; the peak rate
    // follows the picture's size and rate. A preview is for a quick look.
    detail::VideoWriterExtras extras;
    extras.preset = o.preview ? "ultrafast" : "veryfast";
    extras.max_bits_per_pixel = kMaxBitsPerPixel;
    const int crf = o.preview ? 26 : 18;
    const double out_fps = fps * sampling.interpolate;

    if (planar) {
        // Slowed only, whole picture, stored as shown: interpolated in the coded samples and
        // encoded from them, with no colour conversion on the way.
        detail::VideoWriter writer(tmp, {info.coded_width, info.coded_height}, info.time_base,
                                   out_fps, crf, extras);
        frames_in = write_slowed<PlanarPicture>(
            decoder, k, sampling, bar, clock, [](Frame& f) { return std::move(f.full_planes); },
            [&](const PlanarPicture& a, const PlanarPicture& b) { interp_original.prepare(a, b); },
            [&](const PlanarPicture& a, const PlanarPicture& b, double t) {
                return interp_original.blend(a, b, t);
            },
            [&](const PlanarPicture& p, double, std::int64_t pts) { writer.write(p, pts); });
        clock.time(PhaseClock::encode, [&] {
            writer.close();
            return 0;
        });
    } else {
        const double ts = text_scale(panel.height);
        const int line = int(std::lround(ts * 34));  // a line of text with its box, pixels
        // Footage shot at another rate: the slow-down against real time, and where that comes
        // from.
        const std::string real_time = o.capture_fps
                                          ? " (x" + fmt("%.3g", k * hz) + " real time, shot at " +
                                                fmt("%g", *o.capture_fps) + " fps)"
                                          : "";
        const std::string band_text =
            fmt("%.2f", band.first * hz) + "-" + fmt("%.2f", band.second * hz) + " Hz";
        auto compose = [&](const cv::Mat& orig, const cv::Mat& proc, double src_time) {
            cv::Mat out(canvas, CV_8UC3);
            if (o.clean) {
                cv::resize(proc, out, panel, 0, 0, cv::INTER_CUBIC);
                return out;
            }
            cv::Rect box;
            if (o.roi)
                box = cv::Rect(int((roi.x - view.x) * scale), int((roi.y - view.y) * scale),
                               int(roi.width * scale), int(roi.height * scale));
            auto place = [&](const cv::Mat& img, int x0, const std::string& label) {
                cv::Mat dst = out(cv::Rect(x0, 0, panel.width, panel.height));
                if (img.size() == panel)
                    img.copyTo(dst);
                else
                    cv::resize(img, dst, panel, 0, 0, cv::INTER_CUBIC);
                if (o.roi)
                    cv::rectangle(dst, box, cv::Scalar(0, 220, 255),
                                  std::max(1, int(std::lround(ts * 1.5))), cv::LINE_AA);
                if (!label.empty()) caption(dst, label, {line / 3, panel.height - line / 3}, ts);
            };
            std::string what = o.magnify > 0 ? "x" + fmt("%g", o.magnify) + " " + method : "";
            if (show_original) {
                place(orig, 0, "original");
                place(proc, panel.width,
                      (what.empty() ? std::string("slowed") : "magnified " + what) +
                          (k > 1 ? ", slow x" + std::to_string(k) : ""));
            } else {
                place(proc, 0, what);
            }
            std::string text = format_clock(src_time) + "  slow x" + std::to_string(k) + real_time +
                               "  alpha " + fmt("%g", o.magnify) + " (" + method + ", " +
                               band_text + ")";
            caption(out, text, {line / 3, line * 2 / 3}, ts);
            if (!o.title.empty()) caption(out, o.title, {line / 3, line * 2 / 3 + line}, ts);
            return out;
        };
        // The original and the processed view; unless both are shown and differ (magnified),
        // they are one picture, interpolated once.
        struct Views {
            cv::Mat orig, proc;
        };
        const bool magnified = o.magnify > 0, two = magnified && show_original;
        detail::VideoWriter writer(tmp, canvas, info.time_base, out_fps, crf, extras);
        frames_in = write_slowed<Views>(
            decoder, k, sampling, bar, clock,
            [&](const Frame& f) {
                cv::Mat crop = f.full_bgr(view);
                if (crop.size() != work) cv::resize(crop, crop, work, 0, 0, cv::INTER_AREA);
                cv::Mat proc = magnified ? clock.time(PhaseClock::magnify,
                                                      [&] { return magnifier.process(crop); })
                                         : crop;
                return Views{show_original ? crop : proc, proc};
            },
            [&](const Views& a, const Views& b) {
                // One flow estimate per pair, on the magnified view (the one the clip is
                // about); the original uses it where it explains the original's own change
                // and is blended unmoved elsewhere: there its motion is the sub-pixel motion
                // that was magnified, which a blend renders. Estimating it twice cost a third
                // of a reveal.
                if (two) {
                    interp_processed.prepare(a.proc, b.proc);
                    interp_original.prepare_like(interp_processed, a.orig, b.orig);
                } else {
                    interp_original.prepare(a.orig, b.orig);
                }
            },
            [&](const Views& a, const Views& b, double t) {
                cv::Mat orig = interp_original.blend(a.orig, b.orig, t);
                return Views{orig, two ? interp_processed.blend(a.proc, b.proc, t) : orig};
            },
            [&](const Views& v, double src_time, std::int64_t pts) {
                writer.write(compose(v.orig, v.proc, src_time), pts);
            });
        clock.time(PhaseClock::encode, [&] {
            writer.close();
            return 0;
        });
    }
    if (frames_in == 0) throw_bad_input(input, "no frames in the requested range");
    bar.set_detail(clock.summary());
    bar.finish();
    std::filesystem::rename(tmp, output_mp4, ec);
    if (ec) throw_io(output_mp4, "cannot move the finished clip into place: " + ec.message());
    partial.done = true;
}

std::string reveal_clip_suffix(int slow, double magnify, std::optional<double> band_hz,
                               bool preview) {
    std::string out;
    if (slow > 1) out += "_slow" + std::to_string(slow) + "x";
    if (magnify > 0) {
        out += "_magnify" + fmt("%g", magnify) + "x";
        if (band_hz) out += "_" + fmt("%.3g", *band_hz) + "Hz";
    }
    if (preview) out += "_preview";
    return out;
}

int render_event_reveals(const std::string& input, const SourceInfo& source,
                         std::vector<Event>& events, const std::string& out_dir, int max_clips,
                         bool progress, std::optional<double> capture_fps) {
    std::vector<std::size_t> order(events.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return events[a].score > events[b].score;
    });
    if (int(order.size()) > max_clips) order.resize(std::size_t(std::max(0, max_clips)));
    std::filesystem::create_directories(std::filesystem::path(out_dir) / "reveals");
    // Events' frequencies, and so the bands, are physical Hz when the capture rate is given.
    const double file_fps = source.fps > 0 ? source.fps : 25;
    const double hz = capture_fps ? *capture_fps / file_fps : 1.0;  // physical Hz per file Hz
    int written = 0;
    for (std::size_t i : order) {
        Event& e = events[i];
        RevealOptions o;
        o.start_s = std::max(0.0, e.start_time_s - 0.5);
        o.end_s = e.end_time_s + 0.5;
        o.slow = 4;
        o.magnify = 10;
        o.capture_fps = capture_fps;
        const double f = e.peak_hz > 0 ? e.peak_hz : 4 * hz;
        const double hi = std::min(2 * f, 0.45 * file_fps * hz);
        o.band = std::make_pair(std::min(f / 2, hi / 2), hi);
        o.method = MagnifyMethod::phase;
        o.roi = e.bbox;
        char index[32];
        std::snprintf(index, sizeof index, "event-%03zu", i);
        const std::string name =
            index +
            reveal_clip_suffix(o.slow, o.magnify, e.peak_hz > 0 ? std::optional(f) : std::nullopt,
                               false) +
            ".mp4";
        char title[96];
        std::snprintf(title, sizeof title, "event %zu: %.2f px at %.1f Hz, score %.2f", i,
                      e.amplitude_px, e.peak_hz, e.score);
        o.title = title;
        if (progress)
            o.progress_label =
                "reveal " + std::to_string(written + 1) + "/" + std::to_string(order.size());
        std::string rel = "reveals/" + name;
        render_reveal(input, o, (std::filesystem::path(out_dir) / rel).string());
        e.clip = rel;
        ++written;
    }
    return written;
}

}  // namespace kinoglaz
