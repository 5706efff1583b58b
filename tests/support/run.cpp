#include "support/run.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/media.hpp"

namespace kinoglaz::test {

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

RunResult run(const std::string& command_line) {
    static int counter = 0;
    auto dir = std::filesystem::temp_directory_path();
    auto base = "kinoglaz-run-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    auto out_path = dir / (base + ".out"), err_path = dir / (base + ".err");
    std::string full =
        command_line + " >" + shell_quote(out_path) + " 2>" + shell_quote(err_path) + " </dev/null";
    int raw = std::system(full.c_str());
    RunResult r;
    r.status = raw == -1 ? -1 : (WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw));
    auto slurp = [](const std::filesystem::path& p) {
        std::ifstream in(p, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    };
    r.out = slurp(out_path);
    r.err = slurp(err_path);
    std::filesystem::remove(out_path);
    std::filesystem::remove(err_path);
    return r;
}

std::string kinoglaz_bin() {
    if (const char* env = std::getenv("KINOGLAZ_BIN"); env && *env) return env;
    return std::string(KINOGLAZ_BINARY_DIR) + "/bin/kinoglaz";
}

bool have_program(const std::string& name) {
    return run("command -v " + shell_quote(name)).status == 0;
}

std::string on_a_terminal(const std::string& command_line) {
    const auto r = run("script -qfec " + shell_quote(command_line) + " /dev/null");
    std::string out = r.out;
    std::replace(out.begin(), out.end(), '\r', '\n');
    return out;
}

bool stage_finished(const std::string& screen, const std::string& label) {
    std::istringstream lines(screen);
    std::string line;
    while (std::getline(lines, line))
        if (line.rfind(label, 0) == 0 && line.find("100%") != std::string::npos &&
            line.find("done in") != std::string::npos)
            return true;
    return false;
}

}  // namespace kinoglaz::test
