// `kinoglaz live`: a loopback UDP stream of baby.mp4 served as a side-by-side MJPEG view with
// its figures, replays and saved clips; a stalled stream that comes back; the access token
// beyond loopback; no path outside the output folder; an input that cannot be opened.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"
#include "support/run.hpp"

extern char** environ;

namespace kinoglaz {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using test::run;
using test::shell_quote;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// Sanitizer builds run several times slower: rates, latencies and what needs them (the
// magnification measured over many views, events reported in time) are not checked there.
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// A program running in the background, its output in files; SIGINT (then SIGKILL) at the end.
class Background {
  public:
    Background(const std::vector<std::string>& argv, const fs::path& out, const fs::path& err)
        : out_(out), err_(err) {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        if (posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&actions);
    }
    ~Background() { stop(); }
    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;

    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }
    std::string out() const { return test::slurp_file(out_.string()); }
    std::string err() const { return test::slurp_file(err_.string()); }

    // SIGINT, then the exit status (SIGKILL after `grace`); -1 if it did not run.
    int stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000)) {
        if (pid_ <= 0) return status_;
        ::kill(pid_, SIGINT);
        const auto until = Clock::now() + grace;
        int status = 0;
        while (::waitpid(pid_, &status, WNOHANG) == 0) {
            if (Clock::now() > until) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        pid_ = -1;
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return status_;
    }

  private:
    pid_t pid_ = -1;
    int status_ = -1;
    fs::path out_, err_;
};

// Below Linux's ephemeral range (32768-60999 by default), where the other tests' connections
// take their local ports: a port drawn there was once already taken ("Address already in use").
int random_port() {
    std::random_device device;
    return 20000 + int(device() % 12000);
}

// ffmpeg sending FILE (looped, at its own speed) as 640x360 H.264 in MPEG-TS to udp PORT.
std::unique_ptr<Background> udp_sender(const fs::path& file, int port, const fs::path& dir) {
    return std::make_unique<Background>(
        std::vector<std::string>{"ffmpeg",
                                 "-nostdin",
                                 "-loglevel",
                                 "error",
                                 "-re",
                                 "-stream_loop",
                                 "-1",
                                 "-i",
                                 file.string(),
                                 "-an",
                                 "-vf",
                                 "scale=640:360",
                                 "-c:v",
                                 "libx264",
                                 "-preset",
                                 "ultrafast",
                                 "-tune",
                                 "zerolatency",
                                 "-g",
                                 "15",
                                 "-f",
                                 "mpegts",
                                 "udp://127.0.0.1:" + std::to_string(port) + "?pkt_size=1316"},
        dir / "sender.out", dir / "sender.err");
}

// `kinoglaz live ARGS` in the background; its page's address once it is printed.
struct LiveProcess {
    std::unique_ptr<Background> process;
    std::string url;   // as printed, e.g. http://0.0.0.0:PORT/?token=...
    std::string base;  // http://127.0.0.1:PORT
    int port = 0;
    std::string token;
};

