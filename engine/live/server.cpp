// The web server of `kinoglaz live` (cpp-httplib): the page, the MJPEG view, the figures, the
// settings and the replay and save buttons. It serves no path taken from a request: the page,
// the view and the figures are made in memory, the replay is one fixed file of its own
// temporary folder and saved clips are looked up by name among those this session wrote.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include <httplib.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include "live_detail.hpp"

namespace kinoglaz::detail {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// Browsers keep a few connections per page; each view in flight holds one server thread.
constexpr int kMaxViewers = 6;
constexpr int kServerThreads = kMaxViewers + 4;
const char* const kBoundary = "kinoglazframe";
// A replay is wanted at once: its panels are small, as flow interpolation costs by the pixel
// (3 s slowed x4: 5.7 s at 320 px, 28 s at 640 px, measured on 2 loaded cores). A saved clip
// has the view's size.
constexpr int kReplayPanelPx = 320;

void reply_json(httplib::Response& res, const json& body, int status = 200) {
    res.status = status;
    res.set_header("Cache-Control", "no-store");
    res.set_content(body.dump(), "application/json");
}

void reply_error(httplib::Response& res, int status, const std::string& message) {
    reply_json(res, json{{"error", message}}, status);
}

std::optional<double> number(const std::string& text) {
    double v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v))
        return std::nullopt;
    return v;
}

// Comparison in time independent of where the strings differ (the token is a secret).
bool same_secret(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

// The host part of a Host header ("127.0.0.1:8090", "[::1]:8090", "localhost").
std::string host_name(const std::string& header) {
    if (!header.empty() && header.front() == '[') return header.substr(0, header.find(']') + 1);
    return header.substr(0, header.find(':'));
}

}  // namespace

struct LiveServer::Impl {
    Shared& shared;
    httplib::Server server;
    std::thread thread;
    fs::path scratch;             // this session's temporary folder: the replay clip
    std::mutex render_mutex;      // one replay or save at a time
    std::set<std::string> saved;  // clip names this session wrote (under render_mutex)
    int replay_id = 0;

    explicit Impl(Shared& s) : shared(s) {}

    bool authorised(const httplib::Request& req) const {
        const std::string& token = shared.options.token;
        if (token.empty()) {
            // Without a token the server listens on loopback only; a page of another site
            // that reaches it by DNS rebinding names its own host, and is refused.
            auto host = req.get_header_value("Host");
            return host.empty() || is_loopback_host(host_name(host));
        }
        const std::string given = req.has_param("token") ? req.get_param_value("token")
                                                         : req.get_header_value("X-Kinoglaz-Token");
        return same_secret(given, token);
    }

    // The last `seconds` of the replay buffer, oldest first, as the reveal takes them.
    std::vector<RingPicture> last_seconds(double seconds, double& fps) {
        std::lock_guard lock(shared.ring_mutex);
        std::vector<RingPicture> out;
        fps = shared.ring_fps;
        if (shared.ring.empty()) return out;
        const double end = shared.ring.back().time_s;
        for (const auto& p : shared.ring)
            if (p.time_s >= end - seconds - 1e-6) out.push_back(p);
        return out;
    }

    // Renders the last seconds (request parameters `seconds`, `slow`) with the current
    // settings, as a reveal clip with panels of at most `panel_px`, into `path`. Returns an
    // error message, or empty.
    std::string render(const httplib::Request& req, const std::string& path, int panel_px,
                       json& facts) {
        double seconds = 3;
        int slow = 4;
        if (req.has_param("seconds")) {
            auto v = number(req.get_param_value("seconds"));
            if (!v || *v < 0.5 || *v > shared.options.replay_s)
                return "seconds must be between 0.5 and " + std::to_string(shared.options.replay_s);
            seconds = *v;
        }
        if (req.has_param("slow")) {
            auto v = number(req.get_param_value("slow"));
            if (!v || *v < 1 || *v > 16 || *v != std::floor(*v)) return "slow must be 1..16";
            slow = int(*v);
        }
        double fps = 25;
        auto pictures = last_seconds(seconds, fps);
        if (pictures.size() < 2) return "the replay buffer is still empty";
        const LiveSettings set = shared.current_settings();
        RevealOptions o;
        o.slow = slow;
        o.magnify = set.alpha;
        o.band = set.band;
        o.method = set.method;
        o.max_panel_px = std::min(panel_px, shared.options.panel_px);
        o.threads = 1;  // the live view keeps the other core
        if (set.region) {
            cv::Mat first = decode_jpeg(pictures.front().jpeg);
            const auto& r = *set.region;
            o.roi = cv::Rect(int(r.x * first.cols), int(r.y * first.rows),
                             std::max(1, int(r.width * first.cols)),
                             std::max(1, int(r.height * first.rows)));
        }
        char title[96];
        std::snprintf(title, sizeof title, "live: the last %.1f s", seconds);
        o.title = title;
        std::size_t i = 0;
        render_reveal(
            [&]() -> std::optional<TimedPicture> {
                if (i == pictures.size()) return std::nullopt;
                const auto& p = pictures[i++];
                return TimedPicture{decode_jpeg(p.jpeg), p.time_s};
            },
            fps, o, path);
        facts = {{"seconds", pictures.back().time_s - pictures.front().time_s},
                 {"slow", slow},
                 {"frames", pictures.size()}};
        return {};
    }

