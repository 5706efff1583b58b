#include "kinoglaz/pipeline/pipeline.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <opencv2/core.hpp>

#include <tbb/global_control.h>
#include <tbb/parallel_pipeline.h>

#include <kinoglaz/core.hpp>
#include "kinoglaz/internal/tsan_annotations.hpp"

namespace kinoglaz {

namespace {

// One frame's journey through the stages. Items never point at each other, only at the
// previous frame's immutable data, so nothing accumulates beyond the frames in flight.
struct Item {
    // Frames sparse decoding skipped just before `picture` (or, at the end, after the last
    // decoded one, and then `picture` is empty), filled in stage 4 from the decoded neighbours.
    std::vector<DecodedPicture> skipped;
    std::vector<std::shared_ptr<const Frame>> filled_frames;
    std::vector<std::shared_ptr<FrameFeatures>> filled_features;
    DecodedPicture picture;
    std::shared_ptr<Frame> frame;
    std::shared_ptr<FrameFeatures> features;
    std::shared_ptr<const Frame> previous_frame;
    std::shared_ptr<FrameFeatures> previous_features;
};

// A skipped frame at `picture`'s time: each image the linear blend of its decoded neighbours
// by time (either alone where the other is missing), as a dissolve or a fade is, and close to
// what moving pictures give at 160 px.
Frame fill_in(const DecodedPicture& picture, const Frame* before, const Frame* after) {
    Frame frame;
    frame.index = picture.index;
    frame.timestamp = picture.timestamp;
    frame.time_s = picture.time_s;
    frame.duration_s = picture.duration_s;
    double w = before ? 0.0 : 1.0;  // the weight of `after`
    if (before && after && after->time_s > before->time_s)
        w = std::clamp((picture.time_s - before->time_s) / (after->time_s - before->time_s), 0.0,
                       1.0);
    if (!after) w = 0;
    auto blend = [&](cv::Mat Frame::*image) {
        const cv::Mat a = before ? before->*image : cv::Mat();
        const cv::Mat b = after ? after->*image : cv::Mat();
        if (!a.empty() && !b.empty() && a.size() == b.size() && a.type() == b.type())
            cv::addWeighted(a, 1 - w, b, w, 0, frame.*image);
        else
            frame.*image = (w < 0.5 && !a.empty() ? a : b).clone();
    };
    blend(&Frame::proxy_bgr);
    blend(&Frame::proxy_gray);
    blend(&Frame::proxy_smooth);
    blend(&Frame::detect_bgr);
    blend(&Frame::detect_gray);
    blend(&Frame::full_bgr);
    return frame;
}

// parallel_pipeline passes raw Item* between stages and, when any stage throws (an error, a
// cancellation, a consumer's exception), drops the items already made for other tokens
// without destroying them. So every Item is owned here from the first stage until the last
// stage takes it back; whatever is still registered when the pass unwinds is freed with the
// registry. One short lock per frame, next to decoding it, costs nothing measurable.
class ItemRegistry {
  public:
    Item* create() {
        auto item = std::make_unique<Item>();
        Item* raw = item.get();
        std::lock_guard lock(mutex_);
        live_.emplace(raw, std::move(item));
        return raw;
    }
    std::unique_ptr<Item> take(Item* item) {
        std::lock_guard lock(mutex_);
        auto it = live_.find(item);
        std::unique_ptr<Item> owned = std::move(it->second);
        live_.erase(it);
        return owned;
    }

  private:
    std::mutex mutex_;
    std::unordered_map<Item*, std::unique_ptr<Item>> live_;
};

// Decoded pictures handed from the decoding thread to the pipeline, at most `capacity`
// waiting. Either side can end it: the decoder at the end of the film (or on an error, kept
// for the pipeline to rethrow), the pipeline when it stops early.
class PictureQueue {
  public:
    explicit PictureQueue(std::size_t capacity) : capacity_(capacity) {}

    bool push(DecodedPicture picture) {
        std::unique_lock lock(mutex_);
        not_full_.wait(lock, [&] { return closed_ || pictures_.size() < capacity_; });
        if (closed_) return false;
        pictures_.push_back(std::move(picture));
        not_empty_.notify_one();
        return true;
    }
    void finish(std::exception_ptr error) {
        std::lock_guard lock(mutex_);
        finished_ = true;
        error_ = std::move(error);
        not_empty_.notify_all();
    }
    std::optional<DecodedPicture> pop() {
        std::unique_lock lock(mutex_);
        not_empty_.wait(lock, [&] { return finished_ || !pictures_.empty(); });
        if (pictures_.empty()) {
            if (error_) std::rethrow_exception(error_);
            return std::nullopt;
        }
        DecodedPicture picture = std::move(pictures_.front());
        pictures_.pop_front();
        not_full_.notify_one();
        return picture;
    }
    void close() {
        std::lock_guard lock(mutex_);
        closed_ = true;
        not_full_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable not_full_, not_empty_;
    std::deque<DecodedPicture> pictures_;
    std::size_t capacity_;
    bool finished_ = false, closed_ = false;
    std::exception_ptr error_;
};

// Runs the decoder on its own thread for the lifetime of this object, so that decoding
// never waits for a pipeline worker to come back to the serial first stage.
class DecodeAhead {
  public:
    DecodeAhead(VideoDecoder& decoder, std::size_t capacity)
        : queue_(capacity), thread_([this, &decoder] {
              std::exception_ptr error;
              try {
                  while (auto picture = decoder.next())
                      if (!queue_.push(std::move(*picture))) break;
              } catch (...) {
                  error = std::current_exception();
              }
              queue_.finish(error);
          }) {}
    ~DecodeAhead() {
        queue_.close();
        thread_.join();
    }
    std::optional<DecodedPicture> next() { return queue_.pop(); }

