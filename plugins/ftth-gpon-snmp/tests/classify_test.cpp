#include "classify.hpp"

#include <linetest/testkit/report_assertions.hpp>

#include <gtest/gtest.h>

namespace linetest::gpon {
namespace {

using sdk::test_result;
using testkit::expect_measurement;

// A healthy B+ ONT as the simulator's olt/healthy file has it.
raw_ont_values healthy_values() {
    raw_ont_values values;
    values.sys_up_time = 12345600;
    values.run_status = 1;
    values.config_status = 2;
    values.match_status = 2;
    values.ranging = 2350;
    values.last_down_cause = 9;
    values.ont_tx = 215;
    values.ont_rx = -1987;
    values.olt_rx = 7820;
    return values;
}

ont_poll ok_poll(const raw_ont_values& values) {
    ont_poll poll;
    poll.status = poll_status::ok;
    poll.values = values;
    return poll;
}

sdk::report classify_b_plus(const raw_ont_values& values) {
    return classify_poll(ok_poll(values), default_thresholds(optics_class::b_plus));
}

raw_ont_values offline_with_cause(std::int32_t cause) {
    auto values = healthy_values();
    values.run_status = 2;
    values.last_down_cause = cause;
    values.ont_tx = 2147483647;
    values.ont_rx = 2147483647;
    values.olt_rx = 2147483647;
    return values;
}

// ONT Rx in dBm as the OLT encodes it (0.01 dBm).
std::int32_t centi(double dbm) {
    return static_cast<std::int32_t>(dbm * 100.0 + (dbm < 0 ? -0.5 : 0.5));
}

TEST(ClassifyTest, TimeoutIsUnavailable) {
    ont_poll poll;
    poll.status = poll_status::unreachable;
    auto out = classify_poll(poll, default_thresholds(optics_class::b_plus));
    EXPECT_EQ(out.result, test_result::unavailable);
    EXPECT_EQ(out.code, "EQUIPMENT_UNREACHABLE");
    EXPECT_TRUE(out.measurements.empty());
}

TEST(ClassifyTest, AuthFailureIsUnavailable) {
    ont_poll poll;
    poll.status = poll_status::auth_failed;
    auto out = classify_poll(poll, default_thresholds(optics_class::b_plus));
    EXPECT_EQ(out.result, test_result::unavailable);
    EXPECT_EQ(out.code, "EQUIPMENT_UNREACHABLE");
}

TEST(ClassifyTest, AgentErrorIsFailed) {
    ont_poll poll;
    poll.status = poll_status::agent_error;
    auto out = classify_poll(poll, default_thresholds(optics_class::b_plus));
    EXPECT_EQ(out.result, test_result::failed);
    EXPECT_EQ(out.code, "EQUIPMENT_ERROR");
}

TEST(ClassifyTest, MissingOntRowIsInventoryMismatch) {
    raw_ont_values values;
    values.sys_up_time = 100;
    auto out = classify_b_plus(values);
    EXPECT_EQ(out.result, test_result::failed);
    EXPECT_EQ(out.code, "INVENTORY_MISMATCH");
}

TEST(ClassifyTest, OfflineAfterDyingGaspIsPoweredOff) {
    auto out = classify_b_plus(offline_with_cause(13));
    EXPECT_EQ(out.result, test_result::red);
    EXPECT_EQ(out.code, "CPE_POWERED_OFF");
    EXPECT_EQ(expect_measurement(out, "last_down_cause").value, "dying-gasp");
}

TEST(ClassifyTest, NoLightCauseIsNoSync) {
    for (std::int32_t cause : {1, 2, 3, 4, 6, 15}) {
        SCOPED_TRACE("last down cause " + std::to_string(cause));
        auto out = classify_b_plus(offline_with_cause(cause));
        EXPECT_EQ(out.result, test_result::red);
        EXPECT_EQ(out.code, "NO_SYNC_LOS");
    }
}

TEST(ClassifyTest, DeactivationIsProvisioningFault) {
    for (std::int32_t cause : {8, 18, 37}) {
        SCOPED_TRACE("last down cause " + std::to_string(cause));
        auto out = classify_b_plus(offline_with_cause(cause));
        EXPECT_EQ(out.result, test_result::red);
        EXPECT_EQ(out.code, "PROVISIONING_FAULT");
    }
}

TEST(ClassifyTest, ConfigFailedIsProvisioningFault) {
    auto values = healthy_values();
    values.config_status = 3;
    auto out = classify_b_plus(values);
    EXPECT_EQ(out.result, test_result::red);
    EXPECT_EQ(out.code, "PROVISIONING_FAULT");
    EXPECT_TRUE(expect_measurement(out, "ont_config_status").rule_violation);
}

TEST(ClassifyTest, MatchMismatchIsProvisioningFault) {
    auto values = healthy_values();
    values.match_status = 3;
    auto out = classify_b_plus(values);
    EXPECT_EQ(out.result, test_result::red);
    EXPECT_EQ(out.code, "PROVISIONING_FAULT");
}

TEST(ClassifyTest, DyingGaspOutranksMismatch) {
    auto values = offline_with_cause(13);
    values.match_status = 3;
    EXPECT_EQ(classify_b_plus(values).code, "CPE_POWERED_OFF");
}

TEST(ClassifyTest, OfflineForOtherCauseIsOntOffline) {
    auto out = classify_b_plus(offline_with_cause(9));
    EXPECT_EQ(out.result, test_result::red);
    EXPECT_EQ(out.code, "ONT_OFFLINE");
}

TEST(ClassifyTest, HealthyIsServiceOk) {
    auto out = classify_b_plus(healthy_values());
    EXPECT_EQ(out.result, test_result::green);
    EXPECT_EQ(out.code, "SERVICE_OK");
    EXPECT_EQ(expect_measurement(out, "ont_rx_power").value, "-19.87");
    EXPECT_EQ(expect_measurement(out, "ont_rx_power").unit, "dBm");
    EXPECT_EQ(expect_measurement(out, "ont_tx_power").value, "2.15");
    EXPECT_EQ(expect_measurement(out, "olt_rx_power").value, "-21.80");
    EXPECT_EQ(expect_measurement(out, "ranging_distance").value, "2350");
    EXPECT_EQ(expect_measurement(out, "ranging_distance").unit, "m");
    EXPECT_EQ(expect_measurement(out, "ont_run_status").value, "up");
    EXPECT_EQ(expect_measurement(out, "olt_up_time").value, "123456.00");
}

TEST(ClassifyTest, HealthyHasNoViolation) {
    auto out = classify_b_plus(healthy_values());
    for (const auto& item : out.measurements) {
        EXPECT_FALSE(item.rule_violation) << item.name;
    }
}

TEST(ClassifyTest, MeasurementsCarryCaptureTime) {
    auto poll = ok_poll(healthy_values());
    poll.captured_at = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
    auto out = classify_poll(poll, default_thresholds(optics_class::b_plus));
    for (const auto& item : out.measurements) {
        EXPECT_EQ(item.captured_at, poll.captured_at) << item.name;
    }
}

// Boundaries of the B+ ONT Rx window: alarm -27/-8, warning -24/-10, inclusive.
struct rx_case {
    double dbm;
    test_result result;
    const char* code;
};

class OntRxBoundaryTest : public ::testing::TestWithParam<rx_case> {};

TEST_P(OntRxBoundaryTest, ClassifiesBPlusWindow) {
    auto values = healthy_values();
    values.ont_rx = centi(GetParam().dbm);
    auto out = classify_b_plus(values);
    EXPECT_EQ(out.result, GetParam().result);
    EXPECT_EQ(out.code, GetParam().code);
    EXPECT_EQ(expect_measurement(out, "ont_rx_power").rule_violation,
              GetParam().result != test_result::green);
}

INSTANTIATE_TEST_SUITE_P(BPlus,
                         OntRxBoundaryTest,
                         ::testing::Values(rx_case{-27.01, test_result::red, "OPTICAL_RX_LOW"},
                                           rx_case{-27.00, test_result::amber, "OPTICAL_MARGINAL"},
                                           rx_case{-24.01, test_result::amber, "OPTICAL_MARGINAL"},
                                           rx_case{-24.00, test_result::green, "SERVICE_OK"},
                                           rx_case{-10.00, test_result::green, "SERVICE_OK"},
                                           rx_case{-9.99, test_result::amber, "OPTICAL_MARGINAL"},
                                           rx_case{-8.00, test_result::amber, "OPTICAL_MARGINAL"},
                                           rx_case{-7.99, test_result::red, "OPTICAL_RX_HIGH"}));

TEST(ClassifyTest, OltRxBelowAlarmIsRxLow) {
    auto values = healthy_values();
    values.olt_rx = 10000 - 2801;  // -28.01 dBm, B+ OLT alarm limit -28
    auto out = classify_b_plus(values);
    EXPECT_EQ(out.code, "OPTICAL_RX_LOW");
    EXPECT_TRUE(expect_measurement(out, "olt_rx_power").rule_violation);
}

TEST(ClassifyTest, OltRxAboveAlarmIsRxHigh) {
    auto values = healthy_values();
    values.olt_rx = 10000 - 799;  // -7.99 dBm
    EXPECT_EQ(classify_b_plus(values).code, "OPTICAL_RX_HIGH");
}

TEST(ClassifyTest, OltRxInWarningBandIsMarginal) {
    auto values = healthy_values();
    values.olt_rx = 10000 - 2600;  // -26.00 dBm
    EXPECT_EQ(classify_b_plus(values).code, "OPTICAL_MARGINAL");
}

TEST(ClassifyTest, RxLowOutranksTxFault) {
    auto values = healthy_values();
    values.ont_rx = -2900;
    values.ont_tx = 20;
    EXPECT_EQ(classify_b_plus(values).code, "OPTICAL_RX_LOW");
}

TEST(ClassifyTest, TxBelowAlarmIsTxFault) {
    auto values = healthy_values();
    values.ont_tx = 49;  // 0.49 dBm, alarm limit 0.5
    auto out = classify_b_plus(values);
    EXPECT_EQ(out.result, test_result::red);
    EXPECT_EQ(out.code, "OPTICAL_TX_FAULT");
}

TEST(ClassifyTest, TxAboveAlarmIsTxFault) {
    auto values = healthy_values();
    values.ont_tx = 501;
    EXPECT_EQ(classify_b_plus(values).code, "OPTICAL_TX_FAULT");
}

TEST(ClassifyTest, TxNearLimitIsMarginal) {
    auto values = healthy_values();
    values.ont_tx = 460;  // 4.60 dBm, warning limit 4.5
    EXPECT_EQ(classify_b_plus(values).code, "OPTICAL_MARGINAL");
}

TEST(ClassifyTest, CPlusAcceptsLevelRedForBPlus) {
    auto values = healthy_values();
    values.ont_rx = -2800;
    auto out = classify_poll(ok_poll(values), default_thresholds(optics_class::c_plus));
    EXPECT_EQ(out.code, "OPTICAL_MARGINAL");
}

TEST(ClassifyTest, XgsPonDoesNotJudgeOltRx) {
    auto values = healthy_values();
    values.ont_tx = 600;
    values.olt_rx = 10000 - 4000;  // -40 dBm: RED under any B+/C+ window
    auto out = classify_poll(ok_poll(values), default_thresholds(optics_class::xgs_pon));
    EXPECT_EQ(out.code, "SERVICE_OK");
    EXPECT_FALSE(expect_measurement(out, "olt_rx_power").rule_violation);
}

TEST(ClassifyTest, OnlineWithoutDdmIsGreenWithoutLevels) {
    auto values = healthy_values();
    values.ont_tx = 2147483647;
    values.ont_rx = 2147483647;
    values.olt_rx = 2147483647;
    auto out = classify_b_plus(values);
    EXPECT_EQ(out.result, test_result::green);
    EXPECT_EQ(testkit::find_measurement(out, "ont_rx_power"), nullptr);
    EXPECT_NE(out.supplier_text.find("ont_rx_power"), std::string::npos);
}

TEST(DecodeTest, SentinelMeansNoReading) {
    auto values = healthy_values();
    values.ont_rx = 2147483647;
    auto reading = decode_ont_values(values, {});
    ASSERT_TRUE(reading.has_value());
    EXPECT_FALSE(reading->ont_rx_dbm.has_value());
}

TEST(DecodeTest, OltRxUsesOffset) {
    auto reading = decode_ont_values(healthy_values(), {});
    ASSERT_TRUE(reading.has_value());
    ASSERT_TRUE(reading->olt_rx_dbm.has_value());
    EXPECT_DOUBLE_EQ(*reading->olt_rx_dbm, -21.80);
}

TEST(DecodeTest, UnknownRangingIsDropped) {
    auto values = healthy_values();
    values.ranging = -1;
    auto reading = decode_ont_values(values, {});
    ASSERT_TRUE(reading.has_value());
    EXPECT_FALSE(reading->ranging_m.has_value());
}

TEST(DecodeTest, UnnamedCauseKeepsCode) { EXPECT_EQ(down_cause_name(99), "code-99"); }

}  // namespace
}  // namespace linetest::gpon
