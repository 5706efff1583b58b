#pragma once
/// Writing the files of an analysis folder (into an OutputFolder's staging folder, which
/// output_folder.hpp moves into place).

#include <filesystem>
#include <map>
#include <vector>

#include <opencv2/core.hpp>

#include <kinoglaz/montage.hpp>
#include "kinoglaz/export/export.hpp"

namespace kinoglaz {

/// The keyframes of an analysis folder: pictures for write_analysis_folder() to write, and
/// those its caller wrote into the folder already (one at a time, so that memory stays flat
/// for long films).
struct FolderKeyframes {
    FolderKeyframes(std::map<int, cv::Mat> pictures = {}, std::vector<int> written = {})
        : pictures(std::move(pictures)), written(std::move(written)) {}
    std::map<int, cv::Mat> pictures;  ///< shot index -> 8-bit BGR image
    std::vector<int> written;  ///< shot indices whose keyframes/shot-NNN.jpg is in the folder
};

/// Writes every file of the analysis folder into `dir` (normally OutputFolder::path()):
/// analysis.json, shots.csv, shotgraph.dot, shotgraph.graphml, setupgraph.dot, timeline.otio,
/// cuts.edl, annotations.eaf, timeline.fcpxml, chapters.vtt, beats.vtt (only with beats),
/// keyframes/shot-NNN.jpg (from `keyframes.pictures`; shots without one get no file: the report
/// shows those of the pictures and of `keyframes.written`) and report.html (the set-up graph
/// rendered by Graphviz when `dot` is installed). Reveal clips named by events are expected to be
/// in `dir` already; the report links only those present. Nothing is written outside `dir`.
/// `exports` reaches every writer; an empty `media_base` means `dir` (the film is referred to
/// relative to the folder unless `absolute_paths`). Throws Error(io) naming the file that could not
/// be written.
void write_analysis_folder(const Analysis& analysis, const std::filesystem::path& dir,
                           const FolderKeyframes& keyframes, ExportOptions exports = {});

}  // namespace kinoglaz
