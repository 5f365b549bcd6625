#include "gpon_plugin.hpp"

#include <linetest/testkit/fixed_run_context.hpp>
#include <linetest/testkit/report_assertions.hpp>
#include <linetest/testkit/snmpsim_agent.hpp>

#include <gtest/gtest.h>

#include <future>
#include <memory>

namespace linetest::gpon {
namespace {

using sdk::test_result;
using testkit::expect_measurement;

// PON-wide incidents against snmpsimd. olt/incident and zte/incident put eight
// ONTs on the tested ONT's port with six down (Huawei: within 45 s);
// olt/scattered has six down over ten days.
class PonIncidentScenarioTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        testkit::snmpsim_options options;
        options.data_dir = GPON_DATA_DIR;
        options.ready_community = "olt/incident";
        agent_ = std::make_unique<testkit::snmpsim_agent>(options);
    }
    static void TearDownTestSuite() { agent_.reset(); }

    static sdk::equipment_target huawei_target(const std::string& community) {
        sdk::equipment_target target;
        target.node = agent_->endpoint();
        target.profile = "huawei-ma5800";
        target.attributes = {{"port_if_index", "4194312448"}, {"ont_id", "5"}};
        target.credentials = {{"community", community}};
        return target;
    }

    static sdk::equipment_target zte_target(const std::string& community) {
        sdk::equipment_target target;
        target.node = agent_->endpoint();
        target.profile = "zte-c300";
        target.attributes = {{"pon_if_index", "268566528"}, {"ont_id", "5"}};
        target.credentials = {{"community", community}};
        return target;
    }

    static void expect_scenario(const std::string& community, const std::string& marker) {
        auto descr = agent_->read_sys_descr(community);
        ASSERT_TRUE(descr.has_value()) << community << "\n" << agent_->log_tail();
        EXPECT_NE(descr->find(marker), std::string::npos) << *descr;
    }

    static sdk::plugin_setup setup(nlohmann::json incident = nlohmann::json::object()) {
        sdk::plugin_setup out;
        out.config = nlohmann::json{{"timeout_ms", 300}, {"retries", 0}};
        if (!incident.empty()) {
            out.config["pon_incident"] = incident;
        }
        return out;
    }

    static sdk::report run(gpon_plugin& plugin, const sdk::equipment_target& target) {
        testkit::fixed_run_context context(target);
        sdk::service_test_request request;
        request.id = 1;
        request.problem_type = "OUTAGE";
        return plugin.run(request, context);
    }

    static std::unique_ptr<testkit::snmpsim_agent> agent_;
};

std::unique_ptr<testkit::snmpsim_agent> PonIncidentScenarioTest::agent_;

TEST_F(PonIncidentScenarioTest, HuaweiSixOfEightIsKnownIncident) {
    expect_scenario("olt/incident", "within a minute");
    gpon_plugin plugin(setup());
    auto out = run(plugin, huawei_target("olt/incident"));
    EXPECT_EQ(out.result, test_result::red) << testkit::describe(out);
    EXPECT_EQ(out.code, "KNOWN_INCIDENT");
    EXPECT_EQ(expect_measurement(out, "pon_onts_total").value, "8");
    EXPECT_EQ(expect_measurement(out, "pon_onts_down_together").value, "6");
    // The customer's own reading is still reported.
    EXPECT_EQ(expect_measurement(out, "last_down_cause").value, "dying-gasp");
}

TEST_F(PonIncidentScenarioTest, HuaweiScatteredOutagesAreCustomerFault) {
    expect_scenario("olt/scattered", "over ten days");
    gpon_plugin plugin(setup());
    auto out = run(plugin, huawei_target("olt/scattered"));
    EXPECT_EQ(out.code, "CPE_POWERED_OFF") << testkit::describe(out);
    EXPECT_EQ(expect_measurement(out, "pon_onts_down").value, "6");
    EXPECT_EQ(expect_measurement(out, "pon_onts_down_together").value, "2");
}

