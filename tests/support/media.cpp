#include "support/media.hpp"

#include <unistd.h>
#include <cstdlib>

namespace kinoglaz::test {

std::filesystem::path media_dir() {
    std::filesystem::path dir;
    if (const char* env = std::getenv("KINOGLAZ_MEDIA"); env && *env)
        dir = env;
    else
        dir = std::filesystem::path(KINOGLAZ_SOURCE_DIR) / ".." / "shared" / "media";
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return {};
    return std::filesystem::weakly_canonical(dir, ec);
}

std::filesystem::path media_file(const std::string& relative) {
    auto dir = media_dir();
    if (dir.empty()) return {};
    auto p = dir / relative;
    std::error_code ec;
    return std::filesystem::exists(p, ec) ? p : std::filesystem::path{};
}

std::filesystem::path temp_dir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() /
               ("kinoglaz-test-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace kinoglaz::test
