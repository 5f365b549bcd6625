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

// ONT condition from a vendor's readings, in the order the rules test it.
enum class ont_condition { online, powered_off, no_light, provisioning, registering, offline };

struct optical_level {
    const char* name;
    bool read = false;  ///< False when the vendor's object set has no such level.
    std::optional<double> dbm;
};

// Vendor-neutral view of one decoded poll.
struct line_facts {
    ont_condition condition = ont_condition::offline;
    std::chrono::system_clock::time_point captured_at;
    std::vector<sdk::measurement> state;  ///< Vendor state items, before the levels.
    std::optional<std::int32_t> distance_m;
    std::array<optical_level, 3> levels = {{{"ont_rx_power", false, std::nullopt},
                                            {"olt_rx_power", false, std::nullopt},
                                            {"ont_tx_power", false, std::nullopt}}};
    std::optional<double> olt_up_time_s;
};

sdk::measurement state_item(std::string name, std::string value, bool violation = false) {
    sdk::measurement item;
    item.name = std::move(name);
    item.value = std::move(value);
    item.rule_violation = violation;
    return item;
}

std::optional<sdk::report> failure_report(poll_status status) {
    switch (status) {
        case poll_status::ok:
            return std::nullopt;
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
            break;
    }
    return make_report(sdk::test_result::failed, "INTERNAL_ERROR", "The test could not be run.");
}

sdk::report inventory_mismatch() {
    return make_report(sdk::test_result::failed, "INVENTORY_MISMATCH",
                       "The fibre terminal was not found on the access equipment where our "
                       "records place it.");
}

sdk::report classify_facts(line_facts facts,
                           const optics_thresholds& thresholds,
                           const incident_assessment* incident) {
    auto& ont_rx = facts.levels[0];
    auto& olt_rx = facts.levels[1];
    auto& ont_tx = facts.levels[2];
    auto ont_rx_band = judge_power(ont_rx.dbm, thresholds.ont_rx);
    auto olt_rx_band = judge_power(olt_rx.dbm, thresholds.olt_rx);
    auto ont_tx_band = judge_power(ont_tx.dbm, thresholds.ont_tx);
    std::array<power_band, 3> bands = {ont_rx_band, olt_rx_band, ont_tx_band};
    bool online = facts.condition == ont_condition::online;

    sdk::report out;
    if (!online && incident != nullptr && incident->incident) {
        out = make_report(sdk::test_result::red, "KNOWN_INCIDENT",
                          "Several lines on the same fibre are down; an incident is being "
                          "investigated.");
    } else if (facts.condition == ont_condition::powered_off) {
        out = make_report(sdk::test_result::red, "CPE_POWERED_OFF",
                          "The fibre terminal at the premises is offline and reported a loss "
                          "of power.");
    } else if (facts.condition == ont_condition::no_light) {
        out = make_report(sdk::test_result::red, "NO_SYNC_LOS",
                          "The fibre terminal at the premises is offline with no optical signal.");
    } else if (facts.condition == ont_condition::provisioning) {
        out = make_report(sdk::test_result::red, "PROVISIONING_FAULT",
                          "The fibre terminal is not correctly set up on the access equipment.");
    } else if (facts.condition == ont_condition::registering) {
        out = make_report(sdk::test_result::red, "ONT_OFFLINE",
                          "The fibre terminal at the premises is registering with the access "
                          "equipment and not yet in service; test again in a few minutes.");
    } else if (facts.condition == ont_condition::offline) {
        out = make_report(sdk::test_result::red, "ONT_OFFLINE",
                          "The fibre terminal at the premises is offline.");
    } else if (ont_rx_band == power_band::red_low || olt_rx_band == power_band::red_low) {
        out = make_report(sdk::test_result::red, "OPTICAL_RX_LOW",
                          "The optical signal on this line is below the acceptable level.");
    } else if (ont_rx_band == power_band::red_high || olt_rx_band == power_band::red_high) {
        out = make_report(sdk::test_result::red, "OPTICAL_RX_HIGH",
                          "The optical signal on this line is above the acceptable level.");
    } else if (ont_tx_band == power_band::red_low || ont_tx_band == power_band::red_high) {
        out = make_report(sdk::test_result::red, "OPTICAL_TX_FAULT",
                          "The fibre terminal's transmit level is outside the acceptable range.");
    } else if (ont_rx_band == power_band::amber || olt_rx_band == power_band::amber ||
               ont_tx_band == power_band::amber) {
        out = make_report(sdk::test_result::amber, "OPTICAL_MARGINAL",
                          "The line is working but an optical level is close to its limit.");
    } else {
        out = make_report(sdk::test_result::green, "SERVICE_OK",
                          "The fibre terminal is online and its optical levels are within range.");
    }

    out.measurements = std::move(facts.state);
    auto add = [&](std::string name, std::string value, std::string unit) {
        out.measurements.push_back(state_item(std::move(name), std::move(value)));
        out.measurements.back().unit = std::move(unit);
        return &out.measurements.back();
    };
    if (facts.distance_m) {
        add("ranging_distance", std::to_string(*facts.distance_m), "m");
    }
    for (std::size_t i = 0; i < facts.levels.size(); ++i) {
        if (!facts.levels[i].dbm) {
            continue;
        }
        auto* item = add(facts.levels[i].name, format_fixed(*facts.levels[i].dbm, 2), "dBm");
        item->rule_violation = bands[i] == power_band::amber || bands[i] == power_band::red_low ||
                               bands[i] == power_band::red_high;
    }
    if (facts.olt_up_time_s) {
        add("olt_up_time", format_fixed(*facts.olt_up_time_s, 2), "s");
    }
    if (incident != nullptr) {
        add("pon_onts_total", std::to_string(incident->onts_total), "");
        add("pon_onts_down", std::to_string(incident->onts_down), "");
        add("pon_onts_down_together", std::to_string(incident->down_together), "")->rule_violation =
            incident->incident;
    }
    for (auto& item : out.measurements) {
        item.captured_at = facts.captured_at;
        if (item.rule_violation) {
            item.rule_severity = violation_severity;
        }
    }

    if (online) {
        std::string missing;
        for (const auto& level : facts.levels) {
            if (level.read && !level.dbm) {
                missing += missing.empty() ? level.name : std::string(", ") + level.name;
            }
        }
        if (!missing.empty()) {
            out.supplier_text = "No reading for " + missing + " (ONT offline or without DDM).";
        }
    }
    return out;
}