LiveProcess start_live(const std::vector<std::string>& args, const fs::path& dir) {
    LiveProcess live;
    std::vector<std::string> argv{test::kinoglaz_bin(), "live"};
    argv.insert(argv.end(), args.begin(), args.end());
    live.process = std::make_unique<Background>(argv, dir / "live.out", dir / "live.err");
    const std::string prefix = "kinoglaz live: ";
    for (auto until = Clock::now() + std::chrono::seconds(15); Clock::now() < until;) {
        auto out = live.process->out();
        if (auto at = out.find(prefix); at != std::string::npos && out.find('\n', at) != out.npos) {
            live.url = out.substr(at + prefix.size(), out.find('\n', at) - at - prefix.size());
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (live.url.empty()) return live;
    auto colon = live.url.rfind(':');
    live.port = std::stoi(live.url.substr(colon + 1));
    live.base = "http://127.0.0.1:" + std::to_string(live.port);
    if (auto t = live.url.find("token="); t != std::string::npos)
        live.token = live.url.substr(t + 6);
    return live;
}

std::string with_token(const std::string& path, const std::string& token) {
    if (token.empty()) return path;
    return path + (path.find('?') == std::string::npos ? "?" : "&") + "token=" + token;
}

std::optional<json> stats(httplib::Client& client, const std::string& token = {}) {
    auto r = client.Get(with_token("/stats", token));
    if (!r || r->status != 200) return std::nullopt;
    return json::parse(r->body);
}

// Polls /stats until its state is `state`; false after `timeout`.
bool wait_for_state(httplib::Client& client, const std::string& state,
                    std::chrono::milliseconds timeout, const std::string& token = {}) {
    for (auto until = Clock::now() + timeout; Clock::now() < until;) {
        if (auto s = stats(client, token); s && (*s)["state"] == state) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

// The JPEG pictures /stream.mjpeg delivers over `seconds`, with their arrival times.
struct Received {
    std::vector<std::string> jpegs;
    std::vector<Clock::time_point> times;
};

Received read_mjpeg(httplib::Client& client, double seconds) {
    Received got;
    std::string buffer;
    const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(seconds));
    client.set_read_timeout(5);
    client.Get("/stream.mjpeg", [&](const char* data, std::size_t n) {
        buffer.append(data, n);
        while (true) {
            auto head = buffer.find("Content-Length: ");
            if (head == std::string::npos) break;
            auto body = buffer.find("\r\n\r\n", head);
            if (body == std::string::npos) break;
            const std::size_t length = std::stoul(buffer.substr(head + 16, body - head - 16));
            body += 4;
            if (buffer.size() < body + length) break;
            got.jpegs.push_back(buffer.substr(body, length));
            got.times.push_back(Clock::now());
            buffer.erase(0, body + length);
        }
        return Clock::now() < until;
    });
    return got;
}

bool playable(const fs::path& clip, double* duration_s = nullptr, int* frames = nullptr) {
    auto r =
        run("ffprobe -v error -count_frames -select_streams v:0 -show_entries "
            "stream=codec_name,nb_read_frames:format=duration -of default=nw=1 " +
            shell_quote(clip.string()));
    if (r.status != 0 || r.out.find("codec_name=h264") == std::string::npos) return false;
    auto value = [&](const std::string& key) {
        auto at = r.out.find(key + "=");
        return at == std::string::npos ? 0.0 : std::atof(r.out.c_str() + at + key.size() + 1);
    };
    if (duration_s) *duration_s = value("duration");
    if (frames) *frames = int(value("nb_read_frames"));
    return value("nb_read_frames") > 0;
}

// CPU time (user + system) a process has used so far, seconds.
double cpu_seconds(pid_t pid) {
    std::istringstream stat(test::slurp_file("/proc/" + std::to_string(pid) + "/stat"));
    std::string field;
    std::vector<std::string> fields;
    while (stat >> field) fields.push_back(field);
    // Fields 14 and 15 (utime, stime), counted after the ")" that ends the program's name.
    auto end = std::find_if(fields.begin(), fields.end(),
                            [](const std::string& f) { return !f.empty() && f.back() == ')'; });
    if (end == fields.end() || fields.end() - end < 14) return 0;
    return (std::stod(*(end + 12)) + std::stod(*(end + 13))) / double(sysconf(_SC_CLK_TCK));
}

// The 1-minute load average per core: above 1, other programs take cores from the test.
double load_per_core() {
    double load = 0;
    std::istringstream(test::slurp_file("/proc/loadavg")) >> load;
    return load / double(std::max(1u, std::thread::hardware_concurrency()));
}

bool have_tools() {
    return test::have_program("ffmpeg") && test::have_program("ffprobe");
}

// The view's rate and cost, and where the magnified half differs from the original.
void expect_rate_and_magnification(const Received& got, double cpu_per_view) {
    std::size_t first = 0;
    while (first < got.times.size() &&
           got.times[first] - got.times.front() < std::chrono::seconds(1))
        ++first;
    const double span = std::chrono::duration<double>(got.times.back() - got.times[first]).count();
    const double fps = double(got.times.size() - 1 - first) / span;
    const double load = load_per_core();
    std::printf("live view: %.1f fps over %.1f s, %.1f ms CPU per view, load %.1f per core\n", fps,
                span, 1000 * cpu_per_view, load);
    // The work per view (capture, magnification, composition, JPEG) fits 25 fps on 2 cores
    // with room to spare, whatever else runs; the rate itself is asserted when the test has the
    // cores to itself (benchmarks/live_stream.py measures 10 s).
    EXPECT_LT(cpu_per_view * 25, 2.0 * 0.5);
    if (load <= 1.0)
        EXPECT_GE(fps, 25.0);
    else if (fps < 25)
        std::printf("  (below 25 fps with the cores shared: load %.1f per core)\n", load);

    // Where the chest moves (the pixels of the original that change most over time), the
    // magnified half differs from the original far more than where nothing moves.
    cv::Mat sum, sum_sq, diff;
    int n = 0;
    for (std::size_t i = first; i < got.jpegs.size(); i += 2) {
        cv::Mat view = cv::imdecode(std::vector<uchar>(got.jpegs[i].begin(), got.jpegs[i].end()),
                                    cv::IMREAD_GRAYSCALE);
        ASSERT_EQ(view.cols, 1280);
        ASSERT_EQ(view.rows, 360);
        cv::Mat o, m;
        view(cv::Rect(0, 0, 640, 330)).convertTo(o, CV_32F);  // above the captions
        view(cv::Rect(640, 0, 640, 330)).convertTo(m, CV_32F);
        if (n == 0) {
            sum = cv::Mat::zeros(o.size(), CV_32F);
            sum_sq = sum.clone();
            diff = sum.clone();
        }
        sum += o;
        sum_sq += o.mul(o);
        diff += cv::abs(m - o);
        ++n;
    }
    ASSERT_GT(n, 10);
    cv::Mat mean = sum / n, motion;
    cv::sqrt(cv::max(sum_sq / n - mean.mul(mean), 0), motion);
    cv::Mat motion_blocks, diff_blocks;
    cv::resize(motion, motion_blocks, {40, 20}, 0, 0, cv::INTER_AREA);  // 16x16.5 px blocks
    cv::resize(diff / n, diff_blocks, {40, 20}, 0, 0, cv::INTER_AREA);
    std::vector<std::pair<float, float>> blocks;  // (motion, difference)
    for (int y = 0; y < 20; ++y)
        for (int x = 0; x < 40; ++x)
            blocks.push_back({motion_blocks.at<float>(y, x), diff_blocks.at<float>(y, x)});
    std::sort(blocks.begin(), blocks.end());
    double moving = 0, still = 0;
    const std::size_t top = blocks.size() / 20;  // the 5 % that move most: the chest
    for (std::size_t i = blocks.size() - top; i < blocks.size(); ++i) moving += blocks[i].second;
    for (std::size_t i = 0; i < blocks.size() / 2; ++i) still += blocks[i].second;
    moving /= double(top);
    still /= double(blocks.size() / 2);
    std::printf("magnified - original: %.2f grey levels where it moves, %.2f where still\n", moving,
                still);
    EXPECT_GT(moving, 2.0);
    EXPECT_GT(moving, 1.5 * still);
}

TEST(Live, UdpStreamServesMagnifiedViewReplayAndClip) {
    KINOGLAZ_REQUIRE_MEDIA(baby, "clips/baby.mp4");
    if (!have_tools()) GTEST_SKIP() << "ffmpeg/ffprobe not installed";
    auto dir = test::temp_dir("live_udp");
    const int port = random_port();
    auto sender = udp_sender(baby, port, dir);
    ASSERT_TRUE(sender->running());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto live = start_live({"udp://127.0.0.1:" + std::to_string(port), "--listen", "127.0.0.1:0",
                            "--no-events", "-o", (dir / "out").string()},
                           dir);
    ASSERT_FALSE(live.url.empty()) << live.process->err();
    EXPECT_EQ(live.url.rfind("http://127.0.0.1:", 0), 0u) << live.url;
    EXPECT_TRUE(live.token.empty()) << "no token on loopback";
    httplib::Client client(live.base);
    ASSERT_TRUE(wait_for_state(client, "live", std::chrono::seconds(10))) << live.process->err();

    // The view: 640x360 side by side, at the stream's rate (30 fps; at least 25 after the
    // first second).
    const double cpu_before = cpu_seconds(live.process->pid());
    Received got = read_mjpeg(client, 4.5);
    const double cpu_per_view = (cpu_seconds(live.process->pid()) - cpu_before) /
                                double(std::max<std::size_t>(1, got.jpegs.size()));
    ASSERT_GT(got.jpegs.size(), kSanitized ? 2u : 30u);
    if (!kSanitized) expect_rate_and_magnification(got, cpu_per_view);

    auto s = stats(client);
    ASSERT_TRUE(s);
    std::printf("stats: %s\n", s->dump().c_str());
    EXPECT_EQ((*s)["state"], "live");
    EXPECT_GT((*s)["latency_ms"].get<double>(), 0.0);
    if (!kSanitized) {
        EXPECT_LT((*s)["latency_ms"].get<double>(), 200.0);
        // Rates hold on a machine with a core to spare; on a loaded one (a full test run beside
        // a long analysis: 97 frames in the first ~5 s) the view keeps up as it can.
        if (load_per_core() <= 1.0) {
            EXPECT_GE((*s)["fps"].get<double>(), 25.0);
            EXPECT_GT((*s)["frames"].get<int>(), 100);
        }
    }
    EXPECT_EQ((*s)["width"], 1280);
    EXPECT_EQ((*s)["height"], 360);
    EXPECT_GE((*s)["dropped"].get<int>(), 0);

    // Replay: the last 3 s slowed x4, about 12 s of clip.
    client.set_read_timeout(120);
    auto t0 = Clock::now();
    auto replay = client.Post("/replay", "seconds=3&slow=4", "application/x-www-form-urlencoded");
    std::printf("replay rendered in %.1f s\n",
                std::chrono::duration<double>(Clock::now() - t0).count());
    ASSERT_TRUE(replay);
    ASSERT_EQ(replay->status, 200) << replay->body;
    auto r = json::parse(replay->body);
    EXPECT_EQ(r["slow"], 4);
    auto clip = client.Get("/" + r["url"].get<std::string>());
    ASSERT_TRUE(clip);
    ASSERT_EQ(clip->status, 200);
    EXPECT_EQ(clip->get_header_value("Content-Type"), "video/mp4");
    { std::ofstream(dir / "replay.mp4", std::ios::binary) << clip->body; }
    double duration = 0;
    int frames = 0;
    ASSERT_TRUE(playable(dir / "replay.mp4", &duration, &frames));
    EXPECT_NEAR(duration, 4 * r["seconds"].get<double>(), 0.5);
    if (!kSanitized) {
        EXPECT_NEAR(r["seconds"].get<double>(), 3.0, 0.2);
    }

    // Save: a reveal clip in the output folder, served back by name.
    t0 = Clock::now();
    auto save = client.Post("/save", "seconds=2&slow=1", "application/x-www-form-urlencoded");
    std::printf("clip saved in %.1f s\n", std::chrono::duration<double>(Clock::now() - t0).count());
    ASSERT_TRUE(save);
    ASSERT_EQ(save->status, 200) << save->body;
    auto saved = json::parse(save->body);
    const fs::path file = saved["file"].get<std::string>();
    EXPECT_EQ(file.parent_path(), fs::weakly_canonical(dir / "out"));
    EXPECT_TRUE(playable(file, &duration));
    if (!kSanitized) {
        EXPECT_NEAR(duration, 2.0, 0.3);
    }
    EXPECT_TRUE(fs::exists(dir / "out" / ".kinoglaz"));
    auto served = client.Get("/" + saved["url"].get<std::string>());
    ASSERT_TRUE(served);
    EXPECT_EQ(served->status, 200);
    EXPECT_EQ(served->body.size(), fs::file_size(file));

    EXPECT_EQ(live.process->stop(), 130) << live.process->err();
    sender->stop();
    fs::remove_all(dir);
}

// ffmpeg serves baby.mp4 at `serve` (with its extra output options) and kinoglaz shows `url`.
void expect_stream_shown(const std::vector<std::string>& serve, const std::string& url,
                         const std::string& name) {
    KINOGLAZ_REQUIRE_MEDIA(baby, "clips/baby.mp4");
    if (!have_tools()) GTEST_SKIP() << "ffmpeg not installed";
    auto dir = test::temp_dir("live_" + name);
    std::vector<std::string> argv{
        "ffmpeg", "-nostdin", "-loglevel",   "quiet",     "-re",   "-stream_loop",
        "-1",     "-i",       baby.string(), "-an",       "-vf",   "scale=640:360",
        "-c:v",   "libx264",  "-preset",     "ultrafast", "-tune", "zerolatency",
        "-g",     "15",       "-f",          "mpegts"};
    argv.insert(argv.end(), serve.begin(), serve.end());
    auto sender = std::make_unique<Background>(argv, dir / "sender.out", dir / "sender.err");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto live = start_live(
        {url, "--listen", "127.0.0.1:0", "--no-events", "-o", (dir / "out").string()}, dir);
    ASSERT_FALSE(live.url.empty()) << live.process->err();
    httplib::Client client(live.base);
    EXPECT_TRUE(wait_for_state(client, "live", std::chrono::seconds(10)));
    bool flowing = false;
    for (auto until = Clock::now() + std::chrono::seconds(10); !flowing && Clock::now() < until;
         std::this_thread::sleep_for(std::chrono::milliseconds(100)))
        flowing = (*stats(client))["frames"].get<int>() > 10;
    EXPECT_TRUE(flowing);
    EXPECT_EQ((*stats(client))["width"], 1280);
    EXPECT_EQ(live.process->stop(), 130);
    sender->stop();
    fs::remove_all(dir);
}

// SRT: ffmpeg listens, kinoglaz calls.
TEST(Live, SrtStreamIsShown) {
    if (test::run("ffmpeg -hide_banner -protocols").out.find(" srt\n") == std::string::npos)
        GTEST_SKIP() << "this ffmpeg has no SRT";
    const std::string url = "srt://127.0.0.1:" + std::to_string(random_port());
    expect_stream_shown({url + "?mode=listener"}, url + "?mode=caller", "srt");
}

// HTTP: ffmpeg serves one client (-listen 1), kinoglaz reads.
TEST(Live, HttpStreamIsShown) {
    const std::string url = "http://127.0.0.1:" + std::to_string(random_port()) + "/live.ts";
    expect_stream_shown({"-listen", "1", url}, url, "http");
}

TEST(Live, StalledStreamIsShownAndReconnects) {
    KINOGLAZ_REQUIRE_MEDIA(baby, "clips/baby.mp4");
    if (!have_tools()) GTEST_SKIP() << "ffmpeg/ffprobe not installed";
    auto dir = test::temp_dir("live_stall");
    const int port = random_port();
    auto sender = udp_sender(baby, port, dir);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto live = start_live({"udp://127.0.0.1:" + std::to_string(port), "--listen", "127.0.0.1:0",
                            "--no-events", "-o", (dir / "out").string()},
                           dir);
    ASSERT_FALSE(live.url.empty()) << live.process->err();
    httplib::Client client(live.base);
    ASSERT_TRUE(wait_for_state(client, "live", std::chrono::seconds(10)));

    sender->stop();  // the stream stops: stalled at once, ended once the read times out
    EXPECT_TRUE(wait_for_state(client, "stalled", std::chrono::seconds(3)));
    EXPECT_TRUE(wait_for_state(client, "ended", std::chrono::seconds(8)));
    auto page = client.Get("/");
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200) << "the server keeps running";
    const auto frames_before = (*stats(client))["frames"].get<int>();

    sender = udp_sender(baby, port, dir);  // it comes back
    EXPECT_TRUE(wait_for_state(client, "live", std::chrono::seconds(10)));
    bool flowing = false;  // views are published again
    for (auto until = Clock::now() + std::chrono::seconds(10); !flowing && Clock::now() < until;
         std::this_thread::sleep_for(std::chrono::milliseconds(100)))
        flowing = (*stats(client))["frames"].get<int>() > frames_before + 5;
    EXPECT_TRUE(flowing);

    EXPECT_EQ(live.process->stop(), 130);
    sender->stop();
    fs::remove_all(dir);
}

TEST(Live, BeyondLoopbackEveryRequestNeedsTheToken) {
    if (!have_tools()) GTEST_SKIP() << "ffmpeg not installed";
    auto dir = test::temp_dir("live_token");
    ASSERT_TRUE(
        test::ffmpeg("-f lavfi -i testsrc2=size=320x180:rate=25:duration=3 -c:v libx264 "
                     "-pix_fmt yuv420p -preset ultrafast " +
                     shell_quote((dir / "film.mp4").string())));
    auto live = start_live({(dir / "film.mp4").string(), "--realtime", "--listen", "0.0.0.0:0",
                            "-o", (dir / "out").string()},
                           dir);
    ASSERT_FALSE(live.url.empty()) << live.process->err();
    ASSERT_EQ(live.token.size(), 32u) << live.url;
    httplib::Client client(live.base);  // bound to every address, reached through loopback
    for (const char* path :
         {"/", "/stats", "/stream.mjpeg", "/replay.mp4", "/clips/clip-000.mp4"}) {
        auto r = client.Get(path);
        ASSERT_TRUE(r) << path;
        EXPECT_EQ(r->status, 403) << path;
        r = client.Get(std::string(path) + "?token=" + std::string(32, '0'));
        ASSERT_TRUE(r) << path;
        EXPECT_EQ(r->status, 403) << path << " with a wrong token";
    }
    for (const char* path : {"/settings", "/replay", "/save"}) {
        auto r = client.Post(path, "alpha=20", "application/x-www-form-urlencoded");
        ASSERT_TRUE(r) << path;
        EXPECT_EQ(r->status, 403) << path;
    }
    auto page = client.Get("/?token=" + live.token);
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200);
    EXPECT_NE(page->body.find("<img id=\"stream\""), std::string::npos);
    httplib::Headers header{{"X-Kinoglaz-Token", live.token}};
    auto st = client.Get("/stats", header);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->status, 200);

    // Settings are checked; a good one is taken.
    auto bad = client.Post(with_token("/settings", live.token), "alpha=500",
                           "application/x-www-form-urlencoded");
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 400);
    auto good = client.Post(with_token("/settings", live.token),
                            "alpha=20&low=0.5&high=3&method=phase&region=0.25,0.25,0.5,0.5",
                            "application/x-www-form-urlencoded");
    ASSERT_TRUE(good);
    EXPECT_EQ(good->status, 200) << good->body;
    auto s = stats(client, live.token);
    ASSERT_TRUE(s);
    EXPECT_EQ((*s)["alpha"], 20.0);
    EXPECT_EQ((*s)["method"], "phase");

    // No path outside the output folder, however it is spelt.
    ASSERT_TRUE(fs::exists("/etc/passwd"));
    for (const std::string path :
         {"/clips/../../../../etc/passwd", "/clips/..%2f..%2f..%2f..%2fetc%2fpasswd",
          "/clips/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/../../../../etc/passwd",
          "/replay.mp4/../../../../etc/passwd", "/clips/clip-000.mp4%00.txt", "/clips/.kinoglaz",
          "/clips/..", "/%2fetc%2fpasswd"}) {
        auto r = client.Get(with_token(path, live.token));
        ASSERT_TRUE(r) << path;
        EXPECT_NE(r->status, 200) << path;
        EXPECT_EQ(r->body.find("root:"), std::string::npos) << path;
    }

    // The 3 s film ends: shown, and the server keeps answering.
    EXPECT_TRUE(wait_for_state(client, "ended", std::chrono::seconds(8), live.token));
    EXPECT_EQ(live.process->stop(), 130);
    fs::remove_all(dir);
}

