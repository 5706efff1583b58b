#include <algorithm>
#include <cmath>
#include <tuple>

#include <kinoglaz/core.hpp>
#include "fade_detector.hpp"
#include "gradual_detector.hpp"
#include "hard_cut_detector.hpp"
#include "kinoglaz/analysis/detector.hpp"

namespace kinoglaz {

std::unique_ptr<TransitionDetector> make_detector(std::string_view name,
                                                  const DetectorOptions& options) {
    if (name == "hard_cut")
        return std::make_unique<detail::HardCutDetector>(
            detail::HardCutOptions{.fps = options.fps, .sensitivity = options.sensitivity});
    if (name == "gradual")
        return std::make_unique<detail::GradualDetector>(
            detail::GradualOptions{.fps = options.fps, .sensitivity = options.sensitivity});
    if (name == "fade")
        return std::make_unique<detail::FadeDetector>(
            detail::FadeOptions{.fps = options.fps, .sensitivity = options.sensitivity});
    throw_bad_usage("detectors", "unknown detector '" + std::string(name) + "'");
}

std::vector<std::string> detector_names() {
    return {"hard_cut", "fade", "gradual"};
}

DetectorBank::DetectorBank(const DetectorOptions& options, const std::vector<std::string>& names)
    : options_(options) {
    if (!(options.fps > 0 && std::isfinite(options.fps)))
        throw_bad_usage("detectors", "fps must be positive");
    if (!(options.sensitivity >= 0 && options.sensitivity <= 1))
        throw_bad_usage("detectors", "--sensitivity must be between 0 and 1");
    for (const auto& n : names) detectors_.push_back(make_detector(n, options));
}

FeatureMask DetectorBank::needs() const noexcept {
    FeatureMask mask = FeatureMask::basic;
    for (const auto& d : detectors_) mask = mask | d->needs();
    return mask;
}

int DetectorBank::max_delay_frames() const noexcept {
    int delay = 0;
    for (const auto& d : detectors_) delay = std::max(delay, d->max_delay_frames());
    return delay;
}

int DetectorBank::warm_up_frames() const noexcept {
    int history = 0;
    for (const auto& d : detectors_) history = std::max(history, d->warm_up_frames());
    return max_delay_frames() + history;
}

void DetectorBank::push(const FrameFeatures& features) {
    for (std::size_t d = 0; d < detectors_.size(); ++d) {
        detectors_[d]->push(features, out_);
        for (std::size_t k = 0; k < out_.size(); ++k)
            candidates_.push_back({out_[k], features.index, int(d), int(k)});
        out_.clear();
    }
}

void DetectorBank::flush(FrameIndex end) {
    for (std::size_t d = 0; d < detectors_.size(); ++d) {
        detectors_[d]->finish(end, out_);
        for (std::size_t k = 0; k < out_.size(); ++k)
            candidates_.push_back({out_[k], end, int(d), int(k)});
        out_.clear();
    }
}

std::vector<Transition> DetectorBank::finish(FrameIndex end, const std::vector<double>& times) {
    flush(end);
    auto result = resolve(std::move(candidates_), times);
    candidates_.clear();
    return result;
}

std::vector<Transition> DetectorBank::resolve(std::vector<Candidate> candidates,
                                              const std::vector<double>& times) const {
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& a, const Candidate& b) {
                         return std::tie(a.emitted, a.detector, a.order) <
                                std::tie(b.emitted, b.detector, b.order);
                     });
    std::vector<Transition> transitions;
    transitions.reserve(candidates.size());
    for (auto& c : candidates) transitions.push_back(std::move(c.transition));
    auto result = resolve_transitions(std::move(transitions), options_);
    auto time_of = [&](FrameIndex f) {
        if (f >= 0 && f < FrameIndex(times.size())) return times[std::size_t(f)];
        if (times.empty()) return 0.0;
        // One past the last frame: extrapolate by the last frame step.
        double step =
            times.size() > 1 ? times.back() - times[times.size() - 2] : 1.0 / options_.fps;
        return times.back() + step * double(f - FrameIndex(times.size()) + 1);
    };
    for (auto& t : result) {
        t.start_time_s = time_of(t.frames.start);
        t.end_time_s = time_of(t.frames.end);
    }
    return result;
}

std::vector<Transition> resolve_transitions(std::vector<Transition> candidates,
                                            const DetectorOptions& options) {
    auto by_start = [](const Transition& a, const Transition& b) {
        return std::tie(a.frames.start, a.frames.end) < std::tie(b.frames.start, b.frames.end);
    };
    std::sort(candidates.begin(), candidates.end(), by_start);
    std::vector<Transition> gradual, cuts;
    for (const auto& t : candidates) (t.gradual() ? gradual : cuts).push_back(t);

    // Overlapping gradual candidates: the more confident one stays.
    std::vector<Transition> kept_gradual;
    for (const auto& g : gradual) {
        if (!kept_gradual.empty() && g.frames.start < kept_gradual.back().frames.end) {
            if (g.confidence > kept_gradual.back().confidence) kept_gradual.back() = g;
            continue;
        }
        kept_gradual.push_back(g);
    }
    // A cut at the edge of or inside a gradual transition is that transition seen abruptly
    // (its last step, where the run ended a frame early, included: no shot lasts one frame).
    std::vector<Transition> kept_cuts;
    const FrameIndex min_gap = std::max<FrameIndex>(2, FrameIndex(std::lround(0.08 * options.fps)));
    for (const auto& c : cuts) {
        bool inside =
            std::any_of(kept_gradual.begin(), kept_gradual.end(), [&](const Transition& g) {
                return c.frames.start >= g.frames.start - 1 && c.frames.start <= g.frames.end + 1;
            });
        if (inside) continue;
        if (!kept_cuts.empty() && c.frames.start - kept_cuts.back().frames.start < min_gap) {
            if (c.confidence > kept_cuts.back().confidence) kept_cuts.back() = c;
            continue;
        }
        kept_cuts.push_back(c);
    }
    std::vector<Transition> out = kept_cuts;
    out.insert(out.end(), kept_gradual.begin(), kept_gradual.end());
    std::sort(out.begin(), out.end(), by_start);
    return out;
}

}  // namespace kinoglaz
