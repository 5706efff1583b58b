// What a person changed, and keeping it: reconcile() compares an edited file with the unedited
// export of the same analysis; kept_edits()/apply_kept_transitions() carry corrections into a
// new analysis of the film (analyze --keep-edits).

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include <kinoglaz/core.hpp>
#include "export_detail.hpp"
#include "kinoglaz/export/edits.hpp"

namespace kinoglaz {

FilmClock::FilmClock(FrameIndex first, std::vector<double> frame_times, double end_s)
    : first_(first), times_(std::move(frame_times)), end_s_(end_s) {
    if (!times_.empty() && end_s_ <= times_.back()) {
        const double step =
            times_.size() > 1 ? (times_.back() - times_.front()) / double(times_.size() - 1) : 0.04;
        end_s_ = times_.back() + step;
    }
}

double FilmClock::seconds(FrameIndex frame) const {
    if (times_.empty()) return 0;
    if (frame <= first_) return times_.front();
    if (frame >= end()) return end_s_;
    return times_[std::size_t(frame - first_)];
}

FrameIndex FilmClock::frame_at(double s) const {
    if (times_.empty()) return first_;
    if (s >= end_s_) return end();
    // The first boundary at or after s, then the nearer of it and the one before.
    const auto it = std::lower_bound(times_.begin(), times_.end(), s);
    FrameIndex hi = first_ + FrameIndex(it - times_.begin());
    if (hi <= first_) return first_;
    const FrameIndex lo = hi - 1;
    return s - seconds(lo) <= seconds(hi) - s ? lo : hi;
}

bool EditMark::matches(const Transition& t) const noexcept {
    const FrameRange& f = transition.frames;
    switch (kind) {
        case Kind::exact:
            return t.type == transition.type && t.frames.start == f.start && t.frames.end == f.end;
        case Kind::cut_or_end:
            return (t.type == TransitionType::cut && t.frames.start == f.start) ||
                   (t.type == TransitionType::fade_out && t.frames.end == f.start);
        case Kind::cut_or_start:
            return (t.type == TransitionType::cut && t.frames.start == f.start) ||
                   (t.type == TransitionType::fade_in && t.frames.start == f.start);
        case Kind::gradual:
            return (t.type == TransitionType::dissolve || t.type == TransitionType::wipe) &&
                   t.frames.start == f.start && t.frames.end == f.end;
    }
    return false;
}

Transition EditMark::as_transition() const {
    Transition t = transition;
    if (kind == Kind::cut_or_end || kind == Kind::cut_or_start) {
        t.type = TransitionType::cut;
        t.frames.end = t.frames.start;
    } else if (kind == Kind::gradual) {
        t.type = TransitionType::dissolve;
    }
    if (t.type == TransitionType::cut) t.frames.end = t.frames.start;
    t.confidence = 1;
    t.by_user = true;
    return t;
}

bool EditMark::same_as(const EditMark& o) const noexcept {
    return kind == o.kind && transition.type == o.transition.type &&
           transition.frames.start == o.transition.frames.start &&
           transition.frames.end == o.transition.frames.end;
}

namespace {

// The frames a transition occupies for overlap tests: a cut its incoming frame.
FrameRange footprint(const Transition& t) {
    return {t.frames.start, std::max(t.frames.end, t.frames.start + 1)};
}

bool overlap(const Transition& a, const Transition& b, FrameIndex slack = 0) {
    const FrameRange x = footprint(a), y = footprint(b);
    return x.start < y.end + slack && y.start < x.end + slack;
}

void sort_by_start(std::vector<Transition>& v) {
    std::stable_sort(v.begin(), v.end(), [](const Transition& a, const Transition& b) {
        return a.frames.start != b.frames.start ? a.frames.start < b.frames.start
                                                : a.frames.end < b.frames.end;
    });
}

bool contains_mark(const std::vector<EditMark>& marks, const EditMark& m) {
    return std::any_of(marks.begin(), marks.end(), [&](const EditMark& x) { return x.same_as(m); });
}

std::string describe(const Transition& t) {
    std::string s(to_string(t.type));
    s += t.frames.empty()
             ? " at frame " + std::to_string(t.frames.start)
             : " [" + std::to_string(t.frames.start) + ", " + std::to_string(t.frames.end) + ")";
    return s;
}

// A file that cannot name every kind (shots.csv knows only where shots meet) says a detected
// transition was moved: the moved one keeps its kind — a wipe stays a wipe, a fade-out whose
// end moved keeps its start.
void inherit_kind(Transition& t, const EditMark& m, const std::vector<Transition>& originals,
                  const std::vector<bool>& removed) {
    using K = EditMark::Kind;
    if (m.kind == K::exact) return;
    // Near: the new edge lies within the old transition's length of the old edge.
    auto near = [](FrameIndex a, FrameIndex b, FrameIndex length) {
        return std::abs(a - b) <= std::max<FrameIndex>(length, 1);
    };
    for (std::size_t i = 0; i < originals.size(); ++i) {
        const Transition& o = originals[i];
        if (!removed[i]) continue;
        const FrameIndex len = o.frames.length();
        const FrameIndex at = t.frames.start;
        if (m.kind == K::gradual && o.type == TransitionType::wipe && overlap(o, t)) {
            t.type = o.type;
            return;
        }
        if (m.kind == K::cut_or_end && o.type == TransitionType::fade_out && o.frames.start < at &&
            near(o.frames.end, at, len)) {
            t.type = o.type;
            t.frames = {o.frames.start, at};
            return;
        }
        if (m.kind == K::cut_or_start && o.type == TransitionType::fade_in && at < o.frames.end &&
            near(o.frames.start, at, len)) {
            t.type = o.type;
            t.frames = {at, o.frames.end};
            return;
        }
    }
}

// The labels a person set on shot S (its `*_by_user` fields and its note); none if none.
std::optional<EditShotLabels> user_labels(const Shot& s) {
    if (!s.scale_by_user && !s.camera_by_user && !s.setup_by_user && !s.scene_by_user &&
        s.note.empty())
        return std::nullopt;
    EditShotLabels l;
    l.start = s.frames.start;
    if (s.scale_by_user) l.scale = s.scale;
    if (s.camera_by_user) l.camera = s.camera;
    if (s.setup_by_user) l.setup = s.setup;
    if (s.scene_by_user) l.scene = s.scene;
    if (!s.note.empty()) l.note = s.note;
    return l;
}

}  // namespace

Corrections reconcile(const Analysis& base, const EditedFile& edited, const EditedFile& unedited,
                      const FilmClock& clock, const std::string& origin) {
    const auto& originals = base.transitions;
    std::vector<bool> removed(originals.size(), false);
    for (const EditMark& m : unedited.marks) {
        if (contains_mark(edited.marks, m)) continue;
        for (std::size_t i = 0; i < originals.size(); ++i)
            if (m.matches(originals[i])) removed[i] = true;
    }
    struct Added {
        Transition t;
        std::string where;
    };
    std::vector<Added> added;
    for (const EditMark& m : edited.marks) {
        if (contains_mark(unedited.marks, m)) continue;
        bool kept = false;
        for (std::size_t i = 0; i < originals.size(); ++i)
            if (m.matches(originals[i]) && !removed[i]) kept = true;
        if (kept) continue;
        Transition t = m.as_transition();
        inherit_kind(t, m, originals, removed);
        t.start_time_s = clock.seconds(t.frames.start);
        t.end_time_s = clock.seconds(t.frames.end);
        if (std::none_of(added.begin(), added.end(), [&](const Added& a) {
                return a.t.type == t.type && a.t.frames.start == t.frames.start &&
                       a.t.frames.end == t.frames.end;
            }))
            added.push_back({t, m.where});
    }

    Corrections c;
    c.removed = base.removed_transitions;
    std::vector<std::pair<Transition, std::string>> all;
    for (std::size_t i = 0; i < originals.size(); ++i) {
        if (!removed[i]) {
            all.emplace_back(originals[i], std::string());
        } else if (!originals[i].by_user) {
            // A detector's transition the person took out: remembered, so that it stays out.
            c.removed.push_back(originals[i]);
            c.removed.back().by_user = true;
        }
    }
    for (const Added& a : added) all.emplace_back(a.t, a.where);
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
        return a.first.frames.start != b.first.frames.start
                   ? a.first.frames.start < b.first.frames.start
                   : a.first.frames.end < b.first.frames.end;
    });
    for (std::size_t i = 1; i < all.size(); ++i) {
        const auto& [a, wa] = all[i - 1];
        const auto& [b, wb] = all[i];
        if (!overlap(a, b)) continue;
        const std::string& where = !wb.empty() ? wb : wa;
        const std::string other = !wb.empty() ? describe(a) : describe(b);
        throw_bad_input(origin, (where.empty() ? std::string("transitions") : where) + ": " +
                                    describe(!wb.empty() ? b : a) + " overlaps the " + other);
    }
    for (auto& [t, where] : all) c.transitions.push_back(t);
    // A transition the person put back is no longer removed (a moved one stays recorded).
    std::erase_if(c.removed, [&](const Transition& r) {
        return std::any_of(c.transitions.begin(), c.transitions.end(), [&](const Transition& t) {
            return t.type == r.type && t.frames.start == r.frames.start &&
                   t.frames.end == r.frames.end;
        });
    });
    sort_by_start(c.removed);

    // Labels: the person's where the edited file says otherwise than the unedited one (or, for
    // a shot the person made, than the shot it was cut from), and the earlier ones still valid.
    std::map<FrameIndex, EditShotLabels> before;
    for (const auto& l : unedited.labels) before[l.start] = l;
    std::map<FrameIndex, EditShotLabels> chosen;
    for (const Shot& s : base.shots)
        if (auto l = user_labels(s)) chosen[s.frames.start] = *l;
    bool new_setup = false, new_scene = false;
    for (const auto& l : edited.labels) {
        EditShotLabels& out = chosen[l.start];
        out.start = l.start;
        out.where = l.where;
        if (auto it = before.find(l.start); it != before.end()) {
            const EditShotLabels& ref = it->second;
            if (l.scale && l.scale != ref.scale) out.scale = l.scale;
            if (l.camera && l.camera != ref.camera) out.camera = l.camera;
            if (l.setup && ref.setup && l.setup != ref.setup) out.setup = l.setup, new_setup = true;
            if (l.scene && ref.scene && l.scene != ref.scene) out.scene = l.scene, new_scene = true;
            if (l.note && l.note != ref.note.value_or("")) out.note = l.note;
            continue;
        }
        // A shot the person made (split off, or moved): its row was copied from a neighbour, so
        // a label is the person's only when no shot it may come from has it. Its set-up is not
        // taken as a change: a copied number says nothing.
        std::vector<const Shot*> sources;
        for (const Shot& s : base.shots)
            if (s.frames.contains(l.start) || (s.frames.start > l.start && sources.empty()) ||
                (s.frames.start > l.start && sources.back()->frames.start <= l.start))
                sources.push_back(&s);
        auto from_any = [&](auto field) {
            return std::any_of(sources.begin(), sources.end(), field);
        };
        if (l.scale && !from_any([&](const Shot* s) { return s->scale == *l.scale; }))
            out.scale = l.scale;
        if (l.camera && !from_any([&](const Shot* s) { return s->camera == *l.camera; }))
            out.camera = l.camera;
        if (l.note && !l.note->empty() &&
            !from_any([&](const Shot* s) { return s->note == *l.note; }))
            out.note = l.note;
    }
    for (auto& [start, l] : chosen)
        if (l.scale || l.camera || l.setup || l.scene || l.note) c.labels.push_back(l);
    // A set-up is a relation between shots: once the person changed one, the file's set-ups of
    // all its shots are the person's grouping (with an earlier one where the file says none).
    if (new_setup) {
        for (const Shot& s : base.shots) c.fixed_setups[s.frames.start] = s.setup;
        for (const auto& l : edited.labels)
            if (l.setup) c.fixed_setups[l.start] = *l.setup;
    } else {
        // The analysis's own set-ups stand for its shots (the person's, or what the keyframes'
        // local features joined and parted, which the montage cache cannot redo); new shots
        // join the set-up of the shots they cluster with.
        for (const Shot& s : base.shots) c.fixed_setups[s.frames.start] = s.setup;
    }
    if (new_scene) {
        for (const Shot& s : base.shots) c.fixed_scenes[s.frames.start] = s.scene;
        for (const auto& l : edited.labels)
            if (l.scene) c.fixed_scenes[l.start] = *l.scene;
    } else if (std::any_of(base.shots.begin(), base.shots.end(),
                           [](const Shot& s) { return s.scene_by_user; })) {
        for (const Shot& s : base.shots) c.fixed_scenes[s.frames.start] = s.scene;
    }
    return c;
}

