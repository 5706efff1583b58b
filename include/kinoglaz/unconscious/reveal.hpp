#pragma once
/// Making the invisible visible: motion magnification (linear Eulerian and phase-based
/// Riesz), optical-flow slow motion, and the annotated "reveal" clips built from them.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>

#include <kinoglaz/decode.hpp>
#include "kinoglaz/unconscious/event.hpp"

namespace kinoglaz {

/// How motion is magnified.
enum class MagnifyMethod {
    eulerian,  ///< linear Eulerian (Wu et al. 2012): Laplacian pyramid + temporal band-pass,
               ///< amplified intensity changes; cheap, fine for small α (≲ 10)
    phase,     ///< phase-based on a Riesz pyramid (Wadhwa et al. 2014): amplifies local phase,
               ///< so large α (≲ 30) stays sharp and noise is not amplified
};

/// Parses "eulerian" or "phase"; nullopt otherwise.
std::optional<MagnifyMethod> magnify_method_from_string(const std::string& name) noexcept;

/// The temporal band used when none is given, from the clip's frame rate: 0.4 Hz up to
/// 0.4 × fps capped at 12 Hz (micro-gestures live there; Nyquist is fps / 2).
std::pair<double, double> default_band(double fps) noexcept;

/// Options of MotionMagnifier. Validated by its constructor (Error bad_usage, "magnify:").
struct MagnifyOptions {
    MagnifyMethod method = MagnifyMethod::phase;
    double alpha = 10;    ///< amplification of the in-band motion, 0..100
    double low_hz = 0.4;  ///< band-pass lower cut-off, Hz, > 0
    double high_hz = 8;   ///< band-pass upper cut-off, Hz, low_hz < high_hz < fps / 2
    double fps = 25;      ///< frame rate of the frames fed, > 0
    /// Eulerian only: spatial wavelength cut-off λc, pixels. Pyramid levels whose wavelength
    /// is shorter get a reduced α so that (1 + α)·δ stays below λ / 8 (Wu et al. eq. 14).
    double lambda_c_px = 16;
    /// Eulerian only: share of the amplification applied to the chroma channels (0..1).
    double chroma_attenuation = 0.1;
    /// Phase only: σ of the amplitude-weighted spatial smoothing of the band-passed phase, in
    /// pixels of each pyramid level (0..10); 0 = none. Noise in the phase of weak structure
    /// (grain, flat areas, compression noise on still edges) is what shimmers after
    /// amplification; the smoothing averages it away, normalised by the local orientation
    /// tensor so that textured content keeps its full amplification.
    double phase_sigma_px = 2;
    int levels = 0;  ///< pyramid levels; 0 = as many as the size allows (≤ 6)
};

/// Magnifies small motions in a stream of frames (all of one size, BGR CV_8UC3 or grey
/// CV_8UC1). Temporal filtering is a second-order Butterworth band-pass (IIR, streaming):
/// a sinusoidal motion at the band's centre frequency √(lo·hi) comes out with (1 + α) times
/// its amplitude and no delay; motion outside the band is left as it is.
///
/// Thread-safety: one instance per stream; process() uses all cores internally.
class MotionMagnifier {
  public:
    explicit MotionMagnifier(const MagnifyOptions& options);
    ~MotionMagnifier();
    MotionMagnifier(MotionMagnifier&&) noexcept;
    MotionMagnifier& operator=(MotionMagnifier&&) noexcept;

    /// Feeds the next frame and returns its magnified version (same size and type). The first
    /// frame comes back unchanged. Throws Error(bad_input) if the size or type changes.
    cv::Mat process(const cv::Mat& frame);

    const MagnifyOptions& options() const noexcept;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

/// Frame interpolation for slow motion from bidirectional dense optical flow (OpenCV DIS),
/// with occlusion-aware blending (forward-backward consistency).
///
/// Thread-safety: one instance per thread (it owns its DIS objects).
class FrameInterpolator {
  public:
    FrameInterpolator();
    ~FrameInterpolator();
    FrameInterpolator(FrameInterpolator&&) noexcept;
    FrameInterpolator& operator=(FrameInterpolator&&) noexcept;

    /// The `factor - 1` pictures between `a` and `b` at times j / factor, j = 1..factor-1
    /// (same size and type as the inputs, BGR CV_8UC3 or grey CV_8UC1). factor 1..64.
    std::vector<cv::Mat> between(const cv::Mat& a, const cv::Mat& b, int factor);

    /// One picture at time t ∈ [0, 1] between `a` (t = 0) and `b` (t = 1).
    cv::Mat at(const cv::Mat& a, const cv::Mat& b, double t);

    /// Estimates the flows between `a` and `b` once, for several blend() calls.
    void prepare(const cv::Mat& a, const cv::Mat& b);

    /// The same for pictures as their codec stores them; the flows come from the luma.
    void prepare(const PlanarPicture& a, const PlanarPicture& b);

    /// Takes the flows of `other`'s last prepare() instead of estimating them, for the pictures
    /// `a` and `b` of the same size: another view of the same two frames (the original of a
    /// magnified pair). Where the flows are trusted is still judged by a and b's own change,
    /// so a view whose motion they do not explain is blended unmoved there. Throws
    /// Error(bad_input) if `other` was not prepared for pictures of this size.
    void prepare_like(const FrameInterpolator& other, const cv::Mat& a, const cv::Mat& b);

    /// The picture at time t from the flows of the last prepare(a, b) (a and b must be the
    /// same pictures, or pictures aligned with them, of the same size). Values are rounded
    /// half up, as codecs round their bidirectional predictions.
    cv::Mat blend(const cv::Mat& a, const cv::Mat& b, double t) const;

