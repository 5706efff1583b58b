#include "kinoglaz/montage/montage_cache.hpp"

#include <array>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <type_traits>
#include <vector>

#include <kinoglaz/core.hpp>

namespace kinoglaz {

namespace {

// A header of fixed-size little-endian fields, then every record and every segment field by
// field (no padding bytes, so equal collectors give equal files), then an FNV-1a checksum of
// everything before it. Version 2 adds each record's `key`; a version 1 cache (analysis
// folders written before) is still read, its frames taken as not known to be keyframes.
// Version 3 has version 2's layout and adds a record `motion` value, 3 (not measured), which a
// build that reads version 2 would take for no motion: it refuses version 3 instead. Versions 1
// and 2 are still read (every pair measured).
constexpr char kMagic[8] = {'K', 'G', 'M', 'O', 'N', 'T', 'G', '3'};
constexpr char kMagicVersion2[8] = {'K', 'G', 'M', 'O', 'N', 'T', 'G', '2'};
constexpr char kMagicVersion1[8] = {'K', 'G', 'M', 'O', 'N', 'T', 'G', '1'};

using Record = MontageCollector::FrameRecord;
using Segment = MontageCollector::Segment;

class Writer {
  public:
    template <class T>
    void put(const T& v) {
        static_assert(std::is_arithmetic_v<T>);
        const auto* p = reinterpret_cast<const char*>(&v);
        bytes.insert(bytes.end(), p, p + sizeof v);
    }
    template <class T, std::size_t N>
    void put(const std::array<T, N>& a) {
        for (const T& v : a) put(v);
    }
    std::vector<char> bytes;
};

class Reader {
  public:
    Reader(const std::vector<char>& b, const std::string& where) : b_(b), where_(where) {}
    template <class T>
    void get(T& v) {
        static_assert(std::is_arithmetic_v<T>);
        if (sizeof v > b_.size() - at_) throw_bad_input(where_, "truncated");
        std::memcpy(&v, b_.data() + at_, sizeof v);
        at_ += sizeof v;
    }
    template <class T, std::size_t N>
    void get(std::array<T, N>& a) {
        for (T& v : a) get(v);
    }
    std::size_t left() const { return b_.size() - at_; }

  private:
    const std::vector<char>& b_;
    const std::string& where_;
    std::size_t at_ = 0;
};

void put_record(Writer& w, const Record& r) {
    w.put(r.time_s), w.put(r.luma_mean), w.put(r.colourfulness), w.put(r.mc_diff);
    w.put(r.dx), w.put(r.dy), w.put(r.log_scale), w.put(r.luma_std), w.put(r.inlier);
    w.put(r.motion), w.put(r.quad), w.put(r.key);
}

void get_record(Reader& in, Record& r, bool version1) {
    in.get(r.time_s), in.get(r.luma_mean), in.get(r.colourfulness), in.get(r.mc_diff);
    in.get(r.dx), in.get(r.dy), in.get(r.log_scale), in.get(r.luma_std), in.get(r.inlier);
    in.get(r.motion), in.get(r.quad);
    if (!version1) in.get(r.key);
}

constexpr std::size_t kRecordBytesVersion1 = 8 + 6 * 4 + 3 + 12;
constexpr std::size_t kRecordBytes = kRecordBytesVersion1 + 1;
constexpr std::size_t kSegmentBytes = 8 + 8 + 8 + 4 * (kHistBins + 8 * 8 * 3);

std::uint64_t fnv1a(const char* p, std::size_t n) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (std::size_t i = 0; i < n; ++i)
        h = (h ^ static_cast<unsigned char>(p[i])) * 0x100000001b3ULL;
    return h;
}

}  // namespace

void write_montage_cache(const std::filesystem::path& file, const MontageCollector& c,
                         const SourceInfo& source) {
    static_assert(std::endian::native == std::endian::little, "the cache is little-endian");
    Writer w;
    w.bytes.reserve(64 + c.frames().size() * kRecordBytes + c.segments().size() * kSegmentBytes);
    w.bytes.insert(w.bytes.end(), kMagic, kMagic + sizeof kMagic);
    w.put(std::int64_t(source.frame_count));
    w.put(std::int64_t(c.first_frame()));
    w.put(std::int32_t(c.proxy_width()));
    w.put(std::int32_t(c.proxy_height()));
    w.put(std::int64_t(c.frames().size()));
    w.put(std::int64_t(c.segments().size()));
    for (const Record& r : c.frames()) put_record(w, r);
    for (const Segment& s : c.segments()) {
        w.put(std::int64_t(s.start)), w.put(std::int64_t(s.end)), w.put(s.luma_sum);
        w.put(s.hist), w.put(s.layout);
    }
    w.put(fnv1a(w.bytes.data(), w.bytes.size()));
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    if (!out) throw_io(file.string(), std::string("cannot create: ") + std::strerror(errno));
    out.write(w.bytes.data(), std::streamsize(w.bytes.size()));
    out.close();
    if (!out) throw_io(file.string(), "write failed (disk full?)");
}

MontageCollector read_montage_cache(const std::filesystem::path& file, const SourceInfo& source) {
    const std::string where = file.string();
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw_bad_input(where,
                        "missing: the analysis was written before rebuild existed; "
                        "run analyze again");
    const std::vector<char> bytes{std::istreambuf_iterator<char>(in),
                                  std::istreambuf_iterator<char>()};
    const bool version1 = bytes.size() >= sizeof kMagic &&
                          std::memcmp(bytes.data(), kMagicVersion1, sizeof kMagic) == 0;
    const bool version2 = bytes.size() >= sizeof kMagic &&
                          std::memcmp(bytes.data(), kMagicVersion2, sizeof kMagic) == 0;
    if (bytes.size() < sizeof kMagic + 8 ||
        (!version1 && !version2 && std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0))
        throw_bad_input(where, "not a kinoglaz montage cache (or of another version)");
    const std::size_t record_bytes = version1 ? kRecordBytesVersion1 : kRecordBytes;
    std::uint64_t sum = 0;
    std::memcpy(&sum, bytes.data() + bytes.size() - 8, 8);
    if (sum != fnv1a(bytes.data(), bytes.size() - 8))
        throw_bad_input(where, "corrupt (checksum mismatch)");
    const std::vector<char> body(bytes.begin() + sizeof kMagic, bytes.end() - 8);
    Reader r(body, where);
    std::int64_t film_frames = 0, first = 0, n_frames = 0, n_segments = 0;
    std::int32_t pw = 0, ph = 0;
    r.get(film_frames), r.get(first), r.get(pw), r.get(ph), r.get(n_frames), r.get(n_segments);
    if (film_frames != source.frame_count)
        throw_bad_input(where, "belongs to a film of " + std::to_string(film_frames) +
                                   " frames, not this analysis's " +
                                   std::to_string(source.frame_count));
    if (n_frames < 0 || n_segments < 0 ||
        std::uint64_t(n_frames) * record_bytes + std::uint64_t(n_segments) * kSegmentBytes !=
            r.left())
        throw_bad_input(where, "corrupt header");
    std::vector<Record> frames(static_cast<std::size_t>(n_frames));
    for (Record& rec : frames) get_record(r, rec, version1);
    std::vector<Segment> segments(static_cast<std::size_t>(n_segments));
    for (Segment& s : segments) {
        std::int64_t a = 0, b = 0;
        r.get(a), r.get(b), r.get(s.luma_sum), r.get(s.hist), r.get(s.layout);
        s.start = a, s.end = b;
    }
    return MontageCollector::restore(first, pw, ph, std::move(frames), std::move(segments));
}

}  // namespace kinoglaz
