#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <unordered_map>

#include <kinoglaz/core.hpp>
#include "kinoglaz/montage/montage_analysis.hpp"

namespace kinoglaz {

namespace {

constexpr int kLayoutValues = 8 * 8 * 3;

// Prepared::tone of a shot of several hues, and of a colourless one.
constexpr int kColours = -2, kGrey = -1;
// A shot is grey when less than this share of its histogram (the darkest band left out) is
// saturated (S >= 25 %), and of one tone when this share of its saturated part lies in two
// neighbouring hue bins (of 16: 45 degrees). A toned print's shots hold 0.994 or more there
// (dev films through a sepia matrix), warm real footage 0.95-0.99 (issue-195's jar).
constexpr double kGreyShare = 0.1, kToneShare = 0.99;
// A film is toned (sepia, amber, blue) when this share of its shots are of one tone, all
// within one hue bin of one or grey; a colour film's shots of one hue (a green forest, a red
// room) stay compared by their hues.
constexpr double kTonedFilmShare = 0.8;
// A shot this little colourful (Hasler-Suesstrunk) has no colour whatever the film: a
// black-and-white film's shots measure 0, the dev colour films' least colourful ones 10.7.
constexpr float kColourlessColourfulness = 3.0f;

// A descriptor in the form the distance needs: the histogram without its darkest value
// band (V < 25 %), renormalised, and the layout as a flat float array. Hue and saturation of
// near-black pixels are noise, and letterbox and pillarbox bars and black frames all fall
// there, so leaving that band out makes a boxed copy of a view compare with the original.
struct Prepared {
    std::array<float, kHistBins> hist{};
    std::array<float, kLayoutValues> layout{};
    bool has_layout = false;
    // The shot's colours in one hue or none: kGrey (colourless, a black-and-white film's
    // shot), a hue bin every colour lies near (a tinted or toned film's: sepia, amber), or
    // kColours. And the histogram summed over hue: saturation and value alone.
    int tone = kColours;
    std::array<float, kSatBins * kValBins> tones{};
    bool toned_film = false;  // most of the film's shots are of one tone (mark_toned_film)
    bool colourless = false;  // grey and not colourful: a black-and-white film's shot
};

Prepared prepare(const ShotDescriptor& d) {
    Prepared p;
    auto dark = [](int i) { return i % kValBins == 0; };  // bins are (h * S + s) * V + v
    double mass = 0;
    for (int i = 0; i < kHistBins; ++i)
        if (!dark(i)) mass += d.hist[std::size_t(i)];
    // A shot that is nearly all dark keeps every bin: there is nothing else to compare.
    const bool all = mass <= 0.05;
    if (all) {
        mass = 0;
        for (int i = 0; i < kHistBins; ++i) mass += d.hist[std::size_t(i)];
    }
    for (int i = 0; i < kHistBins; ++i)
        p.hist[std::size_t(i)] =
            (all || !dark(i)) && mass > 0 ? float(d.hist[std::size_t(i)] / mass) : 0.f;
    std::array<double, kHueBins> hue{};
    double saturated = 0;
    for (int i = 0; i < kHistBins; ++i) {
        const int h = i / (kSatBins * kValBins), sv = i % (kSatBins * kValBins);
        p.tones[std::size_t(sv)] += p.hist[std::size_t(i)];
        if (sv / kValBins == 0) continue;  // saturation band 0: grey
        hue[std::size_t(h)] += p.hist[std::size_t(i)];
        saturated += p.hist[std::size_t(i)];
    }
    if (saturated < kGreyShare) {
        p.tone = kGrey;
    } else {
        double best = 0;
        for (int h = 0; h < kHueBins; ++h) {
            const double near = hue[std::size_t(h)] + hue[std::size_t((h + 1) % kHueBins)];
            if (near > best) best = near, p.tone = h;
        }
        if (best < kToneShare * saturated) p.tone = kColours;
    }
    p.colourless = p.tone == kGrey && d.colourfulness < kColourlessColourfulness;
    if (!d.layout.empty() && d.layout.total() == 64 && d.layout.type() == CV_32FC3) {
        p.has_layout = true;
        const float* src = d.layout.ptr<float>(0);
        if (d.layout.isContinuous())
            std::copy(src, src + kLayoutValues, p.layout.begin());
        else
            for (int y = 0; y < 8; ++y)
                std::copy(d.layout.ptr<float>(y), d.layout.ptr<float>(y) + 24,
                          p.layout.begin() + y * 24);
    }
    return p;
}

// Histogram distance dominates: it ignores where things are, so it survives reframing,
// zooms, pillar-boxing and a rotated copy of the same view. The layout term separates views
// with the same palette but a different arrangement. Mean |ΔLab| of 40 (of 255) counts as 1.
constexpr double kHistWeight = 0.75;
constexpr double kLayoutScale = 40.0;
constexpr double kToneHistWeight = 0.5;

int hues_apart(int a, int b) {
    const int apart = std::abs(a - b);
    return std::min(apart, kHueBins - apart);
}

// Whether two shots are of one tone together: both colourless, or in a toned film both grey,
// one grey and one toned, or both toned in neighbouring hues.
bool one_tone(const Prepared& a, const Prepared& b) {
    if (a.colourless && b.colourless) return true;
    if (!a.toned_film || !b.toned_film || a.tone == kColours || b.tone == kColours) return false;
    return a.tone == kGrey || b.tone == kGrey || hues_apart(a.tone, b.tone) <= 1;
}

// Marks the shots of a toned film (kTonedFilmShare), whose hues tell its shots nothing.
void mark_toned_film(std::vector<Prepared>& shots) {
    std::array<int, kHueBins> toned{};
    int grey = 0;
    for (const Prepared& p : shots)
        if (p.tone == kGrey)
            ++grey;
        else if (p.tone >= 0)
            ++toned[std::size_t(p.tone)];
    int best = 0;
    for (int h = 0; h < kHueBins; ++h)
        best = std::max(best, toned[std::size_t((h + kHueBins - 1) % kHueBins)] +
                                  toned[std::size_t(h)] + toned[std::size_t((h + 1) % kHueBins)]);
    if (shots.empty() || grey + best < kTonedFilmShare * double(shots.size())) return;
    for (Prepared& p : shots) p.toned_film = true;
}

double distance(const Prepared& a, const Prepared& b) noexcept {
    float inter = 0;
    for (int i = 0; i < kHistBins; ++i)
        inter += std::min(a.hist[std::size_t(i)], b.hist[std::size_t(i)]);
    const double dh = std::clamp(1.0 - double(inter), 0.0, 1.0);
    if (!a.has_layout || !b.has_layout) return dh;
    if (one_tone(a, b)) {
        // Shots of one tone (a black-and-white or a toned film's): hue tells them nothing, the
        // layout's colour channels are flat. Their saturation and value and the lightness of
        // their layout tell views apart.
        float common = 0;
        for (std::size_t i = 0; i < a.tones.size(); ++i) common += std::min(a.tones[i], b.tones[i]);
        const double dt = std::clamp(1.0 - double(common), 0.0, 1.0);
        float diff = 0;
        for (int i = 0; i < kLayoutValues; i += 3)
            diff += std::abs(a.layout[std::size_t(i)] - b.layout[std::size_t(i)]);
        const double dl = std::min(1.0, double(diff) / (kLayoutValues / 3) / kLayoutScale);
        return kToneHistWeight * dt + (1 - kToneHistWeight) * dl;
    }
    float diff = 0;
    for (int i = 0; i < kLayoutValues; ++i)
        diff += std::abs(a.layout[std::size_t(i)] - b.layout[std::size_t(i)]);
    const double dl = std::min(1.0, double(diff) / kLayoutValues / kLayoutScale);
    return kHistWeight * dh + (1 - kHistWeight) * dl;
}

struct UnionFind {
    std::vector<int> parent;
    explicit UnionFind(int n) : parent(std::size_t(n)) {
        std::iota(parent.begin(), parent.end(), 0);
    }
    int find(int x) {
        while (parent[std::size_t(x)] != x)
            x = parent[std::size_t(x)] = parent[std::size_t(parent[std::size_t(x)])];
        return x;
    }
};

// Distances between shots near each other in time, computed once; others on demand.
class DistanceTable {
  public:
    DistanceTable(const std::vector<Shot>& shots, double window_s) {
        prepared_.reserve(shots.size());
        for (const auto& s : shots) prepared_.push_back(prepare(s.descriptor));
        mark_toned_film(prepared_);
        rows_.resize(shots.size());
        for (std::size_t i = 0; i < shots.size(); ++i)
            for (std::size_t j = i + 1; j < shots.size(); ++j) {
                if (shots[j].start_time_s - shots[i].end_time_s > window_s) break;
                rows_[i].push_back({int(j), float(distance(prepared_[i], prepared_[j]))});
            }
    }
    struct Entry {
        int j;
        float d;
    };
    const std::vector<Entry>& row(int i) const { return rows_[std::size_t(i)]; }
    double operator()(int i, int j) const {
        if (i > j) std::swap(i, j);
        const auto& r = rows_[std::size_t(i)];
        auto it =
            std::lower_bound(r.begin(), r.end(), j, [](const Entry& e, int v) { return e.j < v; });
        if (it != r.end() && it->j == j) return it->d;
        return distance(prepared_[std::size_t(i)], prepared_[std::size_t(j)]);
    }

