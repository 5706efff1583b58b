// Writes an analysis folder for the browser test: the synthetic Analysis of tests/export, with
// the source set to a real (synthetic) video so that the report's player works.
//
// usage: kinoglaz_make_report [--scenes] OUTDIR VIDEO [REVEAL_CLIP]
// --scenes: the 40-shot film of five scenes and twelve set-ups (synthetic_scene_analysis()),
// whose keyframes are coloured by set-up.

#include <filesystem>
#include <iostream>
#include <map>
#include <string>

#include <opencv2/imgproc.hpp>

#include <kinoglaz/core.hpp>
#include <kinoglaz/export.hpp>
#include "synthetic_analysis.hpp"

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    const bool scenes = argc > 1 && std::string(argv[1]) == "--scenes";
    if (scenes) --argc, ++argv;
    if (argc < 3) {
        std::cerr << "usage: kinoglaz_make_report [--scenes] OUTDIR VIDEO [REVEAL_CLIP]\n";
        return 2;
    }
    try {
        const fs::path video = fs::absolute(argv[2]);
        const kinoglaz::Rational fps{25, 1};
        const kinoglaz::Analysis a =
            scenes ? kinoglaz::test::synthetic_scene_analysis(fps, video.string())
                   : kinoglaz::test::synthetic_analysis(fps, 1, video.string());
        std::map<int, cv::Mat> keyframes;
        for (const auto& s : a.shots) {
            const int k = scenes ? s.setup : s.index;
            cv::Mat img(180, 320, CV_8UC3,
                        cv::Scalar(60 + 25 * k, 80 + 90 * (k % 2), 180 - 15 * k));
            cv::putText(img, (scenes ? "set-up " : "shot ") + std::to_string(k), {40, 100},
                        cv::FONT_HERSHEY_SIMPLEX, 1.4, cv::Scalar(255, 255, 255), 3);
            keyframes[s.index] = img;
        }
        kinoglaz::OutputFolder folder(argv[1], kinoglaz::OutputKind::analysis, false);
        if (argc > 3 && !a.events.empty()) {
            fs::create_directories(folder.path() / "reveals");
            fs::copy_file(argv[3], folder.path() / a.events.front().clip);
        }
        kinoglaz::write_analysis_folder(a, folder.path(), keyframes);
        folder.commit("analysis.json");
        std::cout << (folder.outdir() / "report.html").string() << "\n";
    } catch (const kinoglaz::Error& e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
    return 0;
}
