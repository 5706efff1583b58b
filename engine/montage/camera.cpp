#include <algorithm>
#include <cmath>
#include <vector>

#include "kinoglaz/montage/montage_analysis.hpp"

namespace kinoglaz {

namespace {

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    auto mid = v.begin() + std::ptrdiff_t(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    double m = *mid;
    if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), mid)) / 2;
    return m;
}

// Robust spread: 1.4826 × median absolute deviation (σ for Gaussian data).
double mad_sigma(const std::vector<double>& v, double centre) {
    std::vector<double> d;
    d.reserve(v.size());
    for (double x : v) d.push_back(std::abs(x - centre));
    return 1.4826 * median(std::move(d));
}

// Share of samples that move (|v| > floor) in the direction of `sign`, among moving ones.
double agreement(const std::vector<double>& v, double sign, double floor) {
    int moving = 0, agree = 0;
    for (double x : v)
        if (std::abs(x) > floor) {
            ++moving;
            if (x * sign > 0) ++agree;
        }
    return moving == 0 ? 0 : double(agree) / moving;
}

}  // namespace

CameraMovement classify_camera(std::span<const MontageCollector::FrameRecord> frames,
                               const CameraOptions& o) {
    // Frame interval from the timestamps (variable frame rates are honoured), so that all
    // thresholds are per second.
    std::vector<double> dts;
    for (std::size_t i = 1; i < frames.size(); ++i) {
        double dt = frames[i].time_s - frames[i - 1].time_s;
        if (dt > 0) dts.push_back(dt);
    }
    const double dt = dts.empty() ? 1.0 / 25 : median(dts);

    // Pairs left out by the sampling of the camera's motion (motion 3) are taken to move as
    // the others do on average: the travels below are scaled up by the share they leave out.
    // Medians, spreads and shares need no such care.
    const auto sampled_out =
        std::count_if(frames.begin(), frames.end(), [](const auto& r) { return r.motion == 3; });
    const double travel_scale =
        sampled_out > 0 && std::size_t(sampled_out) < frames.size()
            ? double(frames.size()) / double(frames.size() - std::size_t(sampled_out))
            : 1.0;

    std::vector<double> vx, vy, vz, speed;
    double net_x = 0, net_y = 0, net_z = 0;
    for (std::size_t i = 0; i < frames.size(); ++i) {
        const auto& r = frames[i];
        if (r.motion == 0 || r.motion == 3) continue;
        // A flash or a gain step breaks brightness constancy, and with it the tracker: a
        // sudden luma change of more than 10 % makes that frame's motion unreliable.
        if (i > 0) {
            const double a = frames[i - 1].luma_mean + 10.0, b = r.luma_mean + 10.0;
            if (std::max(a, b) / std::min(a, b) > 1.1) continue;
        }
        vx.push_back(r.dx / dt);
        vy.push_back(r.dy / dt);
        // ln(scale) moves the frame border by about half a frame size × ln(scale): halve it
        // so that zoom speeds compare with pan speeds in frame sizes per second.
        vz.push_back(0.5 * r.log_scale / dt);
        speed.push_back(std::max({std::abs(vx.back()), std::abs(vy.back()), std::abs(vz.back())}));
        net_x += r.dx;
        net_y += r.dy;
        net_z += 0.5 * r.log_scale;
    }
    net_x *= travel_scale, net_y *= travel_scale, net_z *= travel_scale;
    if (vx.size() < 3) return CameraMovement::static_;

    const double mx = median(vx), my = median(vy), mz = median(vz);
    const double floor = o.static_speed;
    int moving = 0;
    for (double s : speed) moving += s > floor;
    const double moving_share = double(moving) / double(speed.size());

    // A burst: a whip pan or quick reframe inside an otherwise steady (or slowly drifting)
    // shot. The median does not see it; the travel of the fast frames does. Fast means well
    // above both an absolute speed and the shot's own typical speed, and the fast frames must
    // travel coherently (jitter goes back and forth). Checked first, so that a slow drift
    // does not hide it.
    {
        const double fast_speed = std::max(o.burst_speed, 3 * median(speed));
        double bx = 0, by = 0, bz = 0, path = 0;
        int fast = 0;
        for (std::size_t i = 0; i < speed.size(); ++i)
            if (speed[i] > fast_speed) {
                ++fast;
                bx += vx[i] * dt, by += vy[i] * dt, bz += vz[i] * dt;
                path += speed[i] * dt;
            }
        const double travel = std::max({std::abs(bx), std::abs(by), std::abs(bz)});
        if (fast > 0 && double(fast) < 0.5 * double(speed.size()) &&
            travel_scale * travel >= o.burst_travel && travel >= 0.6 * path)
            return CameraMovement::moving;
    }

    // Sustained, consistent motion: the median frame moves, and most moving frames agree.
    struct Axis {
        double median, net;
        const std::vector<double>* v;
        CameraMovement kind;
    };
    const Axis axes[3] = {{mx, net_x, &vx, CameraMovement::pan},
                          {my, net_y, &vy, CameraMovement::tilt},
                          {mz, net_z, &vz, CameraMovement::zoom}};
    auto threshold = [&](int a) { return a == 2 ? o.zoom_rate * 0.5 : o.pan_speed; };
    int strong = 0, best = -1;
    double best_ratio = 0;
    for (int a = 0; a < 3; ++a) {
        const double m = axes[a].median;
        const double ratio = std::abs(m) / threshold(a);
        if (ratio >= 1 && agreement(*axes[a].v, m, floor) >= o.consistency) {
            ++strong;
            if (ratio > best_ratio) best_ratio = ratio, best = a;
        }
    }
    if (best >= 0) {
        // Two strong components at once (pan + zoom, a diagonal track) read as "moving"
        // unless one clearly dominates.
        if (strong > 1) {
            int second = -1;
            double second_ratio = 0;
            for (int a = 0; a < 3; ++a) {
                if (a == best) continue;
                double r = std::abs(axes[a].median) / threshold(a);
                if (r >= 1 && r > second_ratio) second_ratio = r, second = a;
            }
            if (second >= 0 && second_ratio > 0.5 * best_ratio) return CameraMovement::moving;
        }
        return axes[best].kind;
    }

    // Jitter without a direction: a hand-held camera.
    const double spread = std::max(mad_sigma(vx, mx), mad_sigma(vy, my));
    if (spread >= o.jitter_speed && moving_share >= 0.3) return CameraMovement::handheld;

    // A slow but steady drift that covers a long way is a slow pan/tilt/zoom; a long way
    // without a steady direction is a moving camera.
    int far = 0;
    for (int a = 1; a < 3; ++a)
        if (std::abs(axes[a].net) > std::abs(axes[far].net)) far = a;
    if (std::abs(axes[far].net) >= o.burst_travel) {
        if (moving_share >= 0.5 && agreement(*axes[far].v, axes[far].net, floor) >= o.consistency)
            return axes[far].kind;
        return CameraMovement::moving;
    }
    return CameraMovement::static_;
}

}  // namespace kinoglaz
