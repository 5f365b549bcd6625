#include "gpon_plugin.hpp"

#include <linetest/testkit/fixed_run_context.hpp>
#include <linetest/testkit/report_assertions.hpp>
#include <linetest/testkit/snmpsim_agent.hpp>

#include <gtest/gtest.h>

#include <memory>

namespace linetest::gpon {
namespace {

using sdk::test_result;
using testkit::expect_measurement;
using testkit::measurement_number;

// Runs the plugin with a ZTE profile against one snmpsimd serving data/. The
// data puts ONU 5 on PON ifIndex 268566528.
class ZteScenarioTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        testkit::snmpsim_options options;
        options.data_dir = GPON_DATA_DIR;
        options.ready_community = "zte/healthy";
        agent_ = std::make_unique<testkit::snmpsim_agent>(options);
    }
    static void TearDownTestSuite() { agent_.reset(); }

    static sdk::equipment_target target_for(const std::string& community) {
        sdk::equipment_target target;
        target.node = agent_->endpoint();
        target.profile = "zte-c320";
        target.attributes = {{"pon_if_index", "268566528"}, {"ont_id", "5"}};
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

std::unique_ptr<testkit::snmpsim_agent> ZteScenarioTest::agent_;

TEST_F(ZteScenarioTest, HealthyIsGreen) {
    expect_scenario("zte/healthy", "healthy ONU");
    auto out = run(target_for("zte/healthy"));
    EXPECT_EQ(out.result, test_result::green) << testkit::describe(out);
    EXPECT_EQ(out.code, "SERVICE_OK");
    EXPECT_DOUBLE_EQ(measurement_number(expect_measurement(out, "ont_rx_power")), -19.87);
    EXPECT_EQ(expect_measurement(out, "ranging_distance").value, "2350");
    EXPECT_EQ(expect_measurement(out, "onu_activation_state").value, "O5");
    EXPECT_EQ(expect_measurement(out, "last_down_cause").value, "code-2");
}

TEST_F(ZteScenarioTest, LosIsNoSync) {
    expect_scenario("zte/los", "phase los");
    auto out = run(target_for("zte/los"));
    EXPECT_EQ(out.result, test_result::red) << testkit::describe(out);
    EXPECT_EQ(out.code, "NO_SYNC_LOS");
    EXPECT_EQ(expect_measurement(out, "active_alarms").value, "losi");
    EXPECT_EQ(testkit::find_measurement(out, "ont_rx_power"), nullptr);
}

TEST_F(ZteScenarioTest, DyingGaspIsPoweredOff) {
    expect_scenario("zte/dyinggasp", "phase dyinggasp");
    auto out = run(target_for("zte/dyinggasp"));
    EXPECT_EQ(out.result, test_result::red) << testkit::describe(out);
    EXPECT_EQ(out.code, "CPE_POWERED_OFF");
    EXPECT_EQ(expect_measurement(out, "onu_phase_state").value, "dyinggasp");
}

TEST_F(ZteScenarioTest, LowRxIsRxLow) {
    expect_scenario("zte/lowrx", "below the B+ alarm limit");
    auto out = run(target_for("zte/lowrx"));
    EXPECT_EQ(out.result, test_result::red) << testkit::describe(out);
    EXPECT_EQ(out.code, "OPTICAL_RX_LOW");
    EXPECT_DOUBLE_EQ(measurement_number(expect_measurement(out, "ont_rx_power")), -28.50);
}

TEST_F(ZteScenarioTest, OfflineIsOntOffline) {
    expect_scenario("zte/offline", "offline, no alarm");
    auto out = run(target_for("zte/offline"));
    EXPECT_EQ(out.result, test_result::red) << testkit::describe(out);
    EXPECT_EQ(out.code, "ONT_OFFLINE");
}

TEST_F(ZteScenarioTest, OfflineWithLosiIsNoSync) {
    expect_scenario("zte/offlinelosi", "LOSi alarm");
    EXPECT_EQ(run(target_for("zte/offlinelosi")).code, "NO_SYNC_LOS");
}

TEST_F(ZteScenarioTest, AuthFailedIsProvisioningFault) {
    expect_scenario("zte/authfailed", "authentication failed");
    EXPECT_EQ(run(target_for("zte/authfailed")).code, "PROVISIONING_FAULT");
}

TEST_F(ZteScenarioTest, RegisteringIsOntOffline) {
    expect_scenario("zte/registering", "syncMib");
    auto out = run(target_for("zte/registering"));
    EXPECT_EQ(out.code, "ONT_OFFLINE") << testkit::describe(out);
    EXPECT_EQ(expect_measurement(out, "onu_activation_state").value, "O4");
}

TEST_F(ZteScenarioTest, WrongOnuIsInventoryMismatch) {
    auto target = target_for("zte/healthy");
    target.attributes["ont_id"] = "6";
    auto out = run(target);
    EXPECT_EQ(out.result, test_result::failed) << testkit::describe(out);
    EXPECT_EQ(out.code, "INVENTORY_MISMATCH");
}

TEST_F(ZteScenarioTest, HuaweiProfileOnZteDataIsInventoryMismatch) {
    // The profile picks the object set: Huawei OIDs find no row in ZTE data.
    auto target = target_for("zte/healthy");
    target.profile = "huawei-ma5800";
    target.attributes = {{"port_if_index", "268566528"}, {"ont_id", "5"}};
    EXPECT_EQ(run(target).code, "INVENTORY_MISMATCH");
}

TEST_F(ZteScenarioTest, MissingPonIfIndexIsInvalidTarget) {
    auto target = target_for("zte/healthy");
    target.attributes = {{"slot", "1"}, {"port", "1"}, {"ont_id", "5"}};
    EXPECT_EQ(run(target).code, "INVALID_TARGET");
}

}  // namespace
}  // namespace linetest::gpon
