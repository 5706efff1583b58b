#pragma once
/// A person's corrections of an analysis: reading an edited export back (shots.csv, cuts.edl,
/// timeline.otio, timeline.fcpxml, annotations.eaf, analysis.json), telling what was changed,
/// and keeping those changes across later runs (`kinoglaz rebuild`, `analyze --keep-edits`).
///
/// An edited file is compared with the same export of the analysis it was made from, both read
/// by the same reader: what the two files say alike is the detector's (kept exactly, confidence
/// included), what only the edited file says was added by the person, what only the unedited one
/// says was removed. So a file exported and read back unchanged changes nothing, whatever the
/// format can or cannot express. All functions are pure and thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <kinoglaz/montage.hpp>
#include "kinoglaz/export/export.hpp"

namespace kinoglaz {

/// The formats an edited file may have; detected from the content, not the name.
enum class EditFormat { csv, edl, otio, fcpxml, eaf, json };
std::string_view to_string(EditFormat format) noexcept;

/// The film's clock in decoded frames: each frame's time (seconds from the first frame, as
/// the analysis's times) and the end of the last frame. Maps times read from a file to the
/// nearest frame boundary.
class FilmClock {
  public:
    /// `frame_times` increasing, from frame `first` on; `end_s` the end of the last frame.
    FilmClock(FrameIndex first, std::vector<double> frame_times, double end_s);
    /// The frame boundary nearest `seconds`: first..first + frames (the end).
    FrameIndex frame_at(double seconds) const;
    /// The time of frame boundary `frame` (the end time for the end boundary).
    double seconds(FrameIndex frame) const;
    FrameIndex first() const noexcept { return first_; }
    FrameIndex end() const noexcept { return first_ + FrameIndex(times_.size()); }

  private:
    FrameIndex first_;
    std::vector<double> times_;
    double end_s_;
};

/// One statement of an edited file about where shots change, in decoded frames.
struct EditMark {
    enum class Kind {
        exact,         ///< `transition` as it stands (type and frames known)
        cut_or_end,    ///< a shot ends at `transition.frames.start` (a cut there or a fade-out
                       ///< ending there)
        cut_or_start,  ///< a shot starts at `transition.frames.start` (a cut or a fade-in)
        gradual,       ///< shots overlap on `transition.frames` (a dissolve or a wipe)
    };
    Kind kind = Kind::exact;
    Transition transition;
    std::string where;  ///< "line 12", "element <transition> at line 40", for messages
    /// True when `t` is what this mark says (the detector's transition the mark keeps).
    bool matches(const Transition& t) const noexcept;
    /// The transition a person means by this mark when no detected one matches it.
    Transition as_transition() const;
    bool same_as(const EditMark& other) const noexcept;
};

/// Labels an edited file gives the shot that starts at `start` (decoded frame).
struct EditShotLabels {
    FrameIndex start = 0;
    std::optional<ShotScale> scale;
    std::optional<CameraMovement> camera;
    std::optional<int> setup;  ///< the set-up id as the file numbers them
    std::optional<int> scene;  ///< the scene number as the file gives it
    std::optional<std::string> note;
    std::string where;
};

/// What one edited file says.
struct EditedFile {
    EditFormat format = EditFormat::csv;
    std::vector<EditMark> marks;            ///< in file order
    std::vector<EditShotLabels> labels;     ///< in file order
    std::optional<Rational> timeline_rate;  ///< the rate a timeline file counts in
};

/// The format of `text` from its content: a CSV header with start_frame and end_frame, an EDL
/// ("TITLE:" or event lines), OpenTimelineIO JSON ("OTIO_SCHEMA"), a kinoglaz analysis.json
/// (schema kinoglaz.analysis/), an XML root <fcpxml> or <ANNOTATION_DOCUMENT>. Throws
/// Error(bad_input) naming `origin` for anything else.
EditFormat detect_edit_format(const std::string& text, const std::string& origin);

/// Reads an edited file of `base`'s film. Throws Error(bad_input) naming `origin` and the line
/// or element for what cannot be right: malformed lines, unknown transition types, scales or
/// camera labels, frames outside the film, a file that names another film.
EditedFile read_edited(const std::string& text, const std::string& origin, const Analysis& base,
                       const FilmClock& clock);

/// `base` exported in `format` (at `rate` for timelines), as the reader's reference.
std::string export_for_edit(const Analysis& base, EditFormat format, std::optional<Rational> rate);

/// The corrected transitions and labels.
struct Corrections {
    std::vector<Transition> transitions;  ///< sorted, person's ones `by_user`
    std::vector<Transition> removed;      ///< detected transitions the person removed (sorted)
    std::vector<EditShotLabels> labels;   ///< labels the person set (differ from the detector's)
    /// When the person changed a set-up: the file's set-ups of every shot it lists (with the
    /// earlier corrections' ones), for build_montage(); else empty (set-ups are found again).
    FixedSetups fixed_setups;
    /// Likewise for scenes: every listed shot's scene number, once the person changed one.
    std::map<FrameIndex, int> fixed_scenes;
};

/// Compares `edited` with `unedited` (read_edited() of export_for_edit(base)) and applies the
/// difference to `base`'s transitions, keeping `base`'s earlier corrections. Transition times
/// come from `clock`. Throws Error(bad_input) naming `origin` and the mark when the corrected
/// transitions overlap one another.
Corrections reconcile(const Analysis& base, const EditedFile& edited, const EditedFile& unedited,
                      const FilmClock& clock, const std::string& origin);

/// Sets the labels on the shots that start where they do (marking them as the person's; a
/// set-up label only marks the shot, build_montage() placed it), and notes on the shot their
/// start falls in. Returns the labels that matched no shot.
std::vector<EditShotLabels> apply_labels(Analysis& analysis,
                                         const std::vector<EditShotLabels>& labels);

/// The person's corrections an analysis carries (`by_user` transitions, removed transitions,
/// user labels and notes), to be applied to a new analysis of the same film.
struct KeptEdits {
    std::vector<Transition> added;
    std::vector<Transition> removed;
    std::vector<EditShotLabels> labels;
    FixedSetups fixed_setups;  ///< every shot's set-up when the person set one, else empty
    std::map<FrameIndex, int> fixed_scenes;  ///< every shot's scene when the person set one
};

/// Regroups `analysis`'s shots into the scenes a person gave (scene number by a shot's first
/// frame): consecutive shots with one number form a scene, a shot not listed stays in the scene
/// of the shot before it. Scenes are numbered again from 0; nothing else depends on them.
void apply_fixed_scenes(Analysis& analysis, const std::map<FrameIndex, int>& fixed_scenes);
KeptEdits kept_edits(const Analysis& earlier);

/// Applies kept transitions to freshly detected ones: detected transitions that overlap a
/// removed or an added one go, the added ones come in. Result sorted.
std::vector<Transition> apply_kept_transitions(std::vector<Transition> detected,
                                               const KeptEdits& edits);

/// Throws Error(bad_input) naming `origin` when `earlier` describes another film than `now`
/// (frame count, picture size or file name differ).
void check_same_film(const SourceInfo& earlier, const SourceInfo& now, const std::string& origin);

}  // namespace kinoglaz
