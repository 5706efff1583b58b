#pragma once
/// `kinoglaz live`: a camera or a stream, motion-magnified as it arrives and served to any
/// browser in the room, with a replay of the last seconds slowed down and clips saved on demand.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <kinoglaz/unconscious.hpp>

namespace kinoglaz {

/// Options of LiveSession. Validated by its constructor (Error bad_usage, prefixed "live:").
struct LiveOptions {
    /// A V4L2 camera (/dev/videoN), a stream URL (udp://, rtp://, srt://, http://, ...) or a
    /// file. Playlists and concat lists are refused as everywhere else.
    std::string input;
    /// A file is played at its own frame rate (a file without it is refused: it would be
    /// decoded as fast as possible and almost every frame dropped).
    bool realtime = false;
    std::string host = "127.0.0.1";  ///< address the web server binds to
    int port = 8090;                 ///< 0 = any free port (see LiveSession::url())
    /// Every request must carry this token (`?token=` or the header `X-Kinoglaz-Token`);
    /// empty = none. The CLI sets a random one whenever `host` is not a loopback address.
    std::string token;
    double alpha = 10;                               ///< magnification, 0..100
    std::optional<std::pair<double, double>> band;   ///< Hz; default_band(fps) when absent
    MagnifyMethod method = MagnifyMethod::eulerian;  ///< eulerian is the cheaper one live
    double replay_s = 10;  ///< seconds of the stream kept for replays and clips, 1..60
    int panel_px = 640;    ///< longest side of each half of the view, 64..1920 pixels
    std::filesystem::path outdir = "kinoglaz-live";  ///< where "save" writes clips
    bool force = false;  ///< write into a foreign folder (see output_folder.hpp)
    bool events = true;  ///< run the event finder and outline micro-gestures as they happen
};

/// What /stats reports.
struct LiveStats {
    double fps = 0;             ///< views published per second, over the last 2 s
    double latency_ms = 0;      ///< mean time from a frame leaving the decoder to its view being
                                ///< published (magnified, composed, JPEG-encoded), last 2 s
    std::int64_t frames = 0;    ///< views published since the start
    std::int64_t dropped = 0;   ///< frames dropped because processing could not keep up
    std::string state;          ///< "live", "stalled" (no frame for 1 s), "ended" (reconnecting)
    int width = 0, height = 0;  ///< size of the side-by-side view, pixels
    std::int64_t events = 0;    ///< micro-gestures found so far
    double time_s = 0;          ///< stream time of the last view published, seconds
};

/// One live session: a capture thread (decodes, paces files, reconnects streams), a processing
/// thread (magnifies, composes, encodes the view; keeps the replay buffer) and the web server.
/// Queues between them hold one frame: what cannot be processed in time is dropped.
///
/// Thread-safety: construct, start() and stop() from one thread; stats() from any.
class LiveSession {
  public:
    /// Opens the input (Error bad_input, one line, if it cannot be opened) and checks the
    /// options and the output folder (Error bad_usage). Starts nothing yet.
    explicit LiveSession(const LiveOptions& options);
    ~LiveSession();  ///< stops if still running
    LiveSession(const LiveSession&) = delete;
    LiveSession& operator=(const LiveSession&) = delete;

    /// Binds the server (Error io when the address cannot be bound) and starts the threads.
    void start();
    /// The page's address, with the token when there is one. Valid after start().
    std::string url() const;
    /// Stops the server and the threads (blocked reads end within the I/O timeout or at once
    /// on cancel_flag()).
    void stop();

    LiveStats stats() const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

/// A random access token: 32 hex digits (128 bits from std::random_device).
std::string random_token();

/// Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost).
bool is_loopback_host(const std::string& host) noexcept;

}  // namespace kinoglaz