  private:
    std::vector<Prepared> prepared_;
    std::vector<std::vector<Entry>> rows_;
};

// Average-linkage agglomeration restricted to pairs within the time window: pairs are
// merged closest first, and only while the mean distance between the two groups stays under
// the threshold, so that a chain of near neighbours cannot glue unlike views together.
std::vector<int> cluster_setups(const std::vector<Shot>& shots, const DistanceTable& dist,
                                double threshold, double window_s, const ViewLinks& views) {
    const int n = int(shots.size());
    struct Pair {
        float d;
        int i, j;
    };
    std::vector<Pair> pairs;
    for (int i = 0; i < n; ++i)
        for (const auto& e : dist.row(i)) {
            if (shots[std::size_t(e.j)].start_time_s - shots[std::size_t(i)].end_time_s > window_s)
                break;
            if (e.d < threshold) pairs.push_back({e.d, i, e.j});
        }
    std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) {
        return a.d != b.d ? a.d < b.d : (a.i != b.i ? a.i < b.i : a.j < b.j);
    });
    UnionFind uf(n);
    std::vector<std::vector<int>> members(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) members[std::size_t(i)] = {i};
    // Groups holding a pair known to show one view reframed (a cut-in) stay apart.
    auto apart = [&](int a, int b) {
        for (auto [i, j] : views.reframed) {
            const int ri = uf.find(i), rj = uf.find(j);
            if ((ri == a && rj == b) || (ri == b && rj == a)) return true;
        }
        return false;
    };
    auto join = [&](int a, int b) {
        if (members[std::size_t(a)].size() < members[std::size_t(b)].size()) std::swap(a, b);
        uf.parent[std::size_t(b)] = a;
        auto& ma = members[std::size_t(a)];
        ma.insert(ma.end(), members[std::size_t(b)].begin(), members[std::size_t(b)].end());
        members[std::size_t(b)].clear();
    };
    for (const auto& p : pairs) {
        int a = uf.find(p.i), b = uf.find(p.j);
        if (a == b) continue;
        double sum = 0;
        for (int x : members[std::size_t(a)])
            for (int y : members[std::size_t(b)]) sum += dist(x, y);
        const double mean =
            sum / double(members[std::size_t(a)].size() * members[std::size_t(b)].size());
        if (mean >= threshold || apart(a, b)) continue;
        join(a, b);
    }
    // Shots known to show one view share a set-up whatever their colours say.
    for (auto [i, j] : views.same)
        if (i >= 0 && j >= 0 && i < n && j < n && uf.find(i) != uf.find(j))
            join(uf.find(i), uf.find(j));
    // Ids in order of first appearance.
    std::vector<int> id(static_cast<std::size_t>(n), -1), setup(static_cast<std::size_t>(n));
    int next = 0;
    for (int i = 0; i < n; ++i) {
        int r = uf.find(i);
        if (id[std::size_t(r)] < 0) id[std::size_t(r)] = next++;
        setup[std::size_t(i)] = id[std::size_t(r)];
    }
    return setup;
}

