#include <gtest/gtest.h>

#include <kinoglaz/core.hpp>

using namespace kinoglaz;

TEST(Time, ParsesSecondsAndClock) {
    EXPECT_DOUBLE_EQ(*parse_time("12.5"), 12.5);
    EXPECT_DOUBLE_EQ(*parse_time("0"), 0.0);
    EXPECT_DOUBLE_EQ(*parse_time("01:02:03.250"), 3723.25);
    EXPECT_DOUBLE_EQ(*parse_time("02:03.5"), 123.5);
}

TEST(Time, RejectsMalformed) {
    for (const char* bad :
         {"", "-1", "abc", "1:2:3:4", "00:60:00", "1.5:00", "nan", "inf", "+3", "12s", "::"})
        EXPECT_FALSE(parse_time(bad).has_value()) << bad;
}

TEST(Time, FormatsClock) {
    EXPECT_EQ(format_clock(3723.25), "01:02:03.250");
    EXPECT_EQ(format_clock(-4), "00:00:00.000");
    EXPECT_EQ(format_clock(0.0005), "00:00:00.001");
}

TEST(Time, FrameRangeIsHalfOpen) {
    FrameRange cut{90, 90};
    EXPECT_TRUE(cut.empty());
    EXPECT_EQ(cut.length(), 0);
    FrameRange r{300, 318};
    EXPECT_EQ(r.length(), 18);
    EXPECT_TRUE(r.contains(300));
    EXPECT_FALSE(r.contains(318));
}

TEST(TimeSpec, ParsesEveryForm) {
    const Rational ntsc{30000, 1001}, pal{25, 1};
    EXPECT_DOUBLE_EQ(*parse_time_spec("12.5")->seconds_at(pal), 12.5);
    EXPECT_DOUBLE_EQ(*parse_time_spec("00:01:02.5")->seconds_at(pal), 62.5);
    EXPECT_FALSE(parse_time_spec("12.5")->needs_rate());
    // Frame numbers: half a frame before the frame, so a seek lands on it.
    EXPECT_EQ(*parse_time_spec("123f")->frame_at(pal), 123);
    EXPECT_DOUBLE_EQ(*parse_time_spec("123f")->seconds_at(pal), 122.5 / 25);
    EXPECT_DOUBLE_EQ(*parse_time_spec("0f")->seconds_at(pal), 0.0);
    // Non-drop timecode at 25 fps, and at 29.97 counted as 30 a second.
    EXPECT_EQ(*parse_time_spec("00:00:03:15")->frame_at(pal), 90);
    EXPECT_EQ(*parse_time_spec("01:00:00:00")->frame_at(ntsc), 108000);
    // Drop-frame: 00:01:00;02 is the 1800th frame; an hour is 107892 frames.
    EXPECT_EQ(*parse_time_spec("00:01:00;02")->frame_at(ntsc), 1800);
    EXPECT_EQ(*parse_time_spec("01:00:00;00")->frame_at(ntsc), 107892);
    EXPECT_EQ(*parse_time_spec("00:10:00;00")->frame_at(ntsc), 17982);
    EXPECT_EQ(*parse_time_spec("00:01:00;04")->frame_at(Rational{60000, 1001}), 3600);
}

TEST(TimeSpec, RejectsMalformedAndImpossible) {
    for (const char* bad : {"", "f", "-3f", "1.5f", "00:00:00:", "00:60:00:00", "00:00:60:00",
                            "a:b:c:d", "00:00:00;", "1:2:3:4:5", "12s", "00:00;00:00"})
        EXPECT_FALSE(parse_time_spec(bad).has_value()) << bad;
    // A frame field beyond the rate, drop-frame at a rate that does not drop, dropped numbers.
    EXPECT_FALSE(parse_time_spec("00:00:01:25")->frame_at(Rational{25, 1}));
    EXPECT_FALSE(parse_time_spec("00:00:01;05")->frame_at(Rational{25, 1}));
    EXPECT_FALSE(parse_time_spec("00:01:00;00")->frame_at(Rational{30000, 1001}));
}
