#pragma once
// Internals shared by the exporters: the edit list (the shots laid end to end as an editor's
// timeline), the film's frame rate as a rational, frame-exact clock times, and escaping.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kinoglaz/analysis.hpp"
#include "kinoglaz/export.hpp"

namespace kinoglaz::detail {

/// One item of the edit list: a shot's clip or a gap (black hold, uncovered frames).
struct EditItem {
    enum class Kind { clip, gap };
    Kind kind = Kind::clip;
    int shot = -1;                   ///< index into Analysis::shots for a clip, -1 for a gap
    FrameRange frames;               ///< record range == source range (the film is its own source)
    const Transition* in = nullptr;  ///< gradual transition that starts at frames.start, if any
    FrameIndex in_length = 0;        ///< its length, clamped to this item's length
};

/// The film's frame rate as an exact rational: the nominal rate when it agrees with the
/// measured one, else the average rate, else the nearest usual rate. Never invalid (25/1 when
/// nothing is known).
Rational film_rate(const SourceInfo& source);

/// Frames in the film: `frame_count`, or the furthest frame any shot or transition reaches.
FrameIndex film_frames(const Analysis& a);

/// The shots as an editor's timeline: items tile [0, film_frames) in order. A shot's clip
/// starts at its first visible frame; where shots overlap (a dissolve or wipe) the edit point
/// is the transition's first frame, which also ends the outgoing clip; a fade-out ends its
/// shot's clip at the fade's first frame and the fade leads into the following gap.
std::vector<EditItem> edit_list(const Analysis& a);

/// Clock time of a frame boundary: the Analysis's own times where a shot, transition or event
/// starts or ends at that frame (they come from timestamps and honour VFR), else frame / rate.
class FrameClock {
  public:
    explicit FrameClock(const Analysis& a);
    double seconds(FrameIndex frame) const;
    const Rational& rate() const noexcept { return rate_; }

  private:
    Rational rate_;
    std::map<FrameIndex, double> known_;
};

/// Escapes &, <, >, " and ' for XML/HTML text and attribute values.
using kinoglaz::xml_escape;

/// An absolute file:// URL for a local path (percent-encoded), or the path itself when it is
/// already a URL ("scheme://..."); empty for an empty path.
std::string media_url(const std::string& path);

/// Percent-encodes everything in a path but unreserved characters and '/', for URLs.
std::string url_path_encode(std::string_view path);

/// True when `path` looks like a URL ("scheme://...").
bool is_url(std::string_view path);

/// The last path component of a path or URL, for display.
std::string display_name(const std::string& path);

/// Shortest decimal form of a double with at most `decimals` decimals ("12.5", "3", "0.04").
std::string decimal(double value, int decimals = 6);

/// "shot-007.jpg" style zero-padded shot number (3 digits, more when needed).
std::string shot_number(int index);

}  // namespace kinoglaz::detail
