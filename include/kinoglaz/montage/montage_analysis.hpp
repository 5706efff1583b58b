#pragma once
/// Montage structure: turns per-frame features and the resolved transitions into shots,
/// set-ups, scenes, the shot graph, patterns, camera movement, shot scale and cut rhythm.
///
/// Flow: the pipeline's ordered stage pushes every FrameFeatures into a MontageCollector
/// (which keeps a compact record, not pixels); after the pass, once the transitions are
/// known, build_montage() fills `Analysis::shots`, `scenes`, `edges`, `patterns` and
/// `rhythm`. Everything except estimate_scale() works on numbers only.

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

#include <kinoglaz/analysis.hpp>
#include "kinoglaz/montage/analysis.hpp"
#include "kinoglaz/montage/montage.hpp"

namespace kinoglaz {

/// How the collector cuts its running colour sums into segments. Segments are split where
/// the picture changes (so that they rarely straddle a shot boundary) and at most every
/// `max_segment_frames`, so a boundary that no trigger saw costs at most that many frames.
struct MontageCollectorOptions {
    int max_segment_frames = 64;    ///< 2..100000 frames
    float split_hist_dist = 0.10f;  ///< FrameFeatures::hist_dist that starts a segment, 0..1
    float split_drift = 0.15f;      ///< histogram distance of a frame to the segment's mean
                                    ///< that starts a segment (gradual change), 0..1
    float split_luma_step = 10.0f;  ///< |Δ luma_mean| (0..255) to the previous frame or to
                                    ///< the segment's mean that starts a segment
};

/// Streaming summary of a film for the montage module.
///
/// Per frame it keeps one FrameRecord (48 bytes: time, a few scalars, the global motion and
/// a 2x2 colour signature); colour histograms and 8x8 colour layouts are kept as running
/// sums over segments (1.8 KB each; one per `max_segment_frames`, plus one or two per shot
/// change). A 2-hour film at 25 fps (180k frames, ~1,700 shots) needs about 9 MB of records
/// and 10 MB of segments (measured by bench_montage); call reserve() to avoid vector slack.
///
/// It does not know the transitions: build_montage() splits the segment sums at the shot
/// boundaries later. Thread-safety: push() from one thread at a time (the pipeline's ordered
/// consumer); the const accessors may be read concurrently once pushing has stopped.
/// A SegmentConsumer: a segmented pass splits and joins it at its restarts.
class MontageCollector final : public Joinable<MontageCollector> {
  public:
    /// Compact per-frame facts. Motion is normalised by the proxy size, so it does not
    /// depend on the analysis resolution.
    struct FrameRecord {
        double time_s = 0;          ///< FrameFeatures::time_s
        float luma_mean = 0;        ///< 0..255
        float colourfulness = 0;    ///< Hasler-Suesstrunk
        float mc_diff = 0;          ///< 0..1
        float dx = 0, dy = 0;       ///< content translation, fraction of proxy width / height
        float log_scale = 0;        ///< ln(GlobalMotion::scale); > 0 zooms in
        std::uint8_t luma_std = 0;  ///< spatial standard deviation of luma, 0..255
        std::uint8_t inlier = 0;    ///< GlobalMotion::inlier_ratio × 255
        /// 0: none, 1: GlobalMotion valid, 2: phase-correlation fallback, 3: not measured
        /// (GlobalMotion::sampled_out)
        std::uint8_t motion = 0;
        std::uint8_t key = 0;                 ///< 1: FrameFeatures::key (decoding can start here)
        std::array<std::uint8_t, 12> quad{};  ///< mean B,G,R of the 4 quadrants of thumb_bgr
    };

    /// Running sums of the colour summary over frames [start, end).
    struct Segment {
        FrameIndex start = 0;
        FrameIndex end = 0;
        double luma_sum = 0;                    ///< Σ luma_mean
        std::array<float, kHistBins> hist{};    ///< Σ FrameFeatures::hist
        std::array<float, 8 * 8 * 3> layout{};  ///< Σ 8x8 CIE Lab thumbnail (L, a, b: 0..255 scale)
    };

