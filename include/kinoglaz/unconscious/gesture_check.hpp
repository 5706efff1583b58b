#pragma once
/// The check of proposed micro-gestures at the source's size (engine/unconscious/
/// gesture_check.cpp): the second stage of the micro-gesture finder.

#include <cstddef>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include <kinoglaz/analysis.hpp>
#include <kinoglaz/decode.hpp>
#include "kinoglaz/unconscious/event.hpp"

namespace kinoglaz {

/// Options of check_gestures().
struct GestureCheckOptions {
    /// Chance that a region's own noise passes the check, per candidate (1e-12..1e-1).
    double false_alarm_rate = 1e-6;
    /// Cores to use (0 = all): the decoding gets one fewer codec threads (at least one), and
    /// the measuring runs beside it on a thread of its own.
    int threads = 0;
    bool allow_network = false;  ///< permit non-file protocols, as the pass did
    bool progress = false;       ///< a bar on stderr ("gestures", in frames decoded)
};

/// What measure_gesture() found in one candidate's region.
struct GestureMeasure {
    bool passed = false;
    /// The window's evidence of motion over the threshold the region's own noise sets, or its
    /// peak over the peak's (the best cell, the larger of the two; > 1 where it passed).
    double ratio = 0;
    double amplitude_px = 0;  ///< the best cell's peak displacement in the window, pixels
    cv::Rect cell;            ///< that cell, in the crops' pixels
    /// Share of that cell's displacement energy in the window along its main direction
    /// (0.5: none, 1: one line).
    double direction = 0.5;
};

/// Measures a candidate on `crops`: the same region of successive frames at the source's size (all
/// of one size: CV_32F grey, already smoothed, or the source's CV_8U samples, smoothed here by a
/// 5x5 Gaussian of sigma 1 one frame at a time as read, so that they wait at a quarter of the
/// size), `in_window[k]` saying which hold the candidate's time window; `box` is the candidate's
/// box in the crops' pixels and `cell` the side of the measuring cells' stride (their windows are
/// twice as wide). Every cell's displacement against a reference (the mean of the frames just
/// before the window) is measured by Lucas-Kanade, the camera's (the median of the cells outside
/// `box`; where the camera wanders by more than 0.5 px, the shift, turn and scale fitted to those
/// cells, where they lie on every side of `box`) and each cell's slow drift (a line through its
/// frames outside the window) taken out. Each cell in `box` sums its squared displacements over the
/// window, in units of their median outside it, each frame's term capped; it passes when that sum
/// exceeds both the threshold a Gaussian noise would cross at `false_alarm_rate` (shared among the
/// cells), raised by how far the frames outside the window already reach it, and 2.75 times the
/// largest sum of any cell over any stretch of the same length outside the window; or its peak
/// displacement in the window is at least 30 times its median outside it and 3 times the largest of
/// any cell outside the window (a brief gesture far above the noise, which the capped sums cannot
/// tell from a region's few large frames). Its displacement must swing back (at least 0.35 of its
/// peak the other way, as EventFinder's), or, passing by its peak, come back to its rest after the
/// window (a bump), and lie along one line (at least 0.75 of its energy in the window along its
/// main direction: noise points every way). Needs at least 12 frames outside the window, else it
/// fails. `elsewhere[k]` (where given) marks frames that another motion in the region holds (a
/// gesture found there before or after): they tell nothing of the region's noise, so they count
/// neither as the window nor as the frames outside it.
GestureMeasure measure_gesture(const std::vector<cv::Mat>& crops,
                               const std::vector<bool>& in_window, cv::Rect box, int cell,
                               double false_alarm_rate, const std::vector<bool>& elsewhere = {});

/// What one check_gestures() cost: its decoding's size.
struct GestureCheckStats {
    std::size_t measured = 0;        ///< proposals measured (those with enough context)
    std::size_t frames_wanted = 0;   ///< frames the proposals' ranges hold, overlaps counted once
    std::size_t frames_decoded = 0;  ///< frames delivered by the decoding (each at most once)
    std::size_t decodings = 0;       ///< passes over the film (0 or 1)
};

/// The proposals (EventFinder::proposals()) that the source's own pixels confirm: each one's
/// region (its box and a margin) over its time window and up to 2 s before and 1 s after it
/// within its shot (`transitions` bound the shots) is cropped from the coded luma plane at
/// full size, smoothed, and measured by measure_gesture(). All proposals' frames are decoded
/// in one forward pass over the union of their ranges (grab_frames: a frame shared by several
/// ranges is decoded once), each proposal measured as soon as its last frame is in; the gestures
/// already `detected` (the finder's events; other kinds are ignored) in a proposal's region are
/// left out of its noise (measure_gesture()'s `elsewhere`). Returns the
/// confirmed ones, with the amplitude measured there and a score of at least 0.7 that grows with
/// the evidence; sorted by start frame. Films whose stored pictures are not shown as stored
/// (rotation, non-square pixels) are not checked (nothing is confirmed). Throws Error(bad_input) as
/// VideoDecoder does.
std::vector<Event> check_gestures(const std::string& input, const std::vector<Event>& proposals,
                                  const std::vector<Event>& detected,
                                  const std::vector<Transition>& transitions,
                                  const SourceInfo& source, const GestureCheckOptions& options = {},
                                  GestureCheckStats* stats = nullptr);

}  // namespace kinoglaz
