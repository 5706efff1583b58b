#pragma once
// Internals shared by the exporters: the edit list (the shots laid end to end as an editor's
// timeline), the film's frame rate as a rational, frame-exact clock times, and escaping.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <kinoglaz/montage.hpp>
#include "kinoglaz/export/export.hpp"

namespace kinoglaz::detail {

/// One item of the edit list: a shot's clip or a gap (black hold, uncovered frames).
struct EditItem {
    enum class Kind { clip, gap };
    Kind kind = Kind::clip;
    int shot = -1;                   ///< index into Analysis::shots for a clip, -1 for a gap
    FrameRange frames;               ///< timeline frames; record range == source range
    const Transition* in = nullptr;  ///< gradual transition that starts at frames.start, if any
    FrameIndex in_length = 0;        ///< its length in timeline frames, clamped to this item's
};

/// Frames in the film: `frame_count`, or the furthest frame any shot or transition reaches.
FrameIndex film_frames(const Analysis& a);

/// The decoded frames the analysis covers: [0, film_frames) after a pass over the whole film
/// (`frame_count_exact`) or without shots; else (a --start/--end analysis) the span of its shots
/// and transitions.
FrameRange analysed_frames(const Analysis& a);

/// Real time of every frame boundary, and the timeline frame nearest it at an editor's rate.
/// Times are the pass's (Analysis::frame_times) where the analysis carries them; else (an
/// analysis read back from analysis.json) the Analysis's own where a shot, transition or event
/// starts or ends at a frame (they come from timestamps and honour VFR), the film's end at
/// frame_count, and linear interpolation between those (extrapolation at the measured rate)
/// elsewhere.
class FrameClock {
  public:
    FrameClock(const Analysis& a, Rational rate);
    /// Seconds from the first frame at decoded frame boundary `frame`.
    double seconds(FrameIndex frame) const;
    /// The timeline frame (at rate()) nearest the boundary's real time; never decreasing.
    FrameIndex frame(FrameIndex decoded) const;
    /// The timeline frame nearest `seconds`.
    FrameIndex frame_at(double seconds) const;
    const Rational& rate() const noexcept { return rate_; }

  private:
    Rational rate_;
    const std::vector<double>* frame_times_;  // the Analysis's; may be empty
    double seconds_per_frame_;  // for extrapolation: the measured rate's, else rate_'s
    std::map<FrameIndex, double> known_;
};

/// The shots as an editor's timeline at `clock`'s rate: items tile the analysed frames
/// (analysed_frames(), mapped to timeline frames) in order. A shot's clip starts at its first
/// visible frame; where shots overlap (a dissolve or wipe) the edit point is the transition's
/// first frame, which also ends the outgoing clip; a fade-out ends its shot's clip at the fade's
/// first frame and the fade leads into the following gap. Items that round to no frame at the
/// timeline rate are left out.
std::vector<EditItem> edit_list(const Analysis& a, const FrameClock& clock);

/// Timeline frames of the whole film at `clock`'s rate (the source's available range).
FrameIndex film_timeline_frames(const Analysis& a, const FrameClock& clock);

/// Escapes &, <, >, " and ' for XML/HTML text and attribute values.
using kinoglaz::xml_escape;

/// The one cleaner for text from outside (file names, paths, clip names) before a writer embeds
/// it: invalid UTF-8 becomes U+FFFD and every control character (C0 including tab, CR and LF;
/// DEL; C1) becomes a space, so a crafted name cannot start a new line, statement or event in
/// any format. The writer's own quoting (XML, DOT, JSON) still applies after it.
std::string plain_text(std::string_view text);

/// A DOT string literal (quotes included) of `text` after plain_text(): its own line breaks
/// become "\n", '"' and '\\' are escaped, every other control character is a space.
std::string dot_quote(std::string_view text);

/// The colour of scene `scene` wherever scenes are told apart (report bars, bands, tile borders,
/// graph clusters): eight strong colours in turn; a negative scene gets the first.
const char* scene_colour(int scene) noexcept;

/// A light tint of scene_colour() for fills and backgrounds that keep dark text readable.
const char* scene_tint(int scene) noexcept;

/// JSON text of `doc` (indented by 2) that holds no raw control character: invalid UTF-8 becomes
/// U+FFFD and DEL is written as \u007f (nlohmann escapes the others).
std::string json_text(const nlohmann::ordered_json& doc);

/// An absolute file:// URL for a local path (percent-encoded), or the path itself when it is
/// already a URL (is_url()); empty for an empty path.
std::string media_url(const std::string& path);

/// A local path relative to the folder `base` ("film.mp4", "../films/film.mp4"), not encoded;
/// empty when `path` is empty or a URL or `base` is empty.
std::string relative_media_path(const std::string& path, const std::string& base);

/// How a writer refers to the source: relative_media_path() percent-encoded when
/// `options.media_base` is set and absolute paths are not asked for, else media_url().
std::string media_reference(const std::string& path, const ExportOptions& options);

/// Percent-encodes everything in a path but unreserved characters and '/', for URLs.
std::string url_path_encode(std::string_view path);

/// True when `path` is a URL ("scheme://...") of a scheme FFmpeg reads media from (http, https,
/// rtmp, rtsp, srt, udp, file, ...). Anything else, "javascript://" included, is a local path
/// and gets percent-encoded, so a crafted name never becomes a link that runs code.
bool is_url(std::string_view path);

/// The last path component of a path or URL, for display.
std::string display_name(const std::string& path);

/// Shortest decimal form of a double with at most `decimals` decimals ("12.5", "3", "0.04").
std::string decimal(double value, int decimals = 6);

/// "shot-007.jpg" style zero-padded shot number (3 digits, more when needed).
std::string shot_number(int index);

}  // namespace kinoglaz::detail
