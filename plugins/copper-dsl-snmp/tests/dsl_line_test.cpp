#include "dsl_line.hpp"

#include <gtest/gtest.h>

namespace linetest::dsl {
namespace {

sdk::equipment_target vdsl2_target() {
    sdk::equipment_target target;
    target.node = "192.0.2.20";
    target.profile = "vdsl2-rfc5650";
    target.attributes = {
        {"if_index", "1001"}, {"min_rate_ds_bps", "40000000"}, {"min_rate_us_bps", "8000000"}};
    return target;
}

TEST(DslLineTest, ReadsAllAttributes) {
    auto resolved = resolve_dsl_line(vdsl2_target());
    ASSERT_TRUE(resolved.line.has_value()) << resolved.error;
    EXPECT_EQ(resolved.line->profile, line_profile::vdsl2_rfc5650);
    EXPECT_EQ(resolved.line->if_index, 1001U);
    EXPECT_EQ(resolved.line->min_rate_ds_bps, 40000000U);
    EXPECT_EQ(resolved.line->min_rate_us_bps, 8000000U);
}

TEST(DslLineTest, MinimumRatesAreOptional) {
    auto target = vdsl2_target();
    target.profile = "adsl2-rfc4706";
    target.attributes = {{"if_index", "7"}};
    auto resolved = resolve_dsl_line(target);
    ASSERT_TRUE(resolved.line.has_value()) << resolved.error;
    EXPECT_EQ(resolved.line->profile, line_profile::adsl2_rfc4706);
    EXPECT_FALSE(resolved.line->min_rate_ds_bps.has_value());
    EXPECT_FALSE(resolved.line->min_rate_us_bps.has_value());
}

TEST(DslLineTest, RejectsUnknownProfile) {
    auto target = vdsl2_target();
    target.profile = "huawei-ma5800";
    auto resolved = resolve_dsl_line(target);
    EXPECT_FALSE(resolved.line.has_value());
    EXPECT_NE(resolved.error.find("profile"), std::string::npos) << resolved.error;
}

TEST(DslLineTest, RejectsMissingIfIndex) {
    auto target = vdsl2_target();
    target.attributes.erase("if_index");
    EXPECT_EQ(resolve_dsl_line(target).error, "attribute if_index is missing");
}

TEST(DslLineTest, RejectsIfIndexOutOfRange) {
    for (const char* text : {"0", "2147483648", "-1", "12a", ""}) {
        SCOPED_TRACE(text);
        auto target = vdsl2_target();
        target.attributes["if_index"] = text;
        auto resolved = resolve_dsl_line(target);
        EXPECT_FALSE(resolved.line.has_value());
        EXPECT_NE(resolved.error.find("if_index"), std::string::npos) << resolved.error;
    }
}

TEST(DslLineTest, AcceptsLargestIfIndex) {
    auto target = vdsl2_target();
    target.attributes["if_index"] = "2147483647";
    EXPECT_TRUE(resolve_dsl_line(target).line.has_value());
}

TEST(DslLineTest, RejectsZeroMinimumRate) {
    auto target = vdsl2_target();
    target.attributes["min_rate_us_bps"] = "0";
    auto resolved = resolve_dsl_line(target);
    EXPECT_FALSE(resolved.line.has_value());
    EXPECT_NE(resolved.error.find("min_rate_us_bps"), std::string::npos) << resolved.error;
}

TEST(DslLineTest, RejectsTextMinimumRate) {
    auto target = vdsl2_target();
    target.attributes["min_rate_ds_bps"] = "40M";
    auto resolved = resolve_dsl_line(target);
    EXPECT_FALSE(resolved.line.has_value());
    EXPECT_NE(resolved.error.find("min_rate_ds_bps"), std::string::npos) << resolved.error;
}

}  // namespace
}  // namespace linetest::dsl
