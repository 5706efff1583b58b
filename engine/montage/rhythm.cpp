#include <algorithm>
#include <cmath>
#include <vector>

#include <kinoglaz/core.hpp>
#include "kinoglaz/montage/montage_analysis.hpp"

namespace kinoglaz {

Rhythm compute_rhythm(const std::vector<Shot>& shots, double duration_s, double window_s,
                      int half_window) {
    if (!(window_s > 0)) throw_bad_usage("montage", "rhythm window must be > 0 seconds");
    if (half_window < 0) throw_bad_usage("montage", "cutting-curve half window must be >= 0");
    Rhythm r;
    r.window_s = window_s;
    r.shot_count = int(shots.size());
    if (shots.empty()) return r;

    std::vector<double> len;
    len.reserve(shots.size());
    for (const auto& s : shots) len.push_back(std::max(0.0, s.length_s()));
    const double n = double(len.size());
    double sum = 0;
    for (double l : len) sum += l;
    r.asl_s = sum / n;
    std::vector<double> sorted = len;
    std::sort(sorted.begin(), sorted.end());
    const std::size_t mid = sorted.size() / 2;
    r.msl_s = sorted.size() % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    double ss = 0;
    for (double l : len) ss += (l - r.asl_s) * (l - r.asl_s);
    r.std_s = len.size() > 1 ? std::sqrt(ss / (n - 1)) : 0;
    r.cv = r.asl_s > 0 ? r.std_s / r.asl_s : 0;

    // Maximum-likelihood lognormal: μ and σ of ln(length), σ with 1/n. Zero-length shots
    // (possible only with degenerate input) have no logarithm and are left out.
    double lsum = 0, lss = 0;
    int ln_count = 0;
    for (double l : len)
        if (l > 0) lsum += std::log(l), ++ln_count;
    if (ln_count > 0) {
        r.lognormal_mu = lsum / ln_count;
        for (double l : len)
            if (l > 0) lss += (std::log(l) - r.lognormal_mu) * (std::log(l) - r.lognormal_mu);
        r.lognormal_sigma = std::sqrt(lss / ln_count);
    }

    // Cuts per minute: every shot start but the first is a cut (whatever the transition).
    const double origin = shots.front().start_time_s;
    const double end = std::max(duration_s, shots.back().end_time_s);
    const int bins = std::max(1, int(std::ceil((end - origin) / window_s - 1e-9)));
    std::vector<int> counts(std::size_t(bins), 0);
    for (std::size_t i = 1; i < shots.size(); ++i) {
        int b = int((shots[i].start_time_s - origin) / window_s);
        counts[std::size_t(std::clamp(b, 0, bins - 1))]++;
    }
    for (int b = 0; b < bins; ++b) {
        double width = std::min(window_s, end - (origin + b * window_s));
        r.cuts_per_minute.push_back(width > 0 ? counts[std::size_t(b)] * 60.0 / width : 0);
    }

    // Cutting curve: centred moving average of shot lengths, truncated at the ends.
    std::vector<double> prefix(len.size() + 1, 0);
    for (std::size_t i = 0; i < len.size(); ++i) prefix[i + 1] = prefix[i] + len[i];
    for (std::size_t i = 0; i < len.size(); ++i) {
        std::size_t a = i >= std::size_t(half_window) ? i - std::size_t(half_window) : 0;
        std::size_t b = std::min(len.size(), i + std::size_t(half_window) + 1);
        r.cutting_curve.push_back((prefix[b] - prefix[a]) / double(b - a));
    }
    return r;
}

}  // namespace kinoglaz
