#include "dsl_plugin.hpp"

#include <linetest/testkit/fixed_run_context.hpp>
#include <linetest/testkit/report_assertions.hpp>
#include <linetest/testkit/silent_udp_port.hpp>
#include <linetest/testkit/snmpsim_agent.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <optional>

namespace linetest::dsl {
namespace {

using sdk::test_result;
using testkit::expect_measurement;
using testkit::measurement_number;

const testkit::snmpv3_user v3_user{"tester", "SHA", "authkey123", "AES", "privkey123"};

// Runs the plugin against one snmpsimd serving every file under data/. The
// short timeout keeps the unreachable cases quick and the short counter delta
// keeps the suite fast; neither is what is tested.
class DslScenarioTest : public ::testing::Test {
protected:
    static testkit::snmpsim_options agent_options() {
        testkit::snmpsim_options options;
        options.data_dir = DSL_DATA_DIR;
        options.ready_community = "dslam/healthy";
        options.v3_user = v3_user;
        return options;
    }

    static void SetUpTestSuite() {
        agent_ = std::make_unique<testkit::snmpsim_agent>(agent_options());
    }
    static void TearDownTestSuite() { agent_.reset(); }

    static sdk::equipment_target target_for(const std::string& community) {
        sdk::equipment_target target;
        target.node = agent_->endpoint();
        target.profile = "vdsl2-rfc5650";
        target.attributes = {
            {"if_index", "1001"}, {"min_rate_ds_bps", "40000000"}, {"min_rate_us_bps", "8000000"}};
        target.credentials = {{"community", community}};
        return target;
    }

    // Asserts the scenario's sysDescr first, because snmpsimd sends no response
    // to a community without a file and a typo would look like a dead DSLAM.
    static void expect_scenario(const std::string& community, const std::string& marker) {
        auto descr = agent_->read_sys_descr(community);
        ASSERT_TRUE(descr.has_value()) << community << "\n" << agent_->log_tail();
        EXPECT_NE(descr->find(marker), std::string::npos) << *descr;
    }

    static sdk::report run(const sdk::equipment_target& target,
                           nlohmann::json config = nlohmann::json{
                               {"timeout_ms", 300}, {"retries", 0}, {"counter_delta_ms", 500}}) {
        sdk::plugin_setup setup;
        setup.config = std::move(config);
        dsl_plugin plugin(setup);
        testkit::fixed_run_context context(target);
        sdk::service_test_request request;
        request.id = 1;
        request.problem_type = "SYNCHRONISATION";
        return plugin.run(request, context);
    }