// The set-ups a person fixed over the clustered ones (FixedSetups in montage_analysis.hpp).
std::vector<int> fix_setups(const std::vector<Shot>& shots, const std::vector<int>& cluster,
                            const FixedSetups& fixed) {
    const std::size_t n = shots.size();
    std::vector<std::optional<int>> key(n);
    std::map<int, std::map<int, int>> keys_of_cluster;  // cluster -> key -> fixed shots
    for (std::size_t i = 0; i < n; ++i)
        if (auto it = fixed.find(shots[i].frames.start); it != fixed.end()) {
            key[i] = it->second;
            ++keys_of_cluster[cluster[i]][it->second];
        }
    // Group of each shot: (0, key) when fixed or joining a key, (1, cluster) otherwise; ids in
    // order of first appearance.
    std::map<std::pair<int, int>, int> id;
    std::vector<int> setup(n);
    for (std::size_t i = 0; i < n; ++i) {
        std::pair<int, int> group{1, cluster[i]};
        if (key[i]) {
            group = {0, *key[i]};
        } else if (auto it = keys_of_cluster.find(cluster[i]); it != keys_of_cluster.end()) {
            const auto most =
                std::max_element(it->second.begin(), it->second.end(),
                                 [](const auto& a, const auto& b) { return a.second < b.second; });
            group = {0, most->first};
        }
        setup[i] = id.emplace(group, int(id.size())).first->second;
    }
    return setup;
}

