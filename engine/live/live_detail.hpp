#pragma once
// Internal to engine/live: the state the capture, processing and server threads share.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>

#include "kinoglaz/live.hpp"

namespace kinoglaz::detail {

using Clock = std::chrono::steady_clock;

/// A frame as the capture thread hands it over.
struct CapturedFrame {
    cv::Mat bgr;                // one panel, BGR
    double time_s = 0;          // stream time, seconds
    double fps = 25;            // the stream's nominal rate
    Clock::time_point decoded;  // when it left the decoder
};

/// What the page may change while the session runs (POST /settings).
struct LiveSettings {
    double alpha = 10;
    std::optional<std::pair<double, double>> band;
    MagnifyMethod method = MagnifyMethod::eulerian;
    /// Region to magnify, as shares of the panel (x, y, w, h in 0..1); empty = whole panel.
    std::optional<cv::Rect2d> region;
};

/// One picture of the replay buffer: the original panel as JPEG (memory: ~40 KB, not 700 KB).
struct RingPicture {
    std::vector<unsigned char> jpeg;
    double time_s = 0;
    cv::Size size;
};

/// A micro-gesture found live: outlined on the view until `until`, listed by /events.
struct LiveEvent {
    cv::Rect box;                   // panel pixels
    double start_s = 0, end_s = 0;  // stream time, seconds
    double score = 0, peak_hz = 0, amplitude_px = 0;
    Clock::time_point until;
};

/// A small copy of a frame for the event finder (the decimated stream).
struct EventPicture {
    cv::Mat bgr;  // longest side at most kEventProxyPx (live.cpp)
    double time_s = 0;
    cv::Size panel;  // the panel it was made from
};

enum class StreamState { live, ended };

struct Shared {
    LiveOptions options;
    std::atomic<bool> stopping{false};

    // capture -> processing: one slot; a frame not taken before the next one is dropped.
    std::mutex slot_mutex;
    std::condition_variable slot_cv;
    std::optional<CapturedFrame> slot;
    std::atomic<std::int64_t> dropped{0};

    // Stream state, set by the capture thread.
    std::atomic<StreamState> stream_state{StreamState::live};
    std::atomic<std::int64_t> last_frame_ns{0};  // Clock time of the last captured frame

    // Settings, from the server.
    std::mutex settings_mutex;
    LiveSettings settings;
    std::uint64_t settings_version = 0;

    // processing -> viewers: the latest view, as JPEG.
    std::mutex view_mutex;
    std::condition_variable view_cv;
    std::shared_ptr<const std::string> view_jpeg;
    std::uint64_t view_seq = 0;
    int view_w = 0, view_h = 0;
    double view_time_s = 0;
    std::deque<Clock::time_point> published;  // last 2 s
    std::deque<double> latencies_ms;          // of those
    std::int64_t frames = 0;

    // Replay buffer, from the processing thread.
    std::mutex ring_mutex;
    std::deque<RingPicture> ring;
    double ring_fps = 25;

    // The decimated stream for the event finder (capture -> event thread), its last
    // seconds, and the micro-gestures found (the last 100; `found` counts them all).
    std::mutex events_mutex;
    std::deque<EventPicture> event_input;
    std::deque<LiveEvent> events;
    std::atomic<std::int64_t> events_found{0};

    std::atomic<int> mjpeg_clients{0};

    // Adds a captured panel to event_input (live.cpp).
    void add_event_input(const cv::Mat& panel, double time_s);

    LiveSettings current_settings(std::uint64_t* version = nullptr) {
        std::lock_guard lock(settings_mutex);
        if (version) *version = settings_version;
        return settings;
    }
};

/// The figures of /stats (trims the 2 s windows).
LiveStats compute_stats(Shared& shared);

/// The web page (HTML, CSS and script in one document).
const std::string& live_page();

/// The HTTP server of a session: binds, serves and stops.
class LiveServer {
  public:
    explicit LiveServer(Shared& shared);
    ~LiveServer();
    /// Binds host:port (port 0: any); returns the bound port. Throws Error(io).
    int bind();
    void start();
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace kinoglaz::detail
