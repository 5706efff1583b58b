// The set-up graph (setupgraph.dot and the report's graph) and the report's scene bands, on the
// synthetic 40-shot film of five scenes and twelve set-ups.

#include <gtest/gtest.h>

#include <map>
#include <set>

#include <opencv2/imgcodecs.hpp>

#include <kinoglaz/export.hpp>
#include "export_test_util.hpp"
#include "synthetic_analysis.hpp"

namespace kinoglaz::test {
namespace {

namespace fs = std::filesystem;

constexpr Rational k25{25, 1};

using Node = std::pair<int, int>;  // (set-up, scene)

// The graph as the DOT text says it: nodes with their attributes, the cluster (scene) each node
// line stands in, and the edges' cut counts.
struct ParsedDot {
    std::map<Node, std::string> nodes;  // attribute list
    std::map<Node, int> cluster_scene;  // scene attribute of the enclosing cluster
    std::map<std::pair<Node, Node>, int> cuts;
    int clusters = 0;
};

ParsedDot parse_dot(const std::string& dot) {
    ParsedDot p;
    const std::regex cluster_open(R"(^  subgraph "cluster_scene_-?\d+" \{$)");
    const std::regex cluster_scene(R"(; scene=(-?\d+); )");
    const std::regex node(R"re(^    "u(-?\d+)_c(-?\d+)" \[(.*)\];$)re");
    const std::regex edge(
        R"re(^  "u(-?\d+)_c(-?\d+)" -> "u(-?\d+)_c(-?\d+)" \[label="(\d+)", cuts=(\d+),.*\];$)re");
    std::istringstream in(dot);
    std::string line;
    int scene = -999;
    std::smatch m;
    while (std::getline(in, line)) {
        if (std::regex_match(line, cluster_open)) {
            ++p.clusters;
            scene = -999;
        } else if (line.rfind("    label=", 0) == 0 && std::regex_search(line, m, cluster_scene)) {
            scene = std::stoi(m[1]);
        } else if (std::regex_match(line, m, node)) {
            const Node n{std::stoi(m[1]), std::stoi(m[2])};
            p.nodes[n] = m[3];
            p.cluster_scene[n] = scene;
        } else if (std::regex_match(line, m, edge)) {
            EXPECT_EQ(m[5], m[6]) << "label and cuts differ: " << line;
            p.cuts[{{std::stoi(m[1]), std::stoi(m[2])}, {std::stoi(m[3]), std::stoi(m[4])}}] =
                std::stoi(m[6]);
        }
    }
    return p;
}

std::string attribute(const std::string& attrs, const std::string& name) {
    std::smatch m;
    const std::regex re("(?:^|, )" + name + "=(\"[^\"]*\"|[^,]*)");
    if (!std::regex_search(attrs, m, re)) return {};
    std::string v = m[1];
    return v.size() >= 2 && v.front() == '"' ? v.substr(1, v.size() - 2) : v;
}

TEST(SetupGraph, NodesPerSetupAndSceneInSceneClustersWithCutCounts) {
    const Analysis a = synthetic_scene_analysis(k25);
    ASSERT_EQ(a.shots.size(), 40u);
    const ParsedDot p = parse_dot(setupgraph_dot(a));

    // Expected from the shots themselves.
    std::map<Node, std::vector<const Shot*>> expected_nodes;
    std::map<std::pair<Node, Node>, int> expected_cuts;
    for (std::size_t i = 0; i < a.shots.size(); ++i) {
        const Shot& s = a.shots[i];
        expected_nodes[{s.setup, s.scene}].push_back(&s);
        if (i == 0) continue;
        const Shot& prev = a.shots[i - 1];
        if (prev.scene == s.scene && prev.setup != s.setup)
            ++expected_cuts[{{prev.setup, s.scene}, {s.setup, s.scene}}];
    }
    EXPECT_EQ(p.clusters, int(a.scenes.size()));
    ASSERT_EQ(p.nodes.size(), expected_nodes.size());
    EXPECT_EQ(p.nodes.size(), 13u) << "12 set-ups, set-up 0 in two scenes";
    for (const auto& [node, shots] : expected_nodes) {
        ASSERT_TRUE(p.nodes.count(node)) << "set-up " << node.first << " scene " << node.second;
        const std::string& attrs = p.nodes.at(node);
        EXPECT_EQ(p.cluster_scene.at(node), node.second) << "node outside its scene's cluster";
        EXPECT_EQ(attribute(attrs, "shots"), std::to_string(shots.size())) << attrs;
        EXPECT_EQ(attribute(attrs, "first_shot"), std::to_string(shots.front()->index)) << attrs;
        double seconds = 0;
        for (const Shot* s : shots) seconds += s->length_s();
        EXPECT_NEAR(std::stod(attribute(attrs, "screen_time_s")), seconds, 1e-3) << attrs;
        // The label carries the shot count and the screen time.
        EXPECT_NE(attribute(attrs, "label").find(std::to_string(shots.size()) + " shot"),
                  std::string::npos)
            << attrs;
    }
    EXPECT_EQ(p.cuts, expected_cuts);
    // Spot checks by hand: scene 0 is 0 1 0 1 0 1 2 0, scene 3 is 7 8 0 7 8 0 7 8.
    EXPECT_EQ(p.cuts.at({{0, 0}, {1, 0}}), 3);
    EXPECT_EQ(p.cuts.at({{1, 0}, {0, 0}}), 2);
    EXPECT_EQ(p.cuts.at({{1, 0}, {2, 0}}), 1);
    EXPECT_EQ(p.cuts.at({{2, 0}, {0, 0}}), 1);
    EXPECT_EQ(p.cuts.at({{8, 3}, {0, 3}}), 2);
    EXPECT_EQ(p.cuts.at({{0, 3}, {7, 3}}), 2);
    // A set-up seen in two scenes says where else it is.
    EXPECT_NE(attribute(p.nodes.at({0, 0}), "label").find("also in scene 3"), std::string::npos);
    EXPECT_NE(attribute(p.nodes.at({0, 3}), "label").find("also in scene 0"), std::string::npos);
}

TEST(SetupGraph, ThumbnailIsTheMostTypicalShotWithAnImage) {
    Analysis a = synthetic_scene_analysis(k25);
    // Set-up 4's shots are 9, 11, 14, 17 (scene 2). Make shot 14 the odd one out: the others
    // share one histogram, nearer the set-up's mean.
    for (auto& s : a.shots)
        if (s.setup == 4) s.descriptor.hist.fill(0), s.descriptor.hist[3] = 1;
    a.shots[14].descriptor.hist.fill(0);
    a.shots[14].descriptor.hist[90] = 1;
    auto thumbnail = [&](const std::optional<std::vector<int>>& with) {
        return attribute(parse_dot(setupgraph_dot(a, with)).nodes.at({4, 2}), "image");
    };
    // 9, 11 and 17 tie; 11 is the longest (3.2 s).
    EXPECT_EQ(thumbnail(std::nullopt), keyframe_path(11));
    // Only shots with an image count; a set-up without any gets no image at all.
    EXPECT_EQ(thumbnail(std::vector<int>{14, 20}), keyframe_path(14));
    std::vector<int> without_setup_3;
    for (const auto& s : a.shots)
        if (s.setup != 3) without_setup_3.push_back(s.index);
    const ParsedDot p = parse_dot(setupgraph_dot(a, without_setup_3));
    EXPECT_EQ(attribute(p.nodes.at({3, 1}), "image"), "");
    EXPECT_NE(attribute(p.nodes.at({5, 2}), "image"), "");
}

// Writes a keyframe per shot (coloured by set-up) and setupgraph.dot into a folder.
fs::path folder_with_keyframes(const Analysis& a, const std::string& name) {
    const fs::path dir = temp_dir(name);
    fs::create_directories(dir / "keyframes");
    for (const auto& s : a.shots)
        cv::imwrite((dir / keyframe_path(s.index)).string(),
                    cv::Mat(36, 64, CV_8UC3, cv::Scalar(20 * s.setup, 100, 250 - 20 * s.setup)));
    write_file(dir / "setupgraph.dot", setupgraph_dot(a));
    return dir;
}

TEST(SetupGraph, GraphvizDrawsItWithThumbnailsInTheFolder) {
    REQUIRE_PROGRAM("dot");
    REQUIRE_PROGRAM("xmllint");
    const Analysis a = synthetic_scene_analysis(k25);
    const fs::path dir = folder_with_keyframes(a, "setupgraph");
    const auto r = run("cd " + shell_quote(dir.string()) + " && dot -Tsvg setupgraph.dot -o g.svg");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "") << "Graphviz warned";
    auto count = [&](const std::string& path) {
        return std::atoi(xpath(dir / "g.svg", "count(" + path + ")").c_str());
    };
    const ParsedDot p = parse_dot(setupgraph_dot(a));
    EXPECT_EQ(count("//*[local-name()='g'][@class='node']"), int(p.nodes.size()));
    EXPECT_EQ(count("//*[local-name()='g'][@class='edge']"), int(p.cuts.size()));
    EXPECT_EQ(count("//*[local-name()='g'][@class='cluster']"), int(a.scenes.size()));
    EXPECT_EQ(count("//*[local-name()='image']"), int(p.nodes.size()));

