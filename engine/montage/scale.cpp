#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "kinoglaz/montage/montage_analysis.hpp"

namespace kinoglaz {

namespace {

// A face box must be at least half skin-coloured to count (faces measured 0.8-0.96 on the dev
// set; warm grey metal, the closest impostor, 0.38).
constexpr double kMinSkinShare = 0.5;

// Height of the picture the cascades search, px. Their 24 px window (the smallest face they
// find) is then 6.7 % of the height: the medium_long band and up.
constexpr int kDetectHeight = 360;

// The screen's scale step and least neighbours: as permissive as it can be while it still
// finds every face the default cascade confirms on the dev sets' keyframes (1.3 loses some).
constexpr double kScreenStep = 1.2;
constexpr int kScreenNeighbours = 1;

// A screened face sets sizes to search only with at least this share of skin: a face the
// default cascade keeps must be half skin (kMinSkinShare), and the screen's box around it is
// nearly as much (the screen's hits on 595 frames of the dev films, clips and a 1080p film:
// the same scales with any threshold up to 0.5), while most of its loose hits on walls and
// foliage hold none, and their bands cost a third of the default cascade's time.
constexpr double kMinScreenSkinShare = 0.2;

// The default cascade searches each screened face's sizes from this factor smaller to this
// factor larger: its grouping joins boxes within 20 % of each other, so a face's group lies
// well inside, and the faces it gives are those of a search over all sizes.
constexpr double kSizeBand = 1.5;

// The Haar cascades' folder (`kind` "haarcascades") or the LBP one ("lbpcascades"), both
// from opencv-data; $KINOGLAZ_FACE_CASCADES, when set, holds all of them.
std::filesystem::path cascade_folder(const char* kind) {
    if (const char* env = std::getenv("KINOGLAZ_FACE_CASCADES"); env && *env) return env;
    return std::filesystem::path("/usr/share/opencv4") / kind;
}

// Loaded cascades, kept for the process: loading the Haar ones parses 1.4 MB of XML (~20 ms),
// and keyframes are analysed on short-lived threads (one std::async each), so a per-thread
// cache loaded them again for every keyframe. detectMultiScale mutates the classifier's
// buffers, so each instance is lent to one caller at a time and comes back when released.
struct CascadePool {
    std::mutex mutex;
    std::map<std::filesystem::path, std::vector<std::unique_ptr<cv::CascadeClassifier>>> idle;

    static CascadePool& instance() {
        static CascadePool pool;
        return pool;
    }
};

struct ReturnToPool {
    std::filesystem::path path;
    void operator()(cv::CascadeClassifier* c) const {
        if (!c) return;
        CascadePool& pool = CascadePool::instance();
        std::lock_guard lock(pool.mutex);
        pool.idle[path].emplace_back(c);
    }
};
using CascadeLease = std::unique_ptr<cv::CascadeClassifier, ReturnToPool>;

// A cascade of the pool, loaded on first need; null when its file is missing or unreadable.
CascadeLease cascade(const char* kind, const char* name) {
    const std::filesystem::path path = cascade_folder(kind) / name;
    CascadePool& pool = CascadePool::instance();
    {
        std::lock_guard lock(pool.mutex);
        auto& idle = pool.idle[path];
        if (!idle.empty()) {
            CascadeLease lease(idle.back().release(), ReturnToPool{path});
            idle.pop_back();
            return lease;
        }
    }
    std::error_code ec;
    auto c = std::make_unique<cv::CascadeClassifier>();
    if (!std::filesystem::is_regular_file(path, ec) || !c->load(path.string()))
        return CascadeLease(nullptr, ReturnToPool{path});
    return CascadeLease(c.release(), ReturnToPool{path});
}

// The picture's pixels in the skin range of Cr and Cb (Chai & Ngan 1999), whatever the skin's
// tone and the light's level: textures, metal, glass and drawn faces mostly fall outside it.
// Counted once, through their integral image, for every box the search asks about.
class SkinMap {
  public:
    explicit SkinMap(const cv::Mat& bgr) {
        cv::Mat ycrcb, skin;
        cv::cvtColor(bgr, ycrcb, cv::COLOR_BGR2YCrCb);
        cv::inRange(ycrcb, cv::Scalar(0, 133, 77), cv::Scalar(255, 173, 127), skin);
        cv::integral(skin, sums_, CV_32S);  // skin pixels count 255
    }
    int rows() const { return sums_.rows - 1; }
    int cols() const { return sums_.cols - 1; }
    // Skin pixels in `box` (inside the picture), times 255.
    double inside(const cv::Rect& box) const {
        return double(sums_.at<int>(box.y + box.height, box.x + box.width)) -
               sums_.at<int>(box.y, box.x + box.width) - sums_.at<int>(box.y + box.height, box.x) +
               sums_.at<int>(box.y, box.x);
    }
    // Share of `box`'s pixels that are skin.
    double share(const cv::Rect& box) const {
        return inside(box) / (255.0 * std::max(1, box.area()));
    }

