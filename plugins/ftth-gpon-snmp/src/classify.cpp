#include "classify.hpp"

#include <array>
#include <cstdio>
#include <string>
#include <vector>

namespace linetest::gpon {
namespace {

// The gateway's ruleSeverity has only ever been seen as WARNING, so RED and
// AMBER readings both carry it; the report's result distinguishes them.
constexpr const char* violation_severity = "WARNING";

constexpr std::array<std::int32_t, 6> no_light_causes = {1, 2, 3, 4, 6, 15};
constexpr std::int32_t cause_dying_gasp = 13;
constexpr std::array<std::int32_t, 3> administrative_causes = {8, 18, 37};

template <std::size_t N>
bool contains(const std::array<std::int32_t, N>& codes, std::optional<std::int32_t> code) {
    if (!code) {
        return false;
    }
    for (auto candidate : codes) {
        if (candidate == *code) {
            return true;
        }
    }
    return false;
}

std::string format_fixed(double value, int decimals) {
    std::array<char, 32> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "%.*f", decimals, value);
    return buffer.data();
}

sdk::report make_report(sdk::test_result result, std::string code, std::string description) {
    sdk::report out;
    out.result = result;
    out.code = std::move(code);
    out.description = std::move(description);
    return out;
}

struct power_check {
    const char* name;
    std::optional<double> dbm;
    power_band band;
};

void add_measurements(const ont_reading& reading,
                      const std::array<power_check, 3>& levels,
                      sdk::report& out) {
    auto add = [&](std::string name, std::string value, std::string unit) {
        sdk::measurement item;
        item.name = std::move(name);
        item.value = std::move(value);
        item.unit = std::move(unit);
        item.captured_at = reading.captured_at;
        out.measurements.push_back(std::move(item));
        return &out.measurements.back();
    };

    add("ont_run_status", run_status_name(reading.run_status), "");
    if (reading.config_status) {
        add("ont_config_status", config_status_name(*reading.config_status), "")->rule_violation =
            *reading.config_status == config_status_failed;
    }
    if (reading.match_status) {
        add("ont_match_status", match_status_name(*reading.match_status), "")->rule_violation =
            *reading.match_status == match_status_mismatch;
    }
    if (reading.last_down_cause) {
        add("last_down_cause", down_cause_name(*reading.last_down_cause), "");
    }
    if (reading.ranging_m) {
        add("ranging_distance", std::to_string(*reading.ranging_m), "m");
    }
    for (const auto& level : levels) {
        if (!level.dbm) {
            continue;
        }
        auto* item = add(level.name, format_fixed(*level.dbm, 2), "dBm");
        item->rule_violation = level.band == power_band::amber ||
                               level.band == power_band::red_low ||
                               level.band == power_band::red_high;
    }
    if (reading.olt_up_time_s) {
        add("olt_up_time", format_fixed(*reading.olt_up_time_s, 2), "s");
    }
    for (auto& item : out.measurements) {
        if (item.rule_violation) {
            item.rule_severity = violation_severity;
        }
    }
}

sdk::report classify_reading(const ont_reading& reading, const optics_thresholds& thresholds) {
    std::array<power_check, 3> levels = {{
        {"ont_rx_power", reading.ont_rx_dbm, judge_power(reading.ont_rx_dbm, thresholds.ont_rx)},
        {"olt_rx_power", reading.olt_rx_dbm, judge_power(reading.olt_rx_dbm, thresholds.olt_rx)},
        {"ont_tx_power", reading.ont_tx_dbm, judge_power(reading.ont_tx_dbm, thresholds.ont_tx)},
    }};
    const auto& ont_rx = levels[0];
    const auto& olt_rx = levels[1];
    const auto& ont_tx = levels[2];

    bool provisioning_fault =
        (reading.config_status && *reading.config_status == config_status_failed) ||
        (reading.match_status && *reading.match_status == match_status_mismatch) ||
        (!reading.online() && contains(administrative_causes, reading.last_down_cause));

    sdk::report out;
    if (!reading.online() && reading.last_down_cause == cause_dying_gasp) {
        out = make_report(sdk::test_result::red, "CPE_POWERED_OFF",
                          "The fibre terminal at the premises is offline and reported a loss "
                          "of power.");
    } else if (!reading.online() && contains(no_light_causes, reading.last_down_cause)) {
        out = make_report(sdk::test_result::red, "NO_SYNC_LOS",
                          "The fibre terminal at the premises is offline with no optical signal.");
    } else if (provisioning_fault) {
        out = make_report(sdk::test_result::red, "PROVISIONING_FAULT",
                          "The fibre terminal is not correctly set up on the access equipment.");
    } else if (!reading.online()) {
        out = make_report(sdk::test_result::red, "ONT_OFFLINE",
                          "The fibre terminal at the premises is offline.");
    } else if (ont_rx.band == power_band::red_low || olt_rx.band == power_band::red_low) {
        out = make_report(sdk::test_result::red, "OPTICAL_RX_LOW",
                          "The optical signal on this line is below the acceptable level.");
    } else if (ont_rx.band == power_band::red_high || olt_rx.band == power_band::red_high) {
        out = make_report(sdk::test_result::red, "OPTICAL_RX_HIGH",
                          "The optical signal on this line is above the acceptable level.");
    } else if (ont_tx.band == power_band::red_low || ont_tx.band == power_band::red_high) {
        out = make_report(sdk::test_result::red, "OPTICAL_TX_FAULT",
                          "The fibre terminal's transmit level is outside the acceptable range.");
    } else if (ont_rx.band == power_band::amber || olt_rx.band == power_band::amber ||
               ont_tx.band == power_band::amber) {
        out = make_report(sdk::test_result::amber, "OPTICAL_MARGINAL",
                          "The line is working but an optical level is close to its limit.");
    } else {
        out = make_report(sdk::test_result::green, "SERVICE_OK",
                          "The fibre terminal is online and its optical levels are within range.");
    }

    add_measurements(reading, levels, out);

    if (reading.online()) {
        std::string missing;
        for (const auto& level : levels) {
            if (!level.dbm) {
                missing += missing.empty() ? level.name : std::string(", ") + level.name;
            }
        }
        if (!missing.empty()) {
            out.supplier_text = "No reading for " + missing + " (ONT offline or without DDM).";
        }
    }
    return out;
}

}  // namespace