    // The same through render_dot_svg in the folder: every thumbnail is a keyframe path, and
    // the report shows the graph (its thumbnails are its only links).
    const std::string svg = render_dot_svg(setupgraph_dot(a), 30, dir);
    ASSERT_EQ(svg.rfind("<svg", 0), 0u);
    const auto hrefs = find_all(svg, "xlink:href=\"([^\"]*)\"");
    EXPECT_EQ(hrefs.size(), p.nodes.size());
    for (const auto& h : hrefs)
        EXPECT_TRUE(std::regex_match(h, std::regex("keyframes/shot-\\d{3}\\.jpg"))) << h;
    ReportOptions o;
    o.graph_svg = svg;
    const std::string html = report_html(a, o);
    EXPECT_NE(html.find(svg), std::string::npos) << "the set-up graph is shown";
    EXPECT_EQ(html.find("Shot graph as an arc diagram"), std::string::npos);

    // Elsewhere, the thumbnails cannot be found: Graphviz still draws the graph without them.
    const std::string bare = render_dot_svg(setupgraph_dot(a));
    ASSERT_EQ(bare.rfind("<svg", 0), 0u);
    EXPECT_EQ(bare.find("<image"), std::string::npos);
    fs::remove_all(dir);
}

std::string report_with_graph(const Analysis& a, const std::string& svg) {
    ReportOptions o;
    o.graph_svg = svg;
    return report_html(a, o);
}

// The translation of each top-level group of a flowed drawing, by the scene it belongs to.
struct Moved {
    std::map<int, std::string> cluster;                // scene -> transform
    std::vector<std::pair<int, std::string>> members;  // nodes and edges: scene, transform
    std::map<int, std::pair<double, double>> corner;   // scene -> its box's moved top-left
};

Moved moved_groups(const std::string& svg) {
    Moved m;
    const std::regex group(
        "<g id=\"(clust|node|edge)[0-9]+\" class=\"[a-z]+\" transform=\"translate\\(([-0-9.]+) "
        "([-0-9.]+)\\)\">\n<title>[^<]*_(?:scene_|c)(-?[0-9]+)[^<]*</title>\n([^\n]*)");
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), group);
         it != std::sregex_iterator(); ++it) {
        const std::smatch& g = *it;
        const int scene = std::stoi(g[4]);
        const std::string t = g[2].str() + " " + g[3].str();
        if (g[1] == "clust") {
            m.cluster[scene] = t;
            // The box's top-left corner: the smallest x and y of its outline, moved.
            double x0 = 1e9, y0 = 1e9;
            const std::string outline = g[5];
            for (const auto& p : find_all(outline, "(-?[0-9.]+,-?[0-9.]+)")) {
                x0 = std::min(x0, std::stod(p));
                y0 = std::min(y0, std::stod(p.substr(p.find(',') + 1)));
            }
            m.corner[scene] = {x0 + std::stod(g[2]), y0 + std::stod(g[3])};
        } else {
            m.members.emplace_back(scene, t);
        }
    }
    return m;
}

