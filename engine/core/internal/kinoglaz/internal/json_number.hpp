#pragma once
// Numbers read from untrusted JSON (analysis.json, truth files). nlohmann's get<int>() and
// get<float>() are plain casts: a float outside the target's range (1e77 as a frame index) is
// undefined behaviour, found by fuzzing. These getters accept only values the target type can
// hold and throw BadJsonNumber otherwise; the parsers turn that into Error(bad_input).

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <type_traits>

namespace kinoglaz::detail {

struct BadJsonNumber : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// `v` as T, checked: integers must be whole and in range, floating-point values finite and in
/// range. Other types go through get<T>() (which throws nlohmann's type_error on a mismatch).
template <class T, class Json>
T json_number(const Json& v) {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        if (v.is_number_unsigned()) {
            const auto u = v.template get<std::uint64_t>();
            if (u > std::uint64_t(std::numeric_limits<T>::max()))
                throw BadJsonNumber("integer out of range");
            return T(u);
        }
        if (v.is_number_integer()) {
            const auto i = v.template get<std::int64_t>();
            if (i < std::int64_t(std::numeric_limits<T>::min()) ||
                (i > 0 && std::uint64_t(i) > std::uint64_t(std::numeric_limits<T>::max())))
                throw BadJsonNumber("integer out of range");
            return T(i);
        }
        if (v.is_number_float()) {
            const double d = v.template get<double>();
            // 2^63 is exactly representable; [min, 2^63) is then safe to convert to int64.
            if (!std::isfinite(d) || d != std::floor(d) ||
                d < double(std::numeric_limits<T>::min()) ||
                d >= std::ldexp(1.0, std::numeric_limits<T>::digits))
                throw BadJsonNumber("not a whole number in range");
            return T(d);
        }
        return v.template get<T>();
    } else if constexpr (std::is_floating_point_v<T>) {
        const double d = v.template get<double>();
        if (!std::isfinite(d) || std::fabs(d) > double(std::numeric_limits<T>::max()))
            throw BadJsonNumber("number out of range");
        return T(d);
    } else {
        return v.template get<T>();
    }
}

}  // namespace kinoglaz::detail