// Inserts and returns, outside alternations (which hold both at every step): "insert" A X A,
// X one shot of another set-up no longer than scene_insert_max_s (a detail, a glance) that the
// film returns from at once; "return" A … A, the scene coming back to the set-up of a shot
// after two or more shots elsewhere (a digression closed). Both inside one scene.
void find_inserts_and_returns(Analysis& analysis, const MontageOptions& o) {
    const auto& shots = analysis.shots;
    const int n = int(shots.size());
    std::vector<bool> alternating(std::size_t(n), false);
    for (const auto& p : analysis.patterns)
        if (p.kind == "alternation")
            for (int i : p.shots) alternating[std::size_t(i)] = true;
    std::vector<Pattern> found;
    std::unordered_map<int, int> last_of_setup;
    for (int j = 0; j < n; ++j) {
        const Shot& shot = shots[std::size_t(j)];
        auto it = last_of_setup.find(shot.setup);
        if (it != last_of_setup.end() && it->second < j - 1 && !alternating[std::size_t(j)]) {
            const int i = it->second;
            const bool one_scene = shots[std::size_t(i)].scene == shot.scene;
            const Shot& between = shots[std::size_t(i + 1)];
            if (one_scene && j == i + 2 && between.length_s() <= o.scene_insert_max_s)
                found.push_back({"insert", {i, i + 1, j}, {shot.setup, between.setup}});
            else if (one_scene && j > i + 2) {
                std::vector<int> span(std::size_t(j - i + 1));
                std::iota(span.begin(), span.end(), i);
                found.push_back({"return", span, {shot.setup}});
            }
        }
        last_of_setup[shot.setup] = j;
    }
    analysis.patterns.insert(analysis.patterns.end(), found.begin(), found.end());
}

