#include "kinoglaz/core/text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "kinoglaz/core/error.hpp"

namespace kinoglaz {

namespace {

// Length of the well-formed UTF-8 sequence at s[i] (Unicode table 3-7), 0 when there is none;
// its code point in `cp`.
std::size_t utf8_sequence(std::string_view s, std::size_t i, char32_t& cp) {
    const auto b = [&](std::size_t k) { return (unsigned char)s[i + k]; };
    const unsigned char c = b(0);
    if (c < 0x80) {
        cp = c;
        return 1;
    }
    std::size_t n;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;  // overlong
        if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;  // overlong
        if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
        return 0;
    }
    if (i + n > s.size() || b(1) < lo || b(1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if (b(k) < 0x80 || b(k) > 0xBF) return 0;
    cp = c & (0xFF >> (n + 1));
    for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (b(k) & 0x3F);
    return n;
}

void append_hex(std::string& out, const char* prefix, unsigned value, int digits) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%s%0*X", prefix, digits, value);
    out += buf;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Applies `valid(sequence)` to each well-formed sequence and `invalid(byte)` to each other byte.
template <class Valid, class Invalid>
std::string map_utf8(std::string_view s, Valid valid, Invalid invalid) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        char32_t cp = 0;
        if (std::size_t n = utf8_sequence(s, i, cp)) {
            valid(out, s.substr(i, n), cp);
            i += n;
        } else {
            invalid(out, (unsigned char)s[i]);
            ++i;
        }
    }
    return out;
}

}  // namespace

std::string read_text_file(const std::filesystem::path& path, std::size_t max_bytes,
                           std::string_view what) {
    const std::string where = path.string(), name(what);
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) throw_bad_input(where, "cannot read the " + name + ": " + std::strerror(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        throw_bad_input(where, "cannot read the " + name + ": " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) throw_bad_input(where, "is a folder, not a " + name);
    if (!S_ISREG(st.st_mode))
        throw_bad_input(where, "is not a regular file (a device, pipe or socket); the " + name +
                                   " must be a file");
    const auto too_large = [&] {
        throw_bad_input(where, "too large for a " + name + " (the limit is " +
                                   std::to_string(max_bytes >> 20) + " MiB)");
    };
    if (std::uintmax_t(st.st_size) > max_bytes) too_large();
    std::string text;
    text.resize(std::size_t(st.st_size));
    std::size_t got = 0;
    char extra[4096];
    for (;;) {
        // Read into the string while it has room, then probe for growth past the limit.
        char* dst = got < text.size() ? text.data() + got : extra;
        const std::size_t room = got < text.size() ? text.size() - got : sizeof extra;
        const ssize_t n = ::read(fd, dst, room);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_bad_input(where, "cannot read the " + name + ": " + std::strerror(errno));
        }
        if (n == 0) break;
        if (dst == extra) text.append(extra, std::size_t(n));
        got += std::size_t(n);
        if (got > max_bytes) too_large();
    }
    text.resize(got);
    return text;
}

bool is_valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        char32_t cp = 0;
        const std::size_t n = utf8_sequence(text, i, cp);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::string to_valid_utf8(std::string_view text) {
    return map_utf8(
        text, [](std::string& out, std::string_view seq, char32_t) { out += seq; },
        [](std::string& out, unsigned char) { out += "\xEF\xBF\xBD"; });
}

std::string percent_escape_bytes(std::string_view text) {
    return map_utf8(
        text,
        [](std::string& out, std::string_view seq, char32_t cp) {
            if (cp == '%')
                out += "%25";
            else
                out += seq;
        },
        [](std::string& out, unsigned char byte) { append_hex(out, "%", byte, 2); });
}

std::string percent_unescape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
            hex_value(text[i + 2]) >= 0) {
            out += char(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string terminal_safe(std::string_view text) {
    return map_utf8(
        text,
        [](std::string& out, std::string_view seq, char32_t cp) {
            if (cp == '\n')
                out += "\\n";
            else if (cp == '\r')
                out += "\\r";
            else if (cp == '\t')
                out += "\\t";
            else if (cp < 0x20 || cp == 0x7F)
                append_hex(out, "\\x", unsigned(cp), 2);
            else if ((cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
                     (cp >= 0x2066 && cp <= 0x2069)) {
                append_hex(out, "\\u{", unsigned(cp), 4);
                out += '}';
            } else
                out += seq;
        },
        [](std::string& out, unsigned char byte) { append_hex(out, "\\x", byte, 2); });
}

}  // namespace kinoglaz
