#include "plugin_config.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace linetest::dsl {
namespace {

using nlohmann::json;

// Returns the message of the std::invalid_argument that parsing `section` throws.
std::string parse_error(const json& section) {
    try {
        parse_plugin_config(section);
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
    return "(no error)";
}

bool starts_with(const std::string& text, const std::string& prefix) {
    return text.rfind(prefix, 0) == 0;
}

TEST(DslConfigTest, NullGivesDefaults) {
    auto config = parse_plugin_config(json());
    EXPECT_EQ(config.timeout, std::chrono::milliseconds(2000));
    EXPECT_EQ(config.retries, 1);
    EXPECT_EQ(config.counter_delta, std::chrono::milliseconds(2000));
    EXPECT_EQ(config.channel_ds_unit, channel_unit::xtuc);
    EXPECT_EQ(config.thresholds.ses_15min.red_above, 10U);
    EXPECT_EQ(config.thresholds.recent_resync, std::chrono::seconds(900));
}

TEST(DslConfigTest, ReadsScalars) {
    auto config = parse_plugin_config(json{
        {"timeout_ms", 500}, {"retries", 0}, {"counter_delta_ms", 0}, {"channel_ds_unit", "xtur"}});
    EXPECT_EQ(config.timeout, std::chrono::milliseconds(500));
    EXPECT_EQ(config.retries, 0);
    EXPECT_EQ(config.counter_delta, std::chrono::milliseconds(0));
    EXPECT_EQ(config.channel_ds_unit, channel_unit::xtur);
}

TEST(DslConfigTest, OverridesPartOfAWindow) {
    auto config = parse_plugin_config(json::parse(
        R"({"thresholds": {"es_15min": {"red_above": 120},
                           "snr_margin_db": {"amber_below": 6.5},
                           "attainable_rate_ratio": {"amber_below": 1.5},
                           "recent_resync_s": 600}})"));
    EXPECT_EQ(config.thresholds.es_15min.amber_from, 10U);
    EXPECT_EQ(config.thresholds.es_15min.red_above, 120U);
    EXPECT_DOUBLE_EQ(config.thresholds.snr_margin_db.amber_below, 6.5);
    EXPECT_DOUBLE_EQ(config.thresholds.snr_margin_db.red_below, 3.0);
    EXPECT_DOUBLE_EQ(config.thresholds.attainable_rate_ratio.amber_below, 1.5);
    EXPECT_EQ(config.thresholds.recent_resync, std::chrono::seconds(600));
}

TEST(DslConfigTest, RejectsTimeoutOutOfRange) {
    EXPECT_TRUE(starts_with(parse_error(json{{"timeout_ms", 50}}), "timeout_ms:"));
}

TEST(DslConfigTest, RejectsNegativeCounterDelta) {
    EXPECT_TRUE(starts_with(parse_error(json{{"counter_delta_ms", -1}}), "counter_delta_ms:"));
}

TEST(DslConfigTest, RejectsUnknownChannelUnit) {
    EXPECT_TRUE(starts_with(parse_error(json{{"channel_ds_unit", "ds"}}), "channel_ds_unit:"));
}

TEST(DslConfigTest, RejectsUnknownKey) {
    EXPECT_TRUE(starts_with(parse_error(json{{"timeout", 5}}), "timeout:"));
}

TEST(DslConfigTest, RejectsUnknownThreshold) {
    auto message = parse_error(json::parse(R"({"thresholds": {"fecs_15min": {}}})"));
    EXPECT_TRUE(starts_with(message, "thresholds.fecs_15min:")) << message;
}

TEST(DslConfigTest, RejectsUnknownLimitName) {
    auto message = parse_error(json::parse(R"({"thresholds": {"ses_15min": {"red": 3}}})"));
    EXPECT_TRUE(starts_with(message, "thresholds.ses_15min.red:")) << message;
}

TEST(DslConfigTest, RejectsCounterBandsOutOfOrder) {
    auto message = parse_error(
        json::parse(R"({"thresholds": {"uas_15min": {"amber_from": 70, "red_above": 60}}})"));
    EXPECT_TRUE(starts_with(message, "thresholds.uas_15min:")) << message;
}

TEST(DslConfigTest, AcceptsCounterWithoutAmberBand) {
    auto config = parse_plugin_config(
        json::parse(R"({"thresholds": {"uas_15min": {"amber_from": 61, "red_above": 60}}})"));
    EXPECT_EQ(config.thresholds.uas_15min.judge(60), band::green);
}

TEST(DslConfigTest, RejectsMarginOutOfOrder) {
    auto message = parse_error(
        json::parse(R"({"thresholds": {"snr_margin_db": {"red_below": 6, "amber_below": 5}}})"));
    EXPECT_TRUE(starts_with(message, "thresholds.snr_margin_db:")) << message;
}

TEST(DslConfigTest, RejectsRatioBelowOne) {
    auto message =
        parse_error(json::parse(R"({"thresholds": {"actual_rate_ratio": {"amber_below": 0.9}}})"));
    EXPECT_TRUE(starts_with(message, "thresholds.actual_rate_ratio.amber_below:")) << message;
}

TEST(DslConfigTest, RejectsTextCount) {
    auto message =
        parse_error(json::parse(R"({"thresholds": {"es_15min": {"amber_from": "10"}}})"));
    EXPECT_TRUE(starts_with(message, "thresholds.es_15min.amber_from:")) << message;
}

TEST(DslConfigTest, RejectsNonObjectSection) {
    EXPECT_NE(parse_error(json::array()), "(no error)");
}

TEST(DslBandTest, CounterBoundaries) {
    counter_limits limits{10, 60};
    EXPECT_EQ(limits.judge(9), band::green);
    EXPECT_EQ(limits.judge(10), band::amber);
    EXPECT_EQ(limits.judge(60), band::amber);
    EXPECT_EQ(limits.judge(61), band::red);
}

TEST(DslBandTest, MarginBoundaries) {
    margin_limits limits{3.0, 5.0};
    EXPECT_EQ(limits.judge(2.9), band::red);
    EXPECT_EQ(limits.judge(3.0), band::amber);
    EXPECT_EQ(limits.judge(4.9), band::amber);
    EXPECT_EQ(limits.judge(5.0), band::green);
}

TEST(DslBandTest, RatioBoundaries) {
    ratio_limits limits{1.2};
    EXPECT_EQ(limits.judge(99.0, 100.0), band::red);
    EXPECT_EQ(limits.judge(100.0, 100.0), band::amber);
    EXPECT_EQ(limits.judge(119.0, 100.0), band::amber);
    EXPECT_EQ(limits.judge(120.0, 100.0), band::green);
}

}  // namespace
}  // namespace linetest::dsl
