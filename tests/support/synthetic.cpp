#include "support/synthetic.hpp"

#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "support/run.hpp"

namespace kinoglaz::test {

cv::Mat make_scene(int seed, cv::Size size) {
    cv::RNG rng(std::uint64_t(seed) * 7919u + 17u);
    cv::Mat img(size, CV_8UC3);
    cv::Scalar base(rng.uniform(30, 220), rng.uniform(30, 220), rng.uniform(30, 220));
    img.setTo(base);
    for (int i = 0; i < 60; ++i) {
        cv::Point c(rng.uniform(0, size.width), rng.uniform(0, size.height));
        cv::Scalar col(rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255));
        int r = rng.uniform(size.height / 30 + 2, size.height / 5 + 3);
        if (i % 3 == 0)
            cv::rectangle(img, c, c + cv::Point(r, r / 2 + 1), col, cv::FILLED);
        else
            cv::circle(img, c, r, col, cv::FILLED, cv::LINE_AA);
    }
    cv::GaussianBlur(img, img, {3, 3}, 0);
    return img;
}

std::vector<cv::Mat> make_shot(const cv::Mat& scene, cv::Size size, int count, cv::Point2f from,
                               cv::Point2f step_px) {
    std::vector<cv::Mat> frames;
    for (int i = 0; i < count; ++i) {
        cv::Point2f at = from + step_px * float(i);
        cv::Mat m = (cv::Mat_<double>(2, 3) << 1, 0, -at.x, 0, 1, -at.y);
        cv::Mat f;
        cv::warpAffine(scene, f, m, size, cv::INTER_LINEAR, cv::BORDER_REFLECT);
        frames.push_back(f);
    }
    return frames;
}

cv::Mat mix(const cv::Mat& a, const cv::Mat& b, double alpha) {
    cv::Mat out;
    cv::addWeighted(a, alpha, b, 1.0 - alpha, 0.0, out);
    return out;
}

bool encode_video(const std::vector<cv::Mat>& frames, const std::string& path, double fps,
                  const std::string& extra) {
    if (frames.empty()) return false;
    char size[64];
    std::snprintf(size, sizeof size, "%dx%d", frames[0].cols, frames[0].rows);
    std::string cmd = "ffmpeg -loglevel error -y -f rawvideo -pix_fmt bgr24 -s " +
                      std::string(size) + " -r " + std::to_string(fps) + " -i - " + extra + " " +
                      shell_quote(path);
    FILE* pipe = popen(cmd.c_str(), "w");
    if (!pipe) return false;
    for (const auto& f : frames) {
        cv::Mat c = f.isContinuous() ? f : f.clone();
        std::fwrite(c.data, 1, c.total() * c.elemSize(), pipe);
    }
    return pclose(pipe) == 0;
}

}  // namespace kinoglaz::test
