// The set-up graph of a feature film: 2 hours, ~1,500 shots in scenes of 10-30 shots that
// alternate 2-3 set-ups (now and then one seen in an earlier scene), each shot with a small
// keyframe JPEG. Times setupgraph_dot, Graphviz's drawing of it (render_dot_svg, in the folder,
// thumbnails included) and flow_setupgraph_svg, and prints the drawing's size.
//
// usage: bench_setupgraph [FOLDER]   (default: a temporary folder, removed afterwards)

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>

#include <opencv2/core.hpp>

#include <kinoglaz/decode.hpp>
#include <kinoglaz/export.hpp>

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    using clock = std::chrono::steady_clock;
    const fs::path dir =
        argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path() / "kinoglaz-bench-setupgraph";
    fs::create_directories(dir / "keyframes");

    cv::RNG rng(2024);
    kinoglaz::Analysis a;
    a.source.path = "feature.mp4";
    a.source.width = 1920;
    a.source.height = 1080;
    double t = 0;
    int next_setup = 0, scene = 0;
    while (t < 2 * 3600) {
        std::vector<int> views;
        for (int v = rng.uniform(2, 4); v > 0; --v) views.push_back(next_setup++);
        if (next_setup > 10 && rng.uniform(0, 5) == 0)
            views.push_back(rng.uniform(0, next_setup - 5));
        for (int s = rng.uniform(10, 31); s > 0 && t < 2 * 3600; --s) {
            kinoglaz::Shot shot;
            shot.index = int(a.shots.size());
            shot.scene = scene;
            shot.setup = views[std::size_t(rng.uniform(0, int(views.size())))];
            shot.start_time_s = t;
            t += std::exp(1.2 + 0.7 * rng.gaussian(1.0));
            shot.end_time_s = t;
            a.shots.push_back(shot);
            cv::Mat still(36, 64, CV_8UC3, cv::Scalar(7 * shot.setup % 256, 90, 200));
            kinoglaz::write_jpeg((dir / kinoglaz::keyframe_path(shot.index)).string(), still);
        }
        ++scene;
    }
    a.source.duration_s = t;

    const auto t0 = clock::now();
    const std::string dot = kinoglaz::setupgraph_dot(a);
    const auto t1 = clock::now();
    const std::string drawn = kinoglaz::render_dot_svg(dot, 600, dir);
    const auto t2 = clock::now();
    const std::string svg = kinoglaz::flow_setupgraph_svg(drawn);
    const auto t3 = clock::now();
    auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    std::size_t nodes = 0;
    for (auto p = dot.find("\n    \"u"); p != std::string::npos; p = dot.find("\n    \"u", p + 1))
        ++nodes;
    std::size_t images = 0;
    for (auto p = svg.find("<image "); p != std::string::npos; p = svg.find("<image ", p + 1))
        ++images;
    const auto box = svg.find("viewBox=\"");
    std::cout << a.shots.size() << " shots, " << scene << " scenes, " << next_setup << " set-ups, "
              << nodes << " nodes\n"
              << "setupgraph_dot " << ms(t1 - t0) << " ms, dot " << ms(t2 - t1)
              << " ms, flow_setupgraph_svg " << ms(t3 - t2) << " ms\n"
              << "drawing "
              << (drawn.empty() ? "FAILED" : svg.substr(box, svg.find('"', box + 9) - box + 1))
              << ", " << images << " thumbnails, " << svg.size() / 1024 << " KiB\n";
    if (argc < 2) fs::remove_all(dir);
    return drawn.empty() ? 1 : 0;
}
