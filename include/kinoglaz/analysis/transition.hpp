#pragma once
/// Transitions between shots, as in the contract.

#include <optional>
#include <string_view>

#include <kinoglaz/core.hpp>

namespace kinoglaz {

/// The value names are the JSON strings of the contract.
enum class TransitionType { cut, dissolve, fade_in, fade_out, wipe };

std::string_view to_string(TransitionType type) noexcept;
std::optional<TransitionType> transition_type_from_string(std::string_view name) noexcept;

/// One transition. A cut is the empty range at the first frame of the incoming shot; a
/// gradual transition spans [first mixed frame, first clean frame of the incoming shot).
struct Transition {
    TransitionType type = TransitionType::cut;
    FrameRange frames;
    double start_time_s = 0;
    double end_time_s = 0;
    float confidence = 1;  ///< 0..1
    /// Added or changed by a person (`kinoglaz rebuild`, the report page), not detected:
    /// analysis.json says `"source": "user"`, and `analyze --keep-edits` keeps it.
    bool by_user = false;
    bool gradual() const noexcept { return type != TransitionType::cut; }
};

}  // namespace kinoglaz
