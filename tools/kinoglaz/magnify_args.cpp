#include "magnify_args.hpp"

#include <charconv>
#include <cmath>

#include <kinoglaz/core.hpp>

namespace kinoglaz::cli {

std::optional<std::vector<double>> numbers(const std::string& text, char sep, std::size_t count) {
    std::vector<double> out;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        auto end = text.find(sep, pos);
        if (end == std::string::npos) end = text.size();
        double v = 0;
        auto [p, ec] = std::from_chars(text.data() + pos, text.data() + end, v);
        if (ec != std::errc() || p != text.data() + end || !std::isfinite(v)) return std::nullopt;
        out.push_back(v);
        pos = end + 1;
    }
    if (out.size() != count) return std::nullopt;
    return out;
}

std::optional<std::pair<double, double>> band_option(const Args& args, const char* command) {
    auto band = args.value("--band");
    if (!band) return std::nullopt;
    auto v = numbers(*band, ':', 2);
    if (!v || (*v)[0] <= 0 || (*v)[1] <= (*v)[0])
        throw_bad_usage(command,
                        "--band must be LO:HI in Hz with 0 < LO < HI, got '" + *band + "'");
    return std::make_pair((*v)[0], (*v)[1]);
}

std::optional<MagnifyMethod> method_option(const Args& args, const char* command) {
    auto name = args.value("--method");
    if (!name) return std::nullopt;
    auto method = magnify_method_from_string(*name);
    if (!method)
        throw_bad_usage(command, "--method must be eulerian or phase, got '" + *name + "'");
    return method;
}

}  // namespace kinoglaz::cli