TEST_F(PonIncidentScenarioTest, HuaweiAboveMinDownOntsIsCustomerFault) {
    gpon_plugin plugin(setup({{"min_down_onts", 7}}));
    EXPECT_EQ(run(plugin, huawei_target("olt/incident")).code, "CPE_POWERED_OFF");
}

TEST_F(PonIncidentScenarioTest, HuaweiShortWindowIsCustomerFault) {
    // Down times in olt/incident are 5 to 50 s past the minute. The only 10 s
    // window that contains ONT 5 (31 s) also contains ONT 6 (40 s) and no other.
    gpon_plugin plugin(setup({{"window_s", 10}}));
    auto out = run(plugin, huawei_target("olt/incident"));
    EXPECT_EQ(out.code, "CPE_POWERED_OFF") << testkit::describe(out);
    EXPECT_EQ(expect_measurement(out, "pon_onts_down_together").value, "2");
}

TEST_F(PonIncidentScenarioTest, DisabledCheckSendsNoWalk) {
    gpon_plugin plugin(setup({{"enabled", false}}));
    EXPECT_EQ(run(plugin, huawei_target("olt/incident")).code, "CPE_POWERED_OFF");
    EXPECT_EQ(plugin.port_cache().loads(), 0U);
}

TEST_F(PonIncidentScenarioTest, HealthyOntSendsNoWalk) {
    gpon_plugin plugin(setup());
    EXPECT_EQ(run(plugin, huawei_target("olt/healthy")).code, "SERVICE_OK");
    EXPECT_EQ(plugin.port_cache().loads(), 0U);
}

TEST_F(PonIncidentScenarioTest, ZteSixOfEightIsKnownIncident) {
    expect_scenario("zte/incident", "6 of 8 ONUs");
    gpon_plugin plugin(setup());
    auto out = run(plugin, zte_target("zte/incident"));
    EXPECT_EQ(out.result, test_result::red) << testkit::describe(out);
    EXPECT_EQ(out.code, "KNOWN_INCIDENT");
    EXPECT_EQ(expect_measurement(out, "pon_onts_down").value, "6");
}

TEST_F(PonIncidentScenarioTest, ZteAboveMinDownRatioIsCustomerFault) {
    gpon_plugin plugin(setup({{"min_down_ratio", 0.8}}));
    EXPECT_EQ(run(plugin, zte_target("zte/incident")).code, "CPE_POWERED_OFF");
}

TEST_F(PonIncidentScenarioTest, LoneDownOntIsCustomerFault) {
    // olt/dyinggasp has one ONT on the port: the walk runs and finds no incident.
    gpon_plugin plugin(setup());
    auto out = run(plugin, huawei_target("olt/dyinggasp"));
    EXPECT_EQ(out.code, "CPE_POWERED_OFF");
    EXPECT_EQ(expect_measurement(out, "pon_onts_total").value, "1");
}

TEST_F(PonIncidentScenarioTest, ConcurrentRunsOnOnePortWalkOnce) {
    gpon_plugin plugin(setup());
    auto target = huawei_target("olt/incident");
    auto first = std::async(std::launch::async, [&] { return run(plugin, target); });
    auto second = std::async(std::launch::async, [&] { return run(plugin, target); });
    EXPECT_EQ(first.get().code, "KNOWN_INCIDENT");
    EXPECT_EQ(second.get().code, "KNOWN_INCIDENT");
    EXPECT_EQ(plugin.port_cache().loads(), 1U);
}

TEST_F(PonIncidentScenarioTest, PortsOnOtherCommunitiesWalkSeparately) {
    gpon_plugin plugin(setup());
    run(plugin, huawei_target("olt/incident"));
    run(plugin, huawei_target("olt/scattered"));
    EXPECT_EQ(plugin.port_cache().loads(), 2U);
}

}  // namespace
}  // namespace linetest::gpon
