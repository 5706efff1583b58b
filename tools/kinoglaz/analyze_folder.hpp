#pragma once
// The body of `kinoglaz analyze`, reusable by other commands (batch): one film into one
// atomic analysis folder.

#include <filesystem>
#include <string>

#include "kinoglaz/analysis.hpp"
#include "kinoglaz/export.hpp"
#include "kinoglaz/sound.hpp"
#include "kinoglaz/transition_pass.hpp"

namespace kinoglaz::cli {

/// What analyze_to_folder does besides the pass itself.
struct AnalyzeOptions {
    PassOptions pass;       ///< decoding and detection options (extra_features are added)
    bool reveal = true;     ///< render the best event clips into reveals/
    int segments = 1;       ///< parallel time segments of the pass (0 = automatic), same result
    bool force = false;     ///< write into a folder with the user's files (replacing only ours)
    ExportOptions exports;  ///< timeline rate and media references of the written files
    SoundOptions sound;     ///< the soundtrack's beats and onsets (--audio-stream, --no-audio)
};

/// What analyze_to_folder produced.
struct AnalyzeResult {
    Analysis analysis;
    std::filesystem::path outdir;  ///< the committed folder, absolute
};

/// Analyses INPUT into OUTDIR (the contract's analysis folder) under the output-folder rule
/// (output_folder.hpp): OUTDIR is refused before any work when it holds the user's files and
/// `force` is not set; analysis.json appears last, when everything else is in place. Throws Error
/// as the analyze command does.
AnalyzeResult analyze_to_folder(const std::string& input, const std::filesystem::path& outdir,
                                const AnalyzeOptions& options);

}  // namespace kinoglaz::cli