void apply_fixed_scenes(Analysis& a, const std::map<FrameIndex, int>& fixed) {
    if (fixed.empty() || a.shots.empty()) return;
    a.scenes.clear();
    std::optional<int> key;
    int first = 0;
    for (std::size_t i = 0; i < a.shots.size(); ++i) {
        auto it = fixed.find(a.shots[i].frames.start);
        const int k = it != fixed.end() ? it->second : key.value_or(0);
        if (key && k != *key) {
            a.scenes.push_back({int(a.scenes.size()), first, int(i) - 1});
            first = int(i);
        }
        key = k;
        a.shots[i].scene = int(a.scenes.size());
    }
    a.scenes.push_back({int(a.scenes.size()), first, int(a.shots.size()) - 1});
}

std::vector<EditShotLabels> apply_labels(Analysis& a, const std::vector<EditShotLabels>& labels) {
    std::vector<EditShotLabels> unmatched;
    for (const auto& l : labels) {
        bool used = false;
        for (Shot& s : a.shots) {
            if (s.frames.start == l.start) {
                if (l.scale) s.scale = *l.scale, s.scale_by_user = true, used = true;
                if (l.camera) s.camera = *l.camera, s.camera_by_user = true, used = true;
                if (l.setup) s.setup_by_user = true, used = true;
                if (l.scene) s.scene_by_user = true, used = true;
            }
            if (l.note && !l.note->empty() && s.frames.contains(l.start) && s.note.empty()) {
                s.note = *l.note;
                used = true;
            }
        }
        if (!used) unmatched.push_back(l);
    }
    return unmatched;
}