    void serve_file(const fs::path& path, httplib::Response& res) {
        std::ifstream in(path, std::ios::binary);
        if (!in) return reply_error(res, 404, "not found");
        std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        res.set_header("Cache-Control", "no-store");
        res.set_content(std::move(body), "video/mp4");  // httplib answers Range requests
    }

    void routes() {
        server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
            if (authorised(req)) return httplib::Server::HandlerResponse::Unhandled;
            res.status = 403;
            res.set_content("forbidden: this address needs its access token\n", "text/plain");
            return httplib::Server::HandlerResponse::Handled;
        });
        server.Get("/", [](const httplib::Request&, httplib::Response& res) {
            res.set_header("Cache-Control", "no-store");
            res.set_content(live_page(), "text/html; charset=utf-8");
        });
        server.Get("/stats", [this](const httplib::Request&, httplib::Response& res) {
            const LiveStats st = compute_stats(shared);
            const LiveSettings set = shared.current_settings();
            json region = nullptr;
            if (set.region)
                region = {set.region->x, set.region->y, set.region->width, set.region->height};
            reply_json(res, {{"fps", st.fps},
                             {"latency_ms", st.latency_ms},
                             {"frames", st.frames},
                             {"dropped", st.dropped},
                             {"state", st.state},
                             {"width", st.width},
                             {"height", st.height},
                             {"events", st.events},
                             {"time_s", st.time_s},
                             {"replay_s", shared.options.replay_s},
                             {"alpha", set.alpha},
                             {"band", set.band ? json{set.band->first, set.band->second} : json()},
                             {"method", set.method == MagnifyMethod::phase ? "phase" : "eulerian"},
                             {"region", region}});
        });
        server.Get("/events", [this](const httplib::Request&, httplib::Response& res) {
            json list = json::array();
            {
                std::lock_guard lock(shared.events_mutex);
                for (const auto& e : shared.events)
                    list.push_back({{"start_time", e.start_s},
                                    {"end_time", e.end_s},
                                    {"bbox", {e.box.x, e.box.y, e.box.width, e.box.height}},
                                    {"amplitude_px", e.amplitude_px},
                                    {"peak_hz", e.peak_hz},
                                    {"score", e.score}});
            }
            reply_json(res, {{"events", list}});
        });
        server.Get("/stream.mjpeg", [this](const httplib::Request&, httplib::Response& res) {
            if (++shared.mjpeg_clients > kMaxViewers) {
                --shared.mjpeg_clients;
                return reply_error(res, 503, "too many viewers");
            }
            auto last = std::make_shared<std::uint64_t>(0);
            res.set_header("Cache-Control", "no-store");
            res.set_chunked_content_provider(
                std::string("multipart/x-mixed-replace; boundary=") + kBoundary,
                [this, last](std::size_t, httplib::DataSink& sink) {
                    std::shared_ptr<const std::string> jpeg;
                    {
                        std::unique_lock lock(shared.view_mutex);
                        shared.view_cv.wait_for(lock, std::chrono::milliseconds(500), [&] {
                            return shared.stopping.load() || shared.view_seq != *last;
                        });
                        if (shared.stopping) return false;
                        if (shared.view_seq == *last) return sink.is_writable();  // stalled
                        jpeg = shared.view_jpeg;
                        *last = shared.view_seq;
                    }
                    const std::string head = std::string("--") + kBoundary +
                                             "\r\nContent-Type: image/jpeg\r\nContent-Length: " +
                                             std::to_string(jpeg->size()) + "\r\n\r\n";
                    return sink.write(head.data(), head.size()) &&
                           sink.write(jpeg->data(), jpeg->size()) && sink.write("\r\n", 2);
                },
                [this](bool) { --shared.mjpeg_clients; });
        });
        server.Post("/settings", [this](const httplib::Request& req, httplib::Response& res) {
            LiveSettings set = shared.current_settings();
            if (req.has_param("alpha")) {
                auto v = number(req.get_param_value("alpha"));
                if (!v || *v < 0 || *v > 100) return reply_error(res, 400, "alpha must be 0..100");
                set.alpha = *v;
            }
            if (req.has_param("low") || req.has_param("high")) {
                auto lo = number(req.get_param_value("low"));
                auto hi = number(req.get_param_value("high"));
                if (!lo || !hi || *lo <= 0 || *hi <= *lo)
                    return reply_error(res, 400, "band must have 0 < low < high (Hz)");
                set.band = std::make_pair(*lo, *hi);
            }
            if (req.has_param("method")) {
                auto m = magnify_method_from_string(req.get_param_value("method"));
                if (!m) return reply_error(res, 400, "method must be eulerian or phase");
                set.method = *m;
            }
            if (req.has_param("region")) {
                const std::string text = req.get_param_value("region");
                if (text.empty() || text == "none") {
                    set.region.reset();
                } else {
                    double v[4];
                    std::size_t pos = 0;
                    for (int k = 0; k < 4; ++k) {
                        auto end = k < 3 ? text.find(',', pos) : text.size();
                        auto n = end == std::string::npos ? std::nullopt
                                                          : number(text.substr(pos, end - pos));
                        if (!n || *n < 0 || *n > 1)
                            return reply_error(res, 400, "region must be x,y,w,h as shares 0..1");
                        v[k] = *n;
                        pos = end + 1;
                    }
                    if (v[2] <= 0 || v[3] <= 0 || v[0] + v[2] > 1 + 1e-9 || v[1] + v[3] > 1 + 1e-9)
                        return reply_error(res, 400, "region must lie inside the picture");
                    set.region = cv::Rect2d(v[0], v[1], v[2], v[3]);
                }
            }
            {
                std::lock_guard lock(shared.settings_mutex);
                shared.settings = set;
                ++shared.settings_version;
            }
            reply_json(res, {{"ok", true}});
        });
        server.Post("/replay", [this](const httplib::Request& req, httplib::Response& res) {
            std::unique_lock lock(render_mutex, std::try_to_lock);
            if (!lock) return reply_error(res, 409, "a replay or clip is being rendered");
            json facts;
            try {
                auto error = render(req, (scratch / "replay.mp4").string(), kReplayPanelPx, facts);
                if (!error.empty()) return reply_error(res, 400, error);
            } catch (const Error& e) {
                return reply_error(res, 500, e.what());
            }
            facts["url"] = "replay.mp4?v=" + std::to_string(++replay_id);
            reply_json(res, facts);
        });
        server.Get("/replay.mp4", [this](const httplib::Request&, httplib::Response& res) {
            serve_file(scratch / "replay.mp4", res);
        });
        server.Post("/save", [this](const httplib::Request& req, httplib::Response& res) {
            std::unique_lock lock(render_mutex, std::try_to_lock);
            if (!lock) return reply_error(res, 409, "a replay or clip is being rendered");
            json facts;
            try {
                OutputFolder folder(shared.options.outdir, OutputKind::reveal,
                                    shared.options.force);
                // The next free name: never a file that is already there.
                std::string name;
                for (int n = 0; n < 100000 && name.empty(); ++n) {
                    char buf[32];
                    std::snprintf(buf, sizeof buf, "clip-%03d.mp4", n);
                    std::error_code ec;
                    if (!fs::exists(folder.path() / buf, ec) &&
                        !fs::exists(folder.path() / (std::string(buf) + ".partial.mp4"), ec))
                        name = buf;
                }
                if (name.empty()) return reply_error(res, 500, "no free clip name");
                auto error =
                    render(req, (folder.path() / name).string(), shared.options.panel_px, facts);
                if (!error.empty()) return reply_error(res, 400, error);
                folder.record(name);
                folder.commit();
                saved.insert(name);
                facts["file"] = (folder.outdir() / name).string();
                facts["url"] = "clips/" + name;
            } catch (const Error& e) {
                return reply_error(res, 500, e.what());
            }
            reply_json(res, facts);
        });
        server.Get(R"(/clips/([^/]+))",
                   [this](const httplib::Request& req, httplib::Response& res) {
                       const std::string name = req.matches[1];
                       {
                           std::lock_guard lock(render_mutex);
                           if (!saved.count(name)) return reply_error(res, 404, "no such clip");
                       }
                       serve_file(fs::path(shared.options.outdir) / name, res);
                   });
    }
};

