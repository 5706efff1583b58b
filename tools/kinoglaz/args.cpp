#include "args.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <kinoglaz/core.hpp>

namespace kinoglaz::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& flags,
           const std::set<std::string>& options) {
    for (const auto& a : argv)
        if (a == "--help" || a == "-h" || a == "--list-options") {
            HelpRequest help{a == "--list-options", {}};
            help.accepted.assign(flags.begin(), flags.end());
            help.accepted.insert(help.accepted.end(), options.begin(), options.end());
            std::sort(help.accepted.begin(), help.accepted.end());
            throw help;
        }
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a.size() > 1 && a[0] == '-' &&
            !(a.size() > 1 && std::isdigit(static_cast<unsigned char>(a[1])))) {
            std::string name = a, value;
            bool has_value = false;
            if (auto eq = a.find('='); eq != std::string::npos) {
                name = a.substr(0, eq);
                value = a.substr(eq + 1);
                has_value = true;
            }
            if (flags.count(name)) {
                if (has_value) throw_bad_usage("usage", name + " takes no value");
                flags_.insert(name);
            } else if (options.count(name)) {
                if (!has_value) {
                    if (i + 1 >= argv.size()) throw_bad_usage("usage", name + " needs a value");
                    value = argv[++i];
                }
                values_[name] = value;
            } else {
                throw_bad_usage("usage", "unknown option " + name);
            }
        } else {
            positional_.push_back(a);
        }
    }
}

std::optional<std::string> Args::value(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

std::optional<int> Args::integer(const std::string& name, int lo, int hi) const {
    auto v = value(name);
    if (!v) return std::nullopt;
    int out = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
    if (ec != std::errc() || p != v->data() + v->size() || out < lo || out > hi)
        throw_bad_usage("usage", name + " must be a whole number from " + std::to_string(lo) +
                                     " to " + std::to_string(hi));
    return out;
}

std::optional<double> Args::number(const std::string& name, double lo, double hi) const {
    auto v = value(name);
    if (!v) return std::nullopt;
    double out = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
    if (ec != std::errc() || p != v->data() + v->size() || !std::isfinite(out) || out < lo ||
        out > hi)
        throw_bad_usage("usage", name + " must be a number from " + std::to_string(lo) + " to " +
                                     std::to_string(hi));
    return out;
}

std::optional<TimeSpec> Args::time(const std::string& name) const {
    auto v = value(name);
    if (!v) return std::nullopt;
    auto t = parse_time_spec(*v);
    if (!t)
        throw_bad_usage("usage", name +
                                     " must be seconds, HH:MM:SS.mmm, SMPTE HH:MM:SS:FF (;FF "
                                     "drop-frame) or a frame number like 123f, got '" +
                                     *v + "'");
    return t;
}

}  // namespace kinoglaz::cli
