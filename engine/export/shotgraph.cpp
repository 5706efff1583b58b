// The shot graph for Graphviz (DOT) and for graph tools (GraphML).

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "export_detail.hpp"
#include "kinoglaz/export/export.hpp"

namespace kinoglaz {

namespace {

using detail::decimal;
using detail::dot_quote;

constexpr const char* kSceneBorders[] = {"#3d78b4", "#c27c0e", "#38761d", "#a64d79",
                                         "#bf9000", "#45818e", "#cc0000", "#674ea7"};

std::string scale_words(ShotScale s) {
    std::string w(to_string(s));
    for (char& c : w)
        if (c == '_') c = ' ';
    while (!w.empty() && w.back() == ' ') w.pop_back();  // "long_"-style names
    return w;
}

std::string node_label(const Shot& s) {
    std::string label = "#" + std::to_string(s.index) + "\n" + format_clock(s.start_time_s) + "\n" +
                        decimal(s.length_s(), 2) + " s";
    if (s.scale != ShotScale::unknown) label += " · " + scale_words(s.scale);
    return label;
}

bool valid_edge(const Analysis& a, const GraphEdge& e) {
    auto ok = [&](int i) { return i >= 0 && std::size_t(i) < a.shots.size(); };
    return ok(e.from) && ok(e.to);
}

// Edges refer to shots by their index field; the vector position is used when they agree.
std::string node_id(const Analysis& a, int shot) {
    return "s" + std::to_string(a.shots[shot].index);
}

}  // namespace

std::string shotgraph_dot(const Analysis& a) {
    std::string out;
    // A comment ends at the line's end: the name must not carry one (or DOT statements after it).
    out += "// Shot graph of " + detail::plain_text(detail::display_name(a.source.path)) +
           ", written by kinoglaz.\n";
    out += "// Nodes are shots (clustered by scene); edge kinds: next, similar, returns_to.\n";
    out += "digraph shotgraph {\n";
    out +=
        "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=18, labelloc=t, nodesep=0.3, "
        "ranksep=0.5, label=" +
        dot_quote("Shot graph: " + detail::display_name(a.source.path)) + "];\n";
    out +=
        "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=14, "
        "color=\"#333333\", fillcolor=\"#eeeeee\"];\n";
    out += "  edge [fontname=\"Helvetica\", fontsize=12];\n";

    std::map<int, std::vector<int>> by_scene;
    for (std::size_t i = 0; i < a.shots.size(); ++i) by_scene[a.shots[i].scene].push_back(int(i));
    for (const auto& [scene, shots] : by_scene) {
        const std::size_t c = std::size_t(scene < 0 ? 0 : scene) % std::size(kSceneBorders);
        out += "  subgraph cluster_scene_" + std::to_string(scene < 0 ? 0 : scene) +
               (scene < 0 ? "_none" : "") + " {\n";
        out += "    label=" + dot_quote("Scene " + std::to_string(scene)) +
               "; style=\"rounded,filled\"; fillcolor=\"#fafafa\"; color=" +
               dot_quote(kSceneBorders[c]) + "; penwidth=2;\n";
        for (int i : shots) {
            const Shot& s = a.shots[i];
            out += "    " + node_id(a, i) + " [label=" + dot_quote(node_label(s)) +
                   ", fillcolor=" + dot_quote(detail::scene_tint(scene)) + ", tooltip=" +
                   dot_quote("shot " + std::to_string(s.index) + ": " +
                             format_clock(s.start_time_s) + " - " + format_clock(s.end_time_s)) +
                   ", scene=" + std::to_string(s.scene) + ", setup=" + std::to_string(s.setup) +
                   ", start_frame=" + std::to_string(s.frames.start) +
                   ", end_frame=" + std::to_string(s.frames.end) + "];\n";
        }
        out += "  }\n";
    }
    for (const auto& e : a.edges) {
        if (!valid_edge(a, e)) continue;
        std::string attrs = "kind=" + dot_quote(e.kind) + ", class=" + dot_quote(e.kind);
        if (e.kind == "next") {
            attrs += ", color=\"#555555\", style=solid, arrowsize=0.7";
        } else if (e.kind == "similar") {
            // Similarity links are not story order: they must not pull the layout out of time.
            attrs +=
                ", color=\"#1f5fbf\", fontcolor=\"#1f5fbf\", style=dashed, constraint=false"
                ", penwidth=" +
                decimal(1 + 3 * std::clamp(e.weight, 0.0, 1.0), 2) +
                ", weight_value=" + decimal(e.weight, 4) +
                ", label=" + dot_quote(decimal(e.weight, 2));
        } else if (e.kind == "returns_to") {
            attrs +=
                ", color=\"#b03020\", fontcolor=\"#b03020\", style=bold, constraint=false"
                ", label=\"returns\"";
        } else {
            attrs += ", color=\"#777777\", style=dotted, constraint=false";
        }
        out += "  " + node_id(a, e.from) + " -> " + node_id(a, e.to) + " [" + attrs + "];\n";
    }
    out += "}\n";
    return out;
}

std::string shotgraph_graphml(const Analysis& a) {
    using detail::xml_escape;
    std::string out =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
        "xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns "
        "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n";
    struct Key {
        const char* name;
        const char* type;
        const char* domain;
    };
    static constexpr Key keys[] = {{"label", "string", "node"},
                                   {"index", "int", "node"},
                                   {"start_frame", "long", "node"},
                                   {"end_frame", "long", "node"},
                                   {"start_time", "double", "node"},
                                   {"end_time", "double", "node"},
                                   {"length_s", "double", "node"},
                                   {"scene", "int", "node"},
                                   {"setup", "int", "node"},
                                   {"scale", "string", "node"},
                                   {"camera", "string", "node"},
                                   {"keyframe", "long", "node"},
                                   {"keyframe_image", "string", "node"},
                                   {"kind", "string", "edge"},
                                   {"weight", "double", "edge"}};
    for (const auto& k : keys)
        out += "  <key id=\"" + std::string(k.domain == std::string("node") ? "n_" : "e_") +
               k.name + "\" for=\"" + k.domain + "\" attr.name=\"" + k.name + "\" attr.type=\"" +
               k.type + "\"/>\n";
    out += "  <graph id=\"shotgraph\" edgedefault=\"directed\">\n";
    auto data = [](const char* key, const std::string& v) {
        return "      <data key=\"" + std::string(key) + "\">" + xml_escape(v) + "</data>\n";
    };
    for (std::size_t i = 0; i < a.shots.size(); ++i) {
        const Shot& s = a.shots[i];
        out += "    <node id=\"" + node_id(a, int(i)) + "\">\n";
        out +=
            data("n_label", "Shot " + std::to_string(s.index) + " " + format_clock(s.start_time_s));
        out += data("n_index", std::to_string(s.index));
        out += data("n_start_frame", std::to_string(s.frames.start));
        out += data("n_end_frame", std::to_string(s.frames.end));
        out += data("n_start_time", decimal(s.start_time_s));
        out += data("n_end_time", decimal(s.end_time_s));
        out += data("n_length_s", decimal(s.length_s()));
        out += data("n_scene", std::to_string(s.scene));
        out += data("n_setup", std::to_string(s.setup));
        out += data("n_scale", std::string(to_string(s.scale)));
        out += data("n_camera", std::string(to_string(s.camera)));
        out += data("n_keyframe", std::to_string(s.keyframe));
        out += data("n_keyframe_image", keyframe_path(s.index));
        out += "    </node>\n";
    }
    int id = 0;
    for (const auto& e : a.edges) {
        if (!valid_edge(a, e)) continue;
        out += "    <edge id=\"e" + std::to_string(id++) + "\" source=\"" + node_id(a, e.from) +
               "\" target=\"" + node_id(a, e.to) + "\">\n";
        out += data("e_kind", e.kind);
        out += data("e_weight", decimal(e.weight));
        out += "    </edge>\n";
    }
    out += "  </graph>\n</graphml>\n";
    return out;
}

}  // namespace kinoglaz