    explicit MontageCollector(const MontageCollectorOptions& options = {});

    /// Reserves room for `frames` records (e.g. the container's frame-count hint), so that
    /// a long film does not pay the vector's growth slack. Optional.
    void reserve(std::int64_t frames);

    /// Adds the next frame. Frames must arrive in order with consecutive indices (the first
    /// one may be > 0 when decoding a range); throws Error(internal) otherwise.
    void push(const FrameFeatures& features);
    /// push(features): the collector reads features only.
    void push(const Frame& frame, const FrameFeatures& features) override { push(features); }

    FrameIndex first_frame() const noexcept { return first_; }
    FrameIndex end_frame() const noexcept { return first_ + FrameIndex(frames_.size()); }
    std::int64_t frame_count() const noexcept { return std::int64_t(frames_.size()); }
    int proxy_width() const noexcept { return proxy_width_; }
    int proxy_height() const noexcept { return proxy_height_; }
    const std::vector<FrameRecord>& frames() const noexcept { return frames_; }
    const std::vector<Segment>& segments() const noexcept { return segments_; }
    /// The record of frame `index` (global index); index must be in [first_frame, end_frame).
    const FrameRecord& at(FrameIndex index) const { return frames_[std::size_t(index - first_)]; }
    /// Bytes held (records + segments), for memory checks.
    std::size_t memory_bytes() const noexcept;

    /// The frames that started a segment because of that frame and the one before it alone
    /// (a change of histogram or brightness), ascending: where the collector of a later
    /// segment of a segmented pass may take over.
    const std::vector<Restart>& restarts() const noexcept override { return restarts_; }

    /// Joins the collector of the next segment of a segmented pass (SegmentConsumer::take_over):
    /// keeps this collector's records and segments before its first restart at or after
    /// `from` and appends `next`'s from that restart on. Returns false when `next` passed that
    /// frame without the same restart.
    bool take_over(MontageCollector& next, FrameIndex from);

    /// A finished collector made again from what it held (montage_cache.hpp reads that back
    /// from an analysis folder): the records from frame `first` on, the segments and the proxy
    /// size. build_montage() gives the same result on it as on the original. Throws
    /// Error(bad_input, "montage cache: ...") when the segments do not lie in order inside the
    /// records' frames.
    static MontageCollector restore(FrameIndex first, int proxy_width, int proxy_height,
                                    std::vector<FrameRecord> frames, std::vector<Segment> segments);

