// Replays the fuzz seed corpora and every kept crasher (tests/fuzz/corpus/*,
// tests/fuzz/regressions/*) through the fuzz entry points in the normal (and sanitizer)
// builds, so a fixed finding stays fixed without clang or libFuzzer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "../fuzz/fuzz_targets.hpp"

namespace kinoglaz::test {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs(const std::string& target) {
    std::vector<fs::path> files;
    for (const char* kind : {"corpus", "regressions"}) {
        const fs::path dir = fs::path(KINOGLAZ_SOURCE_DIR) / "tests/fuzz" / kind / target;
        if (!fs::is_directory(dir)) continue;
        for (const auto& e : fs::directory_iterator(dir))
            if (e.is_regular_file()) files.push_back(e.path());
    }
    return files;
}

void replay(const std::string& target,
            const std::function<void(const std::uint8_t*, std::size_t)>& entry) {
    const auto files = inputs(target);
    ASSERT_FALSE(files.empty()) << "no inputs for " << target;
    for (const auto& f : files) {
        SCOPED_TRACE(f.string());
        std::ifstream in(f, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
        // Any exception other than kinoglaz::Error escaping, a crash or a sanitizer report fails.
        EXPECT_NO_THROW(entry(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    }
}

TEST(FuzzRegressions, DecodeInputsAreHandled) {
    replay("decode", fuzz::decode_one);
}
TEST(FuzzRegressions, JsonInputsAreHandled) {
    replay("json", fuzz::json_one);
}
TEST(FuzzRegressions, TimeInputsAreHandled) {
    replay("time", fuzz::time_one);
}

}  // namespace
}  // namespace kinoglaz::test
