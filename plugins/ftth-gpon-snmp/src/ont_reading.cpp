#include "ont_reading.hpp"

namespace linetest::gpon {
namespace {

constexpr std::int32_t no_reading = 2147483647;
constexpr std::int32_t unknown_distance = -1;
constexpr double olt_rx_offset = 10000.0;
constexpr double hundredths = 100.0;

std::optional<double> decode_hundredths(std::optional<std::int32_t> raw, double offset) {
    if (!raw || *raw == no_reading) {
        return std::nullopt;
    }
    return (static_cast<double>(*raw) - offset) / hundredths;
}

}  // namespace

std::optional<ont_reading> decode_ont_values(const raw_ont_values& values,
                                             std::chrono::system_clock::time_point captured_at) {
    if (!values.run_status) {
        return std::nullopt;
    }
    ont_reading reading;
    reading.captured_at = captured_at;
    if (values.sys_up_time) {
        reading.olt_up_time_s = static_cast<double>(*values.sys_up_time) / hundredths;
    }
    reading.run_status = *values.run_status;
    reading.config_status = values.config_status;
    reading.match_status = values.match_status;
    if (values.ranging && *values.ranging != unknown_distance && *values.ranging != no_reading) {
        reading.ranging_m = values.ranging;
    }
    reading.last_down_cause = values.last_down_cause;
    reading.ont_tx_dbm = decode_hundredths(values.ont_tx, 0.0);
    reading.ont_rx_dbm = decode_hundredths(values.ont_rx, 0.0);
    reading.olt_rx_dbm = decode_hundredths(values.olt_rx, olt_rx_offset);
    return reading;
}

std::string down_cause_name(std::int32_t code) {
    switch (code) {
        case -1:
            return "query-failed";
        case 1:
            return "los";
        case 2:
            return "losi-lobi";
        case 3:
            return "lofi";
        case 4:
            return "sfi";
        case 5:
            return "loai";
        case 6:
            return "loami";
        case 7:
            return "deactivation-failed";
        case 8:
            return "deactivated";
        case 9:
            return "reset";
        case 10:
            return "re-registered";
        case 11:
            return "pop-up-failed";
        case 13:
            return "dying-gasp";
        case 15:
            return "loki";
        case 18:
            return "deactivated-by-ring-protection";
        case 30:
            return "ont-optic-shut-down";
        case 31:
            return "reset-by-command";
        case 32:
            return "reset-by-button";
        case 33:
            return "reset-by-ont-software";
        case 34:
            return "broadcast-attack";
        case 35:
            return "operator-check-failed";
        case 37:
            return "rogue-ont";
        default:
            return "code-" + std::to_string(code);
    }
}

std::string run_status_name(std::int32_t code) {
    switch (code) {
        case 1:
            return "up";
        case 2:
            return "down";
        case -1:
            return "invalid";
        default:
            return "code-" + std::to_string(code);
    }
}

std::string config_status_name(std::int32_t code) {
    switch (code) {
        case 1:
            return "initialization";
        case 2:
            return "normal";
        case 3:
            return "failed";
        case 4:
            return "noresume";
        case 5:
            return "config";
        default:
            return "code-" + std::to_string(code);
    }
}

std::string match_status_name(std::int32_t code) {
    switch (code) {
        case 1:
            return "initialization";
        case 2:
            return "match";
        case 3:
            return "mismatch";
        default:
            return "code-" + std::to_string(code);
    }
}

}  // namespace linetest::gpon
