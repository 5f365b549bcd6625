#pragma once

#include <linetest/snmp/session.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace linetest::gpon {

// The session code is shared with the other SNMP plugins through linetest::sdk_snmp.
using snmp::check_snmp_credentials;
using snmp::oid_path;
using snmp::poll_status;
using snmp::snmp_limits;
using snmp::snmp_result;
using snmp::snmp_session;
using snmp::snmp_value;

/// Values as the OLT returned them, one per object of the GET. Nullopt when
/// the agent returned noSuchObject, noSuchInstance or endOfMibView.
struct raw_ont_values {
    std::optional<std::uint32_t> sys_up_time;  ///< TimeTicks, 0.01 s.
    std::optional<std::int32_t> run_status;
    std::optional<std::int32_t> config_status;
    std::optional<std::int32_t> match_status;
    std::optional<std::int32_t> ranging;  ///< Metres, -1 unknown.
    std::optional<std::int32_t> last_down_cause;
    std::optional<std::int32_t> ont_tx;  ///< 0.01 dBm.
    std::optional<std::int32_t> ont_rx;  ///< 0.01 dBm.
    std::optional<std::int32_t> olt_rx;  ///< dBm = (value - 10000) / 100.
};

/// Result of one poll: its status, what went wrong (for the log), and the raw values.
struct ont_poll {
    poll_status status = poll_status::invalid;
    std::string error;
    std::chrono::system_clock::time_point captured_at;
    raw_ont_values values;
};

// Huawei enumerations (HUAWEI-XPON-MIB).
inline constexpr std::int32_t run_status_up = 1;
inline constexpr std::int32_t config_status_failed = 3;
inline constexpr std::int32_t match_status_mismatch = 3;

/// Readings after units and sentinels are decoded. Optical levels are nullopt
/// when the OLT reports 2147483647 (ONT offline or without DDM).
struct ont_reading {
    std::chrono::system_clock::time_point captured_at;
    std::optional<double> olt_up_time_s;
    std::int32_t run_status = 0;
    std::optional<std::int32_t> config_status;
    std::optional<std::int32_t> match_status;
    std::optional<std::int32_t> ranging_m;  ///< Nullopt when the OLT reports -1.
    std::optional<std::int32_t> last_down_cause;
    std::optional<double> ont_tx_dbm;
    std::optional<double> ont_rx_dbm;
    std::optional<double> olt_rx_dbm;

    bool online() const noexcept { return run_status == run_status_up; }
};

/// Decodes the raw values of a successful poll. Nullopt when the ONT row does
/// not exist (no run status), which means the inventory points at the wrong ONT.
std::optional<ont_reading> decode_ont_values(const raw_ont_values& values,
                                             std::chrono::system_clock::time_point captured_at);

/// Name of a Huawei last-down-cause code, for example `dying-gasp` for 13;
/// `code-<n>` for codes without a name.
std::string down_cause_name(std::int32_t code);

std::string run_status_name(std::int32_t code);
std::string config_status_name(std::int32_t code);
std::string match_status_name(std::int32_t code);

}  // namespace linetest::gpon
