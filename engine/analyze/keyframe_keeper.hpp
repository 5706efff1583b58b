#pragma once
// The keyframes of `analyze` taken from the pass's own decoding (internal to the analyze module).
//
// A consumer of the analysis pass. The shots are known only after the pass, but the montage
// collector restarts its segments where the picture jumps (a cut, a flash): between two such
// restarts (a stretch) the keeper holds a few of the decoded pictures by reference, the ones
// that pick_keyframe's measure (2x2 colour signature against the stretch's running mean, plus
// motion) likes best. When the stretch ends, its best one is analysed on a worker thread while
// the pass goes on (faces, view features, the JPEG), and only that small result is kept. After
// the pass, build_montage() chooses each shot's keyframe among the analysed frames that lie in
// its clean span; a shot with none (a dissolve between two shots does not restart the collector)
// is decoded again by seeking, as before.
//
// Memory: at most `held` pictures of the open stretch, the workers' queue and one
// full-size BGR picture per worker, whatever the length of the film.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <kinoglaz/analysis.hpp>
#include <kinoglaz/decode.hpp>
#include <kinoglaz/montage.hpp>

namespace kinoglaz {

/// What one analysed picture gave.
struct KeptKeyframe {
    ShotScale scale = ShotScale::unknown;
    ViewFeatures view;           ///< empty unless KeyframeKeeperOptions::views
    std::filesystem::path jpeg;  ///< the encoded picture; empty unless jpeg_folder was given
    /// With a jpeg_folder, `view` waits in this file of the keeper's until taken (~30 KB a
    /// picture: a long film's thousands of stretches would otherwise hold 100 MB and more).
    std::filesystem::path view_file;
};

struct KeyframeKeeperOptions {
    /// Analyse the chosen pictures (faces, view features, JPEG). Off: only choose the frames
    /// (the same ones, so that the keyframes do not depend on it), holding no picture.
    bool analyse = true;
    int workers = 1;  ///< threads analysing pictures, 1..16
    /// Pictures of the open stretch held at once, 1..16 (see held_per_stretch()).
    int held = 6;
    bool views = true;  ///< compute view_features() (set-up joining)
    /// Folder the JPEGs are written into, as files of the keeper's own (".pass-*.jpg", each
    /// renamed by its taker or removed by the keeper), and the view features until taken
    /// (".pass-*.view"); empty: no JPEG, the view features held in memory.
    std::filesystem::path jpeg_folder;
};

/// Thread-safety: push(), take_over() and finish() from one thread at a time (the pass's
/// ordered stage); the workers are its own.
class KeyframeKeeper final : public Joinable<KeyframeKeeper> {
  public:
    /// COLLECTOR is the same segment's montage collector, pushed each frame before this one;
    /// read only during push().
    KeyframeKeeper(const MontageCollector& collector, const KeyframeKeeperOptions& options);
    ~KeyframeKeeper() override;
    KeyframeKeeper(const KeyframeKeeper&) = delete;
    KeyframeKeeper& operator=(const KeyframeKeeper&) = delete;

    /// With `analyse`, a stretch whose chosen frame has no held picture (Frame::held) gives
    /// nothing.
    void push(const Frame& frame, const FrameFeatures& features) override;
    const std::vector<Restart>& restarts() const noexcept override { return restarts_; }
    bool take_over(KeyframeKeeper& next, FrameIndex from);

    /// Ends the last stretch (call once, at the end of the pass); its picture is analysed
    /// in the background.
    void finish();
    /// The frames chosen for analysis, ascending (those analysed, or in work).
    std::vector<FrameIndex> frames() const;
    /// How many pictures of a stretch to hold for a film of WIDTH x HEIGHT: 6 (enough that
    /// the frame pick_keyframe would choose over a whole shot is usually among them), fewer
    /// where 6 decoded pictures would pass 40 MB (3 at 4K).
    static int held_per_stretch(int width, int height) noexcept;
    /// Waits for every picture in work and takes the result of frame F (its JPEG is then the
    /// caller's); nullopt if it has none. Rethrows a worker's error.
    std::optional<KeptKeyframe> take(FrameIndex f);

  private:
    struct Held {
        FrameIndex frame = 0;
        std::array<std::uint8_t, 12> quad{};
        float motion = 0;  // mc_diff, 0 for the stretch's first frame (as pick_keyframe)
        std::shared_ptr<const HeldPicture> picture;
    };
    struct Job {
        FrameIndex frame = 0;
        std::shared_ptr<const HeldPicture> picture;
    };
    double cost(const Held& h) const;
    void close_stretch();
    void work();
    void wait_idle();
    void stop_workers();
    void drop(std::map<FrameIndex, KeptKeyframe>::iterator it);

    const MontageCollector* collector_;
    KeyframeKeeperOptions options_;
    std::uint64_t serial_;  // names this keeper's JPEGs apart from another segment's
    std::vector<Restart> restarts_;
    FrameIndex last_frame_ = -1;
    // The open stretch: its first frame, the sum of its frames' quads, its best pictures.
    FrameIndex stretch_start_ = -1;
    std::int64_t stretch_frames_ = 0;
    std::array<double, 12> quad_sum_{};
    std::vector<Held> held_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Job> queue_;
    int busy_ = 0;
    bool stopping_ = false;
    std::exception_ptr error_;
    std::map<FrameIndex, KeptKeyframe> results_;
    std::vector<FrameIndex> chosen_;  // ascending: results and pictures in work
    std::vector<std::thread> workers_;
};

}  // namespace kinoglaz
