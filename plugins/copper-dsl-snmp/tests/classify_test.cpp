#include "classify.hpp"

#include <linetest/testkit/report_assertions.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace linetest::dsl {
namespace {

using sdk::test_result;
using testkit::expect_measurement;
using testkit::find_measurement;

// A healthy VDSL2 line as the simulator's dslam/healthy file has it, read twice
// two seconds apart.
line_poll healthy_poll() {
    line_poll poll;
    poll.status = poll_status::ok;
    auto& v = poll.values;
    v.sys_up_time = 12345600;
    v.admin_status = 1;
    v.oper_status = 1;
    v.last_change = 100000;

    v.init_result = 0;
    v.status_xtuc = std::string("\x80", 1);
    v.status_xtur = std::string("\x80", 1);
    v.attainable_ds = 68500000;
    v.attainable_us = 12000000;
    v.rate_xtuc = 55000000;
    v.rate_xtur = 10000000;
    v.margin_ds = 95;
    v.margin_us = 82;
    v.atten_ds = 152;
    v.atten_us = 98;

    v.es_xtuc = 0;
    v.es_xtur = 3;
    v.ses_xtuc = 0;
    v.ses_xtur = 0;
    v.uas_xtuc = 0;
    v.uas_xtur = 0;
    v.full_inits_15min = 0;
    v.failed_inits_15min = 0;
    v.full_inits_1day = 1;
    v.failed_inits_1day = 0;

    v.crc_xtuc = 1000;
    v.crc_xtur = 20000;
    crc_sample second;
    second.interval = std::chrono::milliseconds(2000);
    second.crc_xtuc = 1006;
    second.crc_xtur = 20010;
    poll.second_crc = second;
    return poll;
}

// Down with the given failure bits (first octet) and training result.
line_poll down_poll(unsigned char xtuc_bits, unsigned char xtur_bits, std::int64_t init_result) {
    auto poll = healthy_poll();
    auto& v = poll.values;
    v.oper_status = 2;
    v.status_xtuc = std::string(1, static_cast<char>(xtuc_bits));
    v.status_xtur = std::string(1, static_cast<char>(xtur_bits));
    v.init_result = init_result;
    v.attainable_ds = 0;
    v.attainable_us = 0;
    v.rate_xtuc = 0;
    v.rate_xtur = 0;
    v.margin_ds = 2147483647;
    v.margin_us = 2147483647;
    return poll;
}

dsl_line vdsl2_line() {
    dsl_line line;
    line.profile = line_profile::vdsl2_rfc5650;
    line.if_index = 1001;
    line.min_rate_ds_bps = 40000000;
    line.min_rate_us_bps = 8000000;
    return line;
}

sdk::report classify(const line_poll& poll) {
    return classify_poll(poll, vdsl2_line(), plugin_config{});
}

struct outcome_case {
    std::string name;
    line_poll poll;
    test_result result;
    std::string code;
};

void PrintTo(const outcome_case& item, std::ostream* out) { *out << item.name; }

std::vector<outcome_case> outcome_cases() {
    std::vector<outcome_case> cases;
    auto add = [&cases](std::string name, line_poll poll, test_result result, std::string code) {
        cases.push_back({std::move(name), std::move(poll), result, std::move(code)});
    };
    auto with = [](auto change) {
        auto poll = healthy_poll();
        change(poll.values);
        return poll;
    };

    add("Healthy", healthy_poll(), test_result::green, "SERVICE_OK");

    line_poll timeout;
    timeout.status = poll_status::unreachable;
    add("Timeout", timeout, test_result::unavailable, "EQUIPMENT_UNREACHABLE");
    line_poll auth;
    auth.status = poll_status::auth_failed;
    add("AuthFailure", auth, test_result::unavailable, "EQUIPMENT_UNREACHABLE");
    line_poll agent_error;
    agent_error.status = poll_status::agent_error;
    add("AgentError", agent_error, test_result::failed, "EQUIPMENT_ERROR");
    line_poll cancelled;
    cancelled.status = poll_status::cancelled;
    add("Cancelled", cancelled, test_result::failed, "CANCELLED");

    add("NoInterface", with([](raw_line_values& v) { v.oper_status.reset(); }), test_result::failed,
        "INVENTORY_MISMATCH");
    add("NoXdslRow", with([](raw_line_values& v) {
            v.init_result.reset();
            v.status_xtuc.reset();
            v.status_xtur.reset();
            v.attainable_ds.reset();
        }),
        test_result::failed, "INVENTORY_MISMATCH");

    add("AdminDown", with([](raw_line_values& v) {
            v.admin_status = 2;
            v.oper_status = 2;
            v.status_xtuc = std::string("\x20", 1);
        }),
        test_result::red, "PROVISIONING_FAULT");
    // lossOfPower at the modem end wins over LOS at the DSLAM end and noPeerAtu.
    add("PowerLossAtCpe", down_poll(0x20, 0x10, 4), test_result::red, "CPE_POWERED_OFF");
    add("PowerLossAtDslamOnly", down_poll(0x10, 0x80, 3), test_result::red, "LINE_DOWN");
    add("LossOfSignal", down_poll(0x20, 0x80, 3), test_result::red, "NO_SYNC_LOS");
    add("LossOfFramingAtCpe", down_poll(0x80, 0x40, 3), test_result::red, "NO_SYNC_LOS");
    add("ConfigError", down_poll(0x08, 0x80, 1), test_result::red, "PROVISIONING_FAULT");
    add("ConfigNotFeasible", down_poll(0x08, 0x80, 2), test_result::red, "PROVISIONING_FAULT");
    add("ConfigErrorInSync", with([](raw_line_values& v) { v.init_result = 1; }), test_result::red,
        "PROVISIONING_FAULT");
    add("NoPeer", down_poll(0x08, 0x80, 4), test_result::red, "NO_CPE_DETECTED");
    add("DownOtherCause", down_poll(0x80, 0x80, 5), test_result::red, "LINE_DOWN");
    add("Dormant", with([](raw_line_values& v) { v.oper_status = 5; }), test_result::red,
        "LINE_DOWN");

    // ES: GREEN below 10, AMBER 10..60, RED above 60.
    add("EsBelowAmber", with([](raw_line_values& v) { v.es_xtur = 9; }), test_result::green,
        "SERVICE_OK");
    add("EsAtAmber", with([](raw_line_values& v) { v.es_xtur = 10; }), test_result::amber,
        "ERRORS_ELEVATED");
    add("EsAtRedLimit", with([](raw_line_values& v) { v.es_xtuc = 60; }), test_result::amber,
        "ERRORS_ELEVATED");
    add("EsAboveRed", with([](raw_line_values& v) { v.es_xtuc = 61; }), test_result::red,
        "HIGH_ERROR_RATE");
    // SES: GREEN 0..1, AMBER 2..10, RED above 10.
    add("SesOne", with([](raw_line_values& v) { v.ses_xtur = 1; }), test_result::green,
        "SERVICE_OK");
    add("SesTwo", with([](raw_line_values& v) { v.ses_xtur = 2; }), test_result::amber,
        "ERRORS_ELEVATED");
    add("SesTen", with([](raw_line_values& v) { v.ses_xtur = 10; }), test_result::amber,
        "ERRORS_ELEVATED");
    add("SesEleven", with([](raw_line_values& v) { v.ses_xtur = 11; }), test_result::red,
        "HIGH_ERROR_RATE");
    // UAS: GREEN 0, AMBER 1..60, RED above 60.
    add("UasOne", with([](raw_line_values& v) { v.uas_xtuc = 1; }), test_result::amber,
        "ERRORS_ELEVATED");
    add("UasSixtyOne", with([](raw_line_values& v) { v.uas_xtuc = 61; }), test_result::red,
        "HIGH_ERROR_RATE");
    add(
        "UasIgnoredWhileDown",
        [&] {
            auto poll = down_poll(0x80, 0x80, 5);
            poll.values.uas_xtuc = 900;
            return poll;
        }(),
        test_result::red, "LINE_DOWN");

    // Errors outrank retrains, retrains outrank rate, rate outranks margin.
    add("ErrorsOverRetrains", with([](raw_line_values& v) {
            v.ses_xtur = 20;
            v.full_inits_1day = 20;
        }),
        test_result::red, "HIGH_ERROR_RATE");
    add("FullInitsDayTen", with([](raw_line_values& v) { v.full_inits_1day = 10; }),
        test_result::amber, "RECENT_RESYNC");
    add("FullInitsDayEleven", with([](raw_line_values& v) { v.full_inits_1day = 11; }),
        test_result::red, "LINE_UNSTABLE");
    add("FullInitsDayThree", with([](raw_line_values& v) { v.full_inits_1day = 3; }),
        test_result::amber, "RECENT_RESYNC");
    add("FullInitsDayTwo", with([](raw_line_values& v) { v.full_inits_1day = 2; }),
        test_result::green, "SERVICE_OK");
    add("FailedInitsDaySix", with([](raw_line_values& v) { v.failed_inits_1day = 6; }),
        test_result::red, "LINE_UNSTABLE");
    add("FailedInitsDayOne", with([](raw_line_values& v) { v.failed_inits_1day = 1; }),
        test_result::amber, "RECENT_RESYNC");
    add("FullInits15MinThree", with([](raw_line_values& v) {
            v.full_inits_15min = 3;
            v.full_inits_1day = 3;
        }),
        test_result::red, "LINE_UNSTABLE");
    add("RetrainsOverRate", with([](raw_line_values& v) {
            v.full_inits_1day = 12;
            v.rate_xtuc = 1000000;
        }),
        test_result::red, "LINE_UNSTABLE");

    // Actual rate against the 40 Mbit/s minimum: RED below, AMBER below 44 Mbit/s.
    add("ActualBelowMinimum", with([](raw_line_values& v) { v.rate_xtuc = 39999999; }),
        test_result::red, "RATE_BELOW_PRODUCT");
    add("ActualAtMinimum", with([](raw_line_values& v) { v.rate_xtuc = 40000000; }),
        test_result::amber, "RATE_MARGINAL");
    add("ActualAtTenPercent", with([](raw_line_values& v) { v.rate_xtuc = 44000000; }),
        test_result::green, "SERVICE_OK");
    // Attainable: AMBER below 1.2 x minimum (48 Mbit/s).
    add("AttainableBelowMinimum", with([](raw_line_values& v) { v.attainable_ds = 39000000; }),
        test_result::red, "RATE_BELOW_PRODUCT");
    add("AttainableBelowHeadroom", with([](raw_line_values& v) { v.attainable_ds = 47999999; }),
        test_result::amber, "RATE_MARGINAL");
    add("AttainableAtHeadroom", with([](raw_line_values& v) { v.attainable_ds = 48000000; }),
        test_result::green, "SERVICE_OK");
    add("UpstreamBelowMinimum", with([](raw_line_values& v) { v.rate_xtur = 7000000; }),
        test_result::red, "RATE_BELOW_PRODUCT");
    add("RateOverMargin", with([](raw_line_values& v) {
            v.rate_xtuc = 30000000;
            v.margin_ds = 10;
        }),
        test_result::red, "RATE_BELOW_PRODUCT");

    // Margin: RED below 3 dB, AMBER below 5 dB.
    add("MarginBelowRed", with([](raw_line_values& v) { v.margin_ds = 29; }), test_result::red,
        "MARGIN_LOW");
    add("MarginAtRedLimit", with([](raw_line_values& v) { v.margin_us = 30; }), test_result::amber,
        "MARGIN_LOW");
    add("MarginBelowAmber", with([](raw_line_values& v) { v.margin_ds = 49; }), test_result::amber,
        "MARGIN_LOW");
    add("MarginAtAmberLimit", with([](raw_line_values& v) { v.margin_ds = 50; }),
        test_result::green, "SERVICE_OK");
    add("MarginNegative", with([](raw_line_values& v) { v.margin_us = -15; }), test_result::red,
        "MARGIN_LOW");
    add("MarginMissingInSync", with([](raw_line_values& v) { v.margin_ds = 2147483647; }),
        test_result::red, "MARGIN_LOW");
    add("MarginOverErrorsAmber", with([](raw_line_values& v) {
            v.margin_ds = 40;
            v.es_xtur = 20;
        }),
        test_result::amber, "MARGIN_LOW");

    // Sync age: AMBER under 900 s.
    add("SyncedFiveMinutesAgo", with([](raw_line_values& v) { v.last_change = 12345600 - 30000; }),
        test_result::amber, "RECENT_RESYNC");
    add("SyncedFifteenMinutesAgo",
        with([](raw_line_values& v) { v.last_change = 12345600 - 90000; }), test_result::green,
        "SERVICE_OK");
    add("ErrorsOverResync", with([](raw_line_values& v) {
            v.last_change = 12345600 - 100;
            v.ses_xtur = 3;
        }),
        test_result::amber, "ERRORS_ELEVATED");
    add("ResyncOverRateAmber", with([](raw_line_values& v) {
            v.last_change = 12345600 - 100;
            v.rate_xtuc = 41000000;
        }),
        test_result::amber, "RECENT_RESYNC");
    return cases;
}

class ClassifyOutcomeTest : public ::testing::TestWithParam<outcome_case> {};

TEST_P(ClassifyOutcomeTest, GivesResultAndCode) {
    auto out = classify(GetParam().poll);
    EXPECT_EQ(out.result, GetParam().result) << testkit::describe(out);
    EXPECT_EQ(out.code, GetParam().code) << testkit::describe(out);
}

INSTANTIATE_TEST_SUITE_P(Rules,
                         ClassifyOutcomeTest,
                         ::testing::ValuesIn(outcome_cases()),
                         [](const ::testing::TestParamInfo<outcome_case>& param_info) {
                             return param_info.param.name;
                         });

TEST(ClassifyTest, HealthyReportsEveryReading) {
    auto out = classify(healthy_poll());
    EXPECT_EQ(expect_measurement(out, "snr_margin_ds").value, "9.5");
    EXPECT_EQ(expect_measurement(out, "snr_margin_ds").unit, "dB");
    EXPECT_EQ(expect_measurement(out, "snr_margin_us").value, "8.2");
    EXPECT_EQ(expect_measurement(out, "attainable_rate_ds").value, "68500000");
    EXPECT_EQ(expect_measurement(out, "attainable_rate_ds").unit, "bit/s");
    EXPECT_EQ(expect_measurement(out, "actual_rate_ds").value, "55000000");
    EXPECT_EQ(expect_measurement(out, "actual_rate_us").value, "10000000");
    EXPECT_EQ(expect_measurement(out, "attenuation_ds").value, "15.2");
    EXPECT_EQ(expect_measurement(out, "es_15min_xtur").value, "3");
    EXPECT_EQ(expect_measurement(out, "es_15min_xtur").unit, "s");
    EXPECT_EQ(expect_measurement(out, "line_status_xtur").value, "noDefect");
    EXPECT_EQ(expect_measurement(out, "init_result").value, "noFail");
    EXPECT_EQ(expect_measurement(out, "if_oper_status").value, "up");
    EXPECT_EQ(expect_measurement(out, "sync_age").value, "122456.00");
    EXPECT_EQ(expect_measurement(out, "crc_errors_xtuc").value, "6");
    EXPECT_EQ(expect_measurement(out, "crc_errors_xtur").value, "10");
    EXPECT_EQ(expect_measurement(out, "crc_interval").value, "2.000");
    EXPECT_EQ(expect_measurement(out, "product_min_rate_ds").value, "40000000");
    for (const auto& reading : out.measurements) {
        EXPECT_FALSE(reading.rule_violation) << reading.name;
    }
    EXPECT_TRUE(out.supplier_text.empty()) << out.supplier_text;
}

TEST(ClassifyTest, ChannelUnitXturSwapsRates) {
    plugin_config config;
    config.channel_ds_unit = channel_unit::xtur;
    auto out = classify_poll(healthy_poll(), vdsl2_line(), config);
    EXPECT_EQ(expect_measurement(out, "actual_rate_ds").value, "10000000");
    EXPECT_EQ(expect_measurement(out, "actual_rate_us").value, "55000000");
    EXPECT_EQ(out.code, "RATE_BELOW_PRODUCT");
}

TEST(ClassifyTest, NoMinimumLeavesRatesUnjudged) {
    auto line = vdsl2_line();
    line.min_rate_ds_bps.reset();
    auto poll = healthy_poll();
    poll.values.rate_xtuc = 1000;
    auto out = classify_poll(poll, line, plugin_config{});
    EXPECT_EQ(out.result, test_result::green) << testkit::describe(out);
    EXPECT_FALSE(expect_measurement(out, "actual_rate_ds").rule_violation);
    EXPECT_EQ(find_measurement(out, "product_min_rate_ds"), nullptr);
}

TEST(ClassifyTest, BrokenReadingsCarryViolation) {
    auto poll = healthy_poll();
    poll.values.margin_ds = 40;
    poll.values.ses_xtur = 4;
    auto out = classify(poll);
    const auto& margin = expect_measurement(out, "snr_margin_ds");
    EXPECT_TRUE(margin.rule_violation);
    EXPECT_EQ(margin.rule_severity, "WARNING");
    EXPECT_TRUE(expect_measurement(out, "ses_15min_xtur").rule_violation);
    EXPECT_FALSE(expect_measurement(out, "snr_margin_us").rule_violation);
}

TEST(ClassifyTest, PowerLossNamesBitsAndDropsSentinels) {
    auto out = classify(down_poll(0x20, 0x10, 4));
    EXPECT_EQ(expect_measurement(out, "line_status_xtur").value, "lossOfPower");
    EXPECT_TRUE(expect_measurement(out, "line_status_xtur").rule_violation);
    EXPECT_EQ(expect_measurement(out, "line_status_xtuc").value, "lossOfSignal");
    EXPECT_EQ(expect_measurement(out, "init_result").value, "noPeerAtu");
    EXPECT_EQ(expect_measurement(out, "if_oper_status").value, "down");
    EXPECT_TRUE(expect_measurement(out, "if_oper_status").rule_violation);
    EXPECT_EQ(find_measurement(out, "snr_margin_ds"), nullptr);
}

TEST(ClassifyTest, MissingSecondReadIsExplained) {
    auto poll = healthy_poll();
    poll.second_crc.reset();
    auto out = classify(poll);
    EXPECT_EQ(out.result, test_result::green);
    EXPECT_EQ(find_measurement(out, "crc_errors_xtuc"), nullptr);
    EXPECT_NE(out.supplier_text.find("CRC"), std::string::npos) << out.supplier_text;
}

TEST(ClassifyTest, MissingMarginIsExplained) {
    auto poll = healthy_poll();
    poll.values.margin_us.reset();
    auto out = classify(poll);
    EXPECT_NE(out.supplier_text.find("upstream SNR margin"), std::string::npos)
        << out.supplier_text;
}

TEST(ClassifyTest, ThresholdOverrideChangesBand) {
    plugin_config config;
    config.thresholds.es_15min = {20, 100};
    auto poll = healthy_poll();
    poll.values.es_xtur = 15;
    EXPECT_EQ(classify_poll(poll, vdsl2_line(), config).result, test_result::green);
}

TEST(ClassifyTest, FailureReportsHaveNoMeasurements) {
    line_poll poll;
    poll.status = poll_status::unreachable;
    EXPECT_TRUE(classify(poll).measurements.empty());
}

}  // namespace
}  // namespace linetest::dsl
