#include "zte_reading.hpp"

namespace linetest::gpon {
namespace {

// OMCI ANI-G optical level: 0.002 dB steps from -30 dBm; 0 and 65535 (and
// anything outside) mean the ONU gave no reading.
constexpr std::int32_t rx_no_reading_low = 0;
constexpr std::int32_t rx_no_reading_high = 65535;
constexpr double rx_step_db = 0.002;
constexpr double rx_offset_dbm = -30.0;

}  // namespace

std::optional<double> decode_zte_rx_level(std::optional<std::int32_t> raw) {
    if (!raw || *raw <= rx_no_reading_low || *raw >= rx_no_reading_high) {
        return std::nullopt;
    }
    return static_cast<double>(*raw) * rx_step_db + rx_offset_dbm;
}

std::string zte_phase_state_name(std::int32_t code) {
    switch (code) {
        case zte_phase_logging:
            return "logging";
        case zte_phase_los:
            return "los";
        case zte_phase_sync_mib:
            return "syncmib";
        case zte_phase_working:
            return "working";
        case zte_phase_dying_gasp:
            return "dyinggasp";
        case zte_phase_auth_failed:
            return "authfailed";
        case zte_phase_offline:
            return "offline";
        default:
            return "code-" + std::to_string(code);
    }
}

std::string zte_activation_state_name(std::int32_t code) {
    if (code >= 1 && code <= zte_activation_o7) {
        return "O" + std::to_string(code);
    }
    return "code-" + std::to_string(code);
}

}  // namespace linetest::gpon