void find_alternations(const std::vector<Shot>& shots, const MontageOptions& o,
                       std::vector<Pattern>& out) {
    const int n = int(shots.size());
    std::vector<bool> used(std::size_t(n), false);
    auto setup = [&](int k) { return shots[std::size_t(k)].setup; };
    for (int p = 2; p <= o.alternation_max_setups; ++p) {
        const int min_len = std::max(o.alternation_min_shots, 2 * p);
        int k = 0;
        while (k + p < n) {
            // A run starts with p distinct set-ups and continues while each shot repeats the
            // set-up of the shot p before it.
            std::set<int> first;
            for (int q = k; q < k + p; ++q) first.insert(setup(q));
            if (int(first.size()) != p) {
                ++k;
                continue;
            }
            int end = k + p;
            while (end < n && setup(end) == setup(end - p)) ++end;
            bool free = true;
            for (int q = k; q < end; ++q) free = free && !used[std::size_t(q)];
            if (end - k >= min_len && free) {
                Pattern pat;
                pat.kind = "alternation";
                for (int q = k; q < end; ++q) {
                    pat.shots.push_back(q);
                    used[std::size_t(q)] = true;
                }
                for (int q = k; q < k + p; ++q) pat.setups.push_back(setup(q));
                std::sort(pat.setups.begin(), pat.setups.end());
                out.push_back(std::move(pat));
                k = end;
            } else {
                ++k;
            }
        }
    }
}

// Scenes as a segmentation of the shot sequence (correlation clustering on a line): every
// pair of shots within `scene_window_s` of each other votes for or against sharing a scene,
// and dynamic programming picks the boundaries that agree best with the votes. Shots of one
// set-up vote for (+1); shots that look like one place (distance below `scene_distance`) vote
// for, the more the closer; shots that look like another place vote against, weighed
// `scene_foreign_weight` times, so that a stretch of another place between two of one (an
// interlude, a scene elsewhere) separates them even when set-ups return across it. A
// boundary is never put inside an alternation or around an insert (A X A with X no longer
// than `scene_insert_max_s`), and always put where a gradual transition leads to another
// set-up.
std::vector<Scene> segment_scenes(const std::vector<Shot>& shots, const DistanceTable& dist,
                                  const std::vector<bool>& gradual_breaks,
                                  const std::vector<Pattern>& alternations,
                                  const MontageOptions& o) {
    const int n = int(shots.size());
    auto vote = [&](int i, int j) {
        if (shots[std::size_t(i)].setup == shots[std::size_t(j)].setup) return 1.0;
        const double d = dist(i, j), tau = o.scene_distance;
        if (d < tau) return (tau - d) / tau;
        return -o.scene_foreign_weight * (d - tau) / std::max(1e-9, 1 - tau);
    };
    // allowed[i]: a scene may start at shot i; forced[i]: one must.
    std::vector<bool> allowed(std::size_t(n), true), forced(std::size_t(n), false);
    for (int i = 1; i < n; ++i) {
        const bool gradual = i < int(gradual_breaks.size()) && gradual_breaks[std::size_t(i)];
        forced[std::size_t(i)] = gradual && o.gradual_splits_scenes &&
                                 shots[std::size_t(i)].setup != shots[std::size_t(i - 1)].setup;
    }
    for (int i = 1; i + 1 < n; ++i)
        if (shots[std::size_t(i - 1)].setup == shots[std::size_t(i + 1)].setup &&
            shots[std::size_t(i)].length_s() <= o.scene_insert_max_s)
            allowed[std::size_t(i)] = allowed[std::size_t(i + 1)] = false;
    for (const auto& p : alternations)
        if (p.kind == "alternation" && !p.shots.empty())
            for (int k = p.shots.front() + 1; k <= p.shots.back(); ++k)
                allowed[std::size_t(k)] = false;
    for (int i = 0; i < n; ++i)
        if (forced[std::size_t(i)]) allowed[std::size_t(i)] = true;

    // best[e]: the best score of shots [0, e); cost[s]: the votes inside [s, e) as e grows.
    std::vector<double> best(std::size_t(n) + 1, 0), cost(std::size_t(n), 0);
    std::vector<int> from(std::size_t(n) + 1, 0);
    int floor_start = 0;  // no scene may start before the last forced boundary
    for (int e = 1; e <= n; ++e) {
        const int j = e - 1;  // the shot joining every open segment
        if (forced[std::size_t(j)]) floor_start = j;
        double column = 0;  // votes of shots s..j-1 with j
        for (int s = j - 1; s >= floor_start; --s) {
            if (shots[std::size_t(j)].start_time_s - shots[std::size_t(s)].end_time_s <=
                o.scene_window_s)
                column += vote(s, j);
            cost[std::size_t(s)] += column;
        }
        cost[std::size_t(j)] = 0;
        best[std::size_t(e)] = -std::numeric_limits<double>::infinity();
        for (int s = j; s >= floor_start; --s) {
            if (s > 0 && !allowed[std::size_t(s)] && s != floor_start) continue;
            const double v = best[std::size_t(s)] + cost[std::size_t(s)];
            if (v > best[std::size_t(e)]) {
                best[std::size_t(e)] = v;
                from[std::size_t(e)] = s;
            }
        }
    }
    std::vector<Scene> scenes;
    for (int e = n; e > 0; e = from[std::size_t(e)])
        scenes.push_back({0, from[std::size_t(e)], e - 1});
    std::reverse(scenes.begin(), scenes.end());
    for (std::size_t k = 0; k < scenes.size(); ++k) scenes[k].index = int(k);
    return scenes;
}

}  // namespace

