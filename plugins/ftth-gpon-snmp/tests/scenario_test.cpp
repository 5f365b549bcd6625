#include "gpon_plugin.hpp"

#include <linetest/testkit/fixed_run_context.hpp>
#include <linetest/testkit/report_assertions.hpp>
#include <linetest/testkit/silent_udp_port.hpp>
#include <linetest/testkit/snmpsim_agent.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <optional>

namespace linetest::gpon {
namespace {

using sdk::test_result;
using testkit::expect_measurement;
using testkit::measurement_number;

const testkit::snmpv3_user v3_user{"tester", "SHA", "authkey123", "AES", "privkey123"};

// Runs the plugin against one snmpsimd serving every file under data/. The
// short timeout keeps the unreachable cases quick; it is not what is tested.
class GponScenarioTest : public ::testing::Test {
protected:
    static testkit::snmpsim_options agent_options() {
        testkit::snmpsim_options options;
        options.data_dir = GPON_DATA_DIR;
        options.ready_community = "olt/healthy";
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
        target.profile = "huawei-ma5800";
        target.attributes = {{"port_if_index", "4194312448"}, {"ont_id", "5"}};
        target.credentials = {{"community", community}};
        return target;
    }

    // Asserts the scenario's sysDescr first, because snmpsimd sends no response
    // to a community without a file and a typo would look like a dead OLT.
    static void expect_scenario(const std::string& community, const std::string& marker) {
        auto descr = agent_->read_sys_descr(community);
        ASSERT_TRUE(descr.has_value()) << community << "\n" << agent_->log_tail();
        EXPECT_NE(descr->find(marker), std::string::npos) << *descr;
    }

    static sdk::report run(const sdk::equipment_target& target) {
        sdk::plugin_setup setup;
        setup.config = nlohmann::json{{"timeout_ms", 300}, {"retries", 0}};
        gpon_plugin plugin(setup);
        testkit::fixed_run_context context(target);
        sdk::service_test_request request;
        request.id = 1;
        request.problem_type = "OUTAGE";
        return plugin.run(request, context);
    }