  private:
    PictureQueue queue_;
    std::thread thread_;
};

}  // namespace

std::int64_t run_pipeline(VideoDecoder& decoder, const PipelineOptions& options,
                          const FrameConsumer& consumer) {
    if (options.threads < 0 || options.threads > 256)
        throw_bad_usage("pipeline", "--threads must be between 0 and 256");
    if (options.tokens_per_thread < 1 || options.tokens_per_thread > 8)
        throw_bad_usage("pipeline", "tokens_per_thread must be between 1 and 8");
    const int threads = options.threads > 0
                            ? options.threads
                            : int(std::max(1u, std::thread::hardware_concurrency()));
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, std::size_t(threads));
    // Decode runs in its own serial stage while FFmpeg's frame threads work ahead, so a few
    // more tokens than workers keep every core busy.
    // Each token may hold a picture, and the decoding thread queues as many again: together
    // no more than the decoder's memory budget allows for pictures of this size.
    const std::size_t tokens = std::min(std::size_t(threads * options.tokens_per_thread + 2),
                                        std::max<std::size_t>(1, decoder.pictures_in_flight() / 2));
    const FeatureMask mask = options.features;

    ProgressBar bar(options.progress_label, decoder.info().frame_count, options.progress);
    std::int64_t delivered = 0;
    std::shared_ptr<const Frame> last_frame;
    std::shared_ptr<FrameFeatures> last_features;
    ItemRegistry items;  // declared after last_frame: frees leftovers first on unwinding
    DecodeAhead decoding(decoder, tokens);
    auto stopped = [&] { return options.stop && options.stop->load(std::memory_order_relaxed); };

    // TBB orders the stages, but TSan cannot see it (tsan_annotations.hpp).
    const char stage_sync = 0;
    tsan::release(&stage_sync);
    struct AcquireAfter {
        const char* sync;
        ~AcquireAfter() { tsan::acquire(sync); }
    } acquire_after{&stage_sync};
    tbb::parallel_pipeline(
        tokens,
        tbb::make_filter<
            void, Item*>(tbb::filter_mode::serial_in_order, [&](tbb::flow_control& fc) -> Item* {
            tsan::TaskScope scope(&stage_sync);
            throw_if_cancelled();
            auto picture = stopped() ? std::nullopt : decoding.next();
            std::vector<DecodedPicture> skipped;
            while (picture && picture->skipped) {
                skipped.push_back(std::move(*picture));
                picture = decoding.next();
            }
            if (!picture && skipped.empty()) {
                fc.stop();
                return nullptr;
            }
            Item* item = items.create();
            item->skipped = std::move(skipped);
            if (picture) item->picture = std::move(*picture);
            return item;
        }) & tbb::make_filter<Item*, Item*>(tbb::filter_mode::parallel, [&](Item* item) {
            tsan::TaskScope scope(&stage_sync);
            if (!item->picture.data()) return item;  // only skipped frames, at the end
            item->frame = std::make_shared<Frame>(decoder.convert(item->picture));
            item->picture = DecodedPicture();  // release the decoder's buffer early
            item->features =
                std::make_shared<FrameFeatures>(compute_frame_features(*item->frame, mask));
            return item;
        }) & tbb::make_filter<Item*, Item*>(tbb::filter_mode::serial_in_order, [&](Item* item) {
            tsan::TaskScope scope(&stage_sync);
            item->previous_frame = last_frame;
            item->previous_features = last_features;
            if (item->frame) {
                last_frame = item->frame;
                last_features = item->features;
            }
            return item;
        }) & tbb::make_filter<Item*, Item*>(tbb::filter_mode::parallel, [&](Item* item) {
            tsan::TaskScope scope(&stage_sync);
            std::shared_ptr<const Frame> previous_frame = item->previous_frame;
            std::shared_ptr<FrameFeatures> previous_features = item->previous_features;
            for (const DecodedPicture& picture : item->skipped) {
                if (!previous_frame && !item->frame) break;  // nothing decoded to fill from
                auto frame = std::make_shared<const Frame>(
                    fill_in(picture, item->previous_frame.get(), item->frame.get()));
                auto features =
                    std::make_shared<FrameFeatures>(compute_frame_features(*frame, mask));
                if (previous_frame)
                    compute_pair_features(*previous_frame, *previous_features, *frame, *features,
                                          mask);
                item->filled_frames.push_back(frame);
                item->filled_features.push_back(features);
                previous_frame = frame;
                previous_features = features;
            }
            if (item->frame && previous_frame)
                compute_pair_features(*previous_frame, *previous_features, *item->frame,
                                      *item->features, mask);
            return item;
        }) & tbb::make_filter<Item*, void>(tbb::filter_mode::serial_in_order, [&](Item* item) {
            tsan::TaskScope scope(&stage_sync);
            std::unique_ptr<Item> owned = items.take(item);
            for (std::size_t i = 0; i < item->filled_frames.size(); ++i) {
                if (stopped()) return;  // frames already in flight when the consumer stopped
                consumer(item->filled_frames[i], *item->filled_features[i]);
                ++delivered;
            }
            if (stopped()) return;
            if (item->frame) {
                consumer(item->frame, *item->features);
                ++delivered;
            }
            bar.update(delivered);
        }));
    last_frame.reset();
    last_features.reset();
    bar.finish();
    return delivered;
}

}  // namespace kinoglaz
