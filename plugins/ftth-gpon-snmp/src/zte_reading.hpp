#pragma once

#include "ont_reading.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace linetest::gpon {

/// Values as a ZTE C300/C320 returned them, one per object of the GET. Nullopt
/// when the agent returned noSuchObject, noSuchInstance or endOfMibView.
struct raw_zte_values {
    std::optional<std::uint32_t> sys_up_time;      ///< TimeTicks, 0.01 s.
    std::optional<std::int32_t> admin_state;       ///< enable(1), disable(2).
    std::optional<std::int32_t> activation_state;  ///< G.984 state, n for On.
    std::optional<std::int32_t> phase_state;
    std::optional<std::int32_t> last_down_cause;  ///< Vendor code, reported as is.
    std::optional<std::int32_t> distance;         ///< Round-trip distance; units not stated.
    std::optional<std::int32_t> rx_level;         ///< ANI-G coding, see `decode_zte_rx_level`.
    std::optional<std::int32_t> alarm_losi;       ///< TruthValue: true(1), false(2).
    std::optional<std::int32_t> alarm_lofi;
    std::optional<std::int32_t> alarm_sfi;
    std::optional<std::int32_t> alarm_loami;
};

struct zte_poll {
    poll_status status = poll_status::invalid;
    std::string error;
    std::chrono::system_clock::time_point captured_at;
    raw_zte_values values;
};

// zxGponOntPhaseState values.
inline constexpr std::int32_t zte_phase_logging = 0;
inline constexpr std::int32_t zte_phase_los = 1;
inline constexpr std::int32_t zte_phase_sync_mib = 2;
inline constexpr std::int32_t zte_phase_working = 3;
inline constexpr std::int32_t zte_phase_dying_gasp = 4;
inline constexpr std::int32_t zte_phase_auth_failed = 5;
inline constexpr std::int32_t zte_phase_offline = 6;

inline constexpr std::int32_t zte_admin_disable = 2;
inline constexpr std::int32_t zte_activation_o7 = 7;
inline constexpr std::int32_t truth_value_true = 1;

/// ONU Rx in dBm from the OMCI ANI-G coding: raw * 0.002 - 30 for 0 < raw < 65535;
/// nullopt for anything else (no reading).
std::optional<double> decode_zte_rx_level(std::optional<std::int32_t> raw);

/// Name of a phase state, for example `dyinggasp` for 4; `code-<n>` otherwise.
std::string zte_phase_state_name(std::int32_t code);

/// `O1` to `O7` for 1 to 7; `code-<n>` otherwise.
std::string zte_activation_state_name(std::int32_t code);

}  // namespace linetest::gpon
