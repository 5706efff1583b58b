// The set-up graph for Graphviz: the film's camera set-ups as a scholar reads a scene (Yeung &
// Yeo's scene transition graph), each with a thumbnail, grouped by scene.
//
// A set-up seen in several scenes (a cross-cut place, a recurring view) is drawn once per scene
// it appears in, with the same thumbnail: every cluster then holds exactly its scene's shots and
// cuts and can be read on its own, in film order, and the same still in two clusters tells the
// reader it is the same view. (Putting it only in the scene where it has most time would draw
// its shots elsewhere as edges across the page and leave the other scenes incomplete.)

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "export_detail.hpp"
#include "kinoglaz/export.hpp"

namespace kinoglaz {

namespace {

using detail::decimal;
using detail::dot_quote;

// Node box in inches; the thumbnail fills its width and the two label lines sit under it.
constexpr double kNodeWidthIn = 1.7;
constexpr double kLabelHeightIn = 0.42;
// The whole drawing aims at a landscape page (width / height).
constexpr double kPageAspect = 1.7;

// "m:ss" for labels; hours fold into minutes.
std::string short_clock(double seconds) {
    const long s = std::lround(std::max(0.0, seconds));
    return std::to_string(s / 60) + ":" + (s % 60 < 10 ? "0" : "") + std::to_string(s % 60);
}

std::string node_id(int setup, int scene) {
    std::string id = "u";  // appended, not "u" + ...: GCC 12 warns falsely (-Wrestrict)
    id += std::to_string(setup);
    id += "_c";
    id += std::to_string(scene);
    return dot_quote(id);
}

std::string list(const std::vector<int>& v) {
    std::string out;
    for (int x : v) out += (out.empty() ? "" : ", ") + std::to_string(x);
    return out;
}

// The shot whose appearance is closest to its set-up's mean (L1 distance of the joint HSV
// histograms; the longer shot on a tie), among the shots with a keyframe image. -1 if none.
std::map<int, int> representative_shots(const Analysis& a, const std::set<int>* with_image) {
    std::map<int, std::vector<const Shot*>> by_setup;
    for (const auto& s : a.shots)
        if (!with_image || with_image->count(s.index)) by_setup[s.setup].push_back(&s);
    std::map<int, int> out;
    for (const auto& [setup, shots] : by_setup) {
        std::array<double, kHistBins> mean{};
        for (const Shot* s : shots)
            for (std::size_t b = 0; b < mean.size(); ++b) mean[b] += s->descriptor.hist[b];
        for (double& m : mean) m /= double(shots.size());
        auto distance = [&](const Shot* s) {
            double d = 0;
            for (std::size_t b = 0; b < mean.size(); ++b)
                d += std::abs(s->descriptor.hist[b] - mean[b]);
            return d;
        };
        const Shot* best = *std::min_element(shots.begin(), shots.end(), [&](auto* x, auto* y) {
            const double dx = distance(x), dy = distance(y);
            return dx != dy ? dx < dy : x->length_s() > y->length_s();
        });
        out[setup] = best->index;
    }
    return out;
}

// One node: a set-up within one scene.
struct SetupInScene {
    std::vector<int> shots;  // shot indices, in film order
    double seconds = 0;      // screen time of those shots
};

struct SceneGroup {
    int scene = 0;
    std::vector<int> setups;                  // in order of first appearance
    std::map<int, SetupInScene> nodes;        // by set-up
    std::map<std::pair<int, int>, int> cuts;  // (from set-up, to set-up) -> count
    double start_s = 0, end_s = 0;
    int shots = 0;
};

// Columns of scene clusters that make the drawing closest to kPageAspect, from each cluster's
// size estimated as dot draws a scene top to bottom: about one rank per set-up (each reached by
// a cut from an earlier one), rarely more than two set-ups side by side.
int columns_for(const std::vector<SceneGroup>& scenes, double node_h) {
    if (scenes.empty()) return 1;
    double cell_w = 0, cell_h = 0;
    for (const auto& g : scenes) {
        const int n = int(g.setups.size());
        cell_w = std::max(cell_w, (n > 1 ? 1.5 : 1.0) * (kNodeWidthIn + 0.3) + 0.4);
        cell_h = std::max(cell_h, n * (node_h + 0.35) + 0.8);
    }
    const int count = int(scenes.size());
    int best = 1;
    double best_err = 1e300;
    for (int cols = 1; cols <= count; ++cols) {
        const int rows = (count + cols - 1) / cols;
        const double err = std::abs(std::log(cols * cell_w / (rows * cell_h) / kPageAspect));
        if (err < best_err) best = cols, best_err = err;
    }
    return best;
}

}  // namespace

std::string setupgraph_dot(const Analysis& a,
                           const std::optional<std::vector<int>>& shots_with_keyframes) {
    std::set<int> with_image;
    if (shots_with_keyframes)
        with_image.insert(shots_with_keyframes->begin(), shots_with_keyframes->end());
    const std::map<int, int> representative =
        representative_shots(a, shots_with_keyframes ? &with_image : nullptr);

    // Scenes in film order (of their first shot); a cut joins consecutive shots of one scene.
    std::vector<SceneGroup> scenes;
    std::map<int, std::size_t> scene_at;
    std::map<int, std::set<int>> scenes_of_setup;
    for (std::size_t i = 0; i < a.shots.size(); ++i) {
        const Shot& s = a.shots[i];
        auto [it, fresh] = scene_at.emplace(s.scene, scenes.size());
        if (fresh) {
            scenes.emplace_back();
            scenes.back().scene = s.scene;
            scenes.back().start_s = s.start_time_s;
        }
        SceneGroup& g = scenes[it->second];
        if (!g.nodes.count(s.setup)) g.setups.push_back(s.setup);
        SetupInScene& n = g.nodes[s.setup];
        n.shots.push_back(s.index);
        n.seconds += s.length_s();
        g.start_s = std::min(g.start_s, s.start_time_s);
        g.end_s = std::max(g.end_s, s.end_time_s);
        ++g.shots;
        scenes_of_setup[s.setup].insert(s.scene);
        if (i > 0) {
            const Shot& p = a.shots[i - 1];
            if (p.scene == s.scene && p.setup != s.setup) ++g.cuts[{p.setup, s.setup}];
        }
    }

    double aspect = 16.0 / 9.0;
    if (a.source.width > 0 && a.source.height > 0)
        aspect = std::clamp(double(a.source.width) / a.source.height, 0.5, 3.0);
    const double node_h = kNodeWidthIn / aspect + kLabelHeightIn;
    const std::string name = detail::display_name(a.source.path);

    std::string out;
    // A comment ends at the line's end: the name must not carry one (or DOT statements after it).
    out += "// Set-up graph of " + detail::plain_text(name) + ", written by kinoglaz.\n";
    out +=
        "// Nodes are camera set-ups, one per scene they appear in (thumbnail: the keyframe of "
        "the\n"
        "// set-up's most representative shot; label: its shots and screen time in that scene).\n"
        "// Edges are the cuts from one set-up to another within a scene, labelled with their\n"
        "// count. Scenes are clusters in film order, left to right and top to bottom. Run\n"
        "// `dot -Tsvg setupgraph.dot` inside the analysis folder: thumbnails are relative "
        "paths.\n";
    out += "digraph setupgraph {\n";
    out +=
        "  graph [rankdir=TB, fontname=\"Helvetica\", fontsize=20, labelloc=t, nodesep=0.3, "
        "ranksep=0.35, label=" +
        dot_quote("Set-up graph: " + name) + "];\n";
    out += "  node [shape=box, style=\"rounded,filled\", fixedsize=true, width=" +
           decimal(kNodeWidthIn, 3) + ", height=" + decimal(node_h, 3) +
           ", imagescale=width, imagepos=tc, labelloc=b, fontname=\"Helvetica\", fontsize=11, "
           "color=\"#333333\", fillcolor=\"#ffffff\"];\n";
    out += "  edge [fontname=\"Helvetica\", fontsize=12, color=\"#444444\", arrowsize=0.7];\n";

    // The scenes in rows, in film order, so that the drawing is about as wide as a page: each row
    // of scenes hangs from an invisible anchor; the anchors form a chain, declared first (so that
    // it stays at the left), each link as many ranks long as the row above may be deep (a
    // scene's set-ups are ranked below its first one, one rank at least per set-up). Graphviz's
    // own packing of components into an array would lose the edge labels; edges from every
    // set-up to the next anchor would let dot reorder the scenes.
    const std::size_t columns = std::size_t(columns_for(scenes, node_h));
    auto anchor = [](std::size_t row) { return dot_quote("row" + std::to_string(row)); };
    for (std::size_t first = 0; first < scenes.size(); first += columns) {
        const std::size_t row = first / columns;
        out += "  " + anchor(row) +
               " [shape=point, style=invis, width=0.01, height=0.01, fixedsize=true];\n";
        if (first + columns >= scenes.size()) break;
        std::size_t depth = 1;
        for (std::size_t k = first; k < first + columns; ++k)
            depth = std::max(depth, scenes[k].setups.size());
        out += "  " + anchor(row) + " -> " + anchor(row + 1) +
               " [style=invis, minlen=" + std::to_string(depth + 1) + "];\n";
    }

    for (std::size_t order = 0; order < scenes.size(); ++order) {
        const SceneGroup& g = scenes[order];
        const std::string cluster = "cluster_scene_" + std::to_string(order);
        out += "  subgraph " + cluster + " {\n";
        out += "    label=" +
               dot_quote("Scene " + std::to_string(g.scene) + " · " + short_clock(g.start_s) + "–" +
                         short_clock(g.end_s) + " · " + std::to_string(g.shots) +
                         (g.shots == 1 ? " shot" : " shots")) +
               "; scene=" + std::to_string(g.scene) +
               "; style=\"rounded,filled\"; fillcolor=" + dot_quote(detail::scene_tint(g.scene)) +
               "; color=" + dot_quote(detail::scene_colour(g.scene)) + "; penwidth=3;\n";
        for (int setup : g.setups) {
            const SetupInScene& n = g.nodes.at(setup);
            std::vector<int> elsewhere;
            for (int sc : scenes_of_setup[setup])
                if (sc != g.scene) elsewhere.push_back(sc);
            const std::string facts = std::to_string(n.shots.size()) +
                                      (n.shots.size() == 1 ? " shot · " : " shots · ") +
                                      decimal(n.seconds, 1) + " s";
            std::string tip = "set-up " + std::to_string(setup) + " in scene " +
                              std::to_string(g.scene) + ": " + facts + " (shots " + list(n.shots) +
                              ")";
            if (!elsewhere.empty()) tip += "; also in scene " + list(elsewhere);
            out += "    " + node_id(setup, g.scene) + " [label=" +
                   dot_quote("set-up " + std::to_string(setup) +
                             (elsewhere.empty() ? "" : " (also sc. " + list(elsewhere) + ")") +
                             "\n" + facts) +
                   ", tooltip=" + dot_quote(tip);
            if (const auto r = representative.find(setup); r != representative.end())
                out += ", image=" + dot_quote(keyframe_path(r->second)) +
                       ", representative_shot=" + std::to_string(r->second);
            out += ", setup=" + std::to_string(setup) + ", scene=" + std::to_string(g.scene) +
                   ", shots=" + std::to_string(n.shots.size()) +
                   ", first_shot=" + std::to_string(n.shots.front()) +
                   ", screen_time_s=" + decimal(n.seconds, 3) + "];\n";
        }
        out += "  }\n";
        for (const auto& [pair, count] : g.cuts)
            out += "  " + node_id(pair.first, g.scene) + " -> " + node_id(pair.second, g.scene) +
                   " [label=" + dot_quote(std::to_string(count)) +
                   ", cuts=" + std::to_string(count) +
                   ", penwidth=" + decimal(1 + std::log2(double(count)), 2) + ", tooltip=" +
                   dot_quote(std::to_string(count) + (count == 1 ? " cut" : " cuts") +
                             " from set-up " + std::to_string(pair.first) + " to set-up " +
                             std::to_string(pair.second)) +
                   "];\n";
    }
    // Each scene hangs from its row's anchor, in film order.
    for (std::size_t order = 0; order < scenes.size(); ++order)
        out += "  " + anchor(order / columns) + " -> " +
               node_id(scenes[order].setups.front(), scenes[order].scene) + " [style=invis];\n";
    out += "}\n";
    return out;
}

}  // namespace kinoglaz
