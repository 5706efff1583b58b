#include "kinoglaz/analysis/features.hpp"

namespace kinoglaz {

std::vector<std::pair<std::string, double>> FrameFeatures::metrics() const {
    return {{"frame", double(index)},
            {"time_s", time_s},
            {"luma_mean", luma_mean},
            {"luma_std", luma_std},
            {"luma_p05", luma_p05},
            {"luma_p95", luma_p95},
            {"colourfulness", colourfulness},
            {"picture_x", picture.x},
            {"picture_y", picture.y},
            {"picture_width", picture.width},
            {"picture_height", picture.height},

            {"hist_dist", hist_dist},
            {"pixel_diff", pixel_diff},
            {"picture_diff", picture_diff},
            {"chroma_diff", chroma_diff},
            {"mc_diff", mc_diff},

            {"shift_dx", shift_dx},
            {"shift_dy", shift_dy},
            {"motion_dx", motion.dx},
            {"motion_dy", motion.dy},
            {"motion_scale", motion.scale},
            {"motion_inliers", motion.inlier_ratio},
            // 1 where montage's sampling left the pair out: its motion_* are not measures.
            {"motion_sampled_out", motion.sampled_out ? 1 : 0}};
}

}  // namespace kinoglaz