void validate_montage_options(const MontageOptions& o) {
    auto in01 = [](double v) { return v >= 0 && v <= 1; };
    if (!in01(o.setup_distance)) throw_bad_usage("montage", "setup_distance must be in [0, 1]");
    if (!in01(o.scene_distance)) throw_bad_usage("montage", "scene_distance must be in [0, 1]");
    if (!in01(o.similar_min)) throw_bad_usage("montage", "similar_min must be in [0, 1]");
    if (!(o.setup_window_s > 0)) throw_bad_usage("montage", "setup_window_s must be > 0");
    if (!(o.scene_window_s > 0)) throw_bad_usage("montage", "scene_window_s must be > 0");
    if (!(o.scene_foreign_weight > 0))
        throw_bad_usage("montage", "scene_foreign_weight must be > 0");
    if (!(o.scene_insert_max_s >= 0)) throw_bad_usage("montage", "scene_insert_max_s must be >= 0");
    if (o.similar_max_per_shot < 0) throw_bad_usage("montage", "similar_max_per_shot must be >= 0");
    if (o.alternation_min_shots < 3)
        throw_bad_usage("montage", "alternation_min_shots must be >= 3");
    if (o.alternation_max_setups < 2 || o.alternation_max_setups > 8)
        throw_bad_usage("montage", "alternation_max_setups must be between 2 and 8");
    if (o.montage_min_shots < 2) throw_bad_usage("montage", "montage_min_shots must be >= 2");
    if (!(o.montage_short_factor > 0) || !(o.montage_max_shot_s > 0))
        throw_bad_usage("montage", "montage_short_factor and montage_max_shot_s must be > 0");
    if (!(o.long_take_factor > 0) || o.long_take_min_s < 0)
        throw_bad_usage("montage", "long_take_factor must be > 0 and long_take_min_s >= 0");
    if (!(o.rhythm_window_s > 0)) throw_bad_usage("montage", "rhythm_window_s must be > 0");
    if (o.curve_half_window < 0) throw_bad_usage("montage", "curve_half_window must be >= 0");
    if (!(o.black_luma >= 0 && o.black_luma <= 255))
        throw_bad_usage("montage", "black_luma must be in [0, 255]");
    const CameraOptions& c = o.camera;
    if (!(c.static_speed > 0) || !(c.pan_speed > 0) || !(c.zoom_rate > 0) || !(c.burst_speed > 0) ||
        !(c.burst_travel > 0) || !(c.jitter_speed > 0))
        throw_bad_usage("montage", "camera speeds and travel must be > 0");
    if (!(c.consistency > 0 && c.consistency <= 1))
        throw_bad_usage("montage", "camera consistency must be in (0, 1]");
}

double shot_distance(const ShotDescriptor& a, const ShotDescriptor& b) noexcept {
    return distance(prepare(a), prepare(b));
}

