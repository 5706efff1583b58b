#pragma once
/// `kinoglaz rebuild`: an analysis folder made again from a person's corrections, without
/// analysing the film again.
///
/// The edited file (shots.csv, cuts.edl, timeline.otio, timeline.fcpxml, annotations.eaf or
/// analysis.json, recognised by content) is read and compared with the folder's own analysis
/// (edits.hpp). The film's facts stay as they were (source, frame clock, soundtrack, events);
/// the corrected transitions cut the film into shots again from the folder's montage.cache
/// (montage_cache.hpp), and set-ups, scenes, graph, patterns, rhythm and the cuts' sound offsets
/// follow. Only keyframes of shots whose keyframe moved are decoded (from the film, which must
/// then be found); every other keyframe image and reveal clip is reused. The result is written
/// as a complete analysis folder under the output-folder rule (output_folder.hpp).

#include <filesystem>
#include <string>

#include <kinoglaz/export.hpp>
#include <kinoglaz/montage.hpp>

namespace kinoglaz {

struct RebuildOptions {
    /// The montage thresholds; those of the analysis (analyze's defaults) for a faithful rebuild.
    MontageOptions montage;
    /// Timeline rate and media references of the written exports. An unset timeline_rate takes
    /// the edited timeline's own rate (EDL, OTIO, FCPXML), else timeline_rate()'s choice.
    ExportOptions exports;
    /// The film, when new keyframes must be decoded and the analysis's source path does not
    /// lead to it (tried as given, then relative to the analysis folder). Empty: not given.
    std::string film;
    int threads = 0;        ///< decoding threads for new keyframes (0 = all cores)
    bool progress = false;  ///< a progress bar on a terminal
    bool force = false;     ///< as AnalyzeOptions::force
};

struct RebuildResult {
    Analysis analysis;             ///< what analysis.json now says
    std::filesystem::path folder;  ///< the committed folder, absolute
    EditFormat format = EditFormat::csv;
    int added = 0;              ///< transitions the person added or changed (by_user)
    int removed = 0;            ///< detected transitions the person removed, all runs together
    int labels = 0;             ///< shots with a label or note set by the person
    int decoded_keyframes = 0;  ///< keyframes decoded from the film (the others were reused)
};

/// Rebuilds ANALYSIS_DIR (a folder written by analyze or rebuild) from EDITED into OUTDIR
/// (which may be ANALYSIS_DIR itself). Throws Error(bad_input) naming the file and the line or
/// element for an edited file that cannot be right (edits.hpp), for a folder without
/// analysis.json or montage.cache, and when new keyframes are needed and the film cannot be
/// found; Error(bad_usage) for a refused OUTDIR; Error(io) when a file cannot be written.
RebuildResult rebuild_folder(const std::filesystem::path& analysis_dir,
                             const std::filesystem::path& edited,
                             const std::filesystem::path& outdir,
                             const RebuildOptions& options = {});

}  // namespace kinoglaz
