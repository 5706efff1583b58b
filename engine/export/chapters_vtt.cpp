// WebVTT chapters, one cue per scene, for players that show chapter menus (HTML <track
// kind="chapters">, VLC, mpv); and the beats as a metadata track.

#include <algorithm>
#include <string>
#include <vector>

#include "export_detail.hpp"
#include "kinoglaz/export/export.hpp"

namespace kinoglaz {

std::string chapters_vtt(const Analysis& a) {
    // A chapter runs from its first shot's start to its last shot's end (a fade-out included),
    // cut short where a dissolve overlaps the next chapter's first shot.
    struct Chapter {
        const Scene* scene;
        double begin, end;
    };
    std::vector<Chapter> chapters;
    for (const auto& sc : a.scenes) {
        double begin = -1, end = -1;
        for (int i = sc.first_shot; i <= sc.last_shot; ++i) {
            if (i < 0 || std::size_t(i) >= a.shots.size()) continue;
            if (begin < 0) begin = a.shots[i].start_time_s;
            end = std::max(end, a.shots[i].end_time_s);
        }
        if (begin >= 0) chapters.push_back({&sc, begin, end});
    }
    std::string out = "WEBVTT\n";
    double last_end = 0;
    for (std::size_t k = 0; k < chapters.size(); ++k) {
        Chapter& c = chapters[k];
        if (k + 1 < chapters.size()) c.end = std::min(c.end, chapters[k + 1].begin);
        c.begin = std::max(c.begin, last_end);
        if (c.end <= c.begin) continue;
        last_end = c.end;
        const Scene& sc = *c.scene;
        const int shots = sc.last_shot - sc.first_shot + 1;
        out += "\nscene-" + std::to_string(sc.index) + "\n" + format_clock(c.begin) + " --> " +
               format_clock(c.end) + "\nScene " + std::to_string(sc.index) + ": " +
               (shots == 1 ? "shot " + std::to_string(sc.first_shot)
                           : "shots " + std::to_string(sc.first_shot) + "-" +
                                 std::to_string(sc.last_shot)) +
               "\n";
    }
    return out;
}

std::string beats_vtt(const Analysis& a) {
    if (!a.audio || a.audio->beats.empty()) return {};
    const auto& beats = a.audio->beats;
    const std::string bpm = detail::decimal(a.audio->tempo_bpm, 3);
    std::string out = "WEBVTT\n";
    for (std::size_t k = 0; k < beats.size(); ++k) {
        // Cue times cannot be negative: a beat before the first frame is left out.
        if (beats[k] < 0) continue;
        const double end =
            std::min(k + 1 < beats.size() ? beats[k + 1] : beats[k] + 1.0, beats[k] + 1.0);
        out += "\nbeat-" + std::to_string(k) + "\n" + format_clock(beats[k]) + " --> " +
               format_clock(std::max(end, beats[k] + 0.001)) + "\n{\"beat\": " + std::to_string(k) +
               ", \"bpm\": " + bpm + "}\n";
    }
    return out;
}

}  // namespace kinoglaz