TEST(SetupGraph, ReportFlowsTheScenesIntoRowsInFilmOrder) {
    REQUIRE_PROGRAM("dot");
    // Twenty scenes of two shots each: dot draws them in one column, far taller than a page.
    Analysis a = synthetic_scene_analysis(k25);
    for (auto& s : a.shots) s.scene = s.index / 2;
    const fs::path dir = folder_with_keyframes(a, "setupgraph-flow");
    const std::string drawn = render_dot_svg(setupgraph_dot(a), 30, dir);
    ASSERT_FALSE(drawn.empty());
    const std::string svg = flow_setupgraph_svg(drawn, 1.7);
    const Moved m = moved_groups(svg);
    ASSERT_EQ(m.cluster.size(), 20u);
    // Every set-up and cut moves with its scene.
    EXPECT_EQ(m.members.size(), find_all(drawn, "class=\"(?:node|edge)\"").size());
    for (const auto& [scene, t] : m.members) EXPECT_EQ(t, m.cluster.at(scene)) << scene;
    // Rows read in film order: each scene right of the one before, or on a lower row at the left.
    int rows = 1;
    for (int sc = 1; sc < 20; ++sc) {
        const auto [x, y] = m.corner.at(sc);
        const auto [px, py] = m.corner.at(sc - 1);
        if (std::abs(y - py) < 1) {
            EXPECT_GT(x, px) << "scene " << sc;
        } else {
            EXPECT_GT(y, py) << "scene " << sc;
            EXPECT_NEAR(x, m.corner.at(0).first, 1) << "a row starts at the left";
            ++rows;
        }
    }
    EXPECT_GT(rows, 1);
    // The canvas holds every box and is about as wide as a page.
    const auto size = find_all(svg, "viewBox=\"0 0 ([0-9.]+ [0-9.]+)\"");
    ASSERT_EQ(size.size(), 1u);
    const double w = std::stod(size[0]), h = std::stod(size[0].substr(size[0].find(' ')));
    EXPECT_GT(w / h, 1.0) << size[0];
    EXPECT_LT(w / h, 3.0) << size[0];
    for (const auto& [scene, corner] : m.corner) {
        EXPECT_GE(corner.first, 0) << scene;
        EXPECT_GE(corner.second, 0) << scene;
        EXPECT_LT(corner.first, w) << scene;
        EXPECT_LT(corner.second, h) << scene;
    }
    // Anything else is left as it is.
    EXPECT_EQ(flow_setupgraph_svg("<svg><g/></svg>"), "<svg><g/></svg>");
    EXPECT_EQ(flow_setupgraph_svg(""), "");
    fs::remove_all(dir);
}

