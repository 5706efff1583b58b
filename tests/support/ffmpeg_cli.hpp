#pragma once
// Header-only helpers around the ffmpeg / ffprobe command-line tools: making small test videos
// and reading the reference answers (frame times, pictures) that kinoglaz must reproduce.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "support/run.hpp"

namespace kinoglaz::test {

/// Runs `ffmpeg -nostdin -y -loglevel error ARGS`; returns true on exit status 0.
inline bool ffmpeg(const std::string& args) {
    auto r = run("ffmpeg -nostdin -hide_banner -loglevel error -y " + args);
    if (r.status != 0)
        std::fprintf(stderr, "ffmpeg %s\n  failed: %s\n", args.c_str(), r.err.c_str());
    return r.status == 0;
}

/// Presentation times of every decoded frame of the first video stream, as ffprobe reports
/// them (`best_effort_timestamp_time`), minus the first frame's: the contract's clock.
/// Empty when ffprobe fails.
inline std::vector<double> ffprobe_frame_times(const std::string& path) {
    auto r =
        run("ffprobe -v error -select_streams v:0 -show_entries frame=best_effort_timestamp_time "
            "-of csv=p=0 " +
            shell_quote(path));
    std::vector<double> times;
    if (r.status != 0) return times;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
        // Side-data sections add empty fields after a comma; the first field is the time.
        auto comma = line.find(',');
        if (comma != std::string::npos) line.resize(comma);
        if (line.empty()) continue;
        // ffprobe sometimes has no time for a frame (the last one of an MPEG-PS, for one):
        // NaN says "unknown" so that callers skip it instead of comparing with a made-up time.
        times.push_back(line == "N/A" ? std::numeric_limits<double>::quiet_NaN() : std::stod(line));
    }
    auto first =
        std::find_if(times.begin(), times.end(), [](double t) { return std::isfinite(t); });
    if (first != times.end()) {
        const double origin = *first;
        for (auto& t : times) t -= origin;
    }
    return times;
}

/// Picture types ("I", "P", "B") of every decoded frame, in presentation order.
inline std::string ffprobe_picture_types(const std::string& path) {
    auto r = run("ffprobe -v error -select_streams v:0 -show_entries frame=pict_type -of csv=p=0 " +
                 shell_quote(path));
    std::string types;
    for (char c : r.out)
        if (c == 'I' || c == 'P' || c == 'B') types += c;
    return types;
}

/// Reads a whole binary file (empty if missing).
inline std::string slurp_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace kinoglaz::test
