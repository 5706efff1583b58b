// A live session: the capture thread (decode, pace a file, reconnect a stream), the
// processing thread (magnify, compose, encode, keep the replay buffer), the event thread
// (micro-gestures on a decimated copy of every captured frame) and the server, joined by
// one-frame slots.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include <opencv2/imgproc.hpp>

#include <kinoglaz/analysis.hpp>
#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include <kinoglaz/unconscious.hpp>
#include "live_detail.hpp"

extern "C" {
#include <libavdevice/avdevice.h>
}

namespace kinoglaz {

using detail::Clock;

namespace {

// A stream that delivers nothing for this long is "stalled" (a frame is 33-40 ms).
constexpr auto kStallAfter = std::chrono::seconds(1);
// A read of a stream or camera that waits longer ends it; the capture thread then reconnects.
constexpr double kIoTimeoutS = 3;
// The event finder looks at this many seconds, once a second, at this rate and size.
constexpr double kEventWindowS = 4;
constexpr double kEventFps = 15;
constexpr int kEventProxyPx = 320;
// How long a micro-gesture stays outlined after it was found.
constexpr auto kEventShown = std::chrono::milliseconds(2000);

bool is_url(const std::string& input) {
    auto colon = input.find("://");
    return colon != std::string::npos && colon > 0 && input.rfind("file:", 0) != 0;
}

bool is_device(const std::string& input) {
    std::error_code ec;
    return std::filesystem::status(input, ec).type() == std::filesystem::file_type::character;
}

std::int64_t to_ns(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// Text with a dark box behind it, readable on any picture.
void caption(cv::Mat& img, const std::string& text, cv::Point origin) {
    int baseline = 0;
    auto size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, 0.45, 1, &baseline);
    cv::rectangle(img, origin + cv::Point(-3, baseline + 3),
                  origin + cv::Point(size.width + 3, -size.height - 3), cv::Scalar(0, 0, 0),
                  cv::FILLED);
    cv::putText(img, text, origin, cv::FONT_HERSHEY_SIMPLEX, 0.45, cv::Scalar(255, 255, 255), 1,
                cv::LINE_AA);
}

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

}  // namespace

bool is_loopback_host(const std::string& host) noexcept {
    return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

std::string random_token() {
    std::random_device device("/dev/urandom");  // the kernel's cryptographic generator
    std::string token;
    char buf[9];
    for (int i = 0; i < 4; ++i) {
        std::snprintf(buf, sizeof buf, "%08x", unsigned(device()));
        token += buf;
    }
    return token;
}

struct LiveSession::State {
    detail::Shared shared;
    std::unique_ptr<VideoDecoder> first_decoder;  // opened by the constructor
    std::unique_ptr<detail::LiveServer> server;
    std::thread capture, processing, events;
    int port = 0;
    bool started = false;

    DecodeOptions decode_options() const {
        DecodeOptions d;
        // Two codec threads: each frame thread delays the picture by one frame, and two are
        // plenty for the streams measured (benchmarks/live_stream.py: 640x360, 30 fps).
        d.threads = 2;
        d.live = true;
        d.analysis_size = shared.options.panel_px;
        d.detection_size = 16;  // unused here; the smallest allowed
        if (is_url(shared.options.input) || is_device(shared.options.input))
            d.io_timeout_s = kIoTimeoutS;
        return d;
    }

    void capture_loop();
    void processing_loop();
    void events_loop();
};

LiveSession::LiveSession(const LiveOptions& o) : state_(std::make_unique<State>()) {
    if (o.input.empty()) throw_bad_usage("live", "needs an INPUT");
    if (!(o.alpha >= 0 && o.alpha <= 100))
        throw_bad_usage("live", "--magnify must be between 0 and 100");
    if (o.band && !(o.band->first > 0 && o.band->second > o.band->first))
        throw_bad_usage("live", "--band must be LO:HI with 0 < LO < HI (Hz)");
    if (!(o.replay_s >= 1 && o.replay_s <= 60))
        throw_bad_usage("live", "--replay-s must be between 1 and 60 seconds");
    if (o.panel_px < 64 || o.panel_px > 1920)
        throw_bad_usage("live", "panel size must be between 64 and 1920 pixels");
    if (o.port < 0 || o.port > 65535) throw_bad_usage("live", "port must be 0..65535");
    const bool live_source = is_url(o.input) || is_device(o.input);
    if (!live_source && !o.realtime)
        throw_bad_usage("live", o.input + " is a file: add --realtime to play it at its own speed");
    // The folder rule is checked now, so that a refused folder ends the command at once; the
    // folder itself is made by the first clip saved.
    { OutputFolder check(o.outdir, OutputKind::reveal, o.force); }

    auto& s = *state_;
    s.shared.options = o;
    s.shared.settings.alpha = o.alpha;
    s.shared.settings.band = o.band;
    s.shared.settings.method = o.method;
    s.shared.ring_fps = 25;
    avdevice_register_all();  // V4L2 cameras
    s.first_decoder = std::make_unique<VideoDecoder>(o.input, s.decode_options());
}

LiveSession::~LiveSession() {
    stop();
}

void LiveSession::start() {
    auto& s = *state_;
    if (s.started) return;
    s.server = std::make_unique<detail::LiveServer>(s.shared);
    s.port = s.server->bind();
    s.started = true;
    s.shared.last_frame_ns = to_ns(Clock::now());
    s.capture = std::thread([&s] { s.capture_loop(); });
    s.processing = std::thread([&s] { s.processing_loop(); });
    if (s.shared.options.events) s.events = std::thread([&s] { s.events_loop(); });
    s.server->start();
}

std::string LiveSession::url() const {
    const auto& o = state_->shared.options;
    std::string host = o.host.find(':') != std::string::npos && o.host.front() != '['
                           ? "[" + o.host + "]"
                           : o.host;
    std::string url = "http://" + host + ":" + std::to_string(state_->port) + "/";
    if (!o.token.empty()) url += "?token=" + o.token;
    return url;
}

void LiveSession::stop() {
    auto& s = *state_;
    if (!s.started) return;
    s.started = false;
    s.shared.stopping = true;
    s.shared.slot_cv.notify_all();
    s.shared.view_cv.notify_all();
    if (s.server) s.server->stop();
    for (auto* t : {&s.capture, &s.processing, &s.events})
        if (t->joinable()) t->join();
}

LiveStats LiveSession::stats() const {
    return detail::compute_stats(state_->shared);
}

LiveStats detail::compute_stats(detail::Shared& sh) {
    LiveStats st;
    const auto now = Clock::now();
    {
        std::lock_guard lock(sh.view_mutex);
        while (!sh.published.empty() && now - sh.published.front() > std::chrono::seconds(2)) {
            sh.published.pop_front();
            sh.latencies_ms.pop_front();
        }
        if (sh.published.size() >= 2) {
            const double span =
                std::chrono::duration<double>(sh.published.back() - sh.published.front()).count();
            // A stream that stopped publishing has no rate, whatever it had before.
            const double idle = std::chrono::duration<double>(now - sh.published.back()).count();
            if (span > 0) st.fps = double(sh.published.size() - 1) / std::max(span, span + idle);
        }
        for (double l : sh.latencies_ms) st.latency_ms += l;
        if (!sh.latencies_ms.empty()) st.latency_ms /= double(sh.latencies_ms.size());
        st.frames = sh.frames;
        st.width = sh.view_w;
        st.height = sh.view_h;
        st.time_s = sh.view_time_s;
    }
    st.dropped = sh.dropped.load();
    st.events = sh.events_found.load();
    if (sh.stream_state.load() == detail::StreamState::ended)
        st.state = "ended";
    else if (to_ns(now) - sh.last_frame_ns.load() > std::chrono::nanoseconds(kStallAfter).count())
        st.state = "stalled";
    else
        st.state = "live";
    return st;
}

void LiveSession::State::capture_loop() {
    auto& sh = shared;
    const bool file = !is_url(sh.options.input) && !is_device(sh.options.input);
    std::unique_ptr<VideoDecoder> decoder = std::move(first_decoder);
    // A file is paced by its own clock: frame time t is shown at start + t.
    std::optional<Clock::time_point> wall_start;
    double first_time = 0;
    while (!sh.stopping && !cancel_flag().load()) {
        try {
            if (!decoder) {
                if (file) {  // a file that ended stays ended
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
                    continue;
                }
                decoder = std::make_unique<VideoDecoder>(sh.options.input, decode_options());
                wall_start.reset();
            }
            auto picture = decoder->next();
            if (!picture) {
                decoder.reset();
                sh.stream_state = detail::StreamState::ended;
                continue;
            }
            Frame frame = decoder->convert(*picture);
            const double fps = decoder->info().fps > 0 ? decoder->info().fps : 25;
            if (file) {
                if (!wall_start) {
                    wall_start = Clock::now();
                    first_time = frame.time_s;
                }
                const auto due =
                    *wall_start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(frame.time_s - first_time));
                while (Clock::now() < due && !sh.stopping)
                    std::this_thread::sleep_for(std::min<Clock::duration>(
                        due - Clock::now(), std::chrono::milliseconds(50)));
            }
            sh.stream_state = detail::StreamState::live;
            if (sh.options.events) sh.add_event_input(frame.proxy_bgr, frame.time_s);
            const auto now = Clock::now();
            sh.last_frame_ns = to_ns(now);
            {
                std::lock_guard lock(sh.slot_mutex);
                if (sh.slot) ++sh.dropped;  // processing did not take the last one in time
                sh.slot = detail::CapturedFrame{frame.proxy_bgr, frame.time_s, fps, now};
            }
            sh.slot_cv.notify_one();
        } catch (const Error& e) {
            if (e.kind() == ErrorKind::cancelled) break;
            // A stream that cannot be reopened yet, or broke mid-picture: try again shortly.
            decoder.reset();
            sh.stream_state = detail::StreamState::ended;
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
    }
}

void LiveSession::State::processing_loop() {
    auto& sh = shared;
    std::optional<MotionMagnifier> magnifier;
    std::uint64_t built_version = ~std::uint64_t(0);
    cv::Size built_size;
    cv::Rect built_roi;
    double built_fps = 0;
    constexpr int kViewQuality = 80, kRingQuality = 92;
    while (!sh.stopping) {
        detail::CapturedFrame in;
        {
            std::unique_lock lock(sh.slot_mutex);
            sh.slot_cv.wait_for(lock, std::chrono::milliseconds(200),
                                [&] { return sh.slot.has_value() || sh.stopping.load(); });
            if (!sh.slot) continue;
            in = std::move(*sh.slot);
            sh.slot.reset();
        }
        const cv::Mat& original = in.bgr;
        std::uint64_t version = 0;
        const detail::LiveSettings set = sh.current_settings(&version);
        cv::Rect roi(0, 0, original.cols, original.rows);
        if (set.region) {
            const auto& r = *set.region;
            roi = cv::Rect(int(r.x * original.cols), int(r.y * original.rows),
                           int(r.width * original.cols), int(r.height * original.rows)) &
                  roi;
            if (roi.width < 16 || roi.height < 16)
                roi = cv::Rect(0, 0, original.cols, original.rows);
        }
        // A new setting, size, region or rate starts the temporal filter afresh.
        if (version != built_version || original.size() != built_size || roi != built_roi ||
            in.fps != built_fps) {
            magnifier.reset();
            if (set.alpha > 0) {
                MagnifyOptions m;
                m.method = set.method;
                m.alpha = set.alpha;
                auto band = set.band.value_or(default_band(in.fps));
                band.second = std::min(band.second, 0.45 * in.fps);
                band.first = std::min(band.first, band.second / 2);
                m.low_hz = band.first;
                m.high_hz = band.second;
                m.fps = in.fps;
                magnifier.emplace(m);
            }
            built_version = version;
            built_size = original.size();
            built_roi = roi;
            built_fps = in.fps;
        }
        cv::Mat magnified = original.clone();
        if (magnifier) magnifier->process(original(roi)).copyTo(magnified(roi));

        cv::Mat view(original.rows, original.cols * 2, CV_8UC3);
        original.copyTo(view(cv::Rect(0, 0, original.cols, original.rows)));
        cv::Mat right = view(cv::Rect(original.cols, 0, original.cols, original.rows));
        magnified.copyTo(right);
        if (set.region) {
            cv::rectangle(view, roi, cv::Scalar(0, 220, 255), 1, cv::LINE_AA);
            cv::rectangle(right, roi, cv::Scalar(0, 220, 255), 1, cv::LINE_AA);
        }
        if (sh.options.events) {
            std::lock_guard lock(sh.events_mutex);
            const auto now = Clock::now();
            for (const auto& e : sh.events)
                if (e.until > now)
                    cv::rectangle(right, e.box, cv::Scalar(60, 60, 255), 2, cv::LINE_AA);
        }
        const std::string method = set.method == MagnifyMethod::phase ? "phase" : "eulerian";
        caption(view, "original", {6, original.rows - 8});
        caption(
            right,
            set.alpha > 0 ? "magnified x" + fmt("%g", set.alpha) + " " + method : "not magnified",
            {6, original.rows - 8});

        const std::vector<unsigned char> view_bytes = encode_jpeg(view, kViewQuality);
        auto jpeg = std::make_shared<const std::string>(view_bytes.begin(), view_bytes.end());
        const auto done = Clock::now();
        {
            std::lock_guard lock(sh.view_mutex);
            sh.view_jpeg = std::move(jpeg);
            ++sh.view_seq;
            ++sh.frames;
            sh.view_w = view.cols;
            sh.view_h = view.rows;
            sh.view_time_s = in.time_s;
            sh.published.push_back(done);
            sh.latencies_ms.push_back(
                std::chrono::duration<double, std::milli>(done - in.decoded).count());
            while (done - sh.published.front() > std::chrono::seconds(2)) {
                sh.published.pop_front();
                sh.latencies_ms.pop_front();
            }
        }
        sh.view_cv.notify_all();

        // The replay buffer keeps the original: a replay magnifies it again, as asked then.
        std::vector<unsigned char> original_bytes = encode_jpeg(original, kRingQuality);
        {
            std::lock_guard lock(sh.ring_mutex);
            // A stream that restarts (new clock) or a new size starts a new buffer.
            if (!sh.ring.empty() &&
                (in.time_s <= sh.ring.back().time_s || original.size() != sh.ring.back().size))
                sh.ring.clear();
            sh.ring.push_back({std::move(original_bytes), in.time_s, original.size()});
            sh.ring_fps = in.fps;
            while (!sh.ring.empty() && in.time_s - sh.ring.front().time_s > sh.options.replay_s)
                sh.ring.pop_front();
        }
    }
}

// The finder's input, taken as frames are captured rather than as the magnified view takes
// them: a view that falls behind drops frames, and a finder fed by it saw gaps of its own
// making and missed brief gestures under load. Every frame at most kEventFps, small.
void detail::Shared::add_event_input(const cv::Mat& panel, double time_s) {
    {
        std::lock_guard lock(events_mutex);
        auto& input = event_input;
        if (!input.empty() && time_s < input.back().time_s) input.clear();  // stream restarted
        if (!input.empty() && time_s - input.back().time_s < 1.0 / kEventFps - 1e-3) return;
    }
    // Resized outside the lock, which the view's drawing and the event thread also take.
    const double scale = std::min(1.0, double(kEventProxyPx) / std::max(panel.cols, panel.rows));
    EventPicture p{{}, time_s, panel.size()};
    cv::resize(panel, p.bgr, {}, scale, scale, cv::INTER_AREA);
    std::lock_guard lock(events_mutex);
    event_input.push_back(std::move(p));
    while (time_s - event_input.front().time_s > kEventWindowS) event_input.pop_front();
}

// Micro-gestures as they happen: once a second, a fresh EventFinder runs over the last
// kEventWindowS seconds of the decimated stream (kEventFps, kEventProxyPx): the finder reports
// only at the end of a pass, so each pass is short. A micro-gesture found again by the next pass
// (overlapping in time and place) is the same one, and is only extended.
void LiveSession::State::events_loop() {
    auto& sh = shared;
    double last_end = -1;
    while (!sh.stopping) {
        for (int i = 0; i < 10 && !sh.stopping; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        std::vector<detail::EventPicture> window;
        {
            std::lock_guard lock(sh.events_mutex);
            if (sh.event_input.empty() || sh.event_input.back().time_s == last_end) continue;
            window.assign(sh.event_input.begin(), sh.event_input.end());
            last_end = window.back().time_s;
        }
        if (window.size() < 8) continue;
        EventFinderOptions eo;
        eo.warmup_s = 1.0;
        eo.transition_guard_s = 0;
        EventFinder finder(eo);
        std::optional<Frame> previous;
        FrameFeatures previous_features;
        const auto mask = FeatureMask::basic | FeatureMask::translation;
        const double origin = window.front().time_s;
        for (std::size_t i = 0; i < window.size() && !sh.stopping; ++i) {
            Frame f;
            f.index = FrameIndex(i);
            f.time_s = window[i].time_s - origin;
            f.proxy_bgr = window[i].bgr;
            cv::cvtColor(f.proxy_bgr, f.proxy_gray, cv::COLOR_BGR2GRAY);
            cv::resize(f.proxy_bgr, f.detect_bgr, {}, 0.5, 0.5, cv::INTER_AREA);
            cv::cvtColor(f.detect_bgr, f.detect_gray, cv::COLOR_BGR2GRAY);
            FrameFeatures features = compute_frame_features(f, mask);
            if (previous) compute_pair_features(*previous, previous_features, f, features, mask);
            finder.push(f, features);
            previous = std::move(f);
            previous_features = std::move(features);
        }
        SourceInfo info;  // boxes come back in panel pixels
        info.width = window.back().panel.width;
        info.height = window.back().panel.height;
        info.fps = kEventFps;
        const std::vector<Event> found = finder.finish({}, info);
        const auto now = Clock::now();
        std::lock_guard lock(sh.events_mutex);
        for (const auto& e : found) {
            detail::LiveEvent live{
                e.bbox,    e.start_time_s + origin, e.end_time_s + origin, e.score,
                e.peak_hz, e.amplitude_px,          now + kEventShown};
            auto same = std::find_if(sh.events.begin(), sh.events.end(), [&](const auto& old) {
                return old.start_s <= live.end_s && live.start_s <= old.end_s &&
                       (old.box & live.box).area() > 0;
            });
            if (same != sh.events.end()) {
                same->end_s = std::max(same->end_s, live.end_s);
                same->score = std::max(same->score, live.score);
                continue;
            }
            sh.events.push_back(live);
            ++sh.events_found;
            if (sh.events.size() > 100) sh.events.pop_front();
        }
    }
}

}  // namespace kinoglaz