LiveServer::LiveServer(Shared& shared) : impl_(std::make_unique<Impl>(shared)) {
    auto& s = *impl_;
    s.server.new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
    s.server.set_payload_max_length(64 * 1024);  // settings and buttons only
    s.server.set_keep_alive_timeout(2);
    s.routes();
}

LiveServer::~LiveServer() {
    stop();
}

int LiveServer::bind() {
    auto& s = *impl_;
    const auto& o = s.shared.options;
    int port = o.port;
    if (port == 0)
        port = s.server.bind_to_any_port(o.host);
    else if (!s.server.bind_to_port(o.host, port))
        port = -1;
    if (port <= 0)
        throw_io(o.host + ":" + std::to_string(o.port),
                 "cannot listen there (address in use, or not this machine's)");
    std::error_code ec;
    s.scratch = fs::temp_directory_path(ec) /
                ("kinoglaz-live-" + std::to_string(::getpid()) + "-" + std::to_string(port));
    fs::create_directories(s.scratch, ec);
    if (ec) throw_io(s.scratch.string(), "cannot create the replay folder: " + ec.message());
    return port;
}

void LiveServer::start() {
    impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
}

void LiveServer::stop() {
    auto& s = *impl_;
    s.server.stop();
    if (s.thread.joinable()) s.thread.join();
    std::error_code ec;
    if (!s.scratch.empty()) fs::remove_all(s.scratch, ec);
}

}  // namespace kinoglaz::detail
