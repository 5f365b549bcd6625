#include "line_reading.hpp"

#include <gtest/gtest.h>

namespace linetest::dsl {
namespace {

line_poll minimal_poll() {
    line_poll poll;
    poll.status = poll_status::ok;
    poll.values.oper_status = 1;
    poll.values.init_result = 0;
    return poll;
}

TEST(LineStatusTest, DecodesFirstOctetFromMostSignificantBit) {
    auto bits = decode_line_status(std::string("\x30", 1));
    EXPECT_FALSE(bits.no_defect);
    EXPECT_FALSE(bits.loss_of_framing);
    EXPECT_TRUE(bits.loss_of_signal);
    EXPECT_TRUE(bits.loss_of_power);
    EXPECT_FALSE(bits.init_failure);
}

TEST(LineStatusTest, NoDefectIsNotAFailure) {
    auto bits = decode_line_status(std::string("\x80", 1));
    EXPECT_TRUE(bits.no_defect);
    EXPECT_FALSE(bits.any_failure());
}

TEST(LineStatusTest, InitFailureIsBitFour) {
    EXPECT_TRUE(decode_line_status(std::string("\x08", 1)).init_failure);
}

TEST(LineStatusTest, EmptyValueHasNoBits) {
    EXPECT_EQ(line_status_text(decode_line_status("")), "none");
}

TEST(LineStatusTest, TextJoinsNames) {
    EXPECT_EQ(line_status_text(decode_line_status(std::string("\x60", 1))),
              "lossOfFraming,lossOfSignal");
}

TEST(LineStatusTest, IgnoresLaterOctets) {
    EXPECT_EQ(line_status_text(decode_line_status(std::string("\x80\xff", 2))), "noDefect");
}

TEST(DecodeLineTest, MissingOperStatusIsNoLine) {
    auto poll = minimal_poll();
    poll.values.oper_status.reset();
    EXPECT_FALSE(decode_line_values(poll, false).has_value());
}

TEST(DecodeLineTest, MarginSentinelsAreDropped) {
    auto poll = minimal_poll();
    poll.values.margin_ds = 2147483647;
    poll.values.margin_us = 2147483646;
    auto reading = decode_line_values(poll, false);
    ASSERT_TRUE(reading.has_value());
    EXPECT_FALSE(reading->snr_margin_ds_db.has_value());
    EXPECT_FALSE(reading->snr_margin_us_db.has_value());
}

TEST(DecodeLineTest, MarginRangeEdgesAreKept) {
    auto poll = minimal_poll();
    poll.values.margin_ds = -640;
    poll.values.margin_us = 630;
    auto reading = decode_line_values(poll, false);
    ASSERT_TRUE(reading.has_value());
    EXPECT_DOUBLE_EQ(reading->snr_margin_ds_db.value_or(0), -64.0);
    EXPECT_DOUBLE_EQ(reading->snr_margin_us_db.value_or(0), 63.0);
}

TEST(DecodeLineTest, AttenuationAboveRangeIsDropped) {
    auto poll = minimal_poll();
    poll.values.atten_ds = 1271;
    poll.values.atten_us = 1270;
    auto reading = decode_line_values(poll, false);
    ASSERT_TRUE(reading.has_value());
    EXPECT_FALSE(reading->attenuation_ds_db.has_value());
    EXPECT_DOUBLE_EQ(reading->attenuation_us_db.value_or(0), 127.0);
}

TEST(DecodeLineTest, SyncAgeFromLastChange) {
    auto poll = minimal_poll();
    poll.values.sys_up_time = 50000;
    poll.values.last_change = 20000;
    auto reading = decode_line_values(poll, false);
    ASSERT_TRUE(reading.has_value());
    EXPECT_DOUBLE_EQ(reading->sync_age_s.value_or(-1), 300.0);
}

TEST(DecodeLineTest, LastChangeZeroGivesNoAge) {
    auto poll = minimal_poll();
    poll.values.sys_up_time = 50000;
    poll.values.last_change = 0;
    auto reading = decode_line_values(poll, false);
    ASSERT_TRUE(reading.has_value());
    EXPECT_FALSE(reading->sync_age_s.has_value());
}

TEST(DecodeLineTest, LastChangeAfterUpTimeGivesNoAge) {
    auto poll = minimal_poll();
    poll.values.sys_up_time = 50000;
    poll.values.last_change = 60000;
    auto reading = decode_line_values(poll, false);
    ASSERT_TRUE(reading.has_value());
    EXPECT_FALSE(reading->sync_age_s.has_value());
}

TEST(DecodeLineTest, CounterResetGivesNoDelta) {
    auto poll = minimal_poll();
    poll.values.crc_xtuc = 500;
    poll.values.crc_xtur = 100;
    crc_sample second;
    second.crc_xtuc = 20;
    second.crc_xtur = 130;
    poll.second_crc = second;
    auto reading = decode_line_values(poll, false);
    ASSERT_TRUE(reading.has_value());
    EXPECT_FALSE(reading->crc_delta_xtuc.has_value());
    EXPECT_EQ(reading->crc_delta_xtur, 30U);
}

TEST(DecodeLineTest, XturUnitCarriesDownstream) {
    auto poll = minimal_poll();
    poll.values.rate_xtuc = 1000;
    poll.values.rate_xtur = 2000;
    auto reading = decode_line_values(poll, true);
    ASSERT_TRUE(reading.has_value());
    EXPECT_EQ(reading->actual_ds_bps, 2000U);
    EXPECT_EQ(reading->actual_us_bps, 1000U);
}

}  // namespace
}  // namespace linetest::dsl
