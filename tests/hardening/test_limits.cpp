// Resource limits: a file claiming absurd picture dimensions, at the start or mid-way, is
// refused with a clear error before anything of that size is allocated, and the memory for
// pictures does not grow with the thread count.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "hardening_util.hpp"
#include "support/ffmpeg_cli.hpp"
#include "support/media.hpp"

namespace kinoglaz::test {
namespace {

namespace fs = std::filesystem;

// A y4m header claiming W x H and one truncated frame.
std::string write_y4m(const fs::path& dir, int w, int h) {
    const std::string path =
        (dir / ("claims-" + std::to_string(w) + "x" + std::to_string(h) + ".y4m")).string();
    std::ofstream(path, std::ios::binary)
        << "YUV4MPEG2 W" << w << " H" << h << " F25:1 Ip A1:1 C420jpeg\nFRAME\n"
        << std::string(64, 'x');
    return path;
}

// Peak resident memory in KiB of the command, via GNU time; -1 when unavailable.
long peak_kib(const std::string& args, RunResult& result) {
    if (!fs::exists("/usr/bin/time")) {
        result = run_kinoglaz(args);
        return -1;
    }
    result = run("timeout -k 5 60 /usr/bin/time -q -f 'PEAK_KIB=%M' " +
                 shell_quote(kinoglaz_bin()) + " " + args);
    const auto pos = result.err.rfind("PEAK_KIB=");
    if (pos == std::string::npos) return -1;
    const long kib = std::stol(result.err.substr(pos + 9));
    result.err.resize(pos);  // keep only kinoglaz's own lines
    return kib;
}

// Rewrites every SPS of an Annex B H.264 stream (as x264 writes it: no scaling matrices,
// picture order count type 0 or 2) to declare a picture of W x H (multiples of 16), keeping
// every other field: the slices still decode, as one corner of a much larger picture.
class SpsRewriter {
  public:
    static std::string rewrite(const std::string& stream, int w, int h) {
        std::vector<std::size_t> starts;  // first byte of each NAL unit
        for (std::size_t i = 0; i + 3 <= stream.size(); ++i)
            if (stream.compare(i, 3, std::string("\0\0\1", 3)) == 0) starts.push_back(i + 3);
        std::string out;
        for (std::size_t k = 0; k < starts.size(); ++k) {
            std::size_t end = k + 1 < starts.size() ? starts[k + 1] - 3 : stream.size();
            while (k + 1 < starts.size() && end > starts[k] && stream[end - 1] == 0) --end;
            std::string nal = stream.substr(starts[k], end - starts[k]);
            if ((nal[0] & 0x1f) == 7) nal = escape(patch(unescape(nal), w / 16, h / 16));
            out += std::string("\0\0\0\1", 4) + nal;
        }
        return out;
    }

