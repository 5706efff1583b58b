#pragma once
// Helpers of the exporter tests: files, external parsers, timecode parsing.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

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

}  // namespace kinoglaz::test
