#include "classify.hpp"
#include "zte_reading.hpp"

#include <linetest/testkit/report_assertions.hpp>

#include <gtest/gtest.h>

namespace linetest::gpon {
namespace {

using sdk::test_result;
using testkit::expect_measurement;

constexpr std::int32_t alarm_on = 1;
constexpr std::int32_t alarm_off = 2;

// A working B+ ONU as the simulator's zte/healthy file has it.
raw_zte_values working_values() {
    raw_zte_values values;
    values.sys_up_time = 12345600;
    values.admin_state = 1;
    values.activation_state = 5;
    values.phase_state = zte_phase_working;
    values.distance = 2350;
    values.rx_level = 5065;
    values.alarm_losi = alarm_off;
    values.alarm_lofi = alarm_off;
    values.alarm_sfi = alarm_off;
    values.alarm_loami = alarm_off;
    return values;
}

raw_zte_values in_phase(std::int32_t phase) {
    auto values = working_values();
    values.phase_state = phase;
    values.activation_state = 1;
    values.rx_level = 0;
    return values;
}

sdk::report classify(const raw_zte_values& values, const incident_assessment* incident = nullptr) {
    zte_poll poll;
    poll.status = poll_status::ok;
    poll.values = values;
    return classify_zte_poll(poll, default_thresholds(optics_class::b_plus), incident);
}

TEST(ZteRxLevelTest, DecodesAniGCoding) {
    auto dbm = decode_zte_rx_level(5065);
    ASSERT_TRUE(dbm.has_value());
    EXPECT_NEAR(*dbm, -19.87, 1e-9);
}

TEST(ZteRxLevelTest, ZeroIsNoReading) { EXPECT_FALSE(decode_zte_rx_level(0).has_value()); }

TEST(ZteRxLevelTest, AllOnesIsNoReading) { EXPECT_FALSE(decode_zte_rx_level(65535).has_value()); }

TEST(ZteRxLevelTest, NegativeIsNoReading) { EXPECT_FALSE(decode_zte_rx_level(-5).has_value()); }

TEST(ZteRxLevelTest, LowestStepIsJustAboveMinus30) {
    EXPECT_NEAR(*decode_zte_rx_level(1), -29.998, 1e-9);
}

TEST(ZteClassifyTest, WorkingIsServiceOk) {
    auto out = classify(working_values());
    EXPECT_EQ(out.result, test_result::green) << testkit::describe(out);
    EXPECT_EQ(out.code, "SERVICE_OK");
    EXPECT_EQ(expect_measurement(out, "ont_rx_power").value, "-19.87");
    EXPECT_EQ(expect_measurement(out, "onu_phase_state").value, "working");
    EXPECT_EQ(expect_measurement(out, "onu_activation_state").value, "O5");
    EXPECT_EQ(expect_measurement(out, "active_alarms").value, "none");
    EXPECT_EQ(expect_measurement(out, "ranging_distance").value, "2350");
}

TEST(ZteClassifyTest, UnreadLevelsAreNotNamedMissing) {
    // ZTE's object set has no OLT Rx or ONT Tx, so their absence is no news.
    EXPECT_TRUE(classify(working_values()).supplier_text.empty());
}

TEST(ZteClassifyTest, WorkingWithoutRxNamesIt) {
    auto values = working_values();
    values.rx_level = 65535;
    auto out = classify(values);
    EXPECT_EQ(out.code, "SERVICE_OK");
    EXPECT_NE(out.supplier_text.find("ont_rx_power"), std::string::npos) << out.supplier_text;
}

TEST(ZteClassifyTest, DyingGaspIsPoweredOff) {
    auto out = classify(in_phase(zte_phase_dying_gasp));
    EXPECT_EQ(out.result, test_result::red);
    EXPECT_EQ(out.code, "CPE_POWERED_OFF");
}

TEST(ZteClassifyTest, LosIsNoSync) {
    EXPECT_EQ(classify(in_phase(zte_phase_los)).code, "NO_SYNC_LOS");
}

TEST(ZteClassifyTest, OfflineWithOltSideAlarmIsNoSync) {
    for (auto alarm : {&raw_zte_values::alarm_losi, &raw_zte_values::alarm_lofi,
                       &raw_zte_values::alarm_sfi, &raw_zte_values::alarm_loami}) {
        auto values = in_phase(zte_phase_offline);
        values.*alarm = alarm_on;
        EXPECT_EQ(classify(values).code, "NO_SYNC_LOS");
    }
}

TEST(ZteClassifyTest, OfflineWithoutAlarmIsOntOffline) {
    auto out = classify(in_phase(zte_phase_offline));
    EXPECT_EQ(out.result, test_result::red);
    EXPECT_EQ(out.code, "ONT_OFFLINE");
}

TEST(ZteClassifyTest, AuthFailedIsProvisioningFault) {
    EXPECT_EQ(classify(in_phase(zte_phase_auth_failed)).code, "PROVISIONING_FAULT");
}

TEST(ZteClassifyTest, AdminDisabledIsProvisioningFault) {
    auto values = in_phase(zte_phase_offline);
    values.admin_state = zte_admin_disable;
    auto out = classify(values);
    EXPECT_EQ(out.code, "PROVISIONING_FAULT");
    EXPECT_TRUE(expect_measurement(out, "onu_admin_state").rule_violation);
}

TEST(ZteClassifyTest, O7IsProvisioningFault) {
    auto values = in_phase(zte_phase_offline);
    values.activation_state = zte_activation_o7;
    EXPECT_EQ(classify(values).code, "PROVISIONING_FAULT");
}

TEST(ZteClassifyTest, RegisteringPhasesAreOfflineAndSaySo) {
    for (auto phase : {zte_phase_logging, zte_phase_sync_mib}) {
        auto out = classify(in_phase(phase));
        EXPECT_EQ(out.code, "ONT_OFFLINE");
        EXPECT_NE(out.description.find("registering"), std::string::npos) << out.description;
    }
}

TEST(ZteClassifyTest, LowRxIsRxLow) {
    auto values = working_values();
    values.rx_level = 750;  // -28.50 dBm, below the B+ alarm limit of -27.
    auto out = classify(values);
    EXPECT_EQ(out.code, "OPTICAL_RX_LOW");
    EXPECT_TRUE(expect_measurement(out, "ont_rx_power").rule_violation);
}

TEST(ZteClassifyTest, NoPhaseStateIsInventoryMismatch) {
    auto values = working_values();
    values.phase_state.reset();
    auto out = classify(values);
    EXPECT_EQ(out.result, test_result::failed);
    EXPECT_EQ(out.code, "INVENTORY_MISMATCH");
}

TEST(ZteClassifyTest, IncidentOutranksDyingGasp) {
    incident_assessment incident{8, 6, 6, true};
    auto out = classify(in_phase(zte_phase_dying_gasp), &incident);
    EXPECT_EQ(out.result, test_result::red);
    EXPECT_EQ(out.code, "KNOWN_INCIDENT");
    EXPECT_EQ(expect_measurement(out, "pon_onts_down_together").value, "6");
}

TEST(ZteClassifyTest, IncidentLeavesWorkingOnuGreen) {
    incident_assessment incident{8, 6, 6, true};
    EXPECT_EQ(classify(working_values(), &incident).code, "SERVICE_OK");
}

}  // namespace
}  // namespace linetest::gpon
