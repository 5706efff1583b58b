// Slow-motion quality: every other frame of a clip is dropped and rebuilt by kinoglaz's flow
// interpolation in the clip's own 4:2:0 samples; PSNR / SSIM of the luma plane (the usual
// video measure, as FFmpeg's psnr and ssim filters report it) and PSNR of the chroma planes
// against the dropped originals. Given the output of another interpolator on the half-rate
// clip (e.g. ffmpeg minterpolate, as slowmo_quality.sh makes), its odd frames are scored by
// the same code.
// Usage: bench_slowmo ORIGINAL [OTHER_DOUBLED] [MAX_FRAMES=120]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include <kinoglaz/decode.hpp>
#include <kinoglaz/unconscious.hpp>

using namespace kinoglaz;

namespace {

std::vector<PlanarPicture> load(const std::string& path, int max_frames) {
    DecodeOptions o;
    o.full_planes = true;
    o.analysis_proxy = false;
    VideoDecoder dec(path, o);
    std::vector<PlanarPicture> out;
    while (auto p = dec.next()) {
        out.push_back(dec.convert(*p).full_planes);
        if (int(out.size()) >= max_frames) break;
    }
    return out;
}

// Structural similarity of one plane (Wang et al. 2004: 11x11 Gaussian, σ 1.5).
double ssim(const cv::Mat& a, const cv::Mat& b) {
    cv::Mat x, y;
    a.convertTo(x, CV_32F);
    b.convertTo(y, CV_32F);
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

// 10 log10(255² / MSE); infinite for identical pictures.
double psnr_of(double squared_error, double samples) {
    return squared_error > 0 ? 10 * std::log10(255.0 * 255.0 * samples / squared_error)
                             : std::numeric_limits<double>::infinity();
}

// The running sums of one interpolator's scores. PSNR is of the mean squared error over all
// frames (a frame rebuilt exactly would make a mean of per-frame PSNRs infinite).
struct Scores {
    double err_y = 0, n_y = 0, err_c = 0, n_c = 0, ssim_y = 0;
    void add(const PlanarPicture& got, const PlanarPicture& want) {
        auto sq = [](const cv::Mat& a, const cv::Mat& b) {
            const double e = cv::norm(a, b, cv::NORM_L2);
            return e * e;
        };
        err_y += sq(got.y, want.y);
        n_y += double(want.y.total());
        err_c += sq(got.cb, want.cb) + sq(got.cr, want.cr);
        n_c += double(want.cb.total() + want.cr.total());
        ssim_y += ssim(got.y, want.y);
    }
    void print(const char* name, int n) const {
        std::printf("%-9s %3d frames  PSNR-Y %.3f dB  SSIM-Y %.5f  PSNR-CbCr %.3f dB ", name, n,
                    psnr_of(err_y, n_y), ssim_y / n, psnr_of(err_c, n_c));
    }
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_slowmo ORIGINAL [OTHER_DOUBLED] [MAX_FRAMES]\n");
        return 2;
    }
    int max_frames = argc > 3 ? std::atoi(argv[3]) : 120;
    cv::setNumThreads(2);
    auto orig = load(argv[1], max_frames);
    std::vector<PlanarPicture> other;
    if (argc > 2 && std::string(argv[2]) != "-") other = load(argv[2], max_frames);
    // Scored on the dropped frames both interpolators rebuilt (odd ones, inside the clip).
    FrameInterpolator interp;
    Scores ours, theirs;
    double secs = 0;
    int n = 0;
    for (std::size_t i = 0; i + 2 < orig.size(); i += 2) {
        const bool compared = i + 1 < other.size() && other[i + 1].y.size() == orig[i + 1].y.size();
        if (!other.empty() && !compared) continue;
        auto t0 = std::chrono::steady_clock::now();
        interp.prepare(orig[i], orig[i + 2]);
        PlanarPicture mid = interp.blend(orig[i], orig[i + 2], 0.5);
        secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        ours.add(mid, orig[i + 1]);
        if (compared) theirs.add(other[i + 1], orig[i + 1]);
        ++n;
    }
    if (n == 0) {
        std::fprintf(stderr, "bench_slowmo: no frame to score\n");
        return 1;
    }
    ours.print("kinoglaz", n);
    std::printf("  %.1f ms/frame\n", 1000 * secs / n);
    if (!other.empty()) {
        theirs.print("other", n);
        std::printf("\n");
    }
    return 0;
}
