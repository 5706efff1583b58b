#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include <kinoglaz/core.hpp>
#include "kinoglaz/corpus.hpp"

namespace fs = std::filesystem;

namespace kinoglaz {

namespace {

std::string trim(const std::string& s) {
    std::size_t a = 0, b = s.size();
    while (a < b && std::isspace((unsigned char)s[a])) ++a;
    while (b > a && std::isspace((unsigned char)s[b - 1])) --b;
    return s.substr(a, b - a);
}

// RFC 3986: a scheme starts with a letter. So "-o://x" is a relative path (made absolute below)
// and no manifest entry can reach `kinoglaz analyze` looking like an option.
bool is_url(const std::string& s) {
    auto pos = s.find("://");
    return pos != std::string::npos && pos > 1 && std::isalpha((unsigned char)s[0]) &&
           std::all_of(s.begin(), s.begin() + long(pos), [](char c) {
               return std::isalnum((unsigned char)c) || c == '+' || c == '-' || c == '.';
           });
}

std::string resolve(const std::string& written, const fs::path& base_dir) {
    if (is_url(written)) return written;
    fs::path p(written);
    if (p.is_absolute() || base_dir.empty()) return written;
    return (base_dir / p).lexically_normal().string();
}

std::string lower(std::string s) {
    for (auto& c : s) c = char(std::tolower((unsigned char)c));
    return s;
}

}  // namespace

std::vector<std::vector<std::string>> parse_csv(const std::string& text, const std::string& where) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false, field_started = false, any = false;
    std::size_t i = 0;
    // Skip a UTF-8 byte order mark: spreadsheets write one.
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) i = 3;
    auto end_row = [&] {
        row.push_back(field);
        field.clear();
        // A blank line is no row (RFC 4180 has none; spreadsheets leave trailing ones).
        if (!(row.size() == 1 && row[0].empty() && !field_started)) rows.push_back(row);
        row.clear();
        field_started = false;
    };
    for (; i < text.size(); ++i) {
        char c = text[i];
        any = true;
        if (quoted) {
            if (c == '"') {
                if (i + 1 < text.size() && text[i + 1] == '"') {
                    field += '"';
                    ++i;
                } else {
                    quoted = false;
                }
            } else {
                field += c;
            }
            continue;
        }
        if (c == '"' && field.empty()) {
            quoted = field_started = true;
        } else if (c == ',') {
            row.push_back(field);
            field.clear();
            field_started = true;
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            // CRLF: the LF ends the row.
        } else if (c == '\n') {
            end_row();
        } else {
            field += c;
            field_started = true;
        }
    }
    if (quoted) throw_bad_input(where, "unterminated quoted field");
    if (any && (!field.empty() || !row.empty() || field_started)) end_row();
    return rows;
}

namespace {

// A plain decimal number ("-3.5", "+2", "1e-3"): a spreadsheet reads it as that number, not as
// a formula, so it is safe to keep as is.
bool plain_number(const std::string& s) {
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t digits = 0;
    while (i < s.size() && std::isdigit((unsigned char)s[i])) ++i, ++digits;
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && std::isdigit((unsigned char)s[i])) ++i, ++digits;
    }
    if (digits == 0) return false;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        std::size_t exp = 0;
        while (i < s.size() && std::isdigit((unsigned char)s[i])) ++i, ++exp;
        if (exp == 0) return false;
    }
    return i == s.size();
}

}  // namespace

std::string csv_text(const std::string& value) {
    static const std::string_view kFormulaStart("=+-@\t\r\0", 7);
    if (!value.empty() && kFormulaStart.find(value[0]) != std::string_view::npos &&
        !plain_number(value))
        return "'" + value;
    return value;
}

std::string csv_field(const std::string& value) {
    const std::string text = csv_text(value);
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string film_id(const std::string& input) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : input) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    // The file name: the last path component, without a URL's query and the extension.
    std::string name = input;
    if (auto q = name.find_first_of("?#"); q != std::string::npos && is_url(input)) name.resize(q);
    while (!name.empty() && (name.back() == '/' || name.back() == '\\')) name.pop_back();
    if (auto slash = name.find_last_of("/\\"); slash != std::string::npos)
        name = name.substr(slash + 1);
    if (auto dot = name.find_last_of('.'); dot != std::string::npos && dot > 0) name.resize(dot);
    std::string slug;
    for (unsigned char c : name) {
        if (std::isalnum(c) && c < 128) {
            slug += char(std::tolower(c));
        } else if (!slug.empty() && slug.back() != '-') {
            slug += '-';
        }
        if (slug.size() >= 40) break;
    }
    while (!slug.empty() && slug.back() == '-') slug.pop_back();
    if (slug.empty()) slug = "film";
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    return slug + "-" + std::string(hex, 8);
}

