#include <gtest/gtest.h>

#include "kinoglaz/time.hpp"

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
