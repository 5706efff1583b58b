#pragma once
// The false-alarm threshold of the micro-gesture tests (event_finder.cpp, gesture_check.cpp).

#include <cmath>

namespace kinoglaz::detail {

// The threshold T that a sum of `n` independent exponential terms with P(term > x) = 2^-x
// (the squared ratio of a Rayleigh variable to its median) exceeds with probability `p`:
// P(sum > T) is the Poisson probability of fewer than n events at rate T ln 2.
inline double gamma_threshold(int n, double p) {
    const auto tail = [n](double lambda) {
        double term = std::exp(-lambda), sum = 0;
        for (int i = 0; i < n; ++i) {
            sum += term;
            term *= lambda / (i + 1);
        }
        return sum;
    };
    double lo = 0, hi = 200;
    for (int k = 0; k < 60; ++k) {
        const double mid = 0.5 * (lo + hi);
        (tail(mid) > p ? lo : hi) = mid;
    }
    return hi / std::log(2.0);
}

}  // namespace kinoglaz::detail