TEST(Live, LoopbackRefusesPagesOfOtherHosts) {
    if (!have_tools()) GTEST_SKIP() << "ffmpeg not installed";
    auto dir = test::temp_dir("live_host");
    ASSERT_TRUE(
        test::ffmpeg("-f lavfi -i testsrc2=size=160x120:rate=25:duration=2 -c:v libx264 "
                     "-pix_fmt yuv420p -preset ultrafast " +
                     shell_quote((dir / "film.mp4").string())));
    auto live = start_live({(dir / "film.mp4").string(), "--realtime", "--listen", "127.0.0.1:0",
                            "-o", (dir / "out").string()},
                           dir);
    ASSERT_FALSE(live.url.empty()) << live.process->err();
    httplib::Client client(live.base);
    auto ok = client.Get("/stats");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200);
    // A page of another site reaching the port by DNS rebinding names its own host.
    auto rebound = client.Get("/stats", httplib::Headers{{"Host", "evil.example:80"}});
    ASSERT_TRUE(rebound);
    EXPECT_EQ(rebound->status, 403);
    EXPECT_EQ(live.process->stop(), 130);
    fs::remove_all(dir);
}

// A stream faster than the machine can magnify: frames are dropped, not queued, so the view
// stays as fresh as processing allows (its latency bounded) instead of falling behind.
TEST(Live, FramesAreDroppedNotQueued) {
    if (!have_tools()) GTEST_SKIP() << "ffmpeg not installed";
    auto dir = test::temp_dir("live_drop");
    ASSERT_TRUE(
        test::ffmpeg("-f lavfi -i testsrc2=size=640x360:rate=240:duration=4 -c:v libx264 "
                     "-pix_fmt yuv420p -preset ultrafast " +
                     shell_quote((dir / "fast.mp4").string())));
    auto live = start_live({(dir / "fast.mp4").string(), "--realtime", "--method", "phase",
                            "--no-events", "--listen", "127.0.0.1:0", "-o", (dir / "out").string()},
                           dir);
    ASSERT_FALSE(live.url.empty()) << live.process->err();
    httplib::Client client(live.base);
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    auto s = stats(client);
    ASSERT_TRUE(s);
    std::printf("240 fps in: %s\n", s->dump().c_str());
    const int frames = (*s)["frames"].get<int>(), dropped = (*s)["dropped"].get<int>();
    EXPECT_GT(frames, 0);
    EXPECT_GT(dropped, frames) << "most of 240 fps cannot be magnified in time";
    if (!kSanitized) {
        EXPECT_LT((*s)["latency_ms"].get<double>(), 200.0) << "no backlog";
    }
    EXPECT_LT((*s)["fps"].get<double>(), 240.0);
    EXPECT_EQ(live.process->stop(), 130);
    fs::remove_all(dir);
}

