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
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "export_detail.hpp"
#include "kinoglaz/export/export.hpp"

namespace kinoglaz {

namespace {

using detail::decimal;
using detail::dot_quote;

// Node box in inches; the thumbnail fills its width and the label's lines sit under it.
constexpr double kNodeWidthIn = 1.7;
constexpr double kLabelLineIn = 0.16;

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

// ---- Flowing the drawn scenes into rows.

// One top-level element of Graphviz's SVG that belongs to a scene: a cluster, node or edge group.
struct Element {
    std::size_t tag_end = 0;  // position of the '>' that closes its opening tag
    int scene = 0;
    bool cluster = false;
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // a cluster's box
};

std::optional<std::vector<Element>> scene_elements(const std::string& svg) {
    static const std::regex group(
        "<g id=\"(?:clust|node|edge)[0-9]+\" class=\"(cluster|node|edge)\">\n<title>([^<]*)"
        "</title>");
    static const std::regex cluster_title("cluster_scene_(-?[0-9]+)");
    static const std::regex member_title("u-?[0-9]+_c(-?[0-9]+)(?:&#45;&gt;.*)?");
    static const std::regex point("(-?[0-9]+(?:\\.[0-9]+)?),(-?[0-9]+(?:\\.[0-9]+)?)");
    std::vector<Element> out;
    // Graphviz starts each top-level group on a line of its own (nested ones are "a_node1" ...).
    for (std::size_t at = svg.find("\n<g id=\""); at != std::string::npos;
         at = svg.find("\n<g id=\"", at + 1)) {
        const std::size_t title_end = svg.find("</title>", at + 1);
        if (title_end == std::string::npos) break;
        std::smatch m;
        const std::string head = svg.substr(at + 1, title_end + 8 - at - 1);
        if (!std::regex_match(head, m, group)) continue;
        Element e;
        e.tag_end = svg.find('>', at);
        e.cluster = m[1] == "cluster";
        std::smatch t;
        const std::string title = m[2];
        if (!std::regex_match(title, t, e.cluster ? cluster_title : member_title))
            return std::nullopt;
        e.scene = std::stoi(t[1]);
        if (e.cluster) {
            const auto end = svg.find("</g>", e.tag_end);
            if (end == std::string::npos) return std::nullopt;
            const std::string body = svg.substr(e.tag_end, end - e.tag_end);
            bool any = false;
            for (auto p = std::sregex_iterator(body.begin(), body.end(), point);
                 p != std::sregex_iterator(); ++p) {
                const double x = std::stod((*p)[1]), y = std::stod((*p)[2]);
                e.x0 = any ? std::min(e.x0, x) : x, e.x1 = any ? std::max(e.x1, x) : x;
                e.y0 = any ? std::min(e.y0, y) : y, e.y1 = any ? std::max(e.y1, y) : y;
                any = true;
            }
            if (!any) return std::nullopt;
        }
        out.push_back(e);
    }
    return out;
}

struct Flow {
    std::vector<std::pair<double, double>> at;  // top-left corner of each box
    double width = 0, height = 0;
};

// Boxes left to right in rows no wider than `limit`, each row as tall as its tallest box.
Flow flow(const std::vector<std::pair<double, double>>& sizes, double limit, double gap,
          double top) {
    Flow f;
    double x = 0, y = top, row_h = 0;
    for (const auto& [w, h] : sizes) {
        if (x > 0 && x + w > limit) y += row_h + gap, x = 0, row_h = 0;
        f.at.emplace_back(x, y);
        x += w + gap;
        row_h = std::max(row_h, h);
        f.width = std::max(f.width, x - gap);
    }
    f.height = y + row_h;
    return f;
}

}  // namespace

std::string flow_setupgraph_svg(const std::string& svg, double aspect) {
    const auto elements = scene_elements(svg);
    if (!elements || elements->empty()) return svg;
    std::vector<std::pair<double, double>> sizes;
    std::map<int, std::size_t> box_of_scene;
    std::vector<const Element*> boxes;
    for (const Element& e : *elements)
        if (e.cluster) {
            box_of_scene[e.scene] = boxes.size();
            boxes.push_back(&e);
            sizes.emplace_back(e.x1 - e.x0, e.y1 - e.y0);
        }
    for (const Element& e : *elements)
        if (!box_of_scene.count(e.scene)) return svg;
    // The row width whose drawing comes nearest the aspect: each width that fits 1, 2, ...
    // boxes in the first row.
    constexpr double gap = 16, title = 36;
    double best_err = 1e300;
    Flow best;
    double first_row = 0;
    for (std::size_t k = 0; k < sizes.size(); ++k) {
        first_row += (k ? gap : 0) + sizes[k].first;
        const Flow f = flow(sizes, first_row, gap, title);
        const double err = std::abs(std::log(f.width / std::max(1.0, f.height) / aspect));
        if (err < best_err - 1e-9) best_err = err, best = f;
    }

    std::string out;
    std::size_t pos = 0;
    for (const Element& e : *elements) {
        const Element& box = *boxes[box_of_scene.at(e.scene)];
        const auto& [x, y] = best.at[box_of_scene.at(e.scene)];
        out.append(svg, pos, e.tag_end - pos);
        out += " transform=\"translate(" + decimal(x - box.x0, 2) + " " + decimal(y - box.y0, 2) +
               ")\"";
        pos = e.tag_end;
    }
    out.append(svg, pos, std::string::npos);

    // The canvas: the root's size, the graph's origin, its white ground and its title.
    const double W = best.width + 8, H = best.height + 8;
    static const std::regex root_size(
        "<svg width=\"[0-9.]+pt\" height=\"[0-9.]+pt\"\\s+viewBox=\"[^\"]*\"");
    static const std::regex origin("(<g id=\"graph0\" class=\"graph\" transform=\")[^\"]*\"");
    static const std::regex ground(
        "(<title>[^<]*</title>\n<polygon fill=\"white\" stroke=\"transparent\" points=\")[^\"]*\"");
    static const std::regex heading(
        "(</polygon>|/>)\n<text text-anchor=\"middle\" x=\"[-0-9.]+\" y=\"[-0-9.]+\"");
    const auto once = std::regex_constants::format_first_only;
    out = std::regex_replace(out, root_size,
                             "<svg width=\"" + decimal(W, 2) + "pt\" height=\"" + decimal(H, 2) +
                                 "pt\" viewBox=\"0 0 " + decimal(W, 2) + " " + decimal(H, 2) + "\"",
                             once);
    out = std::regex_replace(out, origin, "$1scale(1 1) rotate(0) translate(4 4)\"", once);
    out = std::regex_replace(out, ground,
                             "$1-4,-4 -4," + decimal(H - 4, 2) + " " + decimal(W - 4, 2) + "," +
                                 decimal(H - 4, 2) + " " + decimal(W - 4, 2) + ",-4 -4,-4\"",
                             once);
    out = std::regex_replace(
        out, heading,
        "$1\n<text text-anchor=\"middle\" x=\"" + decimal(best.width / 2, 2) + "\" y=\"24\"", once);
    return out;
}

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
    const double image_h = kNodeWidthIn / aspect;
    const std::string name = detail::display_name(a.source.path);

