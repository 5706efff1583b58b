#include "kinoglaz/analysis_folder.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "export_detail.hpp"
#include "kinoglaz/error.hpp"
#include "kinoglaz/export.hpp"
#include "kinoglaz/jpeg.hpp"

namespace kinoglaz {

namespace fs = std::filesystem;

namespace {

fs::path normalised_absolute(const fs::path& p) {
    fs::path abs = fs::absolute(p).lexically_normal();
    // "out/" normalises to "out/" with an empty filename; the folder is "out".
    if (abs.filename().empty()) abs = abs.parent_path();
    return abs;
}

// Removes OUTDIR.partial-<pid> and OUTDIR.old-<pid> siblings left by processes that were
// killed (SIGKILL, power loss) before their destructor or commit could clean up. Only folders
// of exactly that name pattern whose process no longer exists are touched.
void remove_stale_siblings(const fs::path& outdir) {
    const std::string base = outdir.filename().string();
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(outdir.parent_path(), ec)) {
        const std::string name = entry.path().filename().string();
        for (const char* tag : {".partial-", ".old-"}) {
            const std::string prefix = base + tag;
            if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0)
                continue;
            const std::string digits = name.substr(prefix.size());
            if (digits.size() > 9 || !std::all_of(digits.begin(), digits.end(),
                                                  [](char c) { return c >= '0' && c <= '9'; }))
                continue;
            const pid_t pid = static_cast<pid_t>(std::stol(digits));
            if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
            std::error_code ignored;
            fs::remove_all(entry.path(), ignored);
        }
    }
}

std::string pid_suffix() {
    return std::to_string(static_cast<long long>(::getpid()));
}

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

AnalysisFolder::AnalysisFolder(fs::path outdir) : outdir_(normalised_absolute(outdir)) {
    std::error_code ec;
    if (outdir_.empty() || outdir_ == outdir_.root_path())
        throw_bad_usage(outdir.string(), "not a usable output folder");
    if (fs::exists(outdir_, ec) && !fs::is_directory(outdir_, ec))
        throw_bad_usage(outdir_.string(), "exists and is not a folder");
    fs::create_directories(outdir_.parent_path(), ec);
    if (ec) throw_io(outdir_.parent_path().string(), "cannot create folder: " + ec.message());
    remove_stale_siblings(outdir_);
    temp_ = outdir_.parent_path() / (outdir_.filename().string() + ".partial-" + pid_suffix());
    fs::remove_all(temp_, ec);  // a leftover of an earlier process with the same pid
    if (!fs::create_directory(temp_, ec) || ec)
        throw_io(temp_.string(), "cannot create folder: " + (ec ? ec.message() : "exists"));
}

AnalysisFolder::~AnalysisFolder() {
    if (committed_) return;
    std::error_code ec;
    fs::remove_all(temp_, ec);
}

void AnalysisFolder::commit() {
    if (committed_) return;
    std::error_code ec;
    // Something that appeared at OUTDIR since the constructor and is not a folder is the
    // user's: never rename it away (and then delete it) in our place.
    if (fs::exists(fs::symlink_status(outdir_, ec)) && !fs::is_directory(outdir_, ec))
        throw_bad_usage(outdir_.string(), "exists and is not a folder");
    if (!fs::exists(fs::symlink_status(outdir_, ec))) {
        fs::rename(temp_, outdir_, ec);
        if (ec)
            throw_io(outdir_.string(),
                     "cannot move the finished folder into place: " + ec.message());
        committed_ = true;
        return;
    }
    // Replace the old folder only now, and with two renames, so that OUTDIR is never missing
    // for longer than between them and never half-written.
    const fs::path old =
        outdir_.parent_path() / (outdir_.filename().string() + ".old-" + pid_suffix());
    fs::remove_all(old, ec);
    fs::rename(outdir_, old, ec);
    if (ec) throw_io(outdir_.string(), "cannot replace the earlier folder: " + ec.message());
    fs::rename(temp_, outdir_, ec);
    if (ec) {
        std::error_code restore;
        fs::rename(old, outdir_, restore);
        throw_io(outdir_.string(), "cannot move the finished folder into place: " + ec.message());
    }
    committed_ = true;
    fs::remove_all(old, ec);  // a failure here leaves a stale .old folder, not a broken OUTDIR
}

void write_analysis_folder(const Analysis& a, const fs::path& dir,
                           const std::map<int, cv::Mat>& keyframes_bgr, ExportOptions exports) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw_io(dir.string(), "cannot create folder: " + ec.message());
    // dir is OUTDIR or its sibling temporary folder, so a path relative to dir stays right after
    // the rename.
    if (exports.media_base.empty()) exports.media_base = dir.string();

    write_text(dir / "analysis.json", analysis_json(a));
    write_text(dir / "shots.csv", shots_csv(a));
    const std::string dot = shotgraph_dot(a);
    write_text(dir / "shotgraph.dot", dot);
    write_text(dir / "shotgraph.graphml", shotgraph_graphml(a));
    write_text(dir / "timeline.otio", timeline_otio(a, exports));
    write_text(dir / "cuts.edl", cuts_edl(a, exports));
    write_text(dir / "annotations.eaf", annotations_eaf(a, "", exports));
    write_text(dir / "timeline.fcpxml", timeline_fcpxml(a, exports));
    write_text(dir / "chapters.vtt", chapters_vtt(a));

    ReportOptions options;
    options.shots_with_keyframes.emplace();
    options.events_with_clips.emplace();
    if (!keyframes_bgr.empty()) {
        fs::create_directories(dir / "keyframes", ec);
        if (ec) throw_io((dir / "keyframes").string(), "cannot create folder: " + ec.message());
    }
    for (const auto& shot : a.shots) {
        const auto it = keyframes_bgr.find(shot.index);
        if (it == keyframes_bgr.end() || it->second.empty()) {
            // Written beforehand, one at a time (memory stays flat for long films).
            if (fs::is_regular_file(dir / keyframe_path(shot.index), ec))
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

    // The page lives beside OUTDIR's files, and refers to the film as the timelines do.
    options.video_src = detail::media_reference(a.source.path, exports);
    // dot on a film of many hundred shots takes long and draws an unreadable poster; the
    // built-in arc diagram is better there.
    if (a.shots.size() <= 400) options.graph_svg = render_dot_svg(dot);
    write_text(dir / "report.html", report_html(a, options));
}

}  // namespace kinoglaz
