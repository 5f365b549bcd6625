#include "example_plugin.hpp"

#include <linetest/testkit/fixed_run_context.hpp>
#include <linetest/testkit/report_assertions.hpp>

#include <gtest/gtest.h>

#include <stdexcept>

namespace example_line {
namespace {

namespace sdk = linetest::sdk;

sdk::plugin_setup setup_with(nlohmann::json config) {
    sdk::plugin_setup setup;
    setup.config = std::move(config);
    return setup;
}

sdk::equipment_target target_at(std::string node) {
    sdk::equipment_target target;
    target.node = std::move(node);
    target.profile = "example";
    return target;
}

sdk::service_test_request request_for(std::string problem_type) {
    sdk::service_test_request request;
    request.id = 1;
    request.service_id = "SI-EXAMPLE";
    request.specification_id = "example-line";
    request.problem_type = std::move(problem_type);
    return request;
}

TEST(ExamplePluginTest, ReportsGreenByDefault) {
    example_plugin plugin(setup_with(nlohmann::json::object()));
    linetest::testkit::fixed_run_context context(target_at("127.0.0.1"));
    const auto report = plugin.run(request_for("STABILITY"), context);
    EXPECT_EQ(report.result, sdk::test_result::green) << linetest::testkit::describe(report);
    EXPECT_EQ(report.code, "SERVICE_OK");
    EXPECT_EQ(linetest::testkit::expect_measurement(report, "example_checks_passed").value, "1");
}

TEST(ExamplePluginTest, ReportsConfiguredResult) {
    example_plugin plugin(setup_with({{"reported_result", "RED"}}));
    linetest::testkit::fixed_run_context context(target_at("127.0.0.1"));
    const auto report = plugin.run(request_for("STABILITY"), context);
    EXPECT_EQ(report.result, sdk::test_result::red) << linetest::testkit::describe(report);
}

TEST(ExamplePluginTest, LogsThroughTheContext) {
    example_plugin plugin(setup_with(nlohmann::json::object()));
    linetest::testkit::fixed_run_context context(target_at("192.0.2.7"));
    plugin.run(request_for("STABILITY"), context);
    EXPECT_TRUE(context.recorded_log().contains("192.0.2.7"));
}

TEST(ExamplePluginTest, RejectsCpeProblemType) {
    example_plugin plugin(setup_with(nlohmann::json::object()));
    const auto reasons = plugin.validate(request_for("CPE"), target_at("127.0.0.1"));
    ASSERT_EQ(reasons.size(), 1u);
    EXPECT_NE(reasons[0].find("CPE"), std::string::npos) << reasons[0];
}

TEST(ExamplePluginTest, AcceptsLineWithEquipment) {
    example_plugin plugin(setup_with(nlohmann::json::object()));
    EXPECT_TRUE(plugin.validate(request_for("OUTAGE"), target_at("127.0.0.1")).empty());
}

TEST(ExamplePluginTest, RejectsUnknownResultNamingKey) {
    try {
        example_plugin plugin(setup_with({{"reported_result", "BLUE"}}));
        FAIL() << "reported_result BLUE was accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("reported_result"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace example_line
