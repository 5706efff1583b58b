#pragma once
/// One pass over a source: decode → convert → per-frame features (parallel) → pairwise
/// features (parallel) → ordered consumer, on oneTBB's parallel_pipeline.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include <kinoglaz/analysis.hpp>
#include <kinoglaz/decode.hpp>

namespace kinoglaz {

struct PipelineOptions {
    int threads = 0;  ///< worker threads; 0 = all cores
    FeatureMask features = FeatureMask::basic;
    bool progress = false;  ///< draw a progress bar when stderr is a terminal
    std::string progress_label = "decoding";
    int tokens_per_thread = 2;  ///< frames in flight per thread (memory bound), 1..8
    /// When set (by the consumer, from its call), the pass ends early: no later frame reaches
    /// the consumer, decoding stops and run_pipeline() returns normally. Optional.
    const std::atomic<bool>* stop = nullptr;
};

/// Called once per frame, in presentation order, from one thread at a time.
using FrameConsumer = std::function<void(const FramePtr& frame, const FrameFeatures& features)>;

/// Runs the pass and returns the number of frames delivered. The decoder runs on a thread of
/// its own, never waiting for a pipeline worker, at most as many pictures ahead as there are
/// tokens; conversion, features and the consumer run on the TBB workers. Memory is bounded by
/// the frames in flight (threads × tokens_per_thread), never by the film's length. Errors thrown
/// in any stage (including the consumer) cancel the pass and are rethrown here.
std::int64_t run_pipeline(VideoDecoder& decoder, const PipelineOptions& options,
                          const FrameConsumer& consumer);

}  // namespace kinoglaz
