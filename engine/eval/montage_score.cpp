#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include <kinoglaz/core.hpp>
#include "kinoglaz/eval.hpp"
#include "kinoglaz/internal/json_number.hpp"

namespace kinoglaz {

namespace {

// The truth shot holding `frame`, or -1.
int truth_shot_at(const MontageFacts& truth, FrameIndex frame) {
    const auto it = std::upper_bound(
        truth.shots.begin(), truth.shots.end(), frame,
        [](FrameIndex f, const MontageFacts::Shot& s) { return f < s.frames.start; });
    if (it == truth.shots.begin()) return -1;
    const auto& shot = *std::prev(it);
    return shot.frames.contains(frame) ? int(std::prev(it) - truth.shots.begin()) : -1;
}

// Each predicted shot's truth shot (by its middle frame), -1 where none.
std::vector<int> map_shots(const MontageFacts& truth, const MontageFacts& predicted) {
    std::vector<int> out;
    for (const auto& s : predicted.shots)
        out.push_back(truth_shot_at(truth, (s.frames.start + s.frames.end - 1) / 2));
    return out;
}

}  // namespace

MontageScore& MontageScore::operator+=(const MontageScore& o) noexcept {
    scene_boundaries += o.scene_boundaries;
    alternations += o.alternations;
    setup_pairs += o.setup_pairs;
    return *this;
}

MontageFacts parse_montage_facts(const std::string& text, const std::string& origin) {
    const auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) throw_bad_input(origin, "not a JSON object");
    MontageFacts facts;
    try {
        if (auto it = doc.find("shots"); it != doc.end() && it->is_array())
            for (const auto& s : *it) {
                MontageFacts::Shot shot;
                shot.frames = {detail::json_number<FrameIndex>(s.at("start_frame")),
                               detail::json_number<FrameIndex>(s.at("end_frame"))};
                if (auto g = s.find("group"); g != s.end() && g->is_string())
                    shot.setup = g->get<std::string>();
                else if (auto u = s.find("setup"); u != s.end() && u->is_number_integer())
                    shot.setup = std::to_string(u->get<long long>());
                facts.shots.push_back(shot);
            }
        std::sort(facts.shots.begin(), facts.shots.end(),
                  [](const auto& a, const auto& b) { return a.frames.start < b.frames.start; });
        if (auto it = doc.find("scenes"); it != doc.end() && it->is_array())
            for (const auto& s : *it)
                facts.scene_first_shots.push_back(s.at("first_shot").get<int>());
        std::sort(facts.scene_first_shots.begin(), facts.scene_first_shots.end());
        auto add_runs = [&](const nlohmann::json& list, bool patterns) {
            for (const auto& r : list) {
                if (patterns && r.value("kind", std::string()) != "alternation") continue;
                if (auto sh = r.find("shots"); sh != r.end() && sh->is_array())
                    facts.alternations.push_back(sh->get<std::vector<int>>());
            }
        };
        if (auto it = doc.find("alternations"); it != doc.end() && it->is_array())
            add_runs(*it, false);
        else if (auto p = doc.find("patterns"); p != doc.end() && p->is_array())
            add_runs(*p, true);
    } catch (const nlohmann::json::exception& e) {
        throw_bad_input(origin, std::string("malformed montage: ") + e.what());
    } catch (const detail::BadJsonNumber& e) {
        throw_bad_input(origin, std::string("malformed montage: ") + e.what());
    }
    return facts;
}

MontageScore score_montage(const MontageFacts& truth, const MontageFacts& predicted) {
    MontageScore score;
    const std::vector<int> to_truth = map_shots(truth, predicted);
    auto truth_of = [&](int shot) {
        return shot >= 0 && shot < int(to_truth.size()) ? to_truth[std::size_t(shot)] : -1;
    };

    // Scene openings, the first scene's excepted (it opens at the film's start either way).
    std::set<int> openings(truth.scene_first_shots.begin(), truth.scene_first_shots.end());
    openings.erase(0);
    std::set<int> found;
    for (int first : predicted.scene_first_shots) {
        if (first == 0) continue;
        const int t = truth_of(first);
        if (openings.count(t) && found.insert(t).second)
            ++score.scene_boundaries.true_positives;
        else
            ++score.scene_boundaries.false_positives;
    }
    score.scene_boundaries.false_negatives = int(openings.size() - found.size());

    // Alternations: one predicted run per truth run at most, and the other way round.
    std::vector<std::set<int>> predicted_runs;
    for (const auto& run : predicted.alternations) {
        std::set<int> mapped;
        for (int s : run) mapped.insert(truth_of(s));
        mapped.erase(-1);
        predicted_runs.push_back(mapped);
    }
    std::vector<bool> used(predicted_runs.size(), false);
    for (const auto& run : truth.alternations) {
        const std::set<int> want(run.begin(), run.end());
        bool hit = false;
        for (std::size_t k = 0; k < predicted_runs.size() && !hit; ++k) {
            if (used[k] || predicted_runs[k].empty()) continue;
            const auto inside =
                double(std::count_if(predicted_runs[k].begin(), predicted_runs[k].end(),
                                     [&](int s) { return want.count(s) > 0; }));
            if (inside >= 0.75 * double(want.size()) &&
                inside >= 0.75 * double(predicted_runs[k].size()))
                hit = used[k] = true;
        }
        ++(hit ? score.alternations.true_positives : score.alternations.false_negatives);
    }
    score.alternations.false_positives = int(std::count(used.begin(), used.end(), false));

    // Set-up pairs over predicted shots on distinct truth shots with a known set-up.
    for (std::size_t i = 0; i < predicted.shots.size(); ++i)
        for (std::size_t j = i + 1; j < predicted.shots.size(); ++j) {
            const int ti = to_truth[i], tj = to_truth[j];
            if (ti < 0 || tj < 0 || ti == tj) continue;
            const auto &a = truth.shots[std::size_t(ti)].setup,
                       &b = truth.shots[std::size_t(tj)].setup;
            if (a.empty() || b.empty() || predicted.shots[i].setup.empty()) continue;
            const bool same_truth = a == b;
            const bool same_pred = predicted.shots[i].setup == predicted.shots[j].setup;
            if (same_pred && same_truth)
                ++score.setup_pairs.true_positives;
            else if (same_pred)
                ++score.setup_pairs.false_positives;
            else if (same_truth)
                ++score.setup_pairs.false_negatives;
        }
    return score;
}

}  // namespace kinoglaz
