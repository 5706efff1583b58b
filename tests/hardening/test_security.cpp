// Hostile inputs that try to make kinoglaz read other files or reach the network, and checks
// that every command writes only inside its OUTDIR.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "hardening_util.hpp"
#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"

namespace kinoglaz::test {
namespace {

namespace fs = std::filesystem;

// A short clip with two shots, the "other local file" a crafted list points at.
std::string make_clip(const fs::path& dir, double seconds = 2.0) {
    const std::string path = (dir / "clip.mp4").string();
    const std::string half = std::to_string(seconds / 2);
    EXPECT_TRUE(ffmpeg("-f lavfi -i testsrc2=s=96x64:r=10:d=" + half +
                       " -f lavfi -i smptebars=s=96x64:r=10:d=" + half +
                       " -filter_complex [0:v][1:v]concat=n=2:v=1[v] -map [v] -c:v libx264 "
                       "-preset ultrafast " +
                       shell_quote(path)));
    return path;
}

std::set<std::string> listing(const fs::path& dir) {
    std::set<std::string> names;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        names.insert(fs::relative(e.path(), dir).string());
    return names;
}

class Security : public PerTestFolder {
  protected:
    Security() : PerTestFolder("security-") {}
};

TEST_F(Security, ConcatListReferencingAnotherFileIsRefused) {
    const std::string clip = make_clip(dir_);
    const fs::path list = dir_ / "list.ffconcat";
    std::ofstream(list) << "ffconcat version 1.0\nfile '" << clip << "'\nfile '/etc/passwd'\n";
    for (const char* cmd : {"cuts --json ", "probe ", "cuts "}) {
        auto r = run_kinoglaz(cmd + shell_quote(list.string()));
        expect_one_line_refusal(r, "list.ffconcat");
        EXPECT_TRUE(r.out.empty()) << r.out;
    }
}

TEST_F(Security, HlsPlaylistReferencingLocalSegmentsIsRefused) {
    const std::string clip = make_clip(dir_);
    ASSERT_TRUE(ffmpeg("-i " + shell_quote(clip) + " -c copy -f hls -hls_time 1 " +
                       shell_quote((dir_ / "play.m3u8").string())));
    auto r = run_kinoglaz("cuts --json " + shell_quote((dir_ / "play.m3u8").string()));
    expect_one_line_refusal(r, "play.m3u8");
    // A hand-written playlist pointing at an arbitrary local file.
    std::ofstream(dir_ / "evil.m3u8") << "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n"
                                      << "file:///etc/passwd\n#EXTINF:10,\n"
                                      << clip << "\n#EXT-X-ENDLIST\n";
    expect_one_line_refusal(run_kinoglaz("probe " + shell_quote((dir_ / "evil.m3u8").string())),
                            "evil.m3u8");
}

// A 1 s clip of one lavfi SOURCE for lists to join.
std::string make_reel(const fs::path& dir, const std::string& name,
                      const std::string& source = "smptebars") {
    const std::string path = (dir / name).string();
    EXPECT_TRUE(ffmpeg("-f lavfi -i " + source +
                       "=s=96x64:r=10:d=1 -c:v libx264 -preset ultrafast " + shell_quote(path)));
    return path;
}

TEST_F(Security, ConcatListNamingAPlaylistIsRefused) {
    // The list names a sibling playlist, which names a file elsewhere by its absolute path:
    // FFmpeg's concat "safe" mode only looks at the list's own names, so this used to be read.
    const fs::path elsewhere = dir_ / "elsewhere";
    fs::create_directories(elsewhere);
    const std::string secret = make_reel(elsewhere, "secret.mp4");
    const fs::path lists = dir_ / "lists";
    fs::create_directories(lists);
    make_reel(lists, "a.mp4");
    std::ofstream(lists / "side.m3u8") << "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:1,\n"
                                       << secret << "\n#EXT-X-ENDLIST\n";
    std::ofstream(lists / "nested.ffconcat")
        << "ffconcat version 1.0\nfile a.mp4\nfile 'side.m3u8'\n";
    for (const char* cmd : {"cuts --json ", "probe ", "cuts "}) {
        auto r = run_kinoglaz(cmd + shell_quote((lists / "nested.ffconcat").string()));
        expect_one_line_refusal(r, "nested.ffconcat");
        EXPECT_NE(r.err.find("side.m3u8"), std::string::npos) << r.err;
        EXPECT_TRUE(r.out.empty()) << r.out;
    }
    // A list inside a list, a name leaving the folder, a symbolic link out of it, and an
    // `option` directive (which could reset the nested whitelists) are refused alike.
    std::ofstream(lists / "inner.ffconcat") << "ffconcat version 1.0\nfile a.mp4\n";
    fs::create_symlink(secret, lists / "link.mp4");
    const std::vector<std::pair<std::string, std::string>> bad{
        {"list-in-list.ffconcat", "file inner.ffconcat"},
        {"dotdot.ffconcat", "file ../elsewhere/secret.mp4"},
        {"absolute.ffconcat", "file '" + secret + "'"},
        {"protocol.ffconcat", "file 'file:" + secret + "'"},
        {"symlink.ffconcat", "file link.mp4"},
        {"option.ffconcat", "file a.mp4\noption protocol_whitelist file,http"},
        // The demuxer ends lines at a carriage return or NUL too.
        {"carriage-return.ffconcat", "file a.mp4\rfile side.m3u8"},
        {"nul.ffconcat", std::string("file a.mp4\0file side.m3u8", 25)},
    };
    for (const auto& [name, body] : bad) {
        std::ofstream(lists / name) << "ffconcat version 1.0\n" << body << "\n";
        auto r = run_kinoglaz("cuts --json " + shell_quote((lists / name).string()));
        expect_one_line_refusal(r, name);
        EXPECT_TRUE(r.out.empty()) << name << ": " << r.out;
    }
}

TEST_F(Security, ConcatListOfSiblingsIsRead) {
    const std::string clip = make_clip(dir_);  // 2 s, 20 frames, one cut
    fs::create_directories(dir_ / "reel");
    make_reel(dir_ / "reel", "test.mp4", "testsrc");  // 1 s, 10 frames
    std::ofstream(dir_ / "film.ffconcat")
        << "ffconcat version 1.0\n# two reels\nfile clip.mp4\nfile 'reel/test.mp4'\n";
    auto r = run_kinoglaz("cuts --json " + shell_quote((dir_ / "film.ffconcat").string()));
    ASSERT_EQ(r.status, 0) << r.err;
    auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["source"]["frame_count"], 30);
    EXPECT_NEAR(doc["source"]["duration_s"].get<double>(), 3.0, 0.05);
    EXPECT_EQ(doc["transitions"].size(), 2u) << r.out;  // inside the clip, and at the join
}

TEST_F(Security, SpecialFilesAreRefusedWithoutBlocking) {
    // A FIFO blocked in open(), deaf to signals, and could not be read twice.
    const fs::path fifo = dir_ / "film.mp4";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    for (const std::string& cmd : {std::string("cuts --json "), std::string("probe "),
                                   "analyze -o " + shell_quote((dir_ / "out").string()) + " "}) {
        auto r = run_kinoglaz(cmd + shell_quote(fifo.string()), 10);
        expect_one_line_refusal(r, "film.mp4");
        EXPECT_NE(r.err.find("FIFO"), std::string::npos) << r.err;
    }
    auto url = run_kinoglaz("probe " + shell_quote("file:" + fifo.string()), 10);
    expect_one_line_refusal(url, "film.mp4");
    EXPECT_FALSE(fs::exists(dir_ / "out"));
    // Devices (no live capture yet).
    for (const std::string dev : {"/dev/zero", "/dev/null"}) {
        auto r = run_kinoglaz("cuts " + dev, 10);
        expect_one_line_refusal(r, dev);
        EXPECT_NE(r.err.find("device"), std::string::npos) << r.err;
    }
}

TEST_F(Security, UrlsNeedAllowNetwork) {
    for (const std::string url : {"http://127.0.0.1:9/film.mp4", "rtmp://127.0.0.1:9/live",
                                  "https://example.invalid/x.mkv", "tcp://127.0.0.1:9"}) {
        auto r = run_kinoglaz("cuts --json " + shell_quote(url), 30);
        expect_one_line_refusal(r, url);
        EXPECT_NE(r.err.find("--allow-network"), std::string::npos) << r.err;
    }
}

TEST_F(Security, ProtocolTricksAreRefused) {
    const std::string clip = make_clip(dir_);
    // FFmpeg pseudo-protocols that would read (parts of) other files.
    const std::vector<std::string> inputs{"concat:" + clip + "|" + clip,
                                          "subfile,,start,0,end,100,,:" + clip, "pipe:0",
                                          "data:video/mp4;base64,AAAA"};
    for (const std::string& input : inputs) {
        auto r = run_kinoglaz("cuts --json " + shell_quote(input) + " </dev/null", 30);
        expect_no_crash(r);
        EXPECT_EQ(r.status, 1) << input << ": " << r.out;
        EXPECT_TRUE(r.out.empty()) << input;
    }
}

TEST_F(Security, AnalyzeWritesOnlyInsideOutdir) {
    const fs::path in_dir = dir_ / "in";
    const fs::path parent = dir_ / "parent";
    fs::create_directories(in_dir);
    fs::create_directories(parent);
    const std::string clip = make_clip(in_dir, 3.0);
    const auto input_before = listing(in_dir);
    auto r = run_kinoglaz("analyze " + shell_quote(clip) + " -o " +
                          shell_quote((parent / "out").string()) + " --quiet");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(listing(in_dir), input_before);
    // Only OUTDIR appeared beside it (no leftover .partial-/.old- folders).
    std::set<std::string> top;
    for (const auto& e : fs::directory_iterator(parent)) top.insert(e.path().filename().string());
    EXPECT_EQ(top, std::set<std::string>{"out"});
    const fs::path out = fs::canonical(parent / "out");
    for (const auto& e : fs::recursive_directory_iterator(out)) {
        EXPECT_FALSE(fs::is_symlink(e.symlink_status())) << e.path();
        const auto rel = fs::relative(fs::canonical(e.path()), out);
        EXPECT_FALSE(rel.empty() || *rel.begin() == "..") << e.path();
    }
    // Every path named in analysis.json is relative and stays inside OUTDIR.
    auto doc = nlohmann::json::parse(slurp_file((out / "analysis.json").string()));
    for (const auto& ev : doc.value("events", nlohmann::json::array()))
        if (ev.contains("clip") && ev["clip"].is_string()) {
            const fs::path p = fs::path(ev["clip"].get<std::string>()).lexically_normal();
            EXPECT_FALSE(p.is_absolute()) << p;
            EXPECT_NE(*p.begin(), "..") << p;
        }
}

TEST_F(Security, RevealWritesOnlyInsideOutdir) {
    const fs::path in_dir = dir_ / "in";
    const fs::path parent = dir_ / "parent";
    fs::create_directories(in_dir);
    fs::create_directories(parent);
    const std::string clip = make_clip(in_dir, 2.0);
    const auto input_before = listing(in_dir);
    auto r = run_kinoglaz("reveal " + shell_quote(clip) + " -o " +
                          shell_quote((parent / "rv").string()) + " --start 0 --end 1");
    expect_no_crash(r);
    EXPECT_EQ(listing(in_dir), input_before);
    for (const auto& e : fs::directory_iterator(parent))
        EXPECT_EQ(e.path().filename().string(), "rv") << "written beside OUTDIR: " << e.path();
}

}  // namespace
}  // namespace kinoglaz::test