KeptEdits kept_edits(const Analysis& earlier) {
    KeptEdits k;
    for (const auto& t : earlier.transitions)
        if (t.by_user) k.added.push_back(t);
    k.removed = earlier.removed_transitions;
    for (const Shot& s : earlier.shots)
        if (auto l = user_labels(s)) k.labels.push_back(*l);
    if (std::any_of(earlier.shots.begin(), earlier.shots.end(),
                    [](const Shot& s) { return s.setup_by_user; }))
        for (const Shot& s : earlier.shots) k.fixed_setups[s.frames.start] = s.setup;
    if (std::any_of(earlier.shots.begin(), earlier.shots.end(),
                    [](const Shot& s) { return s.scene_by_user; }))
        for (const Shot& s : earlier.shots) k.fixed_scenes[s.frames.start] = s.scene;
    return k;
}

std::vector<Transition> apply_kept_transitions(std::vector<Transition> detected,
                                               const KeptEdits& edits) {
    // A removed transition found again a frame off is still the one the person took out.
    std::erase_if(detected, [&](const Transition& t) {
        return std::any_of(edits.removed.begin(), edits.removed.end(),
                           [&](const Transition& r) { return overlap(t, r, 1); }) ||
               std::any_of(edits.added.begin(), edits.added.end(),
                           [&](const Transition& r) { return overlap(t, r); });
    });
    detected.insert(detected.end(), edits.added.begin(), edits.added.end());
    sort_by_start(detected);
    return detected;
}

void check_same_film(const SourceInfo& earlier, const SourceInfo& now, const std::string& origin) {
    const std::string a = detail::display_name(earlier.path), b = detail::display_name(now.path);
    if (earlier.frame_count != now.frame_count || earlier.width != now.width ||
        earlier.height != now.height)
        throw_bad_input(
            origin, "belongs to another film ('" + detail::plain_text(a) + "', " +
                        std::to_string(earlier.frame_count) + " frames, " +
                        std::to_string(earlier.width) + "x" + std::to_string(earlier.height) +
                        ") than '" + detail::plain_text(b) + "' (" +
                        std::to_string(now.frame_count) + " frames, " + std::to_string(now.width) +
                        "x" + std::to_string(now.height) + ")");
}

}  // namespace kinoglaz
