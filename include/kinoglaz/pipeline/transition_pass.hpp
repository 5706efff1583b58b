#pragma once
/// The one decoding pass that every analysis starts with: decode, extract features, detect
/// transitions — and hand every frame to further ordered consumers (montage, events).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <kinoglaz/analysis.hpp>
#include <kinoglaz/decode.hpp>
#include "kinoglaz/pipeline/pipeline.hpp"

namespace kinoglaz {

/// Options of a pass; validated before the first frame is decoded.
struct PassOptions {
    /// How the film is read: codec threads (0 = all cores; also the pass's worker threads),
    /// the source range (`start_s`, `end_s`, seconds), network sources, fast decoding (here
    /// `auto_` by default), full-size frames for extra consumers (`full_resolution`) and the
    /// ~320 px analysis proxy (`analysis_proxy`; `cuts` needs only the detection image). What
    /// only the pass decides is set over it by decode_options().
    DecodeOptions decode{
        .picture_area = {}, .fast_decode = FastDecode::auto_, .start_s = {}, .end_s = {}};
    /// Find the film's active picture (find_picture_area()) before the pass and measure the
    /// transition and montage features inside it (`decode.picture_area`), unless
    /// `decode.picture_area` is given.
    bool find_picture_area = true;
    double sensitivity = 0.5;                         ///< transition sensitivity, 0..1
    bool progress = false;                            ///< progress bar on a terminal
    FeatureMask extra_features = FeatureMask::basic;  ///< what extra consumers need
    std::string metrics_csv;  ///< if set, write every frame's feature metrics here
};

/// The result of a pass.
struct PassResult {
    SourceInfo source;                    ///< frame_count and duration exact after the pass
    std::vector<Transition> transitions;  ///< resolved, sorted, with times
    std::vector<double> frame_times;      ///< time of every frame delivered, seconds
};

/// `options` with `decode.picture_area` found (PassOptions::find_picture_area) and the search
/// switched off, so that every decoder of one pass (segments, a decoding again) measures
/// inside the same area.
PassOptions with_picture_area(const std::string& input, const PassOptions& options);

/// The decoder options a pass uses: `options.decode` with what the pass decides itself (one
/// codec thread left to the analysis on small pictures, the proxy's luma only, the smoothed
/// proxy when `extra_features` asks for it), so that every pass decodes alike.
DecodeOptions decode_options(const PassOptions& options);

/// Runs the pass over INPUT. `extra` (optional) sees every frame in order after the
/// detectors. Throws Error(bad_input) for unreadable input or a stream with no frames.
PassResult run_transition_pass(const std::string& input, const PassOptions& options,
                               const FrameConsumer& extra = {});

/// How many segments run_segmented_pass uses when asked for 0: `threads` for pictures up to
/// 1280x720 pixels, where FFmpeg's frame threads leave cores idle and independent
/// single-threaded decoders scale; 1 (a single pass) for larger ones.
int automatic_segments(const SourceInfo& source, int threads);

/// The same pass with the film split in time into `segments` parts (1..64; 0 = automatic_segments)
/// decoded in parallel, each by its own VideoDecoder over a range that starts a warm-up stretch
/// before the part (so the detectors have the context a single pass gives them) and runs past it by
/// the detectors' longest decision delay. Only transitions starting inside a part are kept
/// from it, so `transitions`, `frame_times` and the frame count equal run_transition_pass's;
/// a join where the two neighbours disagree is decoded again as one segment.
/// A film with decode errors is decoded again in one pass (only that counts them exactly).
/// `min_segment_s`: shortest part, seconds;
/// negative = automatic, twice the overlap (warm-up + look-ahead, about 18 s at 25 fps), below
/// which the extra decoding costs more than the parallelism gains; 0 splits any film (tests).
/// Falls back to a single pass for one segment, a --start/--end range or a metrics dump.
/// Progress counts the frames decoded by all segments. Throws as run_transition_pass.
PassResult run_segmented_pass(const std::string& input, const PassOptions& options, int segments,
                              double min_segment_s = -1);

/// A segmented pass's result with its further consumers joined.
struct SegmentedPassResult {
    PassResult pass;
    /// One consumer per one that the factory makes, in its order, each joined over all
    /// segments (empty without a factory).
    std::vector<std::unique_ptr<SegmentConsumer>> consumers;
    int segments = 1;  ///< parts the result was joined from (1: one pass)
};

/// run_segmented_pass() that also feeds further ordered consumers: each segment gets its own
/// from `make_consumers`, runs on past its look-ahead until every one of them has restarted
/// in the next segment's range, and they are joined at those restarts
/// (SegmentConsumer::take_over), so each joined consumer holds what one pass would have given
/// it. Where two segments' consumers disagree at a restart, the film is decoded again in one
/// pass.
SegmentedPassResult run_segmented_pass(const std::string& input, const PassOptions& options,
                                       int segments, const ConsumerFactory& make_consumers,
                                       double min_segment_s = -1);

}  // namespace kinoglaz
