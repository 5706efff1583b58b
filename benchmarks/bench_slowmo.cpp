// Slow-motion quality: every other frame of a clip is dropped and rebuilt by kinoglaz's flow
// interpolation; PSNR / SSIM against the dropped originals. Given the output of another
// interpolator on the half-rate clip (e.g. ffmpeg minterpolate, as slowmo_quality.sh makes),
// its odd frames are scored by the same code.
// Usage: bench_slowmo ORIGINAL [OTHER_DOUBLED] [MAX_FRAMES=120]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include "kinoglaz/decoder.hpp"
#include "kinoglaz/reveal.hpp"

using namespace kinoglaz;

namespace {

std::vector<cv::Mat> load(const std::string& path, int max_frames) {
    DecodeOptions o;
    o.full_resolution = true;
    VideoDecoder dec(path, o);
    std::vector<cv::Mat> out;
    while (auto p = dec.next()) {
        out.push_back(dec.convert(*p).full_bgr);
        if (int(out.size()) >= max_frames) break;
    }
    return out;
}

// Structural similarity on luma (Wang et al. 2004: 11x11 Gaussian, σ 1.5).
double ssim(const cv::Mat& a, const cv::Mat& b) {
    cv::Mat x, y;
    cv::cvtColor(a, x, cv::COLOR_BGR2GRAY);
    cv::cvtColor(b, y, cv::COLOR_BGR2GRAY);
    x.convertTo(x, CV_32F);
    y.convertTo(y, CV_32F);
    const double c1 = 6.5025, c2 = 58.5225;
    cv::Mat mx, my, sxx, syy, sxy;
    auto blur = [](const cv::Mat& in, cv::Mat& out) { cv::GaussianBlur(in, out, {11, 11}, 1.5); };
    blur(x, mx);
    blur(y, my);
    blur(x.mul(x), sxx);
    blur(y.mul(y), syy);
    blur(x.mul(y), sxy);
    cv::Mat mx2 = mx.mul(mx), my2 = my.mul(my), mxy = mx.mul(my);
    sxx -= mx2, syy -= my2, sxy -= mxy;
    cv::Mat num = (2 * mxy + c1).mul(2 * sxy + c2), den = (mx2 + my2 + c1).mul(sxx + syy + c2);
    cv::Mat map;
    cv::divide(num, den, map);
    return cv::mean(map)[0];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_slowmo ORIGINAL [OTHER_DOUBLED] [MAX_FRAMES]\n");
        return 2;
    }
    int max_frames = argc > 3 ? std::atoi(argv[3]) : 120;
    cv::setNumThreads(2);
    auto orig = load(argv[1], max_frames);
    std::vector<cv::Mat> other;
    if (argc > 2 && std::string(argv[2]) != "-") other = load(argv[2], max_frames);
    // Scored on the dropped frames both interpolators rebuilt (odd ones, inside the clip).
    FrameInterpolator interp;
    double psnr = 0, ss = 0, secs = 0, p2 = 0, s2 = 0;
    int n = 0;
    for (std::size_t i = 0; i + 2 < orig.size(); i += 2) {
        const bool compared = i + 1 < other.size() && other[i + 1].size() == orig[i + 1].size();
        if (!other.empty() && !compared) continue;
        auto t0 = std::chrono::steady_clock::now();
        cv::Mat mid = interp.at(orig[i], orig[i + 2], 0.5);
        secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        psnr += cv::PSNR(mid, orig[i + 1]);
        ss += ssim(mid, orig[i + 1]);
        if (compared) {
            p2 += cv::PSNR(other[i + 1], orig[i + 1]);
            s2 += ssim(other[i + 1], orig[i + 1]);
        }
        ++n;
    }
    if (n == 0) {
        std::fprintf(stderr, "bench_slowmo: no frame to score\n");
        return 1;
    }
    std::printf("kinoglaz  %3d frames  PSNR %.2f dB  SSIM %.4f  %.1f ms/frame\n", n, psnr / n,
                ss / n, 1000 * secs / n);
    if (!other.empty())
        std::printf("other     %3d frames  PSNR %.2f dB  SSIM %.4f\n", n, p2 / n, s2 / n);
    return 0;
}
