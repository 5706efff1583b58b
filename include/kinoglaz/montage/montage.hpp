#pragma once
/// The montage model: shots, scenes, the shot graph, patterns and cut rhythm. Plain types;
/// the algorithms that fill them live in engine/montage as free functions.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <kinoglaz/analysis.hpp>
#include <kinoglaz/core.hpp>

namespace kinoglaz {

/// Shot scale, from extreme close-up to extreme long shot; names are the JSON strings.
enum class ShotScale {
    extreme_close_up,
    close_up,
    medium_close_up,
    medium,
    medium_long,
    long_,
    extreme_long,
    unknown
};
/// Camera movement within a shot; names are the JSON strings.
enum class CameraMovement { static_, pan, tilt, zoom, moving, handheld };

std::string_view to_string(ShotScale scale) noexcept;
std::string_view to_string(CameraMovement movement) noexcept;
/// The value named by its JSON string ("close_up", "long", "static", ...); nullopt otherwise.
std::optional<ShotScale> shot_scale_from_string(std::string_view name) noexcept;
std::optional<CameraMovement> camera_movement_from_string(std::string_view name) noexcept;

/// Appearance summary of a shot, robust to small motion and lighting changes.
struct ShotDescriptor {
    std::array<float, kHistBins> hist{};  ///< mean joint HSV histogram, sums to 1
    cv::Mat layout;           ///< colour layout: mean thumbnail (CV_32FC3, 8x8 Lab), or empty
    float brightness = 0;     ///< mean luma 0..255
    float colourfulness = 0;  ///< mean Hasler-Suesstrunk colourfulness
    float motion_energy = 0;  ///< mean motion-compensated difference, 0..1
};

/// One shot: the frames in which it is visible (shots joined by a gradual transition
/// overlap by that transition; black holds belong to no shot).
struct Shot {
    int index = 0;
    FrameRange frames;
    double start_time_s = 0;
    double end_time_s = 0;
    int scene = 0;
    int setup = 0;  ///< shots of the same camera set-up share this id
    ShotScale scale = ShotScale::unknown;
    CameraMovement camera = CameraMovement::static_;
    FrameIndex keyframe = 0;  ///< the most representative frame
    ShotDescriptor descriptor;
    bool scale_by_user = false;   ///< `scale` set by a person (rebuild): "scale_source": "user"
    bool camera_by_user = false;  ///< `camera` set by a person: "camera_source": "user"
    bool setup_by_user = false;   ///< `setup` set by a person: "setup_source": "user"
    bool scene_by_user = false;   ///< `scene` set by a person: "scene_source": "user"
    std::string note;             ///< a person's free-text note on the shot (ELAN "notes" tier)
    double length_s() const noexcept { return end_time_s - start_time_s; }
};

/// A story unit: consecutive shots [first_shot, last_shot].
struct Scene {
    int index = 0;
    int first_shot = 0;
    int last_shot = 0;
};

/// An edge of the shot graph. `kind` is "next", "similar" or "returns_to".
struct GraphEdge {
    int from = 0;
    int to = 0;
    std::string kind;
    double weight = 1;
};

/// A montage pattern. `kind` is "alternation", "insert", "return", "montage_sequence" or
/// "long_take".
struct Pattern {
    std::string kind;
    std::vector<int> shots;   ///< shot indices in order
    std::vector<int> setups;  ///< for alternation: the set-ups that alternate
};

/// Cut rhythm, the figures Cinemetrics users compare films by. Lengths in seconds.
struct Rhythm {
    int shot_count = 0;
    double asl_s = 0;         ///< average shot length
    double msl_s = 0;         ///< median shot length
    double std_s = 0;         ///< standard deviation of shot lengths
    double cv = 0;            ///< coefficient of variation std/asl
    double lognormal_mu = 0;  ///< maximum-likelihood lognormal fit of shot lengths
    double lognormal_sigma = 0;
    double window_s = 60;                 ///< width of the cuts-per-minute bins
    std::vector<double> cuts_per_minute;  ///< cuts in each window_s bin, scaled to per minute
    std::vector<double> cutting_curve;    ///< smoothed shot length at each shot, seconds
};

}  // namespace kinoglaz