    static std::unique_ptr<testkit::snmpsim_agent> agent_;
};

std::unique_ptr<testkit::snmpsim_agent> GponScenarioTest::agent_;

TEST_F(GponScenarioTest, HealthyIsGreen) {
    expect_scenario("olt/healthy", "healthy ONT");
    auto out = run(target_for("olt/healthy"));
    EXPECT_EQ(out.result, test_result::green) << testkit::describe(out);
    EXPECT_EQ(out.code, "SERVICE_OK");
    EXPECT_DOUBLE_EQ(measurement_number(expect_measurement(out, "ont_rx_power")), -19.87);
    EXPECT_DOUBLE_EQ(measurement_number(expect_measurement(out, "olt_rx_power")), -21.80);
    EXPECT_DOUBLE_EQ(measurement_number(expect_measurement(out, "ont_tx_power")), 2.15);
    EXPECT_EQ(expect_measurement(out, "ranging_distance").value, "2350");
}

TEST_F(GponScenarioTest, LosIsNoSync) {
    expect_scenario("olt/los", "LOSi");
    auto out = run(target_for("olt/los"));
    EXPECT_EQ(out.result, test_result::red) << testkit::describe(out);
    EXPECT_EQ(out.code, "NO_SYNC_LOS");
    EXPECT_EQ(expect_measurement(out, "last_down_cause").value, "losi-lobi");
    EXPECT_EQ(testkit::find_measurement(out, "ont_rx_power"), nullptr);
}

TEST_F(GponScenarioTest, DyingGaspIsPoweredOff) {
    expect_scenario("olt/dyinggasp", "dying gasp");
    auto out = run(target_for("olt/dyinggasp"));
    EXPECT_EQ(out.result, test_result::red) << testkit::describe(out);
    EXPECT_EQ(out.code, "CPE_POWERED_OFF");
    EXPECT_EQ(expect_measurement(out, "ont_run_status").value, "down");
    EXPECT_EQ(expect_measurement(out, "last_down_cause").value, "dying-gasp");
}

TEST_F(GponScenarioTest, LowRxIsRxLow) {
    expect_scenario("olt/lowrx", "below the B+ alarm limit");
    auto out = run(target_for("olt/lowrx"));
    EXPECT_EQ(out.result, test_result::red) << testkit::describe(out);
    EXPECT_EQ(out.code, "OPTICAL_RX_LOW");
    const auto& rx = expect_measurement(out, "ont_rx_power");
    EXPECT_DOUBLE_EQ(measurement_number(rx), -28.50);
    EXPECT_TRUE(rx.rule_violation);
    EXPECT_EQ(rx.rule_severity, "WARNING");
}

TEST_F(GponScenarioTest, MarginalRxIsAmber) {
    expect_scenario("olt/marginalrx", "warning band");
    auto out = run(target_for("olt/marginalrx"));
    EXPECT_EQ(out.result, test_result::amber) << testkit::describe(out);
    EXPECT_EQ(out.code, "OPTICAL_MARGINAL");
    EXPECT_TRUE(expect_measurement(out, "ont_rx_power").rule_violation);
    EXPECT_FALSE(expect_measurement(out, "olt_rx_power").rule_violation);
}

TEST_F(GponScenarioTest, MismatchIsProvisioningFault) {
    expect_scenario("olt/mismatch", "mismatch");
    auto out = run(target_for("olt/mismatch"));
    EXPECT_EQ(out.result, test_result::red) << testkit::describe(out);
    EXPECT_EQ(out.code, "PROVISIONING_FAULT");
}

TEST_F(GponScenarioTest, DemoDataIsGreen) {
    expect_scenario("demo/olt", "demo");
    EXPECT_EQ(run(target_for("demo/olt")).result, test_result::green);
}

TEST_F(GponScenarioTest, WrongOntIsInventoryMismatch) {
    auto target = target_for("olt/healthy");
    target.attributes["ont_id"] = "6";
    auto out = run(target);
    EXPECT_EQ(out.result, test_result::failed) << testkit::describe(out);
    EXPECT_EQ(out.code, "INVENTORY_MISMATCH");
}

TEST_F(GponScenarioTest, SlotAndPortReachSameOnt) {
    auto target = target_for("olt/healthy");
    target.attributes = {{"frame", "0"}, {"slot", "1"}, {"port", "1"}, {"ont_id", "5"}};
    EXPECT_EQ(run(target).code, "SERVICE_OK");
}

TEST_F(GponScenarioTest, UnknownCommunityIsUnavailable) {
    ASSERT_FALSE(agent_->read_sys_descr("olt/absent", std::chrono::milliseconds(200)));
    auto out = run(target_for("olt/absent"));
    EXPECT_EQ(out.result, test_result::unavailable) << testkit::describe(out);
    EXPECT_EQ(out.code, "EQUIPMENT_UNREACHABLE");
}

TEST_F(GponScenarioTest, PortWithoutAgentIsUnavailable) {
    testkit::silent_udp_port silent;
    auto target = target_for("olt/healthy");
    target.node = silent.endpoint();
    auto out = run(target);
    EXPECT_EQ(out.result, test_result::unavailable) << testkit::describe(out);
    EXPECT_EQ(out.code, "EQUIPMENT_UNREACHABLE");
}

TEST_F(GponScenarioTest, V3AuthPrivReadsScenario) {
    auto target = target_for("");
    target.credentials = testkit::usm_credentials(v3_user);
    target.attributes["snmp_context"] = "olt/dyinggasp";
    auto out = run(target);
    EXPECT_EQ(out.result, test_result::red) << testkit::describe(out);
    EXPECT_EQ(out.code, "CPE_POWERED_OFF");
}

TEST_F(GponScenarioTest, CancelledRunSendsNothing) {
    // The silent port would make an uncancelled run UNAVAILABLE; CANCELLED shows
    // that the plugin stopped before its first request.
    auto target = target_for("olt/absent");
    sdk::plugin_setup setup;
    gpon_plugin plugin(setup);
    testkit::fixed_run_context context(target);
    context.cancel();
    auto out = plugin.run(sdk::service_test_request{}, context);
    EXPECT_EQ(out.result, test_result::failed) << testkit::describe(out);
    EXPECT_EQ(out.code, "CANCELLED");
}

TEST_F(GponScenarioTest, LogHoldsNoCommunity) {
    auto target = target_for("olt/absent");
    sdk::plugin_setup setup;
    setup.config = nlohmann::json{{"timeout_ms", 200}, {"retries", 0}};
    gpon_plugin plugin(setup);
    testkit::fixed_run_context context(target);
    plugin.run(sdk::service_test_request{}, context);
    EXPECT_FALSE(context.recorded_log().lines().empty());
    EXPECT_FALSE(context.recorded_log().contains("olt/absent"));
}

// net-snmp caches USM keys per engine ID and user for the life of the process,
// so a wrong key sent to an engine that already accepted the right one would
// still be accepted. This suite's agent has an engine ID of its own.
class GponV3AuthTest : public GponScenarioTest {
protected:
    static void SetUpTestSuite() {
        auto options = agent_options();
        options.v3_engine_id = "80001f8880aabbccdd0011";
        agent_ = std::make_unique<testkit::snmpsim_agent>(options);
    }
};

TEST_F(GponV3AuthTest, WrongAuthKeyIsUnavailable) {
    auto target = target_for("");
    target.credentials = {{"user", v3_user.name},
                          {"auth_protocol", "SHA"},
                          {"auth_key", "wrongkey999"},
                          {"priv_protocol", "AES"},
                          {"priv_key", v3_user.priv_key}};
    target.attributes["snmp_context"] = "olt/healthy";
    auto out = run(target);
    EXPECT_EQ(out.result, test_result::unavailable) << testkit::describe(out);
    EXPECT_EQ(out.code, "EQUIPMENT_UNREACHABLE");
}

}  // namespace
}  // namespace linetest::gpon
