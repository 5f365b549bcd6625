#pragma once

#include <linetest/snmp/session.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace linetest::dsl {

// The session code is shared with the other SNMP plugins through linetest::sdk_snmp.
using snmp::check_snmp_credentials;
using snmp::poll_status;

/// Values as the DSLAM returned them. Nullopt when the agent returned
/// noSuchObject, noSuchInstance or endOfMibView. Per-end values are indexed by
/// xtuc(1), the DSLAM end, and xtur(2), the modem end.
struct raw_line_values {
    std::optional<std::int64_t> sys_up_time;  ///< TimeTicks, 0.01 s.
    std::optional<std::int64_t> admin_status;
    std::optional<std::int64_t> oper_status;
    std::optional<std::int64_t> last_change;  ///< TimeTicks at the last state change.
    std::optional<std::int64_t> init_result;
    std::optional<std::string> status_xtuc;        ///< BITS, raw octets.
    std::optional<std::string> status_xtur;        ///< BITS, raw octets.
    std::optional<std::int64_t> attainable_ds;     ///< bit/s.
    std::optional<std::int64_t> attainable_us;     ///< bit/s.
    std::optional<std::int64_t> rate_xtuc;         ///< Channel actual rate of the xtuc row, bit/s.
    std::optional<std::int64_t> rate_xtur;         ///< Channel actual rate of the xtur row, bit/s.
    std::optional<std::int64_t> margin_ds;         ///< 0.1 dB.
    std::optional<std::int64_t> margin_us;         ///< 0.1 dB.
    std::optional<std::int64_t> atten_ds;          ///< 0.1 dB.
    std::optional<std::int64_t> atten_us;          ///< 0.1 dB.
    std::optional<std::int64_t> es_xtuc, es_xtur;  ///< Seconds, current 15 min.
    std::optional<std::int64_t> ses_xtuc, ses_xtur;  ///< Seconds, current 15 min.
    std::optional<std::int64_t> uas_xtuc, uas_xtur;  ///< Seconds, current 15 min.
    std::optional<std::int64_t> full_inits_15min, failed_inits_15min;
    std::optional<std::int64_t> full_inits_1day, failed_inits_1day;
    std::optional<std::int64_t> crc_xtuc, crc_xtur;  ///< Coding violations, first read.
};

/// Second read of the coding-violation counters, for the delta.
struct crc_sample {
    std::chrono::system_clock::time_point captured_at;
    std::chrono::milliseconds interval{0};  ///< Time since the first read.
    std::optional<std::int64_t> crc_xtuc;
    std::optional<std::int64_t> crc_xtur;
};

/// Result of reading one line: its status, what went wrong (for the log) and the values.
struct line_poll {
    poll_status status = poll_status::invalid;
    std::string error;
    std::chrono::system_clock::time_point captured_at;
    raw_line_values values;
    std::optional<crc_sample> second_crc;  ///< Absent when the second read was skipped or failed.
};

// IF-MIB and xDSL enumerations used by the classification.
inline constexpr std::int32_t if_status_up = 1;
inline constexpr std::int32_t if_status_down = 2;
inline constexpr std::int32_t init_no_fail = 0;
inline constexpr std::int32_t init_config_error = 1;
inline constexpr std::int32_t init_config_not_feasible = 2;
inline constexpr std::int32_t init_no_peer = 4;

/// Failure bits of `xdsl2LineStatusXtuc`/`Xtur` (`adsl2LineStatusAtuc`/`Atur`).
struct line_status_bits {
    bool no_defect = false;
    bool loss_of_framing = false;
    bool loss_of_signal = false;
    bool loss_of_power = false;
    bool init_failure = false;

    bool any_failure() const noexcept {
        return loss_of_framing || loss_of_signal || loss_of_power || init_failure;
    }
};

/// Decodes BITS from the raw octets. Bit n is counted from the most significant
/// bit of the first octet (RFC 2578 section 7.1.4), so noDefect(0) is 0x80 and
/// lossOfPower(3) is 0x10.
line_status_bits decode_line_status(const std::string& octets) noexcept;

/// Names of the set bits joined by commas, for example `lossOfSignal,lossOfPower`;
/// `none` when no bit is set.
std::string line_status_text(const line_status_bits& bits);

/// Readings after units and sentinels are decoded.
struct line_reading {
    std::chrono::system_clock::time_point captured_at;
    std::optional<double> dslam_up_time_s;
    std::int32_t oper_status = 0;
    std::optional<std::int32_t> admin_status;
    /// Seconds since the last ifOperStatus change; nullopt when ifLastChange is 0
    /// (the change predates the agent's start) or later than sysUpTime.
    std::optional<double> sync_age_s;
    std::optional<std::int32_t> init_result;
    std::optional<line_status_bits> status_xtuc;
    std::optional<line_status_bits> status_xtur;
    std::optional<std::uint32_t> attainable_ds_bps, attainable_us_bps;
    std::optional<std::uint32_t> actual_ds_bps, actual_us_bps;
    /// Nullopt for the sentinels 2147483646/2147483647 and values outside -64.0..63.0 dB.
    std::optional<double> snr_margin_ds_db, snr_margin_us_db;
    /// Nullopt for the sentinels and values outside 0..127.0 dB.
    std::optional<double> attenuation_ds_db, attenuation_us_db;
    std::optional<std::uint32_t> es_xtuc, es_xtur, ses_xtuc, ses_xtur, uas_xtuc, uas_xtur;
    std::optional<std::uint32_t> full_inits_15min, failed_inits_15min;
    std::optional<std::uint32_t> full_inits_1day, failed_inits_1day;
    /// Coding violations between the two reads; nullopt when a read is missing or
    /// the counter went down (the 15-minute interval rolled over).
    std::optional<std::uint32_t> crc_delta_xtuc, crc_delta_xtur;
    std::optional<double> crc_interval_s;
    std::chrono::system_clock::time_point crc_captured_at;

    bool in_sync() const noexcept { return oper_status == if_status_up; }
};

/// Decodes the values of a successful poll. `ds_unit_is_xtur` picks the channel
/// row that carries the downstream rate. Nullopt when the line does not exist
/// at that ifIndex: no ifOperStatus, or none of the xDSL line status objects.
std::optional<line_reading> decode_line_values(const line_poll& poll, bool ds_unit_is_xtur);

std::string if_status_name(std::int32_t code);
std::string init_result_name(std::int32_t code);

}  // namespace linetest::dsl