  private:
    cv::Mat sums_;
};

// Where a face that passes the skin test can lie: the bounding box of every square window of
// `min_side` px or more (sides 5 % apart, positions an eighth of a side apart) that is at least
// 30 % skin, widened by a quarter of the largest such window; empty when there is none. A face
// box must be half skin (kMinSkinShare), and a box between two tried sizes and positions differs
// from the nearer tried window by well under the 20 points of margin, so the cascades (half of
// the keyframe stage's time at 1080p) need not look anywhere else.
cv::Rect skin_region(const SkinMap& skin, int min_side) {
    const int rows = skin.rows(), cols = skin.cols();
    int x0 = cols, y0 = rows, x1 = 0, y1 = 0, largest = 0;
    for (double side = min_side; side <= std::min(rows, cols); side *= 1.05) {
        const int s = int(side);
        const int step = std::max(1, s / 8);
        const double needed = 0.3 * 255.0 * s * s;
        for (int y = 0; y + s <= rows; y += step)
            for (int x = 0; x + s <= cols; x += step) {
                if (skin.inside({x, y, s, s}) < needed) continue;
                x0 = std::min(x0, x), y0 = std::min(y0, y);
                x1 = std::max(x1, x + s), y1 = std::max(y1, y + s);
                largest = std::max(largest, s);
            }
    }
    if (largest == 0) return {};
    const int margin = largest / 4;
    return cv::Rect(cv::Point(x0 - margin, y0 - margin), cv::Point(x1 + margin, y1 + margin)) &
           cv::Rect(0, 0, cols, rows);
}

// Intersection over union of two boxes.
double overlap(const cv::Rect& a, const cv::Rect& b) {
    const double inter = (a & b).area();
    return inter / std::max(1.0, double(a.area() + b.area()) - inter);
}

ShotScale scale_from_ratio(double r) {
    if (r >= 0.50) return ShotScale::extreme_close_up;
    if (r >= 0.28) return ShotScale::close_up;
    if (r >= 0.17) return ShotScale::medium_close_up;
    if (r >= 0.10) return ShotScale::medium;
    if (r >= 0.06) return ShotScale::medium_long;
    if (r >= 0.03) return ShotScale::long_;
    return ShotScale::extreme_long;
}

}  // namespace

ShotScale estimate_scale(const cv::Mat& keyframe_bgr, const cv::Mat& keyframe_grey) {
    if (keyframe_bgr.empty()) return ShotScale::unknown;
    const CascadeLease screen = cascade("lbpcascades", "lbpcascade_frontalface.xml");
    const CascadeLease faces_default =
        cascade("haarcascades", "haarcascade_frontalface_default.xml");
    const CascadeLease faces_alt = cascade("haarcascades", "haarcascade_frontalface_alt2.xml");
    if (!screen || !faces_default || !faces_alt) return ShotScale::unknown;
    cv::Mat bgr;
    if (keyframe_bgr.channels() == 3)
        bgr = keyframe_bgr;
    else if (keyframe_bgr.channels() == 4)
        cv::cvtColor(keyframe_bgr, bgr, cv::COLOR_BGRA2BGR);
    else
        cv::cvtColor(keyframe_bgr, bgr, cv::COLOR_GRAY2BGR);
    cv::Mat gray = keyframe_grey;
    if (gray.empty()) cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
    // Letterbox bars are not part of the picture: measure against the picture's own height.
    {
        int top = 0, bottom = gray.rows;
        auto dark_row = [&](int y) {
            double mx = 0;
            cv::minMaxLoc(gray.row(y), nullptr, &mx);
            return mx < 40;
        };
        while (top < bottom && dark_row(top)) ++top;
        while (bottom > top && dark_row(bottom - 1)) --bottom;
        if (bottom - top >= gray.rows / 4) {  // views: neither is written below
            gray = gray.rowRange(top, bottom);
            bgr = bgr.rowRange(top, bottom);
        }
    }
    // Detection at most kDetectHeight px high: what a face's size relative to the picture
    // needs, the size the dev sets are measured at, and half the cascades' CPU time of 480
    // px at 1080p and above (the cascades' cost grows with the pixels searched).
    const double f = gray.rows > kDetectHeight ? double(kDetectHeight) / gray.rows : 1.0;
    if (f < 1.0) {
        cv::resize(gray, gray, {}, f, f, cv::INTER_AREA);
        cv::resize(bgr, bgr, gray.size(), 0, 0, cv::INTER_AREA);
    }
    cv::Mat equalized;  // not in place: `gray` may be the caller's picture
    cv::equalizeHist(gray, equalized);
    gray = equalized;
    const int min_side = std::max(12, int(gray.rows * 0.025));
    const SkinMap skin(bgr);
    const cv::Rect region = skin_region(skin, min_side);
    if (region.empty()) return ShotScale::unknown;
    // The default cascade over every size costs half the keyframe stage at 1080p. An LBP
    // cascade (a few times cheaper), set loose, screens for faces; the default one then searches
    // the same region, so on the same pyramid of the picture, only at the sizes around each
    // screened face, and gives the boxes it gives over all sizes.
    std::vector<cv::Rect> screened;
    screen->detectMultiScale(gray(region), screened, kScreenStep, kScreenNeighbours, 0,
                             {min_side, min_side});
    std::vector<std::pair<int, int>> sizes;  // [least, largest] side, px, in increasing order
    for (const cv::Rect& s : screened)
        if (skin.share(s + region.tl()) >= kMinScreenSkinShare)
            sizes.emplace_back(std::max(min_side, int(s.width / kSizeBand)),
                               int(s.width * kSizeBand) + 1);
    std::sort(sizes.begin(), sizes.end());
    std::vector<std::pair<int, int>> bands;  // overlapping ranges joined, not searched twice
    for (const auto& size : sizes)
        if (!bands.empty() && size.first <= bands.back().second)
            bands.back().second = std::max(bands.back().second, size.second);
        else
            bands.push_back(size);
    std::vector<cv::Rect> faces;
    for (const auto& [least, largest] : bands) {
        std::vector<cv::Rect> found;
        faces_default->detectMultiScale(gray(region), found, 1.1, 5, 0, {least, least},
                                        {largest, largest});
        for (const cv::Rect& box : found) faces.push_back(box + region.tl());
    }
    // A scale is earned only by a face two independent detectors agree on and whose box holds
    // skin: a textured rock, a jar or a cartoon on a monitor fools one cascade, rarely all three
    // tests. Otherwise the shot's scale stays unknown rather than guessed. The tallest such
    // face decides, so faces are tried tallest first, the cheap skin test before the second
    // cascade, which looks only around the face: a box it confirms (overlap >= 0.4) has a side
    // 0.63-1.6 times the face's and lies within half a side of it.
    std::sort(faces.begin(), faces.end(),
              [](const cv::Rect& a, const cv::Rect& b) { return a.height > b.height; });
    int tallest = 0;
    for (const cv::Rect& face : faces) {
        if (skin.share(face) < kMinSkinShare) continue;
        const int margin = face.width / 2;
        const cv::Rect around = cv::Rect(face.x - margin, face.y - margin, face.width + 2 * margin,
                                         face.height + 2 * margin) &
                                region;
        const int least = std::max(min_side, int(face.width * 0.6));
        std::vector<cv::Rect> confirmations;
        faces_alt->detectMultiScale(gray(around), confirmations, 1.1, 3, 0, {least, least});
        const bool confirmed =
            std::any_of(confirmations.begin(), confirmations.end(),
                        [&](const cv::Rect& c) { return overlap(face, c + around.tl()) >= 0.4; });
        if (confirmed) {
            tallest = face.height;
            break;
        }
    }
    if (tallest == 0) return ShotScale::unknown;
    return scale_from_ratio(double(tallest) / gray.rows);
}

}  // namespace kinoglaz
