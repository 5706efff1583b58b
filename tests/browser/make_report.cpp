// Writes an analysis folder for the browser test: the synthetic Analysis of tests/export, with
// the source set to a real (synthetic) video so that the report's player works.
//
// usage: kinoglaz_make_report OUTDIR VIDEO [REVEAL_CLIP]

#include <filesystem>
#include <iostream>
#include <map>

#include <opencv2/imgproc.hpp>

#include "kinoglaz/analysis_folder.hpp"
#include "kinoglaz/error.hpp"
#include "kinoglaz/output_folder.hpp"
#include "synthetic_analysis.hpp"

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    if (argc < 3) {
        std::cerr << "usage: kinoglaz_make_report OUTDIR VIDEO [REVEAL_CLIP]\n";
        return 2;
    }
    try {
        const fs::path video = fs::absolute(argv[2]);
        const kinoglaz::Analysis a =
            kinoglaz::test::synthetic_analysis(kinoglaz::Rational{25, 1}, 1, video.string());
        std::map<int, cv::Mat> keyframes;
        for (const auto& s : a.shots) {
            cv::Mat img(180, 320, CV_8UC3, cv::Scalar(60 + 25 * s.index, 80, 180 - 20 * s.index));
            cv::putText(img, "shot " + std::to_string(s.index), {70, 100}, cv::FONT_HERSHEY_SIMPLEX,
                        1.4, cv::Scalar(255, 255, 255), 3);
            keyframes[s.index] = img;
        }
        kinoglaz::OutputFolder folder(argv[1], kinoglaz::OutputKind::analysis, false);
        if (argc > 3) {
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
