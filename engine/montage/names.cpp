#include <array>

#include "kinoglaz/montage/montage.hpp"

namespace kinoglaz {

std::string_view to_string(ShotScale scale) noexcept {
    static constexpr std::array<std::string_view, 8> names{
        "extreme_close_up", "close_up", "medium_close_up", "medium",
        "medium_long",      "long",     "extreme_long",    "unknown"};
    return names[std::size_t(scale)];
}

std::string_view to_string(CameraMovement movement) noexcept {
    static constexpr std::array<std::string_view, 6> names{"static", "pan",    "tilt",
                                                           "zoom",   "moving", "handheld"};
    return names[std::size_t(movement)];
}

}  // namespace kinoglaz

namespace kinoglaz {

std::optional<ShotScale> shot_scale_from_string(std::string_view name) noexcept {
    for (int i = 0; i <= int(ShotScale::unknown); ++i)
        if (to_string(ShotScale(i)) == name) return ShotScale(i);
    return std::nullopt;
}

std::optional<CameraMovement> camera_movement_from_string(std::string_view name) noexcept {
    for (int i = 0; i <= int(CameraMovement::handheld); ++i)
        if (to_string(CameraMovement(i)) == name) return CameraMovement(i);
    return std::nullopt;
}

}  // namespace kinoglaz
