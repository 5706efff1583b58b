#pragma once
/// The engine's front door: the whole analysis of one film in one call.
///
/// analyze() runs every step and returns the result as a value; analyze_to_folder() runs the
/// same steps and writes the contract's analysis folder (analysis.json, the exports, the
/// keyframes, the reveal clips, report.html). The command-line tool's `analyze` and `batch`
/// are clients of these two functions only.
///
/// The steps, in order (each one's own header documents it):
///  1. the decoding pass — transitions, montage collector, event and vibration finders
///     (analysis_pass.hpp, transition_pass.hpp);
///  2. the montage from the pass — shots, set-ups, scenes, graph, patterns, rhythm
///     (montage_analysis.hpp) — and the micro-gesture events (unconscious.hpp): montage_of();
///  3. the keyframes, decoded again at full size, and their face-based shot scale;
///  4. (folder only) the reveal clips of the best events (reveal.hpp) and the files
///     (analysis_folder.hpp, export.hpp) under the output-folder rule (output_folder.hpp).
///
/// Thread-safety: each call is independent and uses up to `pass.decode.threads` cores; several
/// calls may run at once on different outputs. Cancellation (SIGINT, progress.hpp) throws Error
/// between steps and inside the pass.

#include <filesystem>
#include <string>

#include <kinoglaz/export.hpp>
#include <kinoglaz/montage.hpp>
#include <kinoglaz/pipeline.hpp>
#include <kinoglaz/sound.hpp>

namespace kinoglaz {

/// Everything an analysis can be told. The defaults are those of `kinoglaz analyze INPUT -o DIR`.
struct AnalyzeOptions {
    /// Decoding and detection: how the film is read (`pass.decode`: threads, 0 = all cores;
    /// the source range in seconds; network sources), transition sensitivity (0..1), progress
    /// bars on a terminal, a metrics dump. The decoder options of every step come from
    /// `pass.decode` (decode_options() for the pass; the keyframes, picture_decode_options(),
    /// with its threads and network setting). The features the montage and the events need
    /// are added to `extra_features` by the pass.
    PassOptions pass;
    /// Parallel time segments of the pass, 0..64 (0 = automatic_segments(), 1 = one pass).
    /// The result is the same for any value; only the time taken changes.
    int segments = 1;
    /// Thresholds of shots, set-ups, scenes, patterns, rhythm and camera movement. Validated
    /// before any decoding (Error bad_usage, "montage: ...").
    MontageOptions montage;
    /// Estimate each shot's scale from its keyframe (decoded again at full size; Haar face
    /// detector). Off: every shot's scale stays `unknown` and no keyframe is decoded.
    /// analyze_to_folder() always decodes the keyframes (it writes them) and ignores this.
    bool scales = true;
    /// (folder only) Render the best events as reveal clips into reveals/event-NNN.mp4.
    bool reveal = true;
    /// (folder only) How many reveal clips at most, the best by score, ≥ 0. Few, so that a
    /// feature film's folder stays small.
    int reveal_clips = 5;
    /// The soundtrack: which audio stream (default the first), or none (`enabled` false). Its
    /// beats and onsets, and each cut's offset to them, go into Analysis::audio; a film
    /// without audio has none, and bad audio is reported there without failing the analysis.
    SoundOptions sound;
    /// (folder only) Timeline rate and media references of the written exports.
    ExportOptions exports;
    /// (folder only) Write into a folder that holds the user's files, replacing only the files
    /// kinoglaz writes (output_folder.hpp). Without it such a folder is refused before any work.
    bool force = false;
    /// (folder only) An earlier analysis folder of the same film whose corrections by a person
    /// (`"source": "user"` transitions, removed transitions, user labels and notes, see
    /// edits.hpp) are applied to this analysis: detected transitions overlapping a removed or a
    /// user's one give way, the user's come in, labels go to the shots that start where theirs
    /// did. Refused (Error bad_input) when it belongs to another film. Empty: none.
    std::filesystem::path keep_edits;
    /// The rate the footage was shot at, frames per second (1..1e6), when it plays at another
    /// (high-speed footage played slowly): the events' `peak_hz` are then scaled by
    /// capture_fps / source fps into physical Hz. 0: the file's own rate.
    double capture_fps = 0;
};

/// What analyze_to_folder() produced.
struct FolderAnalysis {
    Analysis analysis;             ///< the analysis written into analysis.json
    std::filesystem::path folder;  ///< the committed folder, absolute and normalised
};

/// Step 2: the montage and the events of a finished pass, as a value: `source` and
/// `transitions` from the pass, shots (scale `unknown`), scenes, graph, patterns and rhythm
/// from build_montage(), events from the pass's EventFinder and VibrationFinder (which are
/// finished, so a pass gives one result), sorted by start frame, frequencies in the file's Hz.
/// Deterministic; single-threaded.
Analysis montage_of(AnalysisPass& pass, const MontageOptions& montage = {});

/// Scales the events' `peak_hz` from the file's time to the capture's: by capture_fps /
/// source.fps (nothing when either is not positive).
void to_capture_rate(std::vector<Event>& events, const SourceInfo& source, double capture_fps);

/// The whole analysis of INPUT (a file path or, with `pass.decode.allow_network`, a URL): the pass,
/// the montage, the events and, with `scales`, the shot scales; `analysis_seconds` is the
/// call's wall time. Writes nothing. Throws
/// Error(bad_input) for an unreadable film, Error(bad_usage) for invalid options.
Analysis analyze(const std::string& input, const AnalyzeOptions& options = {});

/// analyze() written as the contract's analysis folder OUTDIR, under the output-folder rule:
/// OUTDIR is refused before any work when it holds the user's files and `force` is not set;
/// everything is written into a staging folder and analysis.json appears last, when everything
/// else is in place, so an interrupted run leaves no folder that looks finished. Keyframes are
/// written one at a time as they are decoded (memory does not grow with the number of shots).
/// `analysis_seconds` is the wall time before the files were written (it is in none of them).
/// The folder also gets montage.cache (montage_cache.hpp), which `rebuild` needs.
/// Throws as analyze(), and Error(io) when a file cannot be written.
FolderAnalysis analyze_to_folder(const std::string& input, const std::filesystem::path& outdir,
                                 const AnalyzeOptions& options = {});

}  // namespace kinoglaz