    /// The same in the codec's own samples (chroma follows the luma's motion at half size):
    /// no colour conversion and its rounding stand between the source and the result, so
    /// what the codec itself averaged between two pictures comes out exactly.
    PlanarPicture blend(const PlanarPicture& a, const PlanarPicture& b, double t) const;

  private:
    void prepare_grey(cv::Mat a, cv::Mat b);

    struct State;
    std::unique_ptr<State> state_;
};

/// What one reveal clip shows. Validated by render_reveal (Error bad_usage, "reveal:").
struct RevealOptions {
    std::optional<double> start_s;  ///< first source time shown (default: the start)
    std::optional<double> end_s;    ///< end of the range (default: the end; at most 60 s
                                    ///< of source are rendered)
    int slow = 4;                   ///< slow-down factor K, 1..16 (1 = real time)
    double magnify = 10;            ///< α, 0..100 (0 = slow motion only)
    /// Hz (physical Hz with `capture_fps`); default_band(fps) of the file's rate when absent.
    std::optional<std::pair<double, double>> band;
    MagnifyMethod method = MagnifyMethod::phase;
    /// Region of interest in source display pixels; the clip shows this region (with some
    /// context) and draws its box. Default: the whole frame.
    std::optional<cv::Rect> roi;
    bool side_by_side = true;  ///< original (left) next to the processed view (right)
    /// The processed view alone, without overlays: footage to cut into an edit. Slowed only
    /// (α 0) over the whole picture, it keeps the source's size and samples (interpolated in
    /// its 4:2:0 planes, no colour conversion) where the source is shown as stored.
    bool clean = false;
    /// Longest side of each panel, 64..3840 pixels; 0 (the default) = the source's own size
    /// (a clip is projected: nothing is shrunk away), a small ROI enlarged to about 720
    /// pixels tall (at most 4x).
    int max_panel_px = 0;
    /// A small, fast version: panels of at most 480 pixels, four pyramid levels, the fastest
    /// encoder preset.
    bool preview = false;
    /// The rate the footage was shot at, frames per second (> 0), when it differs from the
    /// rate it plays at (high-speed or time-lapse footage): `band` is then in physical Hz of
    /// the scene (file Hz × capture_fps / file fps), its upper edge below capture_fps / 2, and
    /// the overlay gives physical Hz and the slow-down against real time.
    std::optional<double> capture_fps;
    int threads = 0;    ///< decoder threads; 0 = all cores
    std::string title;  ///< extra caption line (e.g. "event 3, score 0.91")
    /// A progress bar on stderr (when it is a terminal) named `progress_label`, counting the
    /// pictures written and giving the time spent decoding, magnifying, interpolating (slow
    /// motion) and encoding; empty: none.
    std::string progress_label;
};

/// Decodes INPUT over the range, magnifies and slows it, and writes an H.264 (libx264,
/// yuv420p) MP4 to `output_mp4` with the overlays: the ROI box, source timecode, slow-down
/// factor, α and band. Output frame k of the slowed clip is shown at exactly
/// K × (source time of its position − start), in the source's own time base.
/// Throws Error(bad_input) for unreadable input or an empty range, Error(bad_usage) for
/// invalid options, Error(io) when the file cannot be written.
void render_reveal(const std::string& input, const RevealOptions& options,
                   const std::string& output_mp4);

/// One picture of a live stream kept for a later reveal: BGR CV_8UC3 and its time, seconds
/// from any origin (only differences matter).
struct TimedPicture {
    cv::Mat bgr;
    double time_s = 0;
};

/// The same clip as render_reveal() for pictures held in memory (a live stream's last
/// seconds): `next` hands out the pictures in time order (all of one size, times strictly
/// increasing) and nullopt after the last; `fps` is their nominal rate (> 0). They are written
/// once, nearly losslessly, to a temporary file beside `output_mp4` (removed afterwards) and
/// rendered from it exactly as from a film; `options.start_s` and `end_s` are ignored (all pictures
/// are shown). Throws as render_reveal(); Error(bad_input) for fewer than two pictures.
void render_reveal(const std::function<std::optional<TimedPicture>()>& next, double fps,
                   const RevealOptions& options, const std::string& output_mp4);

/// What a clip's file name says was done to it, after its range or event number:
/// "_slow4x_magnify10x_4.5Hz" (slow-down when K > 1, α when > 0, then the band's centre
/// frequency when given), "_preview" for a preview; empty for a plain re-encoding.
std::string reveal_clip_suffix(int slow, double magnify, std::optional<double> band_hz,
                               bool preview);

/// Renders one reveal per event (the `max_clips` best by score) into
/// `out_dir/reveals/event-NNN<suffix>.mp4`, NNN being the event's position in `events` and the
/// suffix reveal_clip_suffix()'s (e.g. "reveals/event-003_slow4x_magnify10x_4.5Hz.mp4"), and
/// sets `Event::clip` to that relative path. Each clip covers the event with 0.5 s of context
/// either side, K = 4, α = 10 phase-based, the band centred on the event's peak frequency
/// (physical Hz when `capture_fps` is given, see RevealOptions::capture_fps). With `progress`,
/// each clip has its bar ("reveal 2/5"). Returns the number of clips written.
int render_event_reveals(const std::string& input, const SourceInfo& source,
                         std::vector<Event>& events, const std::string& out_dir, int max_clips = 10,
                         bool progress = false, std::optional<double> capture_fps = {});

}  // namespace kinoglaz
