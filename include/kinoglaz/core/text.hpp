#pragma once
/// User text (file names, manifest metadata, error reasons) crossing kinoglaz's boundaries:
/// text files read with a bound, strings made safe for JSON without losing a byte, and lines
/// made safe for a terminal. Every function here is pure and thread-safe, except
/// read_text_file(), which reads the file system.
///
/// JSON convention for user text (file names are bytes on Linux, JSON strings are Unicode):
/// a field `"<key>"` that holds user text is written as is when the text is valid UTF-8.
/// When it is not, `"<key>"` holds a readable repair (each byte that is not part of a valid
/// UTF-8 sequence replaced by U+FFFD) and a second field `"<key>_bytes"` holds the exact
/// bytes, percent-escaped: every `%` and every byte outside a valid UTF-8 sequence is written
/// `%XX` (two upper-case hex digits), everything else as is. The original bytes come back with
/// percent_unescape() (Python: `urllib.parse.unquote_to_bytes(value)`). For example the file
/// name bytes `film\xFF\xFE.mp4` give `"path": "film\uFFFD\uFFFD.mp4"` and
/// `"path_bytes": "film%FF%FE.mp4"`. Readers of kinoglaz's JSON prefer `<key>_bytes` when
/// present.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace kinoglaz {

/// Largest JSON document kinoglaz reads (truth files, analysis.json, failure records).
inline constexpr std::size_t kMaxJsonBytes = std::size_t(64) << 20;  // 64 MiB
/// Largest manifest `kinoglaz batch` reads.
inline constexpr std::size_t kMaxManifestBytes = std::size_t(16) << 20;  // 16 MiB

/// Reads a whole text input of at most `max_bytes` bytes. Every text file kinoglaz reads goes
/// through here, so that `/dev/zero`, a FIFO that never closes or a huge file is refused with
/// one line instead of growing until the kernel kills the process. Refuses folders, anything
/// that is not a regular file (devices, FIFOs, sockets; a FIFO is opened without blocking) and
/// files larger than `max_bytes` (before reading, and again if the file grows while it is
/// read). `what` names the input in messages ("manifest", "truth file").
/// Throws Error(bad_input, "<path>: <reason>").
std::string read_text_file(const std::filesystem::path& path, std::size_t max_bytes,
                           std::string_view what);

/// True when `text` is well-formed UTF-8 (Unicode table 3-7: no overlong forms, no
/// surrogates, nothing above U+10FFFF), the rule JSON writers enforce.
bool is_valid_utf8(std::string_view text);

/// `text` with each byte that is not part of a valid UTF-8 sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view text);

/// `text` with `%` and each byte that is not part of a valid UTF-8 sequence written `%XX`
/// (upper-case hex); valid UTF-8 is kept as is. Always valid UTF-8; percent_unescape() is its
/// inverse.
std::string percent_escape_bytes(std::string_view text);

/// Decodes every `%XX` (hex, either case); a `%` not followed by two hex digits stays as is.
std::string percent_unescape(std::string_view text);

/// Stores user text under `key` in a JSON object (nlohmann::json or ordered_json) following
/// the convention above: `object[key]` always, `object[key + "_bytes"]` only when `value` is
/// not valid UTF-8. A template so that this header needs no JSON library.
template <class Json>
void put_user_text(Json& object, const std::string& key, std::string_view value) {
    if (is_valid_utf8(value)) {
        object[key] = std::string(value);
        return;
    }
    object[key] = to_valid_utf8(value);
    object[key + "_bytes"] = percent_escape_bytes(value);
}

/// Reads user text written by put_user_text(): the decoded `<key>_bytes` when present and a
/// string, else `object[key]` when a string, else `fallback`.
template <class Json>
std::string get_user_text(const Json& object, const std::string& key, std::string fallback = {}) {
    if (auto it = object.find(key + "_bytes"); it != object.end() && it->is_string())
        return percent_unescape(it->template get<std::string>());
    if (auto it = object.find(key); it != object.end() && it->is_string())
        return it->template get<std::string>();
    return fallback;
}

/// `text` made safe to print on one terminal line: C0 control characters and DEL become
/// `\n`, `\r`, `\t` or `\xHH`, so that a file name cannot move the cursor, recolour or retitle
/// the terminal (ESC sequences) or start a new line; bytes outside valid UTF-8 (a raw 0x9B is
/// CSI for some terminals) become `\xHH`; C1 controls (U+0080-U+009F) and the bidirectional
/// overrides and isolates (U+202A-U+202E, U+2066-U+2069) become `\u{XXXX}`. A backslash is
/// kept as is. Printable text, UTF-8 included, is unchanged.
std::string terminal_safe(std::string_view text);

}  // namespace kinoglaz
