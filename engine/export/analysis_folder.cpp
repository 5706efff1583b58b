#include "kinoglaz/export/analysis_folder.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include <opencv2/imgproc.hpp>

#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include "export_detail.hpp"
#include "kinoglaz/export/export.hpp"

namespace kinoglaz {

namespace fs = std::filesystem;

namespace {

void write_text(const fs::path& file, const std::string& text) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    if (!out) throw_io(file.string(), std::string("cannot create: ") + std::strerror(errno));
    out.write(text.data(), std::streamsize(text.size()));
    out.close();
    if (!out) throw_io(file.string(), "write failed (disk full?)");
}

// A relative path that stays inside the folder: no root, no "..".
bool inside(const std::string& relative) {
    if (relative.empty()) return false;
    const fs::path p = fs::path(relative).lexically_normal();
    if (p.is_absolute() || p.has_root_name()) return false;
    return p.empty() || *p.begin() != "..";
}

}  // namespace

void write_analysis_folder(const Analysis& a, const fs::path& dir, const FolderKeyframes& keyframes,
                           ExportOptions exports) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw_io(dir.string(), "cannot create folder: " + ec.message());
    // dir is OUTDIR or its sibling temporary folder, so a path relative to dir stays right after
    // the rename.
    if (exports.media_base.empty()) exports.media_base = dir.string();

    write_text(dir / "analysis.json", analysis_json(a));
    write_text(dir / "shots.csv", shots_csv(a));
    write_text(dir / "shotgraph.dot", shotgraph_dot(a));
    write_text(dir / "shotgraph.graphml", shotgraph_graphml(a));
    write_text(dir / "timeline.otio", timeline_otio(a, exports));
    write_text(dir / "cuts.edl", cuts_edl(a, exports));
    write_text(dir / "annotations.eaf", annotations_eaf(a, "", exports));
    write_text(dir / "timeline.fcpxml", timeline_fcpxml(a, exports));
    write_text(dir / "chapters.vtt", chapters_vtt(a));
    if (const std::string beats = beats_vtt(a); !beats.empty())
        write_text(dir / "beats.vtt", beats);

    ReportOptions options;
    options.shots_with_keyframes.emplace();
    options.events_with_clips.emplace();
    if (!keyframes.pictures.empty()) {
        fs::create_directories(dir / "keyframes", ec);
        if (ec) throw_io((dir / "keyframes").string(), "cannot create folder: " + ec.message());
    }
    for (const auto& shot : a.shots) {
        const auto it = keyframes.pictures.find(shot.index);
        if (it == keyframes.pictures.end() || it->second.empty()) {
            if (std::find(keyframes.written.begin(), keyframes.written.end(), shot.index) !=
                keyframes.written.end())
                options.shots_with_keyframes->push_back(shot.index);
            continue;
        }
        cv::Mat image = it->second;
        if (image.depth() != CV_8U) image.convertTo(image, CV_8U);
        if (image.channels() == 4) cv::cvtColor(image, image, cv::COLOR_BGRA2BGR);
        const fs::path file = dir / keyframe_path(shot.index);
        if (image.channels() == 1) cv::cvtColor(image, image, cv::COLOR_GRAY2BGR);
        write_jpeg(file.string(), image);
        options.shots_with_keyframes->push_back(shot.index);
    }

    for (std::size_t i = 0; i < a.events.size(); ++i) {
        const std::string& clip = a.events[i].clip;
        if (inside(clip) && fs::is_regular_file(dir / clip, ec))
            options.events_with_clips->push_back(int(i));
    }

    // The set-up graph's thumbnails are the keyframes just written, so it comes after them;
    // dot runs in the folder, where their relative paths resolve. (Without shots the page says
    // so instead.)
    const std::string setup_dot = setupgraph_dot(a, options.shots_with_keyframes);
    write_text(dir / "setupgraph.dot", setup_dot);
    if (!a.shots.empty())
        options.graph_svg = flow_setupgraph_svg(render_dot_svg(setup_dot, 30, dir));

    // The page lives beside OUTDIR's files, and refers to the film as the timelines do.
    options.video_src = detail::media_reference(a.source.path, exports);
    write_text(dir / "report.html", report_html(a, options));
}

}  // namespace kinoglaz
