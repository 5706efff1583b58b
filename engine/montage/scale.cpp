#include <cstdlib>
#include <filesystem>
#include <memory>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "kinoglaz/montage_analysis.hpp"

namespace kinoglaz {

namespace {

std::string cascade_path() {
    if (const char* env = std::getenv("KINOGLAZ_FACE_CASCADE"); env && *env) return env;
    return "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";
}

// CascadeClassifier::detectMultiScale mutates internal buffers, so one instance must not be
// shared between threads: each thread loads its own, once.
cv::CascadeClassifier* detector() {
    thread_local std::unique_ptr<cv::CascadeClassifier> instance;
    thread_local bool tried = false;
    if (!tried) {
        tried = true;
        const std::string path = cascade_path();
        std::error_code ec;
        if (std::filesystem::is_regular_file(path, ec)) {
            auto c = std::make_unique<cv::CascadeClassifier>();
            if (c->load(path)) instance = std::move(c);
        }
    }
    return instance.get();
}

ShotScale scale_from_ratio(double r) {
    if (r >= 0.50) return ShotScale::extreme_close_up;
    if (r >= 0.28) return ShotScale::close_up;
    if (r >= 0.17) return ShotScale::medium_close_up;
    if (r >= 0.10) return ShotScale::medium;
    if (r >= 0.06) return ShotScale::medium_long;
    if (r >= 0.03) return ShotScale::long_;
    return ShotScale::extreme_long;
}

}  // namespace

ShotScale estimate_scale(const cv::Mat& keyframe_bgr) {
    if (keyframe_bgr.empty()) return ShotScale::unknown;
    cv::CascadeClassifier* cascade = detector();
    if (!cascade) return ShotScale::unknown;
    cv::Mat gray;
    if (keyframe_bgr.channels() == 3)
        cv::cvtColor(keyframe_bgr, gray, cv::COLOR_BGR2GRAY);
    else if (keyframe_bgr.channels() == 4)
        cv::cvtColor(keyframe_bgr, gray, cv::COLOR_BGRA2GRAY);
    else
        gray = keyframe_bgr;
    // Letterbox bars are not part of the picture: measure against the picture's own height.
    {
        int top = 0, bottom = gray.rows;
        auto dark_row = [&](int y) {
            double mx = 0;
            cv::minMaxLoc(gray.row(y), nullptr, &mx);
            return mx < 40;
        };
        while (top < bottom && dark_row(top)) ++top;
        while (bottom > top && dark_row(bottom - 1)) --bottom;
        if (bottom - top >= gray.rows / 4) gray = gray.rowRange(top, bottom).clone();
    }
    // Detection at ~480 px height is plenty for the scale bands and keeps it fast; the
    // smallest face searched (2.5 % of the height) is below the extreme_long band edge.
    const double f = gray.rows > 480 ? 480.0 / gray.rows : 1.0;
    if (f < 1.0) cv::resize(gray, gray, {}, f, f, cv::INTER_AREA);
    cv::equalizeHist(gray, gray);
    std::vector<cv::Rect> faces;
    const int min_side = std::max(12, int(gray.rows * 0.025));
    cascade->detectMultiScale(gray, faces, 1.1, 5, 0, {min_side, min_side});
    if (faces.empty()) return ShotScale::unknown;
    int tallest = 0;
    for (const auto& r : faces) tallest = std::max(tallest, r.height);
    return scale_from_ratio(double(tallest) / gray.rows);
}

}  // namespace kinoglaz
