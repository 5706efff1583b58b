#pragma once
// Helpers of the exporter tests: files, external parsers, timecode parsing.

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <kinoglaz/core.hpp>
#include "support/media.hpp"
#include "support/run.hpp"

namespace kinoglaz::test {

inline void write_file(const std::filesystem::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary);
    out << text;
}

inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// shared/formats (schemas, DTDs, OTIO samples): $KINOGLAZ_FORMATS or ../shared/formats beside
/// the source tree. Empty when absent.
inline std::filesystem::path formats_dir() {
    if (const char* env = std::getenv("KINOGLAZ_FORMATS"); env && *env) return env;
    const auto p = std::filesystem::path(KINOGLAZ_SOURCE_DIR) / ".." / "shared" / "formats";
    return std::filesystem::exists(p / "EAFv3.0.xsd") ? p.lexically_normal()
                                                      : std::filesystem::path();
}

/// All matches of group 1 (or the whole match) of `pattern` in `text`.
inline std::vector<std::string> find_all(const std::string& text, const std::string& pattern) {
    std::vector<std::string> out;
    const std::regex re(pattern);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
         ++it)
        out.push_back(it->size() > 1 ? (*it)[1].str() : (*it)[0].str());
    return out;
}

/// `xmllint --xpath EXPR FILE`'s output without the trailing newline; empty on failure.
inline std::string xpath(const std::filesystem::path& file, const std::string& expr) {
    auto r = run("xmllint --xpath " + shell_quote(expr) + " " + shell_quote(file.string()));
    while (!r.out.empty() && (r.out.back() == '\n' || r.out.back() == ' ')) r.out.pop_back();
    return r.status == 0 ? r.out : std::string();
}

/// Value of attribute `name` in an XML start tag.
inline std::string attr(const std::string& tag, const std::string& name) {
    const std::regex re("\\s" + name + "=\"([^\"]*)\"");
    std::smatch m;
    return std::regex_search(tag, m, re) ? m[1].str() : std::string();
}

#define REQUIRE_PROGRAM(name) \
    if (!have_program(name))  \
    GTEST_SKIP() << name << " is not installed; install it to run this check"

#define REQUIRE_FORMATS(var)                         \
    const std::filesystem::path var = formats_dir(); \
    if (var.empty()) GTEST_SKIP() << "shared/formats not found (set KINOGLAZ_FORMATS)"

/// The summary tests/export/otio_check.py prints for `file` (its checks passed); on failure an
/// empty object, and a test failure unless `status` asks for the exit status instead.
inline nlohmann::json otio_check(const std::filesystem::path& file, int* status = nullptr) {
    const std::string script = std::string(KINOGLAZ_SOURCE_DIR) + "/tests/export/otio_check.py";
    const auto r = run("python3 " + shell_quote(script) + " " + shell_quote(file.string()));
    if (status) *status = r.status;
    if (r.status != 0) {
        if (!status) ADD_FAILURE() << "otio_check failed: " << r.err;
        return {};
    }
    return nlohmann::json::parse(r.out);
}

// ---- A CMX 3600 reader, strict about the layout kinoglaz writes.

struct EdlEvent {
    int number = 0;
    std::string reel;
    std::string transition;  // C, D, W001
    int duration = 0;
    FrameIndex src_in = 0, src_out = 0, rec_in = 0, rec_out = 0;
    std::vector<std::string> comments;
};

struct Edl {
    std::string title;
    bool drop = false;
    std::string rate;              // "* RATE: ..." of the header, e.g. "29.97 DF"
    std::vector<EdlEvent> events;  // the last line of each event number
};

inline FrameIndex parse_timecode(const std::string& tc, int fps, bool drop) {
    int h, m, s, f;
    char sep;
    EXPECT_EQ(std::sscanf(tc.c_str(), "%d:%d:%d%c%d", &h, &m, &s, &sep, &f), 5) << tc;
    EXPECT_EQ(sep, drop ? ';' : ':') << tc;
    FrameIndex frames = FrameIndex((h * 3600 + m * 60 + s)) * fps + f;
    if (drop) {
        const int d = fps / 15, minutes = h * 60 + m;
        EXPECT_FALSE(s == 0 && f < d && m % 10 != 0) << "dropped frame number in " << tc;
        frames -= FrameIndex(d) * (minutes - minutes / 10);
    }
    return frames;
}

inline Edl parse_edl(const std::string& text, int fps) {
    Edl edl;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("TITLE:", 0) == 0)
            edl.title = line.substr(7);
        else if (line == "FCM: DROP FRAME")
            edl.drop = true;
        else if (line.rfind("* RATE: ", 0) == 0) {
            EXPECT_TRUE(edl.events.empty()) << "the rate belongs to the header";
            edl.rate = line.substr(8);
        } else if (line.rfind("* ", 0) == 0) {
            EXPECT_FALSE(edl.events.empty()) << "comment before any event";
            if (!edl.events.empty()) edl.events.back().comments.push_back(line.substr(2));
        } else if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0]))) {
            std::istringstream ls(line);
            EdlEvent e;
            std::string track, a, b, c, d;
            ls >> e.number >> e.reel >> track >> e.transition;
            EXPECT_EQ(track, "V") << line;
            if (e.transition != "C") ls >> e.duration;
            ls >> a >> b >> c >> d;
            EXPECT_FALSE(d.empty()) << line;
            e.src_in = parse_timecode(a, fps, edl.drop);
            e.src_out = parse_timecode(b, fps, edl.drop);
            e.rec_in = parse_timecode(c, fps, edl.drop);
            e.rec_out = parse_timecode(d, fps, edl.drop);
            if (!edl.events.empty() && edl.events.back().number == e.number) {
                // A transition's second line: the outgoing side must be a zero-length hold.
                EXPECT_EQ(edl.events.back().rec_in, edl.events.back().rec_out) << line;
                EXPECT_EQ(edl.events.back().rec_out, e.rec_in) << line;
                edl.events.back() = e;
            } else {
                EXPECT_EQ(e.number, int(edl.events.size()) + 1) << "events numbered in order";
                edl.events.push_back(e);
            }
        } else {
            EXPECT_TRUE(line.empty() || line.rfind("FCM:", 0) == 0) << "unexpected line: " << line;
        }
    }
    return edl;
}

}  // namespace kinoglaz::test