    std::string out;
    // A comment ends at the line's end: the name must not carry one (or DOT statements after it).
    out += "// Set-up graph of " + detail::plain_text(name) + ", written by kinoglaz.\n";
    out +=
        "// Nodes are camera set-ups, one per scene they appear in (thumbnail: the keyframe of "
        "the\n"
        "// set-up's most representative shot; label: its shots and screen time in that scene).\n"
        "// Edges are the cuts from one set-up to another within a scene, labelled with their\n"
        "// count. Scenes are clusters in film order (dot draws them in one column; the report "
        "flows\n"
        "// them into rows). Run `dot -Tsvg setupgraph.dot` inside the analysis folder: the\n"
        "// thumbnails are relative paths.\n";
    out += "digraph setupgraph {\n";
    out +=
        "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=20, labelloc=t, nodesep=0.3, "
        "ranksep=0.35, label=" +
        dot_quote("Set-up graph: " + name) + "];\n";
    out += "  node [shape=box, style=\"rounded,filled\", fixedsize=true, width=" +
           decimal(kNodeWidthIn, 3) +
           ", imagescale=width, imagepos=tc, labelloc=b, fontname=\"Helvetica\", fontsize=10, "
           "color=\"#333333\", fillcolor=\"#ffffff\"];\n";
    out += "  edge [fontname=\"Helvetica\", fontsize=12, color=\"#444444\", arrowsize=0.7];\n";

    for (const SceneGroup& g : scenes) {
        // Named by the scene, which render_setupgraph_svg() reads back.
        out += "  subgraph " + dot_quote("cluster_scene_" + std::to_string(g.scene)) + " {\n";
        out += "    label=" +
               dot_quote("Scene " + std::to_string(g.scene) + " · " + short_clock(g.start_s) + "–" +
                         short_clock(g.end_s) + " · " + std::to_string(g.shots) +
                         (g.shots == 1 ? " shot" : " shots")) +
               "; scene=" + std::to_string(g.scene) +
               "; fontsize=14; style=\"rounded,filled\"; fillcolor=" +
               dot_quote(detail::scene_tint(g.scene)) +
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
            std::string label = "set-up " + std::to_string(setup) + "\n" + facts;
            if (elsewhere.size() == 1)
                label += "\nalso in scene " + std::to_string(elsewhere.front());
            else if (elsewhere.size() > 1)
                label += "\nin " + std::to_string(elsewhere.size()) + " other scenes";
            const double lines = elsewhere.empty() ? 2 : 3;
            out += "    " + node_id(setup, g.scene) + " [label=" + dot_quote(label) +
                   ", height=" + decimal(image_h + lines * kLabelLineIn + 0.06, 3) +
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
    out += "}\n";
    return out;
}

}  // namespace kinoglaz
