#pragma once
// A realistic Analysis built in code for the exporter tests: seven shots in three scenes with
// cuts, a dissolve, a fade-out / black hold / fade-in, a shot/reverse-shot alternation, shot
// graph edges, rhythm figures and overlapping micro-gesture events.

#include <string>
#include <vector>

#include <kinoglaz/montage.hpp>

namespace kinoglaz::test {

/// One item of the expected edit list, in frames (record == source).
struct ExpectedItem {
    bool clip = true;  ///< false: black (gap)
    int shot = -1;     ///< shot index for a clip
    FrameRange frames;
    std::string transition_in;  ///< "" or the gradual transition type starting at frames.start
    FrameIndex transition_length = 0;
};

/// The film at `fps` frames per second with every frame number multiplied by `scale` (scale 60
/// at 30000/1001 makes a 20-minute film whose cuts cross drop-frame minutes and ten-minute
/// marks). `path` is the source path written into the Analysis.
Analysis synthetic_analysis(Rational fps, int scale = 1,
                            const std::string& path = "/tmp/kinoglaz films/a film.mp4");

/// A 40-shot film of 5 scenes and 12 set-ups at `fps`, all cuts, 2 to 3.2 s shots: a
/// shot/reverse-shot alternation with an insert (scene 0: set-ups 0 1 2), a one-shot interlude
/// (scene 1: 3), a three-way alternation (scene 2: 4 5 6), cross-cutting back to scene 0's
/// set-up 0 (scene 3: 7 8 and 0) and a three-set-up cycle (scene 4: 9 10 11). Shots, scenes,
/// `next` and `returns_to` edges and alternation patterns; each shot's histogram is its
/// set-up's one-hot colour bin (plus a per-shot nudge) so that a representative shot exists.
Analysis synthetic_scene_analysis(Rational fps,
                                  const std::string& path = "/tmp/kinoglaz films/scenes.mp4");

/// The editor's timeline the exporters must write for synthetic_analysis(fps, scale).
std::vector<ExpectedItem> synthetic_edit_list(int scale = 1);

}  // namespace kinoglaz::test