void analyse_structure(Analysis& analysis, const MontageOptions& o,
                       const std::vector<bool>& gradual_breaks, const FixedSetups& fixed_setups,
                       const ViewLinks& views) {
    validate_montage_options(o);
    auto& shots = analysis.shots;
    const int n = int(shots.size());
    analysis.scenes.clear();
    analysis.edges.clear();
    analysis.patterns.clear();
    const double duration = analysis.source.duration_s > 0
                                ? analysis.source.duration_s
                                : (shots.empty() ? 0 : shots.back().end_time_s);
    analysis.rhythm = compute_rhythm(shots, duration, o.rhythm_window_s, o.curve_half_window);
    if (n == 0) return;
    for (int i = 0; i < n; ++i) shots[std::size_t(i)].index = i;

    const DistanceTable dist(shots, std::max(o.setup_window_s, o.scene_window_s));

    // --- set-ups ------------------------------------------------------------------------
    {
        std::vector<int> setup =
            cluster_setups(shots, dist, o.setup_distance, o.setup_window_s, views);
        if (!fixed_setups.empty()) setup = fix_setups(shots, setup, fixed_setups);
        for (int i = 0; i < n; ++i) shots[std::size_t(i)].setup = setup[std::size_t(i)];
    }

    // --- scenes: the set-ups' alternations first, since they hold scenes together.
    find_alternations(shots, o, analysis.patterns);
    analysis.scenes = segment_scenes(shots, dist, gradual_breaks, analysis.patterns, o);
    for (const auto& sc : analysis.scenes)
        for (int i = sc.first_shot; i <= sc.last_shot; ++i) shots[std::size_t(i)].scene = sc.index;

    // --- edges --------------------------------------------------------------------------
    for (int i = 0; i + 1 < n; ++i) analysis.edges.push_back({i, i + 1, "next", 1.0});
    for (int i = 0; i < n; ++i) {
        std::vector<std::pair<float, int>> best;
        for (const auto& e : dist.row(i)) {
            if (shots[std::size_t(e.j)].start_time_s - shots[std::size_t(i)].end_time_s >
                o.setup_window_s)
                break;
            if (e.j > i + 1 && 1.0 - e.d >= o.similar_min) best.push_back({e.d, e.j});
        }
        std::sort(best.begin(), best.end());
        if (int(best.size()) > o.similar_max_per_shot)
            best.resize(std::size_t(o.similar_max_per_shot));
        std::sort(best.begin(), best.end(), [](auto a, auto b) { return a.second < b.second; });
        for (auto [d, j] : best) analysis.edges.push_back({i, j, "similar", 1.0 - d});
    }
    {
        std::unordered_map<int, int> last_of_setup;
        for (int j = 0; j < n; ++j) {
            const int s = shots[std::size_t(j)].setup;
            auto it = last_of_setup.find(s);
            if (it != last_of_setup.end() && it->second < j - 1)
                analysis.edges.push_back({j, it->second, "returns_to", 1.0 - dist(it->second, j)});
            last_of_setup[s] = j;
        }
    }

    // --- patterns (alternations were found above) -----------------------------------------
    find_inserts_and_returns(analysis, o);
    const double msl = analysis.rhythm.msl_s;
    {
        const double short_s = std::min(o.montage_short_factor * msl, o.montage_max_shot_s);
        std::vector<int> run;
        std::set<int> seen;
        auto flush = [&] {
            if (int(run.size()) >= o.montage_min_shots)
                analysis.patterns.push_back({"montage_sequence", run, {}});
            run.clear();
            seen.clear();
        };
        for (int i = 0; i < n; ++i) {
            const auto& s = shots[std::size_t(i)];
            if (s.length_s() >= short_s) {
                flush();
                continue;
            }
            if (seen.count(s.setup)) flush();  // a return ends the run: montage does not return
            run.push_back(i);
            seen.insert(s.setup);
        }
        flush();
    }
    const double long_s = std::max(o.long_take_factor * msl, o.long_take_min_s);
    for (int i = 0; i < n; ++i)
        if (shots[std::size_t(i)].length_s() >= long_s)
            analysis.patterns.push_back({"long_take", {i}, {}});
}

}  // namespace kinoglaz
