#pragma once
// A realistic Analysis built in code for the exporter tests: seven shots in three scenes with
// cuts, a dissolve, a fade-out / black hold / fade-in, a shot/reverse-shot alternation, shot
// graph edges, rhythm figures and overlapping micro-gesture events.

#include <string>
#include <vector>

#include "kinoglaz/analysis.hpp"

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

/// The editor's timeline the exporters must write for synthetic_analysis(fps, scale).
std::vector<ExpectedItem> synthetic_edit_list(int scale = 1);

}  // namespace kinoglaz::test
