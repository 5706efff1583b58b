#include <array>

#include "kinoglaz/analysis/transition.hpp"

namespace kinoglaz {

namespace {
constexpr std::array<std::string_view, 5> kNames{"cut", "dissolve", "fade_in", "fade_out", "wipe"};
}

std::string_view to_string(TransitionType type) noexcept {
    return kNames[std::size_t(type)];
}

std::optional<TransitionType> transition_type_from_string(std::string_view name) noexcept {
    for (std::size_t i = 0; i < kNames.size(); ++i)
        if (kNames[i] == name) return TransitionType(i);
    return std::nullopt;
}

}  // namespace kinoglaz