TEST(SetupGraph, ReportKeepsThumbnailsButNoOtherLink) {
    const Analysis a = synthetic_scene_analysis(k25);
    const std::string image =
        "<image xlink:href=\"keyframes/shot-007.jpg\" width=\"122.4px\" height=\"68.85px\" "
        "preserveAspectRatio=\"xMinYMin meet\" x=\"12.5\" y=\"-300.2\"/>";
    const std::string good = "<svg viewBox=\"0 0 10 10\"><g class=\"node\">" + image + "</g></svg>";
    EXPECT_NE(report_with_graph(a, good).find(good), std::string::npos);
    for (const std::string bad :
         {"<image xlink:href=\"http://example.com/x.jpg\" width=\"1px\" height=\"1px\" "
          "preserveAspectRatio=\"xMinYMin meet\" x=\"0\" y=\"0\"/>",
          "<image xlink:href=\"keyframes/shot-007.jpg\" onload=\"alert(1)\" width=\"1px\" "
          "height=\"1px\" preserveAspectRatio=\"xMinYMin meet\" x=\"0\" y=\"0\"/>",
          "<image xlink:href=\"../keyframes/shot-007.jpg\" width=\"1px\" height=\"1px\" "
          "preserveAspectRatio=\"xMinYMin meet\" x=\"0\" y=\"0\"/>"}) {
        const std::string svg = "<svg viewBox=\"0 0 10 10\">" + bad + "</svg>";
        const std::string html = report_with_graph(a, svg);
        EXPECT_EQ(html.find(bad), std::string::npos) << bad;
        EXPECT_NE(html.find("Shot graph as an arc diagram"), std::string::npos) << bad;
    }
}

TEST(ReportScenes, BandsOverTheContactSheetAndBehindTheRhythmPlot) {
    const Analysis a = synthetic_scene_analysis(k25);
    const std::string html = report_html(a, {});
    // The contact sheet: one labelled band per scene, holding exactly that scene's tiles.
    const auto bands =
        find_all(html, "<div class=\"scene-band\" role=\"group\" data-scene=\"(-?\\d+)\"");
    ASSERT_EQ(bands.size(), a.scenes.size());
    for (std::size_t k = 0; k < bands.size(); ++k) {
        EXPECT_EQ(bands[k], std::to_string(a.scenes[k].index));
        const auto from = html.find("data-scene=\"" + bands[k] + "\" style=\"--scene");
        const auto to = k + 1 < bands.size()
                            ? html.find("data-scene=\"" + bands[k + 1] + "\" style=\"--scene")
                            : html.find("</section>", from);
        const std::string band = html.substr(from, to - from);
        const auto tiles = find_all(band, "class=\"tile\" data-shot=\"(\\d+)\"");
        std::vector<std::string> expected;
        for (int i = a.scenes[k].first_shot; i <= a.scenes[k].last_shot; ++i)
            expected.push_back(std::to_string(i));
        EXPECT_EQ(tiles, expected) << "scene " << bands[k];
        EXPECT_NE(band.find("<span class=\"scene-no\">Scene " + bands[k] + "</span>"),
                  std::string::npos);
    }
    EXPECT_EQ(find_all(html, "class=\"tile\"").size(), a.shots.size());
    // The rhythm plot: one shaded band per scene, alternating, spanning the scene's time.
    const auto rects = find_all(html, "<rect class=\"scene-band\"[^>]*>");
    ASSERT_EQ(rects.size(), a.scenes.size());
    EXPECT_NE(attr(rects[0], "fill"), attr(rects[1], "fill"));
    EXPECT_EQ(attr(rects[0], "fill"), attr(rects[2], "fill"));
    for (std::size_t k = 0; k + 1 < rects.size(); ++k)
        EXPECT_NEAR(std::stod(attr(rects[k], "x")) + std::stod(attr(rects[k], "width")),
                    std::stod(attr(rects[k + 1], "x")), 0.02)
            << "bands of consecutive scenes meet";
}

}  // namespace
}  // namespace kinoglaz::test