  private:
    MontageCollectorOptions options_;
    FrameIndex first_ = 0;
    int proxy_width_ = 0, proxy_height_ = 0;
    std::vector<FrameRecord> frames_;
    std::vector<Segment> segments_;
    std::vector<Restart> restarts_;
};

/// Thresholds for camera movement, relative to the frame size and per second so they hold
/// at any resolution and frame rate. Speeds are in frame widths (x) or heights (y) per second.
struct CameraOptions {
    double static_speed = 0.02;  ///< median speed below this (and no burst) is static
    double pan_speed = 0.03;     ///< median |vx| at or above this may be a pan
    double zoom_rate = 0.04;     ///< median |d ln(scale)/dt| (per second) for a zoom
    double consistency = 0.6;    ///< share of moving frames agreeing in sign for pan/tilt/zoom
    double burst_speed = 0.5;    ///< frames faster than this belong to a burst (whip pan,
                                 ///< quick reframe)
    double burst_travel = 0.15;  ///< net travel (frame sizes) of a burst, or of a slow drift,
                                 ///< that makes an otherwise steady shot "moving"
    double jitter_speed = 0.04;  ///< robust spread of velocity above this (with no
                                 ///< consistent direction) is handheld
};

/// Everything build_montage() can tune. Validated by build_montage (Error bad_usage,
/// "montage: ...").
struct MontageOptions {
    // --- set-ups and similarity -----------------------------------------------------------
    /// Shots closer than this (shot_distance, 0..1) may share a set-up (average linkage).
    double setup_distance = 0.30;
    /// Set-ups are only sought among shots at most this far apart in time, seconds (> 0);
    /// this keeps the structure analysis O(shots × window) on long films.
    double setup_window_s = 600;
    /// "similar" edges join shots whose similarity (1 − distance) is at least this, 0..1.
    double similar_min = 0.65;
    /// Each shot keeps at most this many "similar" edges to later shots (the strongest), ≥ 0.
    int similar_max_per_shot = 5;
    // --- scenes (Yeung & Yeo's Scene Transition Graph) ----------------------------------
    /// Time window T of the time-constrained clustering: two shots can belong to one cluster
    /// only if the later one starts within T seconds of the earlier one's end (> 0).
    double scene_window_s = 45;
    /// Shots closer than this (0..1) look like one place and vote for sharing a scene; farther
    /// apart, they look like two places and vote against. Shots of one film's set-ups measured
    /// 0.29–0.76 apart, shots of different films 0.70–1.0 (median 0.90).
    double scene_distance = 0.72;
    /// Weight of a vote against (another place) relative to one for, > 0: a stretch elsewhere
    /// between two stretches of one place keeps them apart even when set-ups return across it.
    double scene_foreign_weight = 3.0;
    /// A shot between two shots of one set-up (A X A) that lasts at most this long, seconds
    /// (≥ 0), is an insert and stays in their scene however unlike it looks; a longer one
    /// elsewhere is an interlude and may stand alone.
    double scene_insert_max_s = 2.0;
    // --- set-ups seen again (local features of the keyframes) ----------------------------
    /// Two shots show one view when at least this many ORB matches (≥ 4) agree on one
    /// similarity transform (scale, rotation, shift) ...
    int view_min_inliers = 20;
    /// ... and they are at least this share of the matches that pass the ratio test, 0..1 ...
    double view_min_inlier_share = 0.3;
    /// ... then their fields of view (the active pictures, black bars left out) differ by
    /// less than this factor (> 1) in width and in height for one set-up; a closer or wider
    /// framing of one view (a cut-in, a cut-out) is another set-up.
    double view_max_zoom = 1.35;
    /// ... and the agreeing corners' bounding box covers at least this share of each picture,
    /// 0..1 (one object seen in two views matches in a small patch).
    double view_min_spread = 0.3;
    /// Each shot is compared with at most this many earlier shots (≥ 0), the closest in
    /// colour among those closer than `scene_distance` within `setup_window_s`.
    int view_candidates = 8;
    /// A gradual transition (dissolve, wipe, fade) starts a new scene — film grammar's mark of
    /// a change of place or time — unless the same set-up continues across it (a time-lapse
    /// dissolve inside a scene). Shots on either side are never joined into one scene.
    bool gradual_splits_scenes = true;
    // --- patterns -------------------------------------------------------------------------
    int alternation_min_shots = 4;      ///< A-B-A-B at least (≥ 3)
    int alternation_max_setups = 3;     ///< periods 2..this are searched (2..8)
    int montage_min_shots = 5;          ///< shortest run of short non-returning shots (≥ 2)
    double montage_short_factor = 0.6;  ///< "short": length < factor × MSL ...
    double montage_max_shot_s = 2.0;    ///< ... and < this many seconds
    double long_take_factor = 3.0;      ///< long take: length ≥ factor × MSL ...
    double long_take_min_s = 6.0;       ///< ... and ≥ this many seconds
    // --- rhythm ---------------------------------------------------------------------------
    double rhythm_window_s = 60;  ///< width of the cuts-per-minute bins, seconds (> 0)
    int curve_half_window = 4;    ///< cutting curve: centred moving average of 2k+1 shots
    // --- shots ----------------------------------------------------------------------------
    /// A frame is black when its mean luma (0..255) is below this and its spatial standard
    /// deviation below half of it (a dark but structured picture is not black). A shot whose
    /// frames are all black is a black hold, not a shot. Luma is the coded Y plane, so black
    /// is 16 in the usual video range (0 in full range): the default leaves room for both.
    double black_luma = 30;
    CameraOptions camera;
};

/// Set-ups a person fixed (`kinoglaz rebuild`), by the first frame of the shot: shots given
/// one key share a set-up, shots given different keys never do, and a shot not listed joins the
/// key most of the listed shots clustered with it have (else it keeps its own cluster). Set-up
/// ids stay numbered in order of first appearance. Empty: every set-up comes from the
/// descriptors.
using FixedSetups = std::map<FrameIndex, int>;

/// Throws Error(bad_usage, "montage: ...") when an option is out of range; call it before
/// decoding so that bad options fail before any work. build_montage() calls it too.
void validate_montage_options(const MontageOptions& options);

/// The features a MontageCollector needs from the pipeline: colour appearance and the
/// thumbnails' translation and compensated difference for the shot descriptors, sparse-flow
/// camera motion on every other pair for the camera labels.
constexpr FeatureMask montage_features() noexcept {
    return FeatureMask::basic | FeatureMask::appearance | FeatureMask::translation |
           FeatureMask::compensated_difference | FeatureMask::camera_motion |
           FeatureMask::sampled_camera_motion;
}

/// Fills `analysis.shots` (frames, times, keyframe, descriptor, camera, setup, scene),
/// `scenes`, `edges`, `patterns` and `rhythm` from `analysis.transitions` and the collector.
/// Shot `scale` is left `unknown` (analyze() sets it from each keyframe with estimate_scale()).
/// Replaces any previous montage
/// results. Deterministic; single-threaded.
///
/// Shots: a cut ends one shot and starts the next at its frame; a dissolve or wipe [s, e)
/// belongs to both (outgoing until e, incoming from s); a fade_out ends its shot at its end,
/// a fade_in starts its shot at its start, and the black hold between them (or any shot whose
/// frames are all black, see `black_luma`) is in no shot. Times are the frames' timestamps
/// (end: the time of the first frame after the shot, or the stream's duration at the end).
/// Keyframe: the clean (unmixed) frame closest to the shot's mean colour signature, avoiding
/// blur and flashes. Descriptor: means over the clean frames, leaving out segments whose
/// brightness is > 25 % off the shot's median (flashes, gain steps) while enough remains.
///
/// Graph edges: "next" i → i+1 (weight 1); "similar" i → j for j > i + 1 within
/// `setup_window_s`, weight = 1 − shot_distance ≥ `similar_min`, at most
/// `similar_max_per_shot` per shot; "returns_to" j → i where i is the latest earlier shot of
/// j's set-up and at least one other shot lies between them (weight = similarity).
/// Patterns: "alternation" — a run of ≥ `alternation_min_shots` (and ≥ 2 periods) in which
/// every shot repeats the set-up of the shot p before it, p = 2..alternation_max_setups distinct
/// set-ups (listed in `setups`, sorted); outside alternations and inside one scene, "insert" —
/// A X A, X one shot of another set-up ≤ `scene_insert_max_s` (`setups` A, X), and "return" —
/// A … A, the set-up of a shot again after two or more other shots (the span's shots,
/// `setups` A); "montage_sequence" — ≥ `montage_min_shots` consecutive
/// short shots with no set-up repeated; "long_take" — one shot ≥ max(long_take_factor × MSL,
/// long_take_min_s). Scenes: a segmentation of the shots by dynamic programming that agrees
/// best with the votes of the pairs within `scene_window_s` (one set-up: +1; colour distance
/// d below `scene_distance` τ: (τ − d)/τ; above: −`scene_foreign_weight` (d − τ)/(1 − τ)),
/// never inside an alternation or around an insert (`scene_insert_max_s`), always (with
/// `gradual_splits_scenes`) before a shot that follows a gradual transition (a dissolve, a
/// wipe, a fade) from another set-up.
void build_montage(Analysis& analysis, const MontageCollector& collector,
                   const MontageOptions& options = {}, const FixedSetups& fixed_setups = {});

/// Distance between two shot descriptors, 0 (identical) .. 1: 0.75 × the histogram distance
/// (1 − intersection) of the colour histograms without their darkest value band (V < 25 %,
/// where hue is noise and where letterbox and pillarbox bars fall), renormalised, plus
/// 0.25 × the mean absolute 8x8 Lab layout difference (40 levels of 255 count as 1, capped).
/// Without a layout on either side the histogram distance alone. Two colourless shots
/// (colourfulness under 3: a black-and-white film's) are compared instead by their histograms
/// summed over hue and their layouts' lightness, half and half; within a film, the shots of a
/// toned print (sepia, a tint) are too (analyse_structure). Symmetric.
double shot_distance(const ShotDescriptor& a, const ShotDescriptor& b) noexcept;

/// What local features say about pairs of shots (see ViewJoiner).
struct ViewLinks {
    std::vector<std::pair<int, int>> same;      ///< one view seen again: one set-up
    std::vector<std::pair<int, int>> reframed;  ///< one view closer or wider: two set-ups
};

/// The structure analysis on shots that already have frames, times and descriptors:
/// assigns `setup` and `scene` to each shot and fills the graph, patterns and rhythm.
/// `gradual_breaks[i]` (optional; empty or one per shot) is true when shot i follows a gradual
/// transition (dissolve, wipe, fade in or out). Used by build_montage(); public so it can be
/// run on synthetic descriptors. `fixed_setups`: as build_montage's.
/// `views` overrides colour for the pairs it lists: a pair in `same` shares a set-up, a pair
/// in `reframed` never does (nor do the groups holding them).
void analyse_structure(Analysis& analysis, const MontageOptions& options = {},
                       const std::vector<bool>& gradual_breaks = {},
                       const FixedSetups& fixed_setups = {}, const ViewLinks& views = {});

/// analyse_structure's `gradual_breaks` from a built analysis: shot i follows a gradual
/// transition that starts at its first frame, or a black hold (a gap after shot i − 1).
std::vector<bool> gradual_breaks_of(const Analysis& analysis);

/// Local features (ORB corners) of a shot's keyframe, for telling whether two shots show one
/// view. Positions are in units of the picture's width. Thread-safety: a pure function.
struct ViewFeatures {
    std::vector<cv::Point2f> points;
    cv::Mat descriptors;  ///< one 32-byte ORB descriptor per point (CV_8U rows)
    cv::Size size;        ///< the size the corners were found at
    cv::Rect2f active;    ///< the picture inside black bars, in units of the width
    cv::Mat picture;      ///< the active picture, grey, 160 px wide (for soft footage)
};
/// Of a keyframe in BGR or already in grey (one channel, as cv::COLOR_BGR2GRAY gives it).
ViewFeatures view_features(const cv::Mat& keyframe);

/// How two keyframes' views relate. `same`: enough local features agree on one similarity
/// transform, spread over the picture, with nearly one field of view (a recrop, a boxed copy,
/// the set-up in a later scene); `reframed`: fields of view `view_max_zoom` or more apart in
/// width or height (a
/// cut-in or cut-out: another set-up of one view); `unknown`: no such agreement.
enum class ViewRelation { unknown, same, reframed };
ViewRelation relate_views(const ViewFeatures& a, const ViewFeatures& b,
                          const MontageOptions& options);

/// Joins the set-ups of shots whose keyframes show one view and parts those that show one view
/// closer or wider. Colour descriptors cannot tell a cut-in from its wider shot, nor a recrop
/// from another set-up of the same place; local features can. The keyframes' features arrive
/// in shot order (add()) and each is compared, as it arrives, with the shots before it within
/// `setup_window_s` whose colours say "one place"; features older than that window are
/// dropped, so that memory follows the window, not the film's length (a two-hour film's
/// thousands of keyframes would otherwise hold ~46 KB each). finish() then recomputes
/// set-ups, scenes, graph and patterns with the pairs found. Deterministic; not thread-safe.
class ViewJoiner {
  public:
    /// ANALYSIS (its shots, colour descriptors and set-ups; finish() changes it) must outlive
    /// the joiner.
    explicit ViewJoiner(Analysis& analysis, const MontageOptions& options = {});
    /// Shot SHOT's keyframe features; shots come in increasing order, and a shot skipped
    /// (no keyframe could be decoded) is compared as one without features.
    void add(int shot, ViewFeatures view);
    /// Compares the shots not yet added and, when any pair was found, redoes the analysis's
    /// structure. Returns whether anything changed.
    bool finish();