  private:
    struct Reader {
        const std::string& b;
        std::size_t p = 0;
        unsigned u(int n) {
            unsigned v = 0;
            for (int i = 0; i < n; ++i, ++p)
                v = v << 1 | ((std::uint8_t(b[p >> 3]) >> (7 - (p & 7))) & 1);
            return v;
        }
        unsigned ue() {
            int zeros = 0;
            while (u(1) == 0) ++zeros;
            return (1u << zeros) - 1 + u(zeros);
        }
    };
    struct Writer {
        std::vector<int> bits;
        void u(int n, unsigned v) {
            for (int i = n - 1; i >= 0; --i) bits.push_back(int(v >> i) & 1);
        }
        void ue(unsigned v) {
            ++v;
            int n = 0;
            while ((v >> n) > 1) ++n;
            u(n, 0);
            u(n + 1, v);
        }
    };
    static std::string unescape(const std::string& b) {
        std::string o;
        int zeros = 0;
        for (char c : b) {
            if (zeros >= 2 && c == 3) {
                zeros = 0;
                continue;
            }
            o += c;
            zeros = c == 0 ? zeros + 1 : 0;
        }
        return o;
    }
    static std::string escape(const std::string& b) {
        std::string o;
        int zeros = 0;
        for (char c : b) {
            if (zeros >= 2 && std::uint8_t(c) <= 3) {
                o += char(3);
                zeros = 0;
            }
            o += c;
            zeros = c == 0 ? zeros + 1 : 0;
        }
        return o;
    }
    static std::string patch(const std::string& rbsp, unsigned w_mbs, unsigned h_mbs) {
        Reader r{rbsp};
        Writer w;
        auto copy = [&](int n) { w.u(n, r.u(n)); };
        auto copy_ue = [&] { w.ue(r.ue()); };
        copy(8);  // NAL header
        const unsigned profile = r.u(8);
        w.u(8, profile);
        copy(16);   // constraint flags, level
        copy_ue();  // seq_parameter_set_id
        if (profile == 100 || profile == 110 || profile == 122 || profile == 244) {
            const unsigned chroma = r.ue();
            w.ue(chroma);
            if (chroma == 3) copy(1);
            copy_ue();  // bit depths
            copy_ue();
            copy(1);
            EXPECT_EQ(r.u(1), 0u) << "scaling matrices are not handled";
            w.u(1, 0);
        }
        copy_ue();  // log2_max_frame_num
        const unsigned poc = r.ue();
        w.ue(poc);
        EXPECT_NE(poc, 1u) << "picture order count type 1 is not handled";
        if (poc == 0) copy_ue();
        copy_ue();  // max_num_ref_frames
        copy(1);
        r.ue();
        r.ue();
        w.ue(w_mbs - 1);
        w.ue(h_mbs - 1);
        std::size_t last = rbsp.size() * 8 - 1;  // the RBSP stop bit
        while (((std::uint8_t(rbsp[last >> 3]) >> (7 - (last & 7))) & 1) == 0) --last;
        while (r.p < last) copy(1);
        w.u(1, 1);
        while (w.bits.size() % 8) w.bits.push_back(0);
        std::string out(w.bits.size() / 8, '\0');
        for (std::size_t i = 0; i < w.bits.size(); ++i)
            out[i / 8] = char(out[i / 8] | w.bits[i] << (7 - i % 8));
        return out;
    }
};

// A tiny raw H.264 stream of `seconds` at 16x16 (10 fps), and the same with its SPS claiming
// W x H.
std::string small_h264(const fs::path& dir, double seconds) {
    const std::string path = (dir / "small.h264").string();
    EXPECT_TRUE(ffmpeg("-f lavfi -i testsrc2=s=16x16:r=10:d=" + std::to_string(seconds) +
                       " -c:v libx264 -preset ultrafast -threads 1 " + shell_quote(path)));
    return path;
}
std::string claiming(const fs::path& dir, const std::string& small, int w, int h) {
    const std::string path =
        (dir / ("claims-" + std::to_string(w) + "x" + std::to_string(h) + ".h264")).string();
    std::ofstream(path, std::ios::binary) << SpsRewriter::rewrite(slurp_file(small), w, h);
    return path;
}

// Wall-clock seconds of a call.
template <typename F>
double seconds_of(F f) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST(Limits, HugeH264PictureIsRefusedBeforeAllocating) {
    if (!fs::exists("/usr/bin/time")) GTEST_SKIP() << "GNU time (/usr/bin/time) not installed";
    auto dir = temp_dir("limits-sps");
    const std::string huge = claiming(dir, small_h264(dir, 1), 16000, 16000);
    ASSERT_LT(fs::file_size(huge), 8192u);  // a few KB claiming 16000 x 16000
    for (const char* cmd : {"cuts --json ", "probe ", "cuts --threads 8 "}) {
        RunResult r;
        long kib = 0;
        const double s = seconds_of([&] { kib = peak_kib(cmd + shell_quote(huge), r); });
        expect_one_line_refusal(r, "claims-16000x16000.h264");
        EXPECT_NE(r.err.find("16000x16000"), std::string::npos) << r.err;
        // One 16000 x 16000 picture needs 384 MB; FFmpeg's probing once took 2.3 GB and 18 s.
        EXPECT_GT(kib, 0);
        EXPECT_LT(kib, 320 * 1024) << cmd << "peak " << kib << " KiB";
        EXPECT_LT(s, 5.0) << cmd;
    }
    if (!HasFailure()) fs::remove_all(dir);
}

TEST(Limits, PictureGrowingMidStreamIsRefused) {
    if (!fs::exists("/usr/bin/time")) GTEST_SKIP() << "GNU time (/usr/bin/time) not installed";
    auto dir = temp_dir("limits-switch");
    const std::string small = small_h264(dir, 1);
    // One second at 16x16, then a new SPS: 16000 x 16000 (over kinoglaz's 8192 x 8192) and
    // 6000 x 6000 (under it, but more than the memory budget allows for the pictures in
    // flight). Both were once decoded, taking up to 6 GB with 8 threads.
    for (auto [w, h] : {std::pair{16000, 16000}, std::pair{6000, 6000}}) {
        const std::string spliced = (dir / ("grows-to-" + std::to_string(w) + ".h264")).string();
        std::ofstream(spliced, std::ios::binary)
            << slurp_file(small) << slurp_file(claiming(dir, small, w, h));
        for (int threads : {1, 8}) {
            RunResult r;
            const long kib = peak_kib(
                "cuts --threads " + std::to_string(threads) + " " + shell_quote(spliced), r);
            expect_one_line_refusal(r, fs::path(spliced).filename().string());
            EXPECT_NE(r.err.find("mid-stream"), std::string::npos) << r.err;
            EXPECT_GT(kib, 0);
            EXPECT_LT(kib, 320 * 1024) << w << "x" << h << " with " << threads << " threads";
        }
    }
    // Growing within the budget (16x16 to 1920x1088) is a film changing its size: accepted.
    const std::string ok = (dir / "grows-to-hd.h264").string();
    std::ofstream(ok, std::ios::binary)
        << slurp_file(small) << slurp_file(claiming(dir, small, 1920, 1088));
    auto r = run_kinoglaz("cuts --threads 8 " + shell_quote(ok));
    EXPECT_EQ(r.status, 0) << r.err;
    if (!HasFailure()) fs::remove_all(dir);
}

TEST(Limits, PictureMemoryDoesNotGrowWithThreads) {
    if (!fs::exists("/usr/bin/time")) GTEST_SKIP() << "GNU time (/usr/bin/time) not installed";
    auto dir = temp_dir("limits-threads");
    // Ten pictures of 7680 x 7680 (88 MB each), within the size limit.
    const std::string big = claiming(dir, small_h264(dir, 1), 7680, 7680);
    std::map<int, long> peak;
    for (int threads : {8, 64}) {
        RunResult r;
        peak[threads] =
            peak_kib("cuts --threads " + std::to_string(threads) + " " + shell_quote(big), r);
        ASSERT_EQ(r.status, 0) << r.err;
        ASSERT_GT(peak[threads], 0);
    }
    // The budget for pictures is 2 GiB, whatever the thread count (64 threads once took more
    // than 8 in proportion to the pictures they held).
    EXPECT_LT(peak[64], 2560L * 1024) << "peak " << peak[64] << " KiB";
    EXPECT_LT(peak[64], peak[8] + peak[8] / 8 + 64 * 1024)
        << "8 threads: " << peak[8] << " KiB, 64 threads: " << peak[64] << " KiB";
    if (!HasFailure()) fs::remove_all(dir);
}

TEST(Limits, AbsurdDimensionsAreRefusedBeforeAllocating) {
    auto dir = temp_dir("limits");
    for (auto [w, h] :
         {std::pair{10000, 10000}, std::pair{60000, 2000}, std::pair{100000, 100000}}) {
        const std::string path = write_y4m(dir, w, h);
        RunResult r;
        const long kib = peak_kib("cuts --json " + shell_quote(path), r);
        expect_one_line_refusal(r, fs::path(path).filename().string());
        // One such picture would need >= 100 MB as 8-bit 4:2:0; the refusal needs none of it.
        if (kib > 0) {
            EXPECT_LT(kib, 400 * 1024) << "peak " << kib << " KiB";
        }
    }
    // Within FFmpeg's own limits but over kinoglaz's (8192 x 8192): the reason names the size.
    RunResult r;
    peak_kib("probe " + shell_quote(write_y4m(dir, 10000, 10000)), r);
    EXPECT_NE(r.err.find("10000x10000"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("exceeds"), std::string::npos) << r.err;
    fs::remove_all(dir);
}

}  // namespace
}  // namespace kinoglaz::test
