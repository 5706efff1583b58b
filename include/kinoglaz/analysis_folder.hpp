#pragma once
/// Writing an analysis folder atomically: everything goes into a sibling temporary folder that
/// is renamed into place only when complete, so a reader never sees a half-written OUTDIR.

#include <filesystem>
#include <map>

#include <opencv2/core.hpp>

#include "kinoglaz/analysis.hpp"
#include "kinoglaz/export.hpp"

namespace kinoglaz {

/// A temporary folder `OUTDIR.partial-<pid>` beside OUTDIR that becomes OUTDIR on commit().
///
/// The constructor creates the parent of OUTDIR if needed and a fresh temporary folder (an
/// earlier leftover with the same name is removed). commit() renames it to OUTDIR; an earlier
/// complete OUTDIR is replaced only at the very end (renamed away, the new one renamed in, the
/// old one deleted), so at every moment OUTDIR is either the old or the new complete folder.
/// The destructor removes the temporary folder when commit() was not called (an error or a
/// cancellation unwound past it). Not thread-safe; one object per output folder.
class AnalysisFolder {
  public:
    /// Throws Error(io) naming the folder when the temporary folder cannot be created, and
    /// Error(bad_usage) when `outdir` names an existing file that is not a folder.
    explicit AnalysisFolder(std::filesystem::path outdir);
    ~AnalysisFolder();
    AnalysisFolder(const AnalysisFolder&) = delete;
    AnalysisFolder& operator=(const AnalysisFolder&) = delete;

    /// The temporary folder to write into (absolute).
    const std::filesystem::path& path() const noexcept { return temp_; }
    /// The final folder (absolute).
    const std::filesystem::path& outdir() const noexcept { return outdir_; }
    /// Moves the temporary folder into place. Throws Error(io) on failure (the temporary folder
    /// is then still removed by the destructor, and an earlier OUTDIR is restored).
    void commit();
    bool committed() const noexcept { return committed_; }

  private:
    std::filesystem::path outdir_;
    std::filesystem::path temp_;
    bool committed_ = false;
};

/// Writes every file of the analysis folder into `dir` (normally AnalysisFolder::path()):
/// analysis.json, shots.csv, shotgraph.dot, shotgraph.graphml, timeline.otio, cuts.edl,
/// annotations.eaf, timeline.fcpxml, chapters.vtt, keyframes/shot-NNN.jpg (from
/// `keyframes_bgr`, shot index -> 8-bit BGR image; shots without one get no file) and
/// report.html (the shot graph rendered by Graphviz when `dot` is installed). Reveal clips named
/// by events are expected to be in `dir` already; the report links only those present. Nothing
/// is written outside `dir`. `exports` reaches every writer; an empty `media_base` means `dir`
/// (the film is referred to relative to the folder unless `absolute_paths`). Throws Error(io)
/// naming the file that could not be written.
void write_analysis_folder(const Analysis& analysis, const std::filesystem::path& dir,
                           const std::map<int, cv::Mat>& keyframes_bgr, ExportOptions exports = {});

}  // namespace kinoglaz
