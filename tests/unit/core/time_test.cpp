#include "core/time.hpp"

#include <gtest/gtest.h>

namespace linetest::core {
namespace {

using namespace std::chrono;

TEST(TimeTest, FormatsUtcWithMilliseconds) {
    const auto time = system_clock::time_point(milliseconds(1'741'952'525'120));
    EXPECT_EQ(format_utc(time), "2025-03-14T11:42:05.120Z");
}

TEST(TimeTest, ParsesWhatItFormats) {
    const auto time = system_clock::time_point(milliseconds(1'741'952'525'007));
    const auto parsed = parse_utc(format_utc(time));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, time);
}

TEST(TimeTest, ParsesWithoutFraction) {
    const auto parsed = parse_utc("2025-03-14T11:42:05Z");
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(format_utc(*parsed), "2025-03-14T11:42:05.000Z");
}

TEST(TimeTest, RejectsOffsetOtherThanZ) {
    EXPECT_FALSE(parse_utc("2025-03-14T11:42:05+01:00").has_value());
}

TEST(TimeTest, RejectsText) {
    EXPECT_FALSE(parse_utc("yesterday").has_value());
}

}  // namespace
}  // namespace linetest::core