power_band judge_power(std::optional<double> dbm, const std::optional<power_window>& window) {
    if (!dbm || !window) {
        return power_band::unknown;
    }
    if (*dbm < window->low_alarm) {
        return power_band::red_low;
    }
    if (*dbm > window->high_alarm) {
        return power_band::red_high;
    }
    if (*dbm < window->low_warning || *dbm > window->high_warning) {
        return power_band::amber;
    }
    return power_band::green;
}

sdk::report classify_poll(const ont_poll& poll, const optics_thresholds& thresholds) {
    switch (poll.status) {
        case poll_status::ok:
            break;
        case poll_status::unreachable:
        case poll_status::auth_failed:
            return make_report(sdk::test_result::unavailable, "EQUIPMENT_UNREACHABLE",
                               "The access equipment serving this line did not respond, so the "
                               "line could not be tested.");
        case poll_status::agent_error:
            return make_report(sdk::test_result::failed, "EQUIPMENT_ERROR",
                               "The access equipment returned an error, so the line could not be "
                               "tested.");
        case poll_status::cancelled:
            return make_report(sdk::test_result::failed, "CANCELLED",
                               "The test was stopped before it finished.");
        case poll_status::invalid:
            return make_report(sdk::test_result::failed, "INTERNAL_ERROR",
                               "The test could not be run.");
    }

    auto reading = decode_ont_values(poll.values, poll.captured_at);
    if (!reading) {
        return make_report(sdk::test_result::failed, "INVENTORY_MISMATCH",
                           "The fibre terminal was not found on the access equipment where our "
                           "records place it.");
    }
    return classify_reading(*reading, thresholds);
}

}  // namespace linetest::gpon