// The event finder runs live: the micro-gestures of dev_micro_02 (synthetic, with truth) are
// reported within seconds of their end, where they are, and outlined on the magnified view.
TEST(Live, MicroGesturesAreFoundAsTheyHappen) {
    KINOGLAZ_REQUIRE_MEDIA(film, "dev/dev_micro_02.mp4");
    if (kSanitized) GTEST_SKIP() << "too slow here to see brief gestures in real time";
    const json truth = json::parse(
        test::slurp_file(test::media_file("dev/dev_micro_02.truth.json").string()))["events"];
    auto dir = test::temp_dir("live_events");
    auto live = start_live(
        {film.string(), "--realtime", "--listen", "127.0.0.1:0", "-o", (dir / "out").string()},
        dir);
    ASSERT_FALSE(live.url.empty()) << live.process->err();
    httplib::Client client(live.base);
    // Each event found: when it was reported (stream time) and whether truth has it.
    std::map<double, double> reported;  // event start -> stream time when first listed
    int outlined = 0;
    for (auto until = Clock::now() + std::chrono::seconds(16); Clock::now() < until;) {
        auto s = stats(client);
        auto r = client.Get("/events");
        ASSERT_TRUE(s && r);
        const double now = (*s)["time_s"].get<double>();
        const json listed = json::parse(r->body);
        for (const auto& e : listed["events"]) {
            const double start = e["start_time"].get<double>();
            if (reported.count(start)) continue;
            reported[start] = now;
            // The view outlines it (red, 2 px) on the magnified half, for a while.
            Received got = read_mjpeg(client, 0.3);
            if (got.jpegs.empty()) continue;
            cv::Mat view =
                cv::imdecode(std::vector<uchar>(got.jpegs.back().begin(), got.jpegs.back().end()),
                             cv::IMREAD_COLOR);
            const auto b = e["bbox"];
            cv::Rect top(640 + b[0].get<int>(), b[1].get<int>(), b[2].get<int>(), 2);
            cv::Scalar mean = cv::mean(view(top & cv::Rect(0, 0, view.cols, view.rows)));
            if (mean[2] > 150 && mean[1] < 130) ++outlined;
        }
        if ((*s)["state"] == "ended") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    int matched = 0, false_positives = 0;
    auto r = client.Get("/events");
    ASSERT_TRUE(r);
    const json listed = json::parse(r->body);
    for (const auto& e : listed["events"]) {
        const double start = e["start_time"].get<double>(), end = e["end_time"].get<double>();
        const cv::Rect box(e["bbox"][0], e["bbox"][1], e["bbox"][2], e["bbox"][3]);
        bool hit = false;
        for (const auto& t : truth) {
            const cv::Rect tb(t["bbox"][0], t["bbox"][1], t["bbox"][2], t["bbox"][3]);
            const cv::Point centre(box.x + box.width / 2, box.y + box.height / 2);
            hit = hit || (start < t["end_time"].get<double>() + 0.3 &&
                          t["start_time"].get<double>() - 0.3 < end &&
                          (tb.contains(centre) || (tb & box).area() > 0.1 * (tb | box).area()));
        }
        hit ? ++matched : ++false_positives;
        const double delay = reported[start] - end;
        std::printf("event %.2f-%.2f s at [%d,%d,%d,%d]: %s, listed %.1f s after its end\n", start,
                    end, box.x, box.y, box.width, box.height, hit ? "in truth" : "not in truth",
                    delay);
        EXPECT_LT(delay, 3.0) << "found as it happens";
    }
    EXPECT_GE(matched, 3) << "of the " << truth.size() << " micro-gestures";
    EXPECT_LE(false_positives, 1);
    EXPECT_GE(outlined, 1) << "outlined on the magnified view";
    EXPECT_EQ(live.process->stop(), 130);
    fs::remove_all(dir);
}

// One line on stderr and exit 1 for an input that cannot be opened; exit 2 for bad usage.
TEST(Live, UnopenableInputExitsOneLine) {
    auto dir = test::temp_dir("live_bad");
    const auto bin = shell_quote(test::kinoglaz_bin());
    auto count_lines = [](const std::string& s) { return std::count(s.begin(), s.end(), '\n'); };
    auto r = run(bin + " live " + shell_quote((dir / "missing.mp4").string()) +
                 " --realtime --listen 127.0.0.1:0 -o " + shell_quote((dir / "out").string()));
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("missing.mp4"), std::string::npos) << r.err;

    // A character device that is no camera.
    r = run(bin + " live /dev/null -o " + shell_quote((dir / "out").string()));
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(count_lines(r.err), 1) << r.err;

    // Nothing is sent to this port: the open gives up after its timeout.
    const auto started = Clock::now();
    r = run(bin + " live udp://127.0.0.1:" + std::to_string(random_port()) +
            " --listen 127.0.0.1:0 -o " + shell_quote((dir / "out").string()));
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_LT(Clock::now() - started, std::chrono::seconds(15));

    ASSERT_TRUE(
        test::ffmpeg("-f lavfi -i testsrc2=size=160x120:rate=25:duration=1 -c:v libx264 "
                     "-pix_fmt yuv420p " +
                     shell_quote((dir / "film.mp4").string())));
    r = run(bin + " live " + shell_quote((dir / "film.mp4").string()));
    EXPECT_EQ(r.status, 2) << "a file needs --realtime";
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    r = run(bin + " live " + shell_quote((dir / "film.mp4").string()) +
            " --realtime --listen nowhere");
    EXPECT_EQ(r.status, 2);
    r = run(bin + " live " + shell_quote((dir / "film.mp4").string()) +
            " --realtime --method lagrangian");
    EXPECT_EQ(r.status, 2);
    // A playlist stays refused, live or not.
    std::ofstream(dir / "list.m3u8") << "#EXTM3U\n#EXTINF:1,\nfilm.mp4\n#EXT-X-ENDLIST\n";
    r = run(bin + " live " + shell_quote((dir / "list.m3u8").string()) + " --realtime -o " +
            shell_quote((dir / "out").string()));
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_FALSE(fs::exists(dir / "out")) << "nothing written for a refused input";
    fs::remove_all(dir);
}

}  // namespace
}  // namespace kinoglaz
