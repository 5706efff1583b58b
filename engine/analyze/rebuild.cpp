#include "kinoglaz/analyze/rebuild.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include <kinoglaz/export.hpp>
#include <kinoglaz/montage.hpp>
#include <kinoglaz/sound.hpp>

namespace kinoglaz {

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw_bad_input(file.string(), "cannot be read");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A hard link where the file system allows it (a feature film's keyframes are hundreds of
// megabytes), else a copy.
void link_or_copy(const fs::path& from, const fs::path& to) {
    std::error_code ec;
    fs::create_directories(to.parent_path(), ec);
    fs::create_hard_link(from, to, ec);
    if (!ec) return;
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
    if (ec) throw_io(to.string(), "cannot copy " + from.string() + ": " + ec.message());
}

std::string find_film(const Analysis& base, const fs::path& analysis_dir,
                      const RebuildOptions& options) {
    std::error_code ec;
    if (!options.film.empty()) {
        if (!fs::is_regular_file(options.film, ec))
            throw_bad_input(options.film, "the film given with --film cannot be found");
        return options.film;
    }
    const fs::path source(base.source.path);
    if (fs::is_regular_file(source, ec)) return source.string();
    if (source.is_relative() && fs::is_regular_file(analysis_dir / source, ec))
        return (analysis_dir / source).string();
    return {};
}

}  // namespace

RebuildResult rebuild_folder(const fs::path& analysis_dir, const fs::path& edited,
                             const fs::path& outdir, const RebuildOptions& options) {
    validate_montage_options(options.montage);
    const fs::path json_path = analysis_dir / "analysis.json";
    std::error_code ec;
    if (!fs::is_regular_file(json_path, ec))
        throw_bad_input(analysis_dir.string(), "not an analysis folder (no analysis.json)");
    const Analysis base = parse_analysis_json(read_text(json_path), json_path.string());
    const MontageCollector collector =
        read_montage_cache(analysis_dir / kMontageCacheName, base.source);
    if (collector.frame_count() == 0)
        throw_bad_input((analysis_dir / kMontageCacheName).string(), "holds no frames");
    std::vector<double> times;
    times.reserve(std::size_t(collector.frame_count()));
    for (const auto& r : collector.frames()) times.push_back(r.time_s);
    const FilmClock clock(collector.first_frame(), std::move(times), base.source.duration_s);

    // Claimed before any work, as analyze does.
    OutputFolder folder(outdir, OutputKind::analysis, options.force);
    const std::string origin = edited.string();
    const std::string text = read_text(edited);
    const EditedFile edit = read_edited(text, origin, base, clock);
    const EditedFile unedited = read_edited(export_for_edit(base, edit.format, edit.timeline_rate),
                                            origin + " (as kinoglaz wrote it)", base, clock);
    const Corrections corrections = reconcile(base, edit, unedited, clock, origin);

    RebuildResult result;
    result.format = edit.format;
    Analysis& a = result.analysis;
    a.source = base.source;
    a.transitions = corrections.transitions;
    a.removed_transitions = corrections.removed;
    build_montage(a, collector, options.montage, corrections.fixed_setups);
    apply_fixed_scenes(a, corrections.fixed_scenes);

    // Keyframes: a shot whose keyframe is a frame an earlier shot's keyframe was keeps that
    // image and its scale; the others are decoded from the film.
    std::map<FrameIndex, const Shot*> before;
    for (const Shot& s : base.shots) before.emplace(s.keyframe, &s);
    const fs::path out = folder.path();
    std::map<FrameIndex, int> wanted;
    FolderKeyframes keyframes;  // written into `out` below
    for (Shot& s : a.shots) {
        auto it = before.find(s.keyframe);
        const fs::path image =
            analysis_dir / keyframe_path(it == before.end() ? 0 : it->second->index);
        if (it != before.end() && !it->second->scale_by_user && fs::is_regular_file(image, ec)) {
            s.scale = it->second->scale;
            link_or_copy(image, out / keyframe_path(s.index));
            keyframes.written.push_back(s.index);
        } else {
            wanted.emplace(s.keyframe, s.index);
        }
    }
    if (!wanted.empty()) {
        const std::string film = find_film(base, analysis_dir, options);
        if (film.empty())
            throw_bad_input(base.source.path,
                            "the film is needed for " + std::to_string(wanted.size()) +
                                " new keyframes and cannot be found; give it with --film");
        std::vector<FrameIndex> frames;
        for (const auto& [f, shot] : wanted) frames.push_back(f);
        const DecodeOptions grab = picture_decode_options(options.threads, false);
        fs::create_directories(out / "keyframes", ec);
        ProgressBar bar("keyframes", std::int64_t(frames.size()), options.progress, "shots");
        std::int64_t done = 0;
        grab_frames(film, frames, grab, [&](FrameIndex frame, const Frame& picture) {
            Shot& s = a.shots[std::size_t(wanted.at(frame))];
            s.scale = estimate_scale(picture.full_bgr);
            write_jpeg((out / keyframe_path(s.index)).string(), picture.full_bgr);
            keyframes.written.push_back(s.index);
            bar.update(++done);
        });
        bar.finish();
        result.decoded_keyframes = int(done);
    }
    apply_labels(a, corrections.labels);

    a.events = base.events;
    a.audio = base.audio;
    apply_sound_offsets(a);
    // The reveal clips are the film's, not the cut's: they stay.
    for (const Event& e : a.events) {
        const fs::path clip = analysis_dir / e.clip;
        if (!e.clip.empty() && fs::is_regular_file(clip, ec)) {
            const fs::path rel = fs::path(e.clip).lexically_normal();
            if (!rel.is_absolute() && *rel.begin() != "..") link_or_copy(clip, out / rel);
        }
    }
    write_montage_cache(out / kMontageCacheName, collector, a.source);

    ExportOptions exports = options.exports;
    if (!exports.timeline_rate) exports.timeline_rate = edit.timeline_rate;
    write_analysis_folder(a, out, keyframes, exports);
    folder.commit("analysis.json");
    result.folder = folder.outdir();
    for (const auto& t : a.transitions) result.added += t.by_user ? 1 : 0;
    result.removed = int(a.removed_transitions.size());
    for (const auto& s : a.shots)
        result.labels += (s.scale_by_user || s.camera_by_user || s.setup_by_user ||
                          s.scene_by_user || !s.note.empty())
                             ? 1
                             : 0;
    return result;
}

}  // namespace kinoglaz
