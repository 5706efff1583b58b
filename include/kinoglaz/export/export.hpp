#pragma once
/// Writers (and the one reader) of kinoglaz's file formats. Every writer takes the
/// `Analysis` and returns text, so it can be tested without touching the disk.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <kinoglaz/montage.hpp>

namespace kinoglaz {

/// The `source` object of analysis.json (the `probe` output), pretty-printed JSON.
std::string source_json(const SourceInfo& source);

/// Which parts of the analysis a JSON document carries.
enum class JsonContent {
    transitions_only,  ///< `schema`, `source`, `transitions` (the `cuts --json` output)
    full,              ///< everything in the contract
};

/// analysis.json as text. Deterministic: the same Analysis gives the same bytes.
std::string analysis_json(const Analysis& analysis, JsonContent content = JsonContent::full);

/// Reads an analysis.json (or any document with `source` and `transitions`). Throws
/// Error(bad_input) naming `origin` when the text is not such a document.
Analysis parse_analysis_json(const std::string& text, const std::string& origin);

// ---- The analysis folder's other formats. All are pure functions of the Analysis (thread-safe,
// no disk access unless said). Where a format has a timeline, the shots are laid out as an
// editor's cut of the film itself: record time == source time, a clip starts at its shot's first
// frame, a dissolve/wipe is an edit at the transition's first frame whose length is the
// transition's, a fade-out/-in dissolves to/from a gap (black), and gaps fill uncovered frames,
// so that items tile the analysed part of the film (all of it when `frame_count_exact`, else
// the span of the shots and transitions a --start/--end analysis found). Frame-exact formats count
// in timeline_rate() frames and put every boundary on the frame nearest its real time (so
// variable-frame-rate films conform to an editor's project rate); a timeline that starts later than
// 0 (a ranged analysis) says so (OTIO global_start_time, FCPXML tcStart, EDL record timecodes).

/// What the writers that refer to the film or count its frames need besides the Analysis.
struct ExportOptions {
    /// The rate timeline exports (OTIO, FCPXML, EDL) count frames in, e.g. an editor's project
    /// rate {24000, 1001}; must be positive. nullopt: timeline_rate() picks it from the source.
    std::optional<Rational> timeline_rate;
    /// Folder the written file will be read from. Non-empty: a local source is referred to by a
    /// path relative to it ("../films/a%20film.mp4"), so that the folder and the film can be
    /// moved together. Empty: an absolute file:// URL. A URL source is always written as it is.
    std::string media_base;
    /// write_analysis_folder(): absolute file:// URLs everywhere (`--absolute-paths`) instead of
    /// paths relative to the folder.
    bool absolute_paths = false;
};

/// The frame rate the timeline exports count in, chosen here for all of them. `override` (e.g.
/// `--timeline-rate`) wins when valid. Else the stream's nominal rate (r_frame_rate) when
/// plausible, i.e. 1 to 240 fps and not below the average rate (a VFR film keeps its nominal
/// rate; its average is no editor's): snapped to a standard editing rate within 0.1 %, kept when
/// whole, half or NTSC-like (16, 12.5, 15000/1001), else the nearest standard editing rate
/// (1000/33 gives 30). Else the standard editing rate nearest the average (or measured) rate, as
/// for a phone file whose r_frame_rate is a clock (90000, 1000); 25/1 when nothing is known.
/// Standard editing rates: 24000/1001, 24, 25, 30000/1001, 30, 48, 50, 60000/1001, 60, 100,
/// 120000/1001, 120. Pure and thread-safe.
Rational timeline_rate(const SourceInfo& source, std::optional<Rational> override = std::nullopt);

/// Parses a frame rate as an editor names it: "24000/1001", "23.976", "23.98", "25", "29.97".
/// A value within 0.1 % of a standard editing rate gives that rate exactly (23.976 and 23.98
/// give 24000/1001). nullopt unless it is a number or ratio from 1 to 1000 fps.
std::optional<Rational> parse_frame_rate(std::string_view text);

/// Relative path of a shot's keyframe image in the analysis folder: "keyframes/shot-007.jpg"
/// (3 digits, more when the index needs them).
std::string keyframe_path(int shot_index);

/// shots.csv (RFC 4180, CRLF line ends, header row): index, start_frame, end_frame,
/// start_time, end_time, length_s (seconds), scene, setup, scale, camera, keyframe (frame),
/// keyframe_image (relative path, see keyframe_path()).
std::string shots_csv(const Analysis& analysis);

/// The shot graph for Graphviz: one node per shot (label: number, timecodes, length, scale),
/// one cluster per scene, edges styled by kind (next: grey solid; similar: blue dashed, width
/// and label from the weight; returns_to: red bold, curved back).
std::string shotgraph_dot(const Analysis& analysis);

/// The shot graph as GraphML (directed; node and edge attribute keys declared with types), for
/// Gephi, yEd, networkx or igraph.
std::string shotgraph_graphml(const Analysis& analysis);

/// The set-up graph for Graphviz: one node per camera set-up and scene it appears in (a set-up
/// seen in several scenes is drawn in each, labelled "also sc. N"), with the keyframe of the
/// set-up's most representative shot as thumbnail (`image`, keyframe_path(), relative to the
/// analysis folder; left out for set-ups whose shots have no image among
/// `shots_with_keyframes`, nullopt meaning every shot has one), its shot count and screen time
/// in that scene; one edge per ordered pair of set-ups that a cut joins within a scene, labelled
/// with the number of such cuts (attribute `cuts`); one cluster per scene ("cluster_scene_N"),
/// in film order. Render inside the folder (render_dot_svg() with `working_dir`), or the
/// thumbnails are missing; flow_setupgraph_svg() then fits the drawing to a page.
std::string setupgraph_dot(
    const Analysis& analysis,
    const std::optional<std::vector<int>>& shots_with_keyframes = std::nullopt);

/// The set-up graph as Graphviz drew it from setupgraph_dot() (render_dot_svg()), with its
/// scenes (each cluster with its set-ups and cuts) moved into rows, in film order and left
/// aligned, so that the drawing's width / height comes nearest `aspect` (dot itself draws the
/// scenes in one column). `svg` unchanged when it is not such a drawing. Pure, thread-safe.
std::string flow_setupgraph_svg(const std::string& svg, double aspect = 1.7);

/// OpenTimelineIO JSON (Timeline.1 > Stack.1 > Track.1 "Video" of Clip.2 per shot with an
/// ExternalReference.1 to the source, Gap.1 for uncovered frames, Transition.1 for gradual
/// transitions with in_offset 0 and out_offset = its length), events as Marker.2 on the track.
std::string timeline_otio(const Analysis& analysis, const ExportOptions& options = {});

/// SMPTE timecode of a frame at `fps`: "HH:MM:SS:FF", or drop-frame "HH:MM:SS;FF" when the
/// rate is 30000/1001 or 60000/1001 (2 resp. 4 frame numbers dropped each minute except every
/// tenth). Hours wrap at 24.
std::string smpte_timecode(FrameIndex frame, const Rational& fps);

/// CMX 3600 edit decision list: TITLE, FCM, a "* RATE: 23.976 NDF" comment naming the rate the
/// timecodes count in (drop-frame, with ';', at 29.97 and 59.94), one event per clip (reel AX) or
/// black (reel BL), source and record timecodes equal, gradual transitions as D (dissolve) or W001
/// (wipe) events with their length in frames, "* FROM CLIP NAME:" comments.
std::string cuts_edl(const Analysis& analysis, const ExportOptions& options = {});

/// ELAN annotation document (EAF 3.0, valid against EAFv3.0.xsd): tiers shots, scenes,
/// transitions, events (+ "events 2", ... where events overlap), scale and camera (time-aligned
/// children of shots, Included_In). Times in ms from the Analysis's own times. `date_iso` is the
/// DATE attribute (xs:dateTime); empty means now (UTC). MEDIA_URL is absolute; with a
/// `media_base`, RELATIVE_MEDIA_URL ("./film.mp4", "../films/film.mp4") is added.
std::string annotations_eaf(const Analysis& analysis, const std::string& date_iso = "",
                            const ExportOptions& options = {});

/// FCPXML 1.11 (valid against Apple's DTD): one format and one asset for the film, a project
/// whose spine holds an asset-clip per shot, gaps, and Cross Dissolve transitions, events as
/// markers. Times are exact rationals of the frame duration ("1001/30000s" multiples). Final Cut
/// Pro knows only its own formats, so timeline_rate() is mapped to the nearest of 23.976, 24,
/// 25, 29.97, 30, 47.952, 48, 50, 59.94, 60, 100, 119.88 and 120 fps (16 fps becomes 23.976).
std::string timeline_fcpxml(const Analysis& analysis, const ExportOptions& options = {});

/// WebVTT chapters: one cue per scene, "HH:MM:SS.mmm --> HH:MM:SS.mmm", titled with the scene
/// number and its shots.
std::string chapters_vtt(const Analysis& analysis);

/// WebVTT metadata track of the soundtrack's beats (for HTML <track kind="metadata">): one cue
/// per beat, from the beat to the next one (at most one second), its text a small JSON object
/// {"beat": k, "bpm": x}. Empty when the analysis has no beats (then no beats.vtt is written).
std::string beats_vtt(const Analysis& analysis);

/// What report_html() needs besides the Analysis.
struct ReportOptions {
    /// src of the page's <video>: a path relative to the report or a URL. Empty: the source's
    /// file:// URL (or the source path when it is a URL).
    std::string video_src;
    /// The graph section's inline SVG: the set-up graph (render_dot_svg() of setupgraph_dot()),
    /// fitted to the page's width, zoomable; empty: a built-in arc diagram of the shots.
    std::string graph_svg;
    /// Shot indices that have a keyframe image at keyframe_path(); nullopt: every shot has one.
    std::optional<std::vector<int>> shots_with_keyframes;
    /// Positions in Analysis::events whose `clip` is present beside the report; nullopt: every
    /// event with a non-empty clip.
    std::optional<std::vector<int>> events_with_clips;
};

/// report.html: one self-contained page (no network; the keyframes, clips and video are files
/// beside it): film facts and rhythm figures, a contact sheet whose tiles seek the player, the
/// cut-rhythm plot (inline SVG), the shot graph, transitions and patterns tables, and the
/// revealed clips. The page is built from the template data/report/report.template.html.
std::string report_html(const Analysis& analysis, const ReportOptions& options = {});

/// Runs Graphviz `dot -Tsvg` on `dot_text` and returns the <svg> element, or an empty string
/// when dot is not installed, fails, or runs longer than `timeout_s` seconds. `working_dir`
/// (when not empty) is dot's current folder, where relative `image` paths are found.
std::string render_dot_svg(const std::string& dot_text, double timeout_s = 30,
                           const std::filesystem::path& working_dir = {});

/// Escapes text for XML and HTML content and attribute values (&, <, >, ", '); tab, LF and CR
/// become character references (so no raw control character reaches the file and attribute
/// values keep them), other control characters become spaces and invalid UTF-8 becomes U+FFFD.
std::string xml_escape(std::string_view text);

}  // namespace kinoglaz
