#pragma once
// Where test footage lives, and helpers to skip cleanly when it is absent.

#include <filesystem>
#include <string>

namespace kinoglaz::test {

/// $KINOGLAZ_MEDIA, or ../shared/media relative to the source tree. Empty if absent.
std::filesystem::path media_dir();

/// A file under media_dir(), or an empty path if the media folder or file is missing.
std::filesystem::path media_file(const std::string& relative);

/// A fresh temporary directory for one test, removed by the caller (or left for debugging).
std::filesystem::path temp_dir(const std::string& name);

}  // namespace kinoglaz::test

/// Skips the current test with a clear message when a media file is absent.
#define KINOGLAZ_REQUIRE_MEDIA(path_var, relative)          \
    auto path_var = ::kinoglaz::test::media_file(relative); \
    if (path_var.empty())                                   \
    GTEST_SKIP() << "test footage " << (relative)           \
                 << " not found (set KINOGLAZ_MEDIA to the shared/media folder)"
