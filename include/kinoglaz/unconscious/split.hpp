#pragma once
/// Cutting a film into one file per shot (`kinoglaz split`).

#include <filesystem>
#include <string>
#include <vector>

#include <kinoglaz/decode.hpp>

namespace kinoglaz {

// The montage's shot (montage.hpp), declared ahead: split is the optical unconscious's and
// the montage's model holds the unconscious's events, so the headers must not include each
// other.
struct Shot;

struct SplitOptions {
    /// Stream copy (no re-encoding) of the picture and of the first audio stream: each file
    /// starts at the keyframe at or before its shot and ends at the keyframe at or after it,
    /// the sound cut on its packets around the same span. Otherwise frame-exact H.264
    /// re-encoding in the source's coded size and pixel aspect (SAR kept, not resampled),
    /// with the first audio stream encoded as AAC for exactly the shot's time range.
    bool copy = false;
    int threads = 0;             ///< decoder threads for re-encoding; 0 = all cores
    bool allow_network = false;  ///< permit non-file inputs
    /// Each file's name, without its `.mp4`. Variables: `$SHOT` (the shot's index, zero-padded
    /// to 3 digits or to the width of the largest index), `$SCENE` (the shot's scene index,
    /// likewise padded), `$START` (the shot's start time as `HH-MM-SS.mmm`, dashes so that
    /// the name is valid on every filesystem), `$NAME` (the input's file name without its
    /// extension). `$$` is a literal `$`. See shot_file_names() for what is refused.
    std::string name_template = "shot-$SHOT";
};

/// Throws Error(bad_usage) naming the problem when `name_template` is empty, holds a path
/// separator (`/` or `\`) or an unknown `$` variable. Cheap: call it before the analysis.
void check_name_template(const std::string& name_template);

/// The file name (with `.mp4`) of every shot, in order. Throws Error(bad_usage) if the
/// template is bad (see check_name_template) or a name comes out empty, `.`/`..`, starting
/// with a dot (reserved for the temporary files), longer than 250 bytes, holding a path
/// separator, or the same as another shot's.
std::vector<std::string> shot_file_names(const std::string& name_template, const std::string& input,
                                         const std::vector<Shot>& shots);

/// Writes one file per shot into `dir` (created if needed), named by
/// `options.name_template`, each first as a hidden temporary file renamed when complete.
/// Returns the paths written. `dir` is meant to be an OutputFolder's path() (output_folder.hpp),
/// which decides whose files a folder holds and moves the finished files into place; split
/// itself only refuses to write over its input (compared by filesystem identity, so hard and
/// symbolic links count), before anything is written.
///
/// Throws Error(bad_usage) for a bad template or a name that is the input, Error(bad_input)
/// for the input, and Error(io) when a file cannot be written.
std::vector<std::filesystem::path> split_shots(const std::string& input, const SourceInfo& source,
                                               const std::vector<Shot>& shots,
                                               const std::filesystem::path& dir,
                                               const SplitOptions& options);

}  // namespace kinoglaz