Manifest parse_manifest(const std::string& text, const fs::path& base_dir, bool csv,
                        const std::string& where) {
    Manifest m;
    std::set<std::string> seen;
    auto add = [&](const std::string& written,
                   std::vector<std::pair<std::string, std::string>> meta) {
        if (written.empty() || !seen.insert(written).second) return;
        m.entries.push_back(
            {written, resolve(written, base_dir), film_id(written), std::move(meta)});
    };
    if (csv) {
        auto rows = parse_csv(text, where);
        if (rows.empty()) throw_bad_input(where, "empty manifest");
        const auto& header = rows.front();
        int input_col = -1;
        for (std::size_t c = 0; c < header.size(); ++c) {
            std::string name = lower(trim(header[c]));
            if (name == "input" && input_col < 0) {
                input_col = int(c);
            } else {
                m.metadata_columns.push_back(trim(header[c]));
            }
        }
        if (input_col < 0) throw_bad_input(where, "CSV manifest has no 'input' column");
        for (std::size_t r = 1; r < rows.size(); ++r) {
            const auto& row = rows[r];
            std::string input =
                std::size_t(input_col) < row.size() ? trim(row[std::size_t(input_col)]) : "";
            if (input.empty() || input[0] == '#') continue;
            std::vector<std::pair<std::string, std::string>> meta;
            std::size_t k = 0;
            for (std::size_t c = 0; c < header.size(); ++c) {
                if (int(c) == input_col) continue;
                meta.emplace_back(m.metadata_columns[k++], c < row.size() ? row[c] : "");
            }
            add(input, std::move(meta));
        }
    } else {
        std::istringstream in(text);
        std::string line;
        while (std::getline(in, line)) {
            line = trim(line);
            if (line.empty() || line[0] == '#') continue;
            add(line, {});
        }
    }
    if (m.entries.empty()) throw_bad_input(where, "no films in the manifest");
    return m;
}

Manifest read_manifest(const fs::path& path) {
    const std::string text = read_text_file(path, kMaxManifestBytes, "manifest");
    const bool csv = lower(path.extension().string()) == ".csv";
    Manifest m = parse_manifest(text, fs::absolute(path).parent_path(), csv, path.string());
    m.path = path;
    return m;
}

bool film_complete(const fs::path& corpus_dir, const std::string& id) {
    std::error_code ec;
    return fs::is_regular_file(corpus_dir / id / "analysis.json", ec);
}

void record_failure(const fs::path& corpus_dir, const FilmFailure& failure) {
    const fs::path dir = corpus_dir / "_failures";
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw_io(dir.string(), "cannot create folder: " + ec.message());
    nlohmann::ordered_json j{{"id", failure.id}};
    put_user_text(j, "input", failure.input);
    put_user_text(j, "reason", failure.reason);
    j["exit_status"] = failure.exit_status;
    const fs::path tmp = dir / (failure.id + ".json.tmp");
    {
        std::ofstream out(tmp, std::ios::binary);
        out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
        if (!out) throw_io(tmp.string(), "cannot write");
    }
    fs::rename(tmp, dir / (failure.id + ".json"), ec);
    if (ec) throw_io(tmp.string(), "cannot rename: " + ec.message());
}

void clear_failure(const fs::path& corpus_dir, const std::string& id) {
    std::error_code ec;
    fs::remove(corpus_dir / "_failures" / (id + ".json"), ec);
}

bool read_failure(const fs::path& corpus_dir, const std::string& id, FilmFailure& out) {
    const fs::path path = corpus_dir / "_failures" / (id + ".json");
    std::error_code ec;
    if (!fs::exists(path, ec)) return false;
    try {
        auto j = nlohmann::json::parse(read_text_file(path, kMaxJsonBytes, "failure record"));
        out.id = j.value("id", id);
        out.input = get_user_text(j, "input");
        out.reason = get_user_text(j, "reason");
        out.exit_status = j.value("exit_status", 1);
        return true;
    } catch (const nlohmann::json::exception&) {
        return false;
    } catch (const Error&) {
        return false;
    }
}

}  // namespace kinoglaz
