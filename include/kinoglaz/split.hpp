#pragma once
/// Cutting a film into one file per shot (`kinoglaz split`).

#include <filesystem>
#include <string>
#include <vector>

#include "kinoglaz/montage.hpp"
#include "kinoglaz/source.hpp"

namespace kinoglaz {

struct SplitOptions {
    /// Stream copy (no re-encoding): each file starts at the keyframe at or before its shot,
    /// so it may begin a little early. Otherwise frame-exact H.264 re-encoding.
    bool copy = false;
    int threads = 0;             ///< decoder threads for re-encoding; 0 = all cores
    bool allow_network = false;  ///< permit non-file inputs
};

/// Writes `dir/shot-NNN.mp4` for every shot (NNN = the shot's index, 3 digits or more),
/// each first as a temporary file renamed when complete. Returns the paths written.
/// Throws Error(bad_input) for the input and Error(io) when a file cannot be written.
std::vector<std::filesystem::path> split_shots(const std::string& input, const SourceInfo& source,
                                               const std::vector<Shot>& shots,
                                               const std::filesystem::path& dir,
                                               const SplitOptions& options);

}  // namespace kinoglaz
