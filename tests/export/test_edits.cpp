// Reading edited exports back (edits.hpp) on the synthetic analysis: an unedited export changes
// nothing in any format and at any timeline rate; a moved, added or removed transition is told
// apart from what the detector found.

#include <gtest/gtest.h>

#include <kinoglaz/core.hpp>
#include <kinoglaz/export.hpp>
#include "synthetic_analysis.hpp"

namespace kinoglaz {
namespace {

// The film's clock of the synthetic analysis: frame f at f / fps.
FilmClock clock_of(const Analysis& a) {
    std::vector<double> times;
    for (FrameIndex f = 0; f < a.source.frame_count; ++f) times.push_back(double(f) / a.source.fps);
    return FilmClock(0, times, a.source.duration_s);
}

Corrections read_back(const Analysis& a, const std::string& text, EditFormat format,
                      std::optional<Rational> rate = std::nullopt) {
    const FilmClock clock = clock_of(a);
    const EditedFile edited = read_edited(text, "edited", a, clock);
    EXPECT_EQ(edited.format, format);
    const EditedFile unedited =
        read_edited(export_for_edit(a, edited.format, rate ? rate : edited.timeline_rate),
                    "unedited", a, clock);
    return reconcile(a, edited, unedited, clock, "edited");
}

void expect_same(const std::vector<Transition>& got, const std::vector<Transition>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].type, want[i].type) << i;
        EXPECT_EQ(got[i].frames.start, want[i].frames.start) << i;
        EXPECT_EQ(got[i].frames.end, want[i].frames.end) << i;
        EXPECT_EQ(got[i].confidence, want[i].confidence) << i;
        EXPECT_FALSE(got[i].by_user) << i;
    }
}

TEST(Edits, UneditedExportsChangeNothingInAnyFormatOrRate) {
    const Analysis a = test::synthetic_analysis(Rational{25, 1});
    for (EditFormat format : {EditFormat::csv, EditFormat::edl, EditFormat::otio,
                              EditFormat::fcpxml, EditFormat::eaf, EditFormat::json}) {
        for (std::optional<Rational> rate :
             {std::optional<Rational>(), std::optional<Rational>(Rational{24000, 1001})}) {
            SCOPED_TRACE(std::string(to_string(format)) + (rate ? " at 23.976" : ""));
            const Corrections c = read_back(a, export_for_edit(a, format, rate), format, rate);
            expect_same(c.transitions, a.transitions);
            EXPECT_TRUE(c.removed.empty());
            EXPECT_TRUE(c.labels.empty());
        }
    }
}

TEST(Edits, ACutRemovedAndAnotherAddedInTheJsonAreThePersons) {
    const Analysis a = test::synthetic_analysis(Rational{25, 1});
    Analysis edited = a;
    std::size_t cut = 0;
    while (a.transitions[cut].type != TransitionType::cut) ++cut;
    const Transition removed = a.transitions[cut];
    edited.transitions.erase(edited.transitions.begin() + std::ptrdiff_t(cut));
    Transition added;
    added.frames = {a.shots.back().frames.start + 5, a.shots.back().frames.start + 5};
    edited.transitions.push_back(added);
    const Corrections c = read_back(a, analysis_json(edited), EditFormat::json);
    ASSERT_EQ(c.removed.size(), 1u);
    EXPECT_EQ(c.removed[0].frames.start, removed.frames.start);
    EXPECT_TRUE(c.removed[0].by_user);
    ASSERT_EQ(c.transitions.size(), a.transitions.size());
    EXPECT_TRUE(c.transitions.back().by_user);
    EXPECT_EQ(c.transitions.back().frames.start, added.frames.start);
    EXPECT_DOUBLE_EQ(c.transitions.back().start_time_s, double(added.frames.start) / 25);
}

TEST(Edits, AFileOfAnotherKindIsNamed) {
    const Analysis a = test::synthetic_analysis(Rational{25, 1});
    const FilmClock clock = clock_of(a);
    for (const char* text : {"", "hello\n", "<html></html>", "{\"a\": 1}", "{not json"}) {
        try {
            read_edited(text, "x.txt", a, clock);
            ADD_FAILURE() << "accepted: " << text;
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::bad_input) << text;
            EXPECT_NE(std::string(e.what()).find("x.txt"), std::string::npos) << e.what();
        }
    }
}

TEST(Edits, FilmClockMapsTimesToTheNearestFrame) {
    const FilmClock clock(10, {1.0, 1.04, 1.08, 1.2}, 1.24);
    EXPECT_EQ(clock.frame_at(0.5), 10);
    EXPECT_EQ(clock.frame_at(1.05), 11);
    EXPECT_EQ(clock.frame_at(1.07), 12);
    EXPECT_EQ(clock.frame_at(1.15), 13);
    EXPECT_EQ(clock.frame_at(1.3), 14);
    EXPECT_DOUBLE_EQ(clock.seconds(14), 1.24);
    EXPECT_DOUBLE_EQ(clock.seconds(12), 1.08);
}

}  // namespace
}  // namespace kinoglaz

namespace kinoglaz {
namespace {

// A file cut off anywhere, or with a byte changed, is read or refused as bad input: never
// another exception, never a crash.
TEST(Edits, TruncatedOrDamagedFilesAreReadOrRefusedCleanly) {
    const Analysis a = test::synthetic_analysis(Rational{25, 1});
    const FilmClock clock = clock_of(a);
    for (EditFormat format : {EditFormat::csv, EditFormat::edl, EditFormat::otio,
                              EditFormat::fcpxml, EditFormat::eaf, EditFormat::json}) {
        const std::string text = export_for_edit(a, format, std::nullopt);
        for (int k = 1; k < 60; ++k) {
            const std::size_t at = text.size() * std::size_t(k) / 60;
            std::string damaged = text;
            damaged[at] = "9<\"x,\n:"[std::size_t(k) % 7];
            for (const std::string& t : {text.substr(0, at), damaged}) {
                try {
                    (void)read_edited(t, "edited", a, clock);
                } catch (const Error& e) {
                    EXPECT_EQ(e.kind(), ErrorKind::bad_input) << to_string(format) << " " << at;
                } catch (const std::exception& e) {
                    ADD_FAILURE() << to_string(format) << " at " << at << ": " << e.what();
                }
            }
        }
    }
}

}  // namespace
}  // namespace kinoglaz
