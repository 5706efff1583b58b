#include "analyze_folder.hpp"

#include <filesystem>
#include <map>

#include <opencv2/imgproc.hpp>

#include "kinoglaz/analysis_folder.hpp"
#include "kinoglaz/analysis_pass.hpp"
#include "kinoglaz/error.hpp"
#include "kinoglaz/export.hpp"
#include "kinoglaz/jpeg.hpp"
#include "kinoglaz/montage_analysis.hpp"
#include "kinoglaz/output_folder.hpp"
#include "kinoglaz/progress.hpp"
#include "kinoglaz/reveal.hpp"
#include "kinoglaz/sound.hpp"
#include "kinoglaz/unconscious.hpp"

namespace kinoglaz::cli {

namespace {

// Event clips rendered by `analyze`: the best few, so that a feature film's folder stays small.
constexpr int kRevealClips = 5;

}  // namespace

AnalyzeResult analyze_to_folder(const std::string& input, const std::filesystem::path& outdir,
                                const AnalyzeOptions& options) {
    MontageOptions montage_opts;
    validate_montage_options(montage_opts);

    // Everything is written into a temporary sibling folder that is moved into OUTDIR only once
    // complete: an interrupted or failed run leaves no folder that looks finished.
    OutputFolder folder(outdir, OutputKind::analysis, options.force);
    folder.protect(input);

    AnalysisPass pass = run_analysis_pass(input, options.pass, options.segments);

    Analysis analysis;
    analysis.source = pass.pass.source;
    analysis.transitions = pass.pass.transitions;
    build_montage(analysis, pass.collector, montage_opts);
    throw_if_cancelled();

    // Keyframes at full size, decoded again by seeking, one at a time: each gives its shot's
    // face-based scale and is written straight into the folder as keyframes/shot-NNN.jpg, so
    // memory does not grow with the number of shots.
    std::map<FrameIndex, int> shot_of;
    for (const auto& shot : analysis.shots) shot_of.emplace(shot.keyframe, shot.index);
    std::vector<FrameIndex> wanted;
    for (const auto& [frame, shot] : shot_of) wanted.push_back(frame);
    DecodeOptions grab;
    grab.threads = options.pass.threads;
    grab.full_resolution = true;
    grab.allow_network = options.pass.allow_network;
    std::filesystem::create_directories(folder.path() / "keyframes");
    ProgressBar keyframes_bar("keyframes", std::int64_t(wanted.size()), options.pass.progress,
                              "shots");
    std::int64_t grabbed = 0;
    grab_frames(input, wanted, grab, [&](FrameIndex frame, const Frame& picture) {
        const int index = shot_of.at(frame);
        analysis.shots[std::size_t(index)].scale = estimate_scale(picture.full_bgr);
        const auto file = folder.path() / keyframe_path(index);
        write_jpeg(file.string(), picture.full_bgr);
        keyframes_bar.update(++grabbed);
    });
    keyframes_bar.finish();
    throw_if_cancelled();

    analysis.events = pass.events.finish(analysis.transitions, analysis.source);
    add_sound(analysis, input, options.sound);
    throw_if_cancelled();
    if (options.reveal && !analysis.events.empty())
        render_event_reveals(input, analysis.source, analysis.events, folder.path().string(),
                             kRevealClips, options.pass.progress);
    throw_if_cancelled();

    // Writing is one step (the exports, the report, the graph drawn by Graphviz): its bar says
    // that it runs and how long it took.
    ProgressBar writing_bar("writing", 1, options.pass.progress, "folders");
    writing_bar.update(0);
    write_analysis_folder(analysis, folder.path(), {}, options.exports);
    folder.commit("analysis.json");
    writing_bar.update(1);
    writing_bar.finish();
    return {std::move(analysis), folder.outdir()};
}

}  // namespace kinoglaz::cli
