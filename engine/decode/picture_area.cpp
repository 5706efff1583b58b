#include <algorithm>
#include <array>
#include <set>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "kinoglaz/decode/decoder.hpp"

namespace kinoglaz {

namespace {

// Pictures sampled across the film, each a codec keyframe decoded alone.
constexpr int kSamples = 7;
// A bar's row or column: nothing in it brighter than this (coded luma; black is 16 in video
// range, 0 in full range, and a bar's compression noise stays within a few steps of it).
constexpr unsigned char kBarLuma = 32;
// A side is cropped only where its bar is at least this share of the picture's dimension:
// thinner dark edges (an old capture's blanking) cost the detection image nothing.
constexpr double kMinBarShare = 0.01;
// Distinct sampled pictures that must end at a side's edge for it to be a bar; pictures are
// distinct when their 16x9 luma thumbnails differ by this much on average (the same shot
// sampled twice is one witness).
constexpr int kMinWitnesses = 3;
constexpr double kDistinctLuma = 4.0;

// Where the picture that is not bar begins and ends along one axis: [first, last).
struct Extent {
    int first = 0, last = 0;
};

Extent non_bar_extent(const cv::Mat& line_max) {
    const cv::Mat line = line_max.reshape(1, 1);
    const int n = line.cols;
    int first = 0, last = n;
    while (first < n && line.at<unsigned char>(0, first) <= kBarLuma) ++first;
    while (last > first && line.at<unsigned char>(0, last - 1) <= kBarLuma) --last;
    return {first, last};
}

// One sampled picture: its distances from each side to its first row or column that is not
// bar (top, bottom, left, right), and which distinct picture it is.
struct Sample {
    std::array<int, 4> edges{};
    int look = 0;
};

// How near side `side` the sampled pictures come (the smallest distance to their first row
// or column that is not bar: cropping there cuts no sampled picture), and how many distinct
// pictures end there (within `tolerance`). A dark picture's edge lies anywhere inside the
// picture, a boxed shot's (a pillarboxed portrait shot) further in; a bar puts the other
// pictures' edges in one place.
std::pair<int, int> bar_on(const std::vector<Sample>& samples, int side, int tolerance) {
    int nearest = samples.front().edges[std::size_t(side)];
    for (const Sample& s : samples) nearest = std::min(nearest, s.edges[std::size_t(side)]);
    std::set<int> witnesses;
    for (const Sample& s : samples)
        if (s.edges[std::size_t(side)] <= nearest + tolerance) witnesses.insert(s.look);
    return {nearest, int(witnesses.size())};
}

// The film's picture area, or empty (find_picture_area).
PixelBox area_between_bars(FrameGrabber& grabber) {
    const std::int64_t frames = grabber.info().frame_count;
    if (frames < 1 || !grabber.seeks_by_timestamp()) return {};

    std::vector<Sample> samples;  // of the pictures that are not black
    std::vector<cv::Mat> looks;   // a thumbnail of each distinct picture
    std::vector<FrameIndex> taken;
    int width = 0, height = 0;
    auto sample = [&](double at_share) {
        // Codec keyframes only, each decoded alone: a frame between them would cost the
        // decoding of every picture from the one before (seconds at high bitrates).
        const FrameIndex at = grabber.seek_start(FrameIndex(at_share * double(frames)));
        if (std::find(taken.begin(), taken.end(), at) != taken.end()) return true;
        taken.push_back(at);
        const std::optional<Frame> frame = grabber.grab(at);
        if (!frame || frame->full_planes.empty()) return true;
        const cv::Mat& luma = frame->full_planes.y;
        if (width && (luma.cols != width || luma.rows != height)) return false;  // size changes
        width = luma.cols, height = luma.rows;
        cv::Mat row_max, column_max;
        cv::reduce(luma, row_max, 1, cv::REDUCE_MAX);
        cv::reduce(luma, column_max, 0, cv::REDUCE_MAX);
        const Extent rows = non_bar_extent(row_max), columns = non_bar_extent(column_max);
        if (rows.first >= rows.last || columns.first >= columns.last) return true;  // black
        Sample taken_sample{{rows.first, height - rows.last, columns.first, width - columns.last}};
        cv::Mat thumb;
        cv::resize(luma, thumb, {16, 9}, 0, 0, cv::INTER_AREA);
        const auto same = std::find_if(looks.begin(), looks.end(), [&](const cv::Mat& seen) {
            return cv::norm(thumb, seen, cv::NORM_L1) / double(thumb.total()) < kDistinctLuma;
        });
        taken_sample.look = int(same - looks.begin());
        if (same == looks.end()) looks.push_back(thumb);
        samples.push_back(taken_sample);
        return true;
    };
    // Bars found (or not) on every side, or nullopt while some side is in doubt: the nearest
    // edge is far enough in for a bar, but too few distinct pictures end there.
    auto decide = [&]() -> std::optional<std::array<int, 4>> {
        if (samples.empty()) return std::nullopt;
        std::array<int, 4> bars{};
        for (int side = 0; side < 4; ++side) {
            const int dimension = side < 2 ? height : width;
            const auto [nearest, witnesses] = bar_on(samples, side, std::max(2, dimension / 200));
            if (nearest < kMinBarShare * dimension) continue;
            if (witnesses < kMinWitnesses) return std::nullopt;
            bars[std::size_t(side)] = nearest;
        }
        return bars;
    };
    // Each side's nearest edge only comes nearer with more samples: once a picture reaches
    // every side (most films: the first one), no bar is left to find.
    auto none_left = [&] {
        if (samples.empty()) return false;
        for (int side = 0; side < 4; ++side) {
            const int dimension = side < 2 ? height : width;
            if (bar_on(samples, side, 0).first >= kMinBarShare * dimension) return false;
        }
        return true;
    };
    // A first round spread over the film; a second between its samples where in doubt (a
    // film with boxed shots of its own, a short one whose samples fall in few shots).
    for (int k = 0; k < kSamples; ++k) {
        if (!sample((2 * k + 1) / (2.0 * kSamples))) return {};
        if (none_left()) return {};
    }
    std::optional<std::array<int, 4>> bars = decide();
    if (!bars) {
        for (int k = 1; k < kSamples; ++k)
            if (!sample(double(k) / kSamples)) return {};
        bars = decide();
    }
    if (!bars) return {};
    const auto [top, bottom, left, right] = *bars;
    // The picture left must be one: bars over four fifths of the frame are a dark film.
    if (top + bottom + left + right == 0 || 5 * (height - top - bottom) < height ||
        5 * (width - left - right) < width)
        return {};
    return {left, top, width - left - right, height - top - bottom};
}

}  // namespace

PixelBox find_picture_area(const std::string& input, bool allow_network) {
    // A stream or a remote file would be read whole to index it for seeking.
    if (input.find("://") != std::string::npos) return {};
    DecodeOptions options = probe_decode_options(allow_network);
    options.analysis_proxy = false;
    options.detection_image = false;
    options.full_planes = true;            // the coded luma, whatever the pixel format
    options.fast_decode = FastDecode::on;  // the deblocking filter does not move a bar's edge
    FrameGrabber grabber(input, options);  // throws as the pass's own decoder would
    try {
        return area_between_bars(grabber);
    } catch (const Error& e) {
        // A picture that fails to decode here is the pass's to report (or skip): the film
        // is then measured whole.
        if (e.kind() != ErrorKind::bad_input) throw;
        return {};
    }
}

}  // namespace kinoglaz