    static std::unique_ptr<testkit::snmpsim_agent> agent_;
};

std::unique_ptr<testkit::snmpsim_agent> DslScenarioTest::agent_;

TEST_F(DslScenarioTest, HealthyIsGreen) {
    expect_scenario("dslam/healthy", "healthy line");
    auto out = run(target_for("dslam/healthy"));
    EXPECT_EQ(out.result, test_result::green) << testkit::describe(out);
    EXPECT_EQ(out.code, "SERVICE_OK");
    EXPECT_DOUBLE_EQ(measurement_number(expect_measurement(out, "snr_margin_ds")), 9.5);
    EXPECT_DOUBLE_EQ(measurement_number(expect_measurement(out, "snr_margin_us")), 8.2);
    EXPECT_DOUBLE_EQ(measurement_number(expect_measurement(out, "attenuation_ds")), 15.2);
    EXPECT_EQ(expect_measurement(out, "attainable_rate_ds").value, "68500000");
    EXPECT_EQ(expect_measurement(out, "actual_rate_ds").value, "55000000");
    EXPECT_EQ(expect_measurement(out, "actual_rate_us").value, "10000000");
    EXPECT_EQ(expect_measurement(out, "line_status_xtur").value, "noDefect");
    EXPECT_EQ(expect_measurement(out, "es_15min_xtur").value, "3");
}

TEST_F(DslScenarioTest, CrcCounterGrowsBetweenReads) {
    auto out = run(target_for("dslam/healthy"));
    // The simulator's xtur counter grows by 5 per second; the exact count
    // depends on scheduling, so only growth is checked.
    EXPECT_GT(measurement_number(expect_measurement(out, "crc_errors_xtur")), 0.0)
        << testkit::describe(out);
    EXPECT_GT(measurement_number(expect_measurement(out, "crc_interval")), 0.0);
}

TEST_F(DslScenarioTest, CpePoweredOff) {
    expect_scenario("dslam/cpe_powered_off", "lossOfPower");
    auto out = run(target_for("dslam/cpe_powered_off"));
    EXPECT_EQ(out.result, test_result::red) << testkit::describe(out);
    EXPECT_EQ(out.code, "CPE_POWERED_OFF");
    EXPECT_EQ(expect_measurement(out, "line_status_xtur").value, "lossOfPower");
    EXPECT_EQ(testkit::find_measurement(out, "snr_margin_ds"), nullptr);
}

TEST_F(DslScenarioTest, LossOfSignalIsNoSync) {
    expect_scenario("dslam/los", "loss of signal");
    auto out = run(target_for("dslam/los"));
    EXPECT_EQ(out.result, test_result::red) << testkit::describe(out);
    EXPECT_EQ(out.code, "NO_SYNC_LOS");
    EXPECT_EQ(expect_measurement(out, "line_status_xtuc").value, "lossOfSignal");
}

TEST_F(DslScenarioTest, NoPeerIsNoCpe) {
    expect_scenario("dslam/no_peer", "no peer");
    auto out = run(target_for("dslam/no_peer"));
    EXPECT_EQ(out.result, test_result::red) << testkit::describe(out);
    EXPECT_EQ(out.code, "NO_CPE_DETECTED");
    EXPECT_EQ(expect_measurement(out, "init_result").value, "noPeerAtu");
}

TEST_F(DslScenarioTest, ConfigErrorIsProvisioningFault) {
    expect_scenario("dslam/config_error", "not feasible");
    auto out = run(target_for("dslam/config_error"));
    EXPECT_EQ(out.result, test_result::red) << testkit::describe(out);
    EXPECT_EQ(out.code, "PROVISIONING_FAULT");
}

TEST_F(DslScenarioTest, LowMarginIsAmber) {
    expect_scenario("dslam/low_margin", "low SNR margin");
    auto out = run(target_for("dslam/low_margin"));
    EXPECT_EQ(out.result, test_result::amber) << testkit::describe(out);
    EXPECT_EQ(out.code, "MARGIN_LOW");
    const auto& margin = expect_measurement(out, "snr_margin_ds");
    EXPECT_DOUBLE_EQ(measurement_number(margin), 4.2);
    EXPECT_TRUE(margin.rule_violation);
}

TEST_F(DslScenarioTest, HighErrorsAreRed) {
    expect_scenario("dslam/high_errors", "SES and UAS");
    auto out = run(target_for("dslam/high_errors"));
    EXPECT_EQ(out.result, test_result::red) << testkit::describe(out);
    EXPECT_EQ(out.code, "HIGH_ERROR_RATE");
    EXPECT_TRUE(expect_measurement(out, "ses_15min_xtur").rule_violation);
    EXPECT_TRUE(expect_measurement(out, "uas_15min_xtuc").rule_violation);
}

TEST_F(DslScenarioTest, RetrainsAreUnstable) {
    expect_scenario("dslam/unstable", "retrains");
    auto out = run(target_for("dslam/unstable"));
    EXPECT_EQ(out.result, test_result::red) << testkit::describe(out);
    EXPECT_EQ(out.code, "LINE_UNSTABLE");
    EXPECT_EQ(expect_measurement(out, "full_inits_1day").value, "14");
}

TEST_F(DslScenarioTest, RateBelowMinimum) {
    expect_scenario("dslam/rate_below_minimum", "below product minimum");
    auto out = run(target_for("dslam/rate_below_minimum"));
    EXPECT_EQ(out.result, test_result::red) << testkit::describe(out);
    EXPECT_EQ(out.code, "RATE_BELOW_PRODUCT");
    EXPECT_TRUE(expect_measurement(out, "actual_rate_ds").rule_violation);
}

TEST_F(DslScenarioTest, RateBelowMinimumIsGreenWithoutMinimum) {
    auto target = target_for("dslam/rate_below_minimum");
    target.attributes.erase("min_rate_ds_bps");
    EXPECT_EQ(run(target).code, "SERVICE_OK");
}

TEST_F(DslScenarioTest, RecentResyncIsAmber) {
    expect_scenario("dslam/recent_resync", "five minutes ago");
    auto out = run(target_for("dslam/recent_resync"));
    EXPECT_EQ(out.result, test_result::amber) << testkit::describe(out);
    EXPECT_EQ(out.code, "RECENT_RESYNC");
    EXPECT_DOUBLE_EQ(measurement_number(expect_measurement(out, "sync_age")), 300.0);
}

TEST_F(DslScenarioTest, Adsl2HealthyIsGreen) {
    expect_scenario("dslam/adsl2_healthy", "ADSL2+");
    auto target = target_for("dslam/adsl2_healthy");
    target.profile = "adsl2-rfc4706";
    target.attributes["min_rate_ds_bps"] = "8000000";
    target.attributes["min_rate_us_bps"] = "800000";
    auto out = run(target);
    EXPECT_EQ(out.result, test_result::green) << testkit::describe(out);
    EXPECT_DOUBLE_EQ(measurement_number(expect_measurement(out, "snr_margin_ds")), 6.2);
    EXPECT_DOUBLE_EQ(measurement_number(expect_measurement(out, "attenuation_ds")), 23.5);
    EXPECT_EQ(expect_measurement(out, "actual_rate_ds").value, "18000000");
    EXPECT_EQ(expect_measurement(out, "attainable_rate_us").value, "1200000");
    EXPECT_GT(measurement_number(expect_measurement(out, "crc_errors_xtur")), 0.0);
}

TEST_F(DslScenarioTest, Adsl2ProfileOnVdsl2LineIsMismatch) {
    auto target = target_for("dslam/healthy");
    target.profile = "adsl2-rfc4706";
    auto out = run(target);
    EXPECT_EQ(out.result, test_result::failed) << testkit::describe(out);
    EXPECT_EQ(out.code, "INVENTORY_MISMATCH");
}

TEST_F(DslScenarioTest, DemoDataIsGreen) {
    expect_scenario("demo/dslam", "demo");
    EXPECT_EQ(run(target_for("demo/dslam")).result, test_result::green);
}

TEST_F(DslScenarioTest, WrongIfIndexIsInventoryMismatch) {
    auto target = target_for("dslam/healthy");
    target.attributes["if_index"] = "1002";
    auto out = run(target);
    EXPECT_EQ(out.result, test_result::failed) << testkit::describe(out);
    EXPECT_EQ(out.code, "INVENTORY_MISMATCH");
}

TEST_F(DslScenarioTest, UnknownCommunityIsUnavailable) {
    ASSERT_FALSE(agent_->read_sys_descr("dslam/absent", std::chrono::milliseconds(200)));
    auto out = run(target_for("dslam/absent"));
    EXPECT_EQ(out.result, test_result::unavailable) << testkit::describe(out);
    EXPECT_EQ(out.code, "EQUIPMENT_UNREACHABLE");
}

TEST_F(DslScenarioTest, PortWithoutAgentIsUnavailable) {
    testkit::silent_udp_port silent;
    auto target = target_for("dslam/healthy");
    target.node = silent.endpoint();
    auto out = run(target);
    EXPECT_EQ(out.result, test_result::unavailable) << testkit::describe(out);
    EXPECT_EQ(out.code, "EQUIPMENT_UNREACHABLE");
}

TEST_F(DslScenarioTest, V3AuthPrivReadsScenario) {
    auto target = target_for("");
    target.credentials = testkit::usm_credentials(v3_user);
    target.attributes["snmp_context"] = "dslam/cpe_powered_off";
    auto out = run(target);
    EXPECT_EQ(out.result, test_result::red) << testkit::describe(out);
    EXPECT_EQ(out.code, "CPE_POWERED_OFF");
}

TEST_F(DslScenarioTest, CancelledRunSendsNothing) {
    // An uncancelled run against this community would time out as UNAVAILABLE;
    // CANCELLED shows that the plugin stopped before its first request.
    sdk::plugin_setup setup;
    dsl_plugin plugin(setup);
    testkit::fixed_run_context context(target_for("dslam/absent"));
    context.cancel();
    auto out = plugin.run(sdk::service_test_request{}, context);
    EXPECT_EQ(out.result, test_result::failed) << testkit::describe(out);
    EXPECT_EQ(out.code, "CANCELLED");
}

TEST_F(DslScenarioTest, DeadlineShortensCounterInterval) {
    // A 5 s counter interval does not fit a 1.5 s deadline, so the plugin waits
    // only what is left after keeping one request timeout for the second read.
    sdk::plugin_setup setup;
    setup.config = nlohmann::json{{"timeout_ms", 300}, {"retries", 0}, {"counter_delta_ms", 5000}};
    dsl_plugin plugin(setup);
    testkit::fixed_run_context context(target_for("dslam/healthy"),
                                       std::chrono::milliseconds(1500));
    auto out = plugin.run(sdk::service_test_request{}, context);
    EXPECT_EQ(out.code, "SERVICE_OK") << testkit::describe(out);
    EXPECT_LT(measurement_number(expect_measurement(out, "crc_interval")), 1.5);
}

TEST_F(DslScenarioTest, ZeroIntervalReadsCountersOnce) {
    auto out = run(target_for("dslam/healthy"),
                   nlohmann::json{{"timeout_ms", 300}, {"retries", 0}, {"counter_delta_ms", 0}});
    EXPECT_EQ(out.code, "SERVICE_OK") << testkit::describe(out);
    EXPECT_EQ(testkit::find_measurement(out, "crc_errors_xtur"), nullptr);
}

TEST_F(DslScenarioTest, LogHoldsNoCommunity) {
    sdk::plugin_setup setup;
    setup.config = nlohmann::json{{"timeout_ms", 200}, {"retries", 0}};
    dsl_plugin plugin(setup);
    testkit::fixed_run_context context(target_for("dslam/absent"));
    plugin.run(sdk::service_test_request{}, context);
    EXPECT_FALSE(context.recorded_log().lines().empty());
    EXPECT_FALSE(context.recorded_log().contains("dslam/absent"));
}

// net-snmp caches USM keys per engine ID and user for the life of the process,
// so a wrong key sent to an engine that already accepted the right one would
// still be accepted. This suite's agent has an engine ID of its own.
class DslV3AuthTest : public DslScenarioTest {
protected:
    static void SetUpTestSuite() {
        auto options = agent_options();
        options.v3_engine_id = "80001f8880aabbccdd0022";
        agent_ = std::make_unique<testkit::snmpsim_agent>(options);
    }
};

TEST_F(DslV3AuthTest, WrongAuthKeyIsUnavailable) {
    auto target = target_for("");
    target.credentials = {{"user", v3_user.name},
                          {"auth_protocol", "SHA"},
                          {"auth_key", "wrongkey999"},
                          {"priv_protocol", "AES"},
                          {"priv_key", v3_user.priv_key}};
    target.attributes["snmp_context"] = "dslam/healthy";
    auto out = run(target);
    EXPECT_EQ(out.result, test_result::unavailable) << testkit::describe(out);
    EXPECT_EQ(out.code, "EQUIPMENT_UNREACHABLE");
}

}  // namespace
}  // namespace linetest::dsl