line_facts huawei_facts(const ont_reading& reading) {
    line_facts facts;
    bool online = reading.online();
    bool provisioning_fault =
        (reading.config_status && *reading.config_status == config_status_failed) ||
        (reading.match_status && *reading.match_status == match_status_mismatch) ||
        (!online && contains(administrative_causes, reading.last_down_cause));
    if (!online && reading.last_down_cause == cause_dying_gasp) {
        facts.condition = ont_condition::powered_off;
    } else if (!online && contains(no_light_causes, reading.last_down_cause)) {
        facts.condition = ont_condition::no_light;
    } else if (provisioning_fault) {
        facts.condition = ont_condition::provisioning;
    } else if (!online) {
        facts.condition = ont_condition::offline;
    } else {
        facts.condition = ont_condition::online;
    }

    facts.captured_at = reading.captured_at;
    facts.state.push_back(state_item("ont_run_status", run_status_name(reading.run_status)));
    if (reading.config_status) {
        facts.state.push_back(state_item("ont_config_status",
                                         config_status_name(*reading.config_status),
                                         *reading.config_status == config_status_failed));
    }
    if (reading.match_status) {
        facts.state.push_back(state_item("ont_match_status",
                                         match_status_name(*reading.match_status),
                                         *reading.match_status == match_status_mismatch));
    }
    if (reading.last_down_cause) {
        facts.state.push_back(
            state_item("last_down_cause", down_cause_name(*reading.last_down_cause)));
    }
    facts.distance_m = reading.ranging_m;
    facts.levels[0] = {"ont_rx_power", true, reading.ont_rx_dbm};
    facts.levels[1] = {"olt_rx_power", true, reading.olt_rx_dbm};
    facts.levels[2] = {"ont_tx_power", true, reading.ont_tx_dbm};
    facts.olt_up_time_s = reading.olt_up_time_s;
    return facts;
}

