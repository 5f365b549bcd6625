#include "plugin_config.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace linetest::gpon {
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

TEST(PluginConfigTest, NullGivesDefaults) {
    auto config = parse_plugin_config(json());
    EXPECT_EQ(config.timeout, std::chrono::milliseconds(2000));
    EXPECT_EQ(config.retries, 1);
    EXPECT_EQ(config.default_optics_class, optics_class::b_plus);
    ASSERT_TRUE(config.thresholds_for(optics_class::c_plus).olt_rx.has_value());
    EXPECT_EQ(config.thresholds_for(optics_class::c_plus).olt_rx->low_alarm, -32.0);
}

TEST(PluginConfigTest, ReadsScalars) {
    auto config = parse_plugin_config(
        json{{"timeout_ms", 500}, {"retries", 0}, {"default_optics_class", "C+"}});
    EXPECT_EQ(config.timeout, std::chrono::milliseconds(500));
    EXPECT_EQ(config.retries, 0);
    EXPECT_EQ(config.default_optics_class, optics_class::c_plus);
}

TEST(PluginConfigTest, OverridesOneWindow) {
    auto config = parse_plugin_config(json::parse(R"({"thresholds": {"XGS-PON": {
        "olt_rx_dbm": {"low_alarm": -30, "low_warning": -27, "high_warning": -10,
                       "high_alarm": -8}}}})"));
    const auto& xgs = config.thresholds_for(optics_class::xgs_pon);
    ASSERT_TRUE(xgs.olt_rx.has_value());
    EXPECT_EQ(xgs.olt_rx->low_warning, -27.0);
    ASSERT_TRUE(xgs.ont_rx.has_value());
    EXPECT_EQ(xgs.ont_rx->low_alarm, -28.0);
}

TEST(PluginConfigTest, NullWindowDisablesJudging) {
    auto config =
        parse_plugin_config(json::parse(R"({"thresholds": {"B+": {"olt_rx_dbm": null}}})"));
    EXPECT_FALSE(config.thresholds_for(optics_class::b_plus).olt_rx.has_value());
}

TEST(PluginConfigTest, RejectsTimeoutOutOfRange) {
    EXPECT_TRUE(starts_with(parse_error(json{{"timeout_ms", 5}}), "timeout_ms:"));
}

TEST(PluginConfigTest, RejectsTextRetries) {
    EXPECT_TRUE(starts_with(parse_error(json{{"retries", "2"}}), "retries:"));
}

TEST(PluginConfigTest, RejectsUnknownOpticsClass) {
    EXPECT_TRUE(
        starts_with(parse_error(json{{"default_optics_class", "D"}}), "default_optics_class:"));
}

TEST(PluginConfigTest, RejectsUnknownKey) {
    EXPECT_TRUE(starts_with(parse_error(json{{"timeout", 5}}), "timeout:"));
}

TEST(PluginConfigTest, RejectsWindowOutOfOrder) {
    auto message = parse_error(json::parse(R"({"thresholds": {"C+": {"ont_rx_dbm":
        {"low_alarm": -20, "low_warning": -27, "high_warning": -10, "high_alarm": -8}}}})"));
    EXPECT_TRUE(starts_with(message, "thresholds.C+.ont_rx_dbm:")) << message;
}

TEST(PluginConfigTest, RejectsWindowMissingLimit) {
    auto message = parse_error(json::parse(R"({"thresholds": {"C+": {"ont_rx_dbm":
        {"low_alarm": -30, "low_warning": -27, "high_warning": -10}}}})"));
    EXPECT_TRUE(starts_with(message, "thresholds.C+.ont_rx_dbm.high_alarm:")) << message;
}

TEST(PluginConfigTest, RejectsUnknownClassInThresholds) {
    auto message = parse_error(json::parse(R"({"thresholds": {"A": {}}})"));
    EXPECT_TRUE(starts_with(message, "thresholds.A:")) << message;
}

TEST(PluginConfigTest, RejectsNonObjectSection) {
    EXPECT_NE(parse_error(json::array()), "(no error)");
}

TEST(PluginConfigTest, PonIncidentDefaults) {
    auto config = parse_plugin_config(json());
    EXPECT_TRUE(config.pon_incident.enabled);
    EXPECT_EQ(config.pon_incident.min_down_onts, 4U);
    EXPECT_DOUBLE_EQ(config.pon_incident.min_down_ratio, 0.5);
    EXPECT_EQ(config.pon_incident.window, std::chrono::seconds(60));
    EXPECT_EQ(config.pon_incident.cache_ttl, std::chrono::seconds(10));
}

TEST(PluginConfigTest, ReadsPonIncident) {
    auto config = parse_plugin_config(json{{"pon_incident",
                                            {{"enabled", false},
                                             {"min_down_onts", 6},
                                             {"min_down_ratio", 0.75},
                                             {"window_s", 120},
                                             {"cache_ttl_s", 0}}}});
    EXPECT_FALSE(config.pon_incident.enabled);
    EXPECT_EQ(config.pon_incident.min_down_onts, 6U);
    EXPECT_DOUBLE_EQ(config.pon_incident.min_down_ratio, 0.75);
    EXPECT_EQ(config.pon_incident.window, std::chrono::seconds(120));
    EXPECT_EQ(config.pon_incident.cache_ttl, std::chrono::seconds(0));
}

TEST(PluginConfigTest, RejectsRatioAboveOne) {
    auto message = parse_error(json{{"pon_incident", {{"min_down_ratio", 1.5}}}});
    EXPECT_TRUE(starts_with(message, "pon_incident.min_down_ratio:")) << message;
}

TEST(PluginConfigTest, RejectsZeroRatio) {
    auto message = parse_error(json{{"pon_incident", {{"min_down_ratio", 0}}}});
    EXPECT_TRUE(starts_with(message, "pon_incident.min_down_ratio:")) << message;
}

TEST(PluginConfigTest, RejectsSingleOntIncident) {
    auto message = parse_error(json{{"pon_incident", {{"min_down_onts", 1}}}});
    EXPECT_TRUE(starts_with(message, "pon_incident.min_down_onts:")) << message;
}

TEST(PluginConfigTest, RejectsZeroWindow) {
    auto message = parse_error(json{{"pon_incident", {{"window_s", 0}}}});
    EXPECT_TRUE(starts_with(message, "pon_incident.window_s:")) << message;
}

TEST(PluginConfigTest, RejectsUnknownPonIncidentKey) {
    auto message = parse_error(json{{"pon_incident", {{"window", 60}}}});
    EXPECT_TRUE(starts_with(message, "pon_incident.window:")) << message;
}

TEST(PluginConfigTest, RejectsNonBooleanEnabled) {
    auto message = parse_error(json{{"pon_incident", {{"enabled", "yes"}}}});
    EXPECT_TRUE(starts_with(message, "pon_incident.enabled:")) << message;
}

}  // namespace
}  // namespace linetest::gpon
