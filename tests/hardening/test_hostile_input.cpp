// Hostile text around the films: file names that are not UTF-8 or carry terminal control
// sequences, and "text files" that are devices, FIFOs or too large to read.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include <kinoglaz/core.hpp>
#include "hardening_util.hpp"
#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"

namespace kinoglaz::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A one-second clip with one cut, 96x64.
void make_clip(const fs::path& path) {
    ASSERT_TRUE(
        ffmpeg("-f lavfi -i testsrc2=s=96x64:r=10:d=0.5 -f lavfi -i "
               "smptebars=s=96x64:r=10:d=0.5 -filter_complex [0:v][1:v]concat=n=2:v=1[v] "
               "-map [v] -c:v libx264 -preset ultrafast " +
               shell_quote(path.string())));
}

// Bytes a terminal would act on: C0 controls and DEL (the final newline aside), and bytes that
// are not UTF-8 (a raw 0x9B is CSI).
bool has_raw_control(std::string s) {
    while (!s.empty() && s.back() == '\n') s.pop_back();
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7F) return true;
    return !is_valid_utf8(s);
}

class HostileInput : public PerTestFolder {
  protected:
    HostileInput() : PerTestFolder("hostile-") {}
};

TEST(HostileText, Utf8ValidationFollowsUnicode) {
    EXPECT_TRUE(is_valid_utf8("plain ascii"));
    EXPECT_TRUE(is_valid_utf8("\xC3\xA9mile \xE2\x82\xAC \xF0\x9F\x8E\xAC"));  // é € 🎬
    for (const char* bad : {"\xFF", "\xC0\x80", "\xE0\x80\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                            "\xC3", "\xE2\x82", "\x80"})
        EXPECT_FALSE(is_valid_utf8(bad)) << testing::PrintToString(std::string(bad));
    EXPECT_EQ(to_valid_utf8("a\xFF\xFE"
                            "b"),
              "a\xEF\xBF\xBD\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(to_valid_utf8("\xC3\xA9"), "\xC3\xA9");
}

TEST(HostileText, PercentEscapeKeepsEveryByte) {
    EXPECT_EQ(percent_escape_bytes("film\xFF\xFE.mp4"), "film%FF%FE.mp4");
    EXPECT_EQ(percent_escape_bytes("100% \xC3\xA9"), "100%25 \xC3\xA9");
    std::string all;
    for (int b = 0; b < 256; ++b) all += char(b);
    all += "%41%zz%";
    const std::string escaped = percent_escape_bytes(all);
    EXPECT_TRUE(is_valid_utf8(escaped));
    EXPECT_EQ(percent_unescape(escaped), all);
    EXPECT_EQ(percent_unescape("a%2x%"), "a%2x%");  // not an escape: kept

    nlohmann::ordered_json o;
    put_user_text(o, "path", "ok.mp4");
    put_user_text(o, "bad", "x\xFF.mp4");
    EXPECT_FALSE(o.contains("path_bytes"));
    EXPECT_EQ(o["bad_bytes"], "x%FF.mp4");
    const json back = json::parse(o.dump());
    EXPECT_EQ(get_user_text(back, "bad"), "x\xFF.mp4");
    EXPECT_EQ(get_user_text(back, "path"), "ok.mp4");
}

TEST(HostileText, TerminalSafeLeavesOneInertLine) {
    EXPECT_EQ(terminal_safe("a\x1B[31mred\x1B]0;t\x07\nb\r\t"),
              "a\\x1B[31mred\\x1B]0;t\\x07\\nb\\r\\t");
    EXPECT_EQ(terminal_safe("\xC3\xA9 \\ ok"), "\xC3\xA9 \\ ok");
    EXPECT_EQ(terminal_safe("\x9B"
                            "2J"),
              "\\x9B2J");  // a raw 8-bit CSI
    EXPECT_EQ(terminal_safe("\xC2\x9B"
                            "2J"),
              "\\u{009B}2J");                                             // C1 CSI as UTF-8
    EXPECT_EQ(terminal_safe("\xE2\x80\xAEgpj.exe"), "\\u{202E}gpj.exe");  // right-to-left override
    EXPECT_FALSE(has_raw_control(terminal_safe(std::string("\x00\x7F\x1F", 3))));
    // Error messages are single terminal-safe lines at the source, for library users too, and
    // escaping twice changes nothing.
    const Error e(ErrorKind::bad_input, "film\n\x1B[2J.mp4: not a video");
    EXPECT_STREQ(e.what(), "film\\n\\x1B[2J.mp4: not a video");
    EXPECT_EQ(terminal_safe(e.what()), e.what());
}

TEST_F(HostileInput, NonUtf8FileNameThroughEveryCommand) {
    if (!have_program("ffmpeg")) GTEST_SKIP() << "ffmpeg not installed";
    const std::string name = "film\xFF\xFE.mp4";
    const fs::path film = dir_ / name;
    make_clip(film);
    const auto check_source = [&](const std::string& text, const char* what) {
        ASSERT_TRUE(json::accept(text)) << what;
        const json source =
            json::parse(text).contains("source") ? json::parse(text)["source"] : json::parse(text);
        EXPECT_EQ(source["path"], (dir_ / "film\xEF\xBF\xBD\xEF\xBF\xBD.mp4").string()) << what;
        EXPECT_EQ(percent_unescape(source["path_bytes"].get<std::string>()), film.string()) << what;
    };
    auto r = run_kinoglaz("probe " + shell_quote(film.string()));
    ASSERT_EQ(r.status, 0) << r.err;
    check_source(r.out, "probe");
    r = run_kinoglaz("cuts --json " + shell_quote(film.string()));
    ASSERT_EQ(r.status, 0) << r.err;
    check_source(r.out, "cuts --json");
    r = run_kinoglaz("cuts " + shell_quote(film.string()));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("film\\xFF\\xFE.mp4"), std::string::npos) << r.out;
    EXPECT_FALSE(has_raw_control(r.out.substr(0, r.out.find('\n'))));

    const fs::path out = dir_ / "out";
    r = run_kinoglaz("analyze " + shell_quote(film.string()) + " -o " + shell_quote(out.string()) +
                     " --no-reveal");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(has_raw_control(r.err)) << r.err;
    const std::string analysis = slurp_file((out / "analysis.json").string());
    check_source(analysis, "analysis.json");
    EXPECT_TRUE(json::accept(slurp_file((out / "timeline.otio").string())));

    // eval names its files the same way, and reads the path back from path_bytes.
    std::ofstream(dir_ / "truth\xFF.json") << R"({"transitions": [{"type": "cut",
        "start_frame": 5, "end_frame": 5}]})";
    r = run_kinoglaz("eval --truth " + shell_quote((dir_ / "truth\xFF.json").string()) +
                     " --pred " + shell_quote((out / "analysis.json").string()));
    ASSERT_EQ(r.status, 0) << r.err;
    std::string last = r.out;  // the summary is the last line
    while (!last.empty() && last.back() == '\n') last.pop_back();
    last = last.substr(last.rfind('\n') + 1);
    ASSERT_TRUE(json::accept(last)) << last;
    const json summary = json::parse(last);
    EXPECT_EQ(percent_unescape(summary["files"][0]["truth_bytes"].get<std::string>()),
              (dir_ / "truth\xFF.json").string());
    EXPECT_EQ(summary["cuts"]["tp"], 1);
}