  private:
    void compare(int shot, ViewFeatures view);
    Analysis& analysis_;
    MontageOptions options_;
    std::deque<std::pair<int, ViewFeatures>> window_;  // earlier shots still within reach
    int next_ = 0;                                     // the next shot to compare
    std::vector<std::pair<int, int>> same_, reframed_;
};

/// Cut rhythm of shots (sorted by start) over a film `duration_s` long: ASL, MSL, sample
/// standard deviation (n − 1), CV = std/ASL, ML lognormal fit (μ, σ with 1/n), cuts per
/// minute in `window_s` bins (a cut is the start of every shot but the first; the last,
/// partial bin is scaled by its true width) and the cutting curve (centred moving average
/// of ±half_window shot lengths, truncated at the ends).
Rhythm compute_rhythm(const std::vector<Shot>& shots, double duration_s, double window_s = 60,
                      int half_window = 4);

/// Camera movement of one shot from its per-frame records (`time_s`, `luma_mean`, the motion
/// fields and `motion` are read). Records with motion == 0, and records whose luma jumps by
/// more than 10 % from the previous one (a flash or gain step, where tracking fails), are
/// ignored; fewer than 3 usable ones give static_. In order of precedence:
///  - moving: a burst — frames faster than max(burst_speed, 3 × the median speed) cover less
///    than half the shot and travel at least burst_travel in a coherent direction (whip pan);
///  - pan / tilt / zoom: the median velocity on that axis reaches pan_speed (zoom_rate) and
///    at least `consistency` of the moving frames agree; two such axes of similar strength
///    give moving;
///  - handheld: robust spread (1.4826 × MAD) of velocity ≥ jitter_speed, 30 % frames moving;
///  - a slow drift with net travel ≥ burst_travel: pan/tilt/zoom when steady, else moving;
///  - static otherwise.
CameraMovement classify_camera(std::span<const MontageCollector::FrameRecord> frames,
                               const CameraOptions& options = {});

/// Shot scale from a keyframe (BGR, any size) by OpenCV's Haar frontal-face detectors
/// (opencv-data's haarcascade_frontalface_default.xml, confirmed by haarcascade_frontalface_alt2
/// on an overlapping box, and a box at least half skin-coloured in Cr/Cb; the folder is
/// /usr/share/opencv4/haarcascades or $KINOGLAZ_FACE_CASCADES). The default cascade searches
/// only the sizes around the faces that a loose LBP cascade (lbpcascades/lbpcascade_frontalface,
/// the same folder when that variable is set) screens: the same faces, a third of the CPU time.
/// The tallest confirmed face's
/// height h relative to the picture height H (the frame without letterbox bars, i.e. rows
/// with no pixel brighter than 40) gives the scale:
///   h/H ≥ 0.50 extreme_close_up; ≥ 0.28 close_up; ≥ 0.17 medium_close_up; ≥ 0.10 medium;
///   ≥ 0.06 medium_long; ≥ 0.03 long; smaller faces extreme_long.
/// Fallback: with no confirmed face (or no cascade file), `unknown` — scale is not guessed
/// from texture, since a faceless landscape and a faceless close-up of an object cannot be
/// told apart reliably that way. Thread-safe: each thread loads the cascades once.
/// KEYFRAME_GREY, where the caller has it, is the same picture in grey (cv::COLOR_BGR2GRAY),
/// then not converted again.
ShotScale estimate_scale(const cv::Mat& keyframe_bgr, const cv::Mat& keyframe_grey = {});

}  // namespace kinoglaz