bool is_true(std::optional<std::int32_t> truth_value) { return truth_value == truth_value_true; }

line_facts zte_facts(const raw_zte_values& values,
                     std::chrono::system_clock::time_point captured_at) {
    line_facts facts;
    auto phase = *values.phase_state;
    bool no_light_alarm = is_true(values.alarm_losi) || is_true(values.alarm_lofi) ||
                          is_true(values.alarm_sfi) || is_true(values.alarm_loami);
    bool administrative =
        values.admin_state == zte_admin_disable || values.activation_state == zte_activation_o7;
    if (phase == zte_phase_dying_gasp) {
        facts.condition = ont_condition::powered_off;
    } else if (phase == zte_phase_los || (phase == zte_phase_offline && no_light_alarm)) {
        facts.condition = ont_condition::no_light;
    } else if (phase == zte_phase_auth_failed || administrative) {
        facts.condition = ont_condition::provisioning;
    } else if (phase == zte_phase_logging || phase == zte_phase_sync_mib) {
        facts.condition = ont_condition::registering;
    } else if (phase != zte_phase_working) {
        facts.condition = ont_condition::offline;
    } else {
        facts.condition = ont_condition::online;
    }

    facts.captured_at = captured_at;
    facts.state.push_back(state_item("onu_phase_state", zte_phase_state_name(phase)));
    if (values.admin_state) {
        facts.state.push_back(state_item("onu_admin_state",
                                         *values.admin_state == zte_admin_disable ? "disable"
                                         : *values.admin_state == 1
                                             ? "enable"
                                             : "code-" + std::to_string(*values.admin_state),
                                         *values.admin_state == zte_admin_disable));
    }
    if (values.activation_state) {
        facts.state.push_back(state_item("onu_activation_state",
                                         zte_activation_state_name(*values.activation_state),
                                         *values.activation_state == zte_activation_o7));
    }
    if (values.last_down_cause) {
        facts.state.push_back(
            state_item("last_down_cause", "code-" + std::to_string(*values.last_down_cause)));
    }
    std::string alarms;
    for (auto [name, value] : {std::pair{"losi", values.alarm_losi},
                               {"lofi", values.alarm_lofi},
                               {"sfi", values.alarm_sfi},
                               {"loami", values.alarm_loami}}) {
        if (is_true(value)) {
            alarms += alarms.empty() ? name : std::string(",") + name;
        }
    }
    facts.state.push_back(
        state_item("active_alarms", alarms.empty() ? "none" : alarms, !alarms.empty()));
    if (values.distance && *values.distance >= 0) {
        facts.distance_m = values.distance;
    }
    facts.levels[0] = {"ont_rx_power", true, decode_zte_rx_level(values.rx_level)};
    facts.levels[1] = {"olt_rx_power", false, std::nullopt};
    facts.levels[2] = {"ont_tx_power", false, std::nullopt};
    if (values.sys_up_time) {
        facts.olt_up_time_s = static_cast<double>(*values.sys_up_time) / 100.0;
    }
    return facts;
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

sdk::report classify_poll(const ont_poll& poll,
                          const optics_thresholds& thresholds,
                          const incident_assessment* incident) {
    if (auto failure = failure_report(poll.status)) {
        return *failure;
    }
    auto reading = decode_ont_values(poll.values, poll.captured_at);
    if (!reading) {
        return inventory_mismatch();
    }
    return classify_facts(huawei_facts(*reading), thresholds, incident);
}

sdk::report classify_zte_poll(const zte_poll& poll,
                              const optics_thresholds& thresholds,
                              const incident_assessment* incident) {
    if (auto failure = failure_report(poll.status)) {
        return *failure;
    }
    if (!poll.values.phase_state) {
        return inventory_mismatch();
    }
    return classify_facts(zte_facts(poll.values, poll.captured_at), thresholds, incident);
}

bool ont_is_down(const ont_poll& poll) {
    return poll.status == poll_status::ok && poll.values.run_status &&
           *poll.values.run_status != run_status_up;
}

bool ont_is_down(const zte_poll& poll) {
    return poll.status == poll_status::ok && poll.values.phase_state &&
           *poll.values.phase_state != zte_phase_working;
}

}  // namespace linetest::gpon