TEST_F(HostileInput, TextInputsMustBeBoundedRegularFiles) {
    const std::string fifo = (dir_ / "truth.fifo").string();
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const fs::path big = dir_ / "big.json";
    std::ofstream(big).close();
    fs::resize_file(big, kMaxJsonBytes + 1);  // sparse: no disk used
    std::ofstream(dir_ / "pred.json") << R"({"transitions": []})";
    const std::string pred = shell_quote((dir_ / "pred.json").string());
    for (const std::string& input : {std::string("/dev/zero"), fifo, big.string(), dir_.string()}) {
        // The FIFO has no writer: a blocking open would hang, which the timeout turns into 124.
        auto r = run_kinoglaz("eval --truth " + shell_quote(input) + " --pred " + pred, 20);
        expect_one_line_refusal(r, input);
        r = run_kinoglaz("eval --truth " + pred + " --pred " + shell_quote(input), 20);
        expect_one_line_refusal(r, input);
    }
    EXPECT_NE(run_kinoglaz("eval --truth " + shell_quote(big.string()) + " --pred " + pred, 20)
                  .err.find("64 MiB"),
              std::string::npos);
    // The helper itself: the limit is inclusive, a file at it is read.
    std::ofstream(dir_ / "four.json") << "[1,2]";
    EXPECT_EQ(read_text_file(dir_ / "four.json", 5, "test file"), "[1,2]");
    EXPECT_THROW(read_text_file(dir_ / "four.json", 4, "test file"), Error);
}

TEST_F(HostileInput, ControlCharactersInNamesNeverReachTheTerminal) {
    if (!have_program("ffmpeg")) GTEST_SKIP() << "ffmpeg not installed";
    const std::string name = "a\x1B[2J\x1B]0;pwned\x07\nsecond line\r.mp4";
    // Missing, then not a video, then a real film.
    auto r = run_kinoglaz("cuts " + shell_quote((dir_ / name).string()));
    expect_one_line_refusal(r, "a\\x1B[2J");
    EXPECT_FALSE(has_raw_control(r.err)) << r.err;
    std::ofstream(dir_ / name) << "not a video";
    for (const char* cmd : {"cuts ", "probe ", "cuts --json "}) {
        r = run_kinoglaz(cmd + shell_quote((dir_ / name).string()));
        expect_one_line_refusal(r, "\\nsecond line\\r.mp4");
        EXPECT_FALSE(has_raw_control(r.err)) << r.err;
    }
    fs::remove(dir_ / name);
    make_clip(dir_ / name);
    r = run_kinoglaz("cuts " + shell_quote((dir_ / name).string()));
    ASSERT_EQ(r.status, 0) << r.err;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) EXPECT_FALSE(has_raw_control(line)) << line;
    EXPECT_EQ(r.out.rfind((dir_ / "a\\x1B[2J\\x1B]0;pwned\\x07\\nsecond line\\r.mp4").string(), 0),
              0u)
        << r.out;
    const std::string out = (dir_ / "out\nput").string();
    r = run_kinoglaz("analyze " + shell_quote((dir_ / name).string()) + " -o " + shell_quote(out) +
                     " --no-reveal");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_FALSE(has_raw_control(r.err)) << r.err;
    EXPECT_FALSE(has_raw_control(r.out)) << r.out;
    EXPECT_NE(r.out.find("out\\nput/report.html"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace kinoglaz::test
