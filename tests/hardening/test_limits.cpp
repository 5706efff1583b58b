// Resource limits: a file claiming absurd picture dimensions is refused with a clear error
// before anything of that size is allocated.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

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
