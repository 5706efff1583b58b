// The analysis folder as a whole: every file written, the report's links all resolve inside
// the folder, and the atomic writer never leaves a half-written or missing OUTDIR.

#include <gtest/gtest.h>
#include <unistd.h>
#include <fstream>
#include <iterator>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <kinoglaz/core.hpp>
#include <kinoglaz/decode.hpp>
#include <kinoglaz/export.hpp>
#include "export_test_util.hpp"
#include "synthetic_analysis.hpp"

namespace kinoglaz::test {
namespace {

namespace fs = std::filesystem;

std::map<int, cv::Mat> keyframes(const Analysis& a) {
    std::map<int, cv::Mat> out;
    for (const auto& s : a.shots) {
        cv::Mat img(90, 160, CV_8UC3, cv::Scalar(40 * s.index % 255, 90, 200 - 20 * s.index));
        cv::putText(img, std::to_string(s.index), {60, 60}, cv::FONT_HERSHEY_SIMPLEX, 1.5,
                    cv::Scalar(255, 255, 255), 2);
        out[s.index] = img;
    }
    return out;
}

TEST(Jpeg, OddSizesRoundTripAndBadPathsFailCleanly) {
    const fs::path root = temp_dir("jpeg");
    for (const cv::Size size : {cv::Size(33, 17), cv::Size(1, 1), cv::Size(640, 360)}) {
        cv::Mat img(size, CV_8UC3);
        for (int y = 0; y < img.rows; ++y)
            for (int x = 0; x < img.cols; ++x)
                img.at<cv::Vec3b>(y, x) = {uchar(4 * x), uchar(200 - y), uchar(120)};
        const fs::path file = root / ("odd-" + std::to_string(size.width) + ".jpg");
        write_jpeg(file.string(), img);
        const cv::Mat back = cv::imread(file.string());
        ASSERT_EQ(back.size(), size);
        EXPECT_GT(cv::PSNR(back, img), 30) << size;
    }
    EXPECT_THROW(write_jpeg((root / "no" / "such" / "dir.jpg").string(), cv::Mat(8, 8, CV_8UC3)),
                 Error);
    EXPECT_THROW(write_jpeg((root / "grey.jpg").string(), cv::Mat(8, 8, CV_8UC1)), Error);
    fs::remove_all(root);
}

// Keyframes carry JPEG's standard Huffman tables (ITU-T T.81 Annex K): tables fitted to each
// picture would make the encoder hold every coefficient's code of the picture until the end
// (25 MB at 1080p), for files a few per cent smaller. The luminance DC table's code counts
// follow its class and id byte in the DHT segment.
TEST(Jpeg, KeyframesUseTheStandardHuffmanTables) {
    const fs::path root = temp_dir("jpeg-huffman");
    cv::Mat img(270, 480, CV_8UC3);
    cv::randu(img, 0, 255);
    const fs::path file = root / "noise.jpg";
    write_jpeg(file.string(), img);
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    const std::string luma_dc_counts(
        "\x00\x00\x01\x05\x01\x01\x01\x01\x01\x01\x00\x00\x00"
        "\x00\x00\x00\x00",
        17);
    EXPECT_NE(bytes.find("\xFF\xC4"), std::string::npos) << "no DHT segment";
    EXPECT_NE(bytes.find(luma_dc_counts), std::string::npos);
    fs::remove_all(root);
}

// Even-sized stills carry their chroma at half size both ways (4:2:0, as the films they come
// from), odd-sized ones at full size: FFmpeg's 4:2:0 path gets the last column of those wrong.
// In the baseline frame header (SOF0) each component's id is followed by its sampling factors
// (horizontal, vertical: a nibble each); chroma at full size has the luma's factors.
TEST(Jpeg, EvenSizedStillsSubsampleTheirChroma) {
    // The luma's factors over the first chroma component's, as "HxV".
    auto subsampling = [](cv::Size size) -> std::string {
        cv::Mat img(size, CV_8UC3);
        cv::randu(img, 0, 255);
        const std::vector<unsigned char> bytes = encode_jpeg(img);
        const std::string text(bytes.begin(), bytes.end());
        const std::size_t sof = text.find("\xFF\xC0");
        if (sof == std::string::npos || sof + 15 > bytes.size()) return "no baseline frame header";
        // FF C0, length (2), precision (1), height (2), width (2), components (1), then per
        // component its id, sampling factors and quantisation table.
        const int luma = bytes[sof + 11], chroma = bytes[sof + 14];
        if ((chroma >> 4) == 0 || (chroma & 15) == 0) return "no chroma sampling factors";
        return std::to_string((luma >> 4) / (chroma >> 4)) + "x" +
               std::to_string((luma & 15) / (chroma & 15));
    };
    EXPECT_EQ(subsampling({480, 270}), "2x2");
    EXPECT_EQ(subsampling({481, 270}), "1x1");
    EXPECT_EQ(subsampling({480, 271}), "1x1");
}

// The live view's pictures go through encode_jpeg / decode_jpeg in memory (FFmpeg's codec, so
// that the command-line tool does not load OpenCV's imgcodecs): a round trip keeps the picture,
// a JPEG from another encoder (libjpeg, through imgcodecs) reads back, and bytes that are not
// a JPEG are refused with an error, not a crash.
TEST(Jpeg, EncodesAndDecodesInMemory) {
    cv::Mat img(120, 200, CV_8UC3);
    for (int y = 0; y < img.rows; ++y)
        for (int x = 0; x < img.cols; ++x)
            img.at<cv::Vec3b>(y, x) = {uchar(x), uchar(2 * y), uchar(255 - x)};
    const cv::Mat back = decode_jpeg(encode_jpeg(img, 92));
    ASSERT_EQ(back.size(), img.size());
    ASSERT_EQ(back.type(), CV_8UC3);
    EXPECT_GT(cv::PSNR(back, img), 35);
    std::vector<unsigned char> libjpeg;
    ASSERT_TRUE(cv::imencode(".jpg", img, libjpeg, {cv::IMWRITE_JPEG_QUALITY, 90}));
    EXPECT_GT(cv::PSNR(decode_jpeg(libjpeg), cv::imdecode(libjpeg, cv::IMREAD_COLOR)), 40);
    EXPECT_THROW(decode_jpeg({}), Error);
    EXPECT_THROW(decode_jpeg({'n', 'o', 't', ' ', 'a', ' ', 'j', 'p', 'e', 'g'}), Error);
}

bool has_partial_sibling(const fs::path& outdir) {
    for (const auto& e : fs::directory_iterator(outdir.parent_path())) {
        const std::string name = e.path().filename().string();
        if (name.rfind(outdir.filename().string() + ".", 0) == 0) return true;
    }
    return false;
}

TEST(AnalysisFolder, WritesEveryFileAndCommits) {
    const fs::path root = temp_dir("folder");
    const fs::path outdir = root / "out";
    const Analysis a = synthetic_analysis(Rational{25, 1}, 1, (root / "film.mp4").string());
    {
        OutputFolder folder(outdir, OutputKind::analysis, false);
        EXPECT_TRUE(fs::is_directory(folder.path()));
        EXPECT_EQ(folder.path().parent_path(), outdir.parent_path());
        EXPECT_FALSE(fs::exists(outdir)) << "OUTDIR must not appear before commit";
        fs::create_directories(folder.path() / "reveals");
        write_file(folder.path() / "reveals" / "event-000.mp4", "not really a video");
        write_analysis_folder(a, folder.path(), keyframes(a));
        folder.commit("analysis.json");
        EXPECT_TRUE(folder.committed());
    }
    for (const char* f : {"analysis.json", "shots.csv", "shotgraph.dot", "shotgraph.graphml",
                          "setupgraph.dot", "timeline.otio", "cuts.edl", "annotations.eaf",
                          "timeline.fcpxml", "chapters.vtt", "report.html"}) {
        EXPECT_TRUE(fs::is_regular_file(outdir / f)) << f;
        EXPECT_GT(fs::file_size(outdir / f), 0u) << f;
    }
    const auto originals = keyframes(a);
    for (const auto& s : a.shots) {
        const cv::Mat img = cv::imread((outdir / keyframe_path(s.index)).string());
        ASSERT_FALSE(img.empty()) << keyframe_path(s.index);
        EXPECT_EQ(img.size(), cv::Size(160, 90));
        // Another decoder (OpenCV's libjpeg) reads back the same picture, colours included.
        EXPECT_GT(cv::PSNR(img, originals.at(s.index)), 30) << keyframe_path(s.index);
    }
    EXPECT_FALSE(has_partial_sibling(outdir)) << "temporary folder left behind";
    EXPECT_EQ(parse_analysis_json(read_file(outdir / "analysis.json"), "analysis.json")
                  .transitions.size(),
              a.transitions.size());

    // Every local link of the report resolves inside the folder (or is the film itself).
    const std::string html = read_file(outdir / "report.html");
    std::size_t links = 0;
    for (const auto& ref : find_all(html, "(?:src|href)=\"([^\"]*)\"")) {
        if (ref.rfind("#", 0) == 0 || ref.rfind("data:", 0) == 0) continue;
        EXPECT_EQ(ref.find("://"), std::string::npos) << "network or absolute link " << ref;
        ++links;
        if (ref == "../film.mp4") continue;  // the source, relative to OUTDIR
        EXPECT_TRUE(fs::exists(outdir / ref)) << "missing resource " << ref;
    }
    EXPECT_GT(links, a.shots.size());
    EXPECT_NE(html.find("src=\"../film.mp4\""), std::string::npos);
    // The revealed clip present in the folder is playable; the absent one is not linked.
    EXPECT_NE(html.find("<video controls preload=\"metadata\" src=\"reveals/event-000.mp4\""),
              std::string::npos);
    EXPECT_EQ(html.find("reveals/event-002.mp4\""), std::string::npos);
    if (have_program("dot")) {
        EXPECT_NE(html.find("class=\"node\""), std::string::npos);
    }
    fs::remove_all(root);
}

TEST(AnalysisFolder, UncommittedLeavesNoOutdir) {
    const fs::path root = temp_dir("folder-abort");
    const fs::path outdir = root / "out";
    fs::path temp;
    {
        OutputFolder folder(outdir, OutputKind::analysis, false);
        temp = folder.path();
        write_file(folder.path() / "analysis.json", "{}");
        // An error unwinds past the writer before commit().
    }
    EXPECT_FALSE(fs::exists(outdir));
    EXPECT_FALSE(fs::exists(temp));
    EXPECT_FALSE(has_partial_sibling(outdir));
    fs::remove_all(root);
}

TEST(AnalysisFolder, UncommittedKeepsAnEarlierCompleteOutdir) {
    const fs::path root = temp_dir("folder-keep");
    const fs::path outdir = root / "out";
    {
        OutputFolder folder(outdir, OutputKind::analysis, false);
        write_file(folder.path() / "analysis.json", "earlier");
        folder.commit("analysis.json");
    }
    try {
        OutputFolder folder(outdir, OutputKind::analysis, false);
        write_file(folder.path() / "analysis.json", "newer, half written");
        throw Error(ErrorKind::cancelled, "test: interrupted");
    } catch (const Error&) {
    }
    EXPECT_EQ(read_file(outdir / "analysis.json"), "earlier");
    EXPECT_FALSE(has_partial_sibling(outdir));

    // A committed run replaces it whole, with nothing left over.
    {
        OutputFolder folder(outdir, OutputKind::analysis, false);
        write_file(folder.path() / "analysis.json", "newer");
        folder.commit("analysis.json");
    }
    EXPECT_EQ(read_file(outdir / "analysis.json"), "newer");
    EXPECT_FALSE(has_partial_sibling(outdir));
    fs::remove_all(root);
}

TEST(AnalysisFolder, CleansUpAfterKilledProcesses) {
    const fs::path root = temp_dir("folder-stale");
    const fs::path outdir = root / "out";
    // A pid that cannot be running (beyond pid_max), and this very process's parent, which is.
    const fs::path dead = root / "out.partial-999999999";
    const fs::path alive = root / ("out.partial-" + std::to_string(::getppid()));
    const fs::path unrelated = root / "out.partial-notes";
    for (const auto& p : {dead, alive, unrelated}) fs::create_directories(p);
    {
        OutputFolder folder(outdir, OutputKind::analysis, false);
        folder.commit("analysis.json");
    }
    EXPECT_FALSE(fs::exists(dead)) << "leftover of a dead process";
    EXPECT_TRUE(fs::exists(alive)) << "another running process's folder must stay";
    EXPECT_TRUE(fs::exists(unrelated));
    fs::remove_all(root);
}

TEST(AnalysisFolder, AcceptsATrailingSlash) {
    const fs::path root = temp_dir("folder-slash");
    {
        OutputFolder folder(root.string() + "/out/", OutputKind::analysis, false);
        EXPECT_EQ(folder.outdir(), root / "out");
        EXPECT_EQ(folder.path().parent_path(), root);
        folder.commit("analysis.json");
    }
    EXPECT_TRUE(fs::is_directory(root / "out"));
    fs::remove_all(root);
}

TEST(AnalysisFolder, RejectsAFileAsOutdir) {
    const fs::path root = temp_dir("folder-file");
    write_file(root / "taken", "x");
    try {
        OutputFolder folder(root / "taken", OutputKind::analysis, false);
        FAIL() << "a file as OUTDIR must be refused";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::bad_usage);
        EXPECT_NE(std::string(e.what()).find("taken"), std::string::npos);
    }
    EXPECT_EQ(read_file(root / "taken"), "x");
    fs::remove_all(root);
}

TEST(Report, OneTilePerShotAndAllSections) {
    const Analysis a = synthetic_analysis(Rational{30000, 1001}, 2);
    const std::string html = report_html(a, {});
    EXPECT_EQ(find_all(html, "<button type=\"button\" class=\"tile\"").size(), a.shots.size());
    for (const auto& s : a.shots)
        EXPECT_NE(html.find("data-shot=\"" + std::to_string(s.index) + "\" data-start=\""),
                  std::string::npos);
    EXPECT_EQ(html.find("{{"), std::string::npos) << "unfilled template field";
    for (const char* part : {"id=\"contact-sheet\"", "id=\"rhythm\"", "id=\"graph\"",
                             "id=\"transitions\"", "id=\"events\"", "<video id=\"player\"", "ASL",
                             "MSL", "CV", "Lognormal", "Cuts per minute", "<polyline"})
        EXPECT_NE(html.find(part), std::string::npos) << part;
    // Without a rendered graph, the page draws its own arc diagram.
    EXPECT_NE(html.find("Shot graph as an arc diagram"), std::string::npos);
    EXPECT_EQ(find_all(html, "<tr><td class=\"num\">").size(), a.transitions.size());
    // No network: nothing is fetched from a host.
    EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));
    EXPECT_EQ(html.find("https://"), std::string::npos);

    ReportOptions o;
    o.graph_svg = "<svg id=\"given\"></svg>";
    o.shots_with_keyframes = std::vector<int>{0, 1};
    o.video_src = "film%20copy.mp4";
    const std::string with = report_html(a, o);
    EXPECT_NE(with.find("<svg id=\"given\"></svg>"), std::string::npos);
    EXPECT_EQ(find_all(with, "<img src=\"keyframes/").size(), 2u);
    EXPECT_NE(with.find("src=\"film%20copy.mp4\""), std::string::npos);
}

}  // namespace
}  // namespace kinoglaz::test
