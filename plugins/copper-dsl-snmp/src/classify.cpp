#include "classify.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <utility>

namespace linetest::dsl {
namespace {

// The gateway's ruleSeverity has only ever been seen as WARNING, so RED and
// AMBER readings both carry it; the report's result distinguishes them.
constexpr const char* violation_severity = "WARNING";

band worst(std::initializer_list<band> bands) {
    band out = band::unknown;
    for (auto candidate : bands) {
        out = std::max(out, candidate);
    }
    return out;
}

bool broken(band value) { return value == band::amber || value == band::red; }

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

template <typename T>
band judge_counter(const std::optional<T>& value, const counter_limits& limits) {
    return value ? limits.judge(*value) : band::unknown;
}

band judge_rate(const std::optional<std::uint32_t>& rate,
                const std::optional<std::uint32_t>& minimum,
                const ratio_limits& limits) {
    if (!rate || !minimum) {
        return band::unknown;
    }
    return limits.judge(static_cast<double>(*rate), static_cast<double>(*minimum));
}

// Bands of every judged reading of one poll.
struct line_bands {
    band margin_ds = band::unknown;
    band margin_us = band::unknown;
    band es_xtuc = band::unknown, es_xtur = band::unknown;
    band ses_xtuc = band::unknown, ses_xtur = band::unknown;
    band uas_xtuc = band::unknown, uas_xtur = band::unknown;
    band full_inits_15min = band::unknown, failed_inits_15min = band::unknown;
    band full_inits_1day = band::unknown, failed_inits_1day = band::unknown;
    band actual_ds = band::unknown, actual_us = band::unknown;
    band attainable_ds = band::unknown, attainable_us = band::unknown;
    band sync_age = band::unknown;

    band margin() const { return worst({margin_ds, margin_us}); }
    band errors() const {
        return worst({es_xtuc, es_xtur, ses_xtuc, ses_xtur, uas_xtuc, uas_xtur});
    }
    band inits() const {
        return worst({full_inits_15min, failed_inits_15min, full_inits_1day, failed_inits_1day});
    }
    band rates() const { return worst({actual_ds, actual_us, attainable_ds, attainable_us}); }
};

line_bands judge_line(const line_reading& reading,
                      const dsl_line& line,
                      const line_thresholds& limits) {
    line_bands bands;
    // A line in sync always has a margin; a missing one is treated as RED.
    auto judge_margin = [&](const std::optional<double>& margin) {
        if (margin) {
            return limits.snr_margin_db.judge(*margin);
        }
        return reading.in_sync() ? band::red : band::unknown;
    };
    bands.margin_ds = judge_margin(reading.snr_margin_ds_db);
    bands.margin_us = judge_margin(reading.snr_margin_us_db);
    bands.es_xtuc = judge_counter(reading.es_xtuc, limits.es_15min);
    bands.es_xtur = judge_counter(reading.es_xtur, limits.es_15min);
    bands.ses_xtuc = judge_counter(reading.ses_xtuc, limits.ses_15min);
    bands.ses_xtur = judge_counter(reading.ses_xtur, limits.ses_15min);
    // UAS keep counting while the line is down, so they are judged only in sync.
    if (reading.in_sync()) {
        bands.uas_xtuc = judge_counter(reading.uas_xtuc, limits.uas_15min);
        bands.uas_xtur = judge_counter(reading.uas_xtur, limits.uas_15min);
    }
    bands.full_inits_15min = judge_counter(reading.full_inits_15min, limits.full_inits_15min);
    bands.failed_inits_15min = judge_counter(reading.failed_inits_15min, limits.failed_inits_15min);
    bands.full_inits_1day = judge_counter(reading.full_inits_1day, limits.full_inits_1day);
    bands.failed_inits_1day = judge_counter(reading.failed_inits_1day, limits.failed_inits_1day);
    bands.actual_ds =
        judge_rate(reading.actual_ds_bps, line.min_rate_ds_bps, limits.actual_rate_ratio);
    bands.actual_us =
        judge_rate(reading.actual_us_bps, line.min_rate_us_bps, limits.actual_rate_ratio);
    bands.attainable_ds =
        judge_rate(reading.attainable_ds_bps, line.min_rate_ds_bps, limits.attainable_rate_ratio);
    bands.attainable_us =
        judge_rate(reading.attainable_us_bps, line.min_rate_us_bps, limits.attainable_rate_ratio);
    if (reading.in_sync() && reading.sync_age_s) {
        auto recent = static_cast<double>(limits.recent_resync.count());
        bands.sync_age = *reading.sync_age_s < recent ? band::amber : band::green;
    }
    return bands;
}

class measurement_writer {
public:
    explicit measurement_writer(sdk::report& out)
        : out_(out) {}

    void add(std::string name,
             std::string value,
             std::string unit,
             std::chrono::system_clock::time_point captured_at,
             bool violation) {
        sdk::measurement item;
        item.name = std::move(name);
        item.value = std::move(value);
        item.unit = std::move(unit);
        item.captured_at = captured_at;
        item.rule_violation = violation;
        if (violation) {
            item.rule_severity = violation_severity;
        }
        out_.measurements.push_back(std::move(item));
    }

    template <typename T>
    void add_integer(std::string name,
                     const std::optional<T>& value,
                     std::string unit,
                     std::chrono::system_clock::time_point captured_at,
                     band judged = band::unknown) {
        if (value) {
            add(std::move(name), std::to_string(*value), std::move(unit), captured_at,
                broken(judged));
        }
    }

    void add_decimal(std::string name,
                     const std::optional<double>& value,
                     int decimals,
                     std::string unit,
                     std::chrono::system_clock::time_point captured_at,
                     band judged = band::unknown) {
        if (value) {
            add(std::move(name), format_fixed(*value, decimals), std::move(unit), captured_at,
                broken(judged));
        }
    }

private:
    sdk::report& out_;
};

void add_measurements(const line_reading& reading,
                      const dsl_line& line,
                      const line_bands& bands,
                      sdk::report& out) {
    measurement_writer write(out);
    auto at = reading.captured_at;

    write.add_decimal("dslam_up_time", reading.dslam_up_time_s, 2, "s", at);
    if (reading.admin_status) {
        write.add("if_admin_status", if_status_name(*reading.admin_status), "", at,
                  *reading.admin_status == if_status_down);
    }
    write.add("if_oper_status", if_status_name(reading.oper_status), "", at, !reading.in_sync());
    write.add_decimal("sync_age", reading.sync_age_s, 2, "s", at, bands.sync_age);
    if (reading.init_result) {
        write.add("init_result", init_result_name(*reading.init_result), "", at,
                  *reading.init_result != init_no_fail);
    }
    if (reading.status_xtuc) {
        write.add("line_status_xtuc", line_status_text(*reading.status_xtuc), "", at,
                  reading.status_xtuc->any_failure());
    }
    if (reading.status_xtur) {
        write.add("line_status_xtur", line_status_text(*reading.status_xtur), "", at,
                  reading.status_xtur->any_failure());
    }

    write.add_integer("actual_rate_ds", reading.actual_ds_bps, "bit/s", at, bands.actual_ds);
    write.add_integer("actual_rate_us", reading.actual_us_bps, "bit/s", at, bands.actual_us);
    write.add_integer("attainable_rate_ds", reading.attainable_ds_bps, "bit/s", at,
                      bands.attainable_ds);
    write.add_integer("attainable_rate_us", reading.attainable_us_bps, "bit/s", at,
                      bands.attainable_us);
    write.add_integer("product_min_rate_ds", line.min_rate_ds_bps, "bit/s", at);
    write.add_integer("product_min_rate_us", line.min_rate_us_bps, "bit/s", at);

    write.add_decimal("snr_margin_ds", reading.snr_margin_ds_db, 1, "dB", at, bands.margin_ds);
    write.add_decimal("snr_margin_us", reading.snr_margin_us_db, 1, "dB", at, bands.margin_us);
    write.add_decimal("attenuation_ds", reading.attenuation_ds_db, 1, "dB", at);
    write.add_decimal("attenuation_us", reading.attenuation_us_db, 1, "dB", at);

    write.add_integer("es_15min_xtuc", reading.es_xtuc, "s", at, bands.es_xtuc);
    write.add_integer("es_15min_xtur", reading.es_xtur, "s", at, bands.es_xtur);
    write.add_integer("ses_15min_xtuc", reading.ses_xtuc, "s", at, bands.ses_xtuc);
    write.add_integer("ses_15min_xtur", reading.ses_xtur, "s", at, bands.ses_xtur);
    write.add_integer("uas_15min_xtuc", reading.uas_xtuc, "s", at, bands.uas_xtuc);
    write.add_integer("uas_15min_xtur", reading.uas_xtur, "s", at, bands.uas_xtur);
    write.add_integer("full_inits_15min", reading.full_inits_15min, "", at, bands.full_inits_15min);
    write.add_integer("failed_inits_15min", reading.failed_inits_15min, "", at,
                      bands.failed_inits_15min);
    write.add_integer("full_inits_1day", reading.full_inits_1day, "", at, bands.full_inits_1day);
    write.add_integer("failed_inits_1day", reading.failed_inits_1day, "", at,
                      bands.failed_inits_1day);

    auto crc_at = reading.crc_captured_at;
    write.add_integer("crc_errors_xtuc", reading.crc_delta_xtuc, "", crc_at);
    write.add_integer("crc_errors_xtur", reading.crc_delta_xtur, "", crc_at);
    if (reading.crc_delta_xtuc || reading.crc_delta_xtur) {
        write.add_decimal("crc_interval", reading.crc_interval_s, 3, "s", crc_at);
    }
}

std::string missing_readings(const line_reading& reading, const line_poll& poll) {
    std::string text;
    auto note = [&text](const std::string& sentence) {
        text += text.empty() ? sentence : " " + sentence;
    };
    if (reading.in_sync() && !reading.snr_margin_ds_db) {
        note("No downstream SNR margin reading while in sync.");
    }
    if (reading.in_sync() && !reading.snr_margin_us_db) {
        note("No upstream SNR margin reading while in sync.");
    }
    if (!poll.second_crc) {
        note("CRC counters were read once, so no CRC delta is reported.");
    } else if (!reading.crc_delta_xtuc && !reading.crc_delta_xtur) {
        note("No CRC delta: a counter was missing or went down between the reads.");
    }
    return text;
}

sdk::report classify_reading(const line_reading& reading,
                             const line_poll& poll,
                             const dsl_line& line,
                             const line_thresholds& limits) {
    auto bands = judge_line(reading, line, limits);
    bool down = !reading.in_sync();
    bool power_lost_at_cpe = reading.status_xtur && reading.status_xtur->loss_of_power;
    auto signal_lost = [](const std::optional<line_status_bits>& bits) {
        return bits && (bits->loss_of_signal || bits->loss_of_framing);
    };
    bool config_fault = reading.init_result && (*reading.init_result == init_config_error ||
                                                *reading.init_result == init_config_not_feasible);
    bool admin_down = reading.admin_status && *reading.admin_status == if_status_down;

    sdk::report out;
    if (admin_down) {
        out = make_report(sdk::test_result::red, "PROVISIONING_FAULT",
                          "The line's port on the access equipment is switched off.");
    } else if (down && power_lost_at_cpe) {
        out = make_report(sdk::test_result::red, "CPE_POWERED_OFF",
                          "The modem at the premises is not in sync and reported a loss of "
                          "power.");
    } else if (down && (signal_lost(reading.status_xtuc) || signal_lost(reading.status_xtur))) {
        out = make_report(sdk::test_result::red, "NO_SYNC_LOS",
                          "The line is not in sync and no signal is received on it.");
    } else if (config_fault) {
        out = make_report(sdk::test_result::red, "PROVISIONING_FAULT",
                          "The line's profile on the access equipment cannot train on this line.");
    } else if (down && reading.init_result == init_no_peer) {
        out = make_report(sdk::test_result::red, "NO_CPE_DETECTED",
                          "The line is not in sync and no modem was detected at the premises.");
    } else if (down) {
        out = make_report(sdk::test_result::red, "LINE_DOWN", "The line is not in sync.");
    } else if (bands.errors() == band::red) {
        out = make_report(sdk::test_result::red, "HIGH_ERROR_RATE",
                          "The line is in sync but has a high rate of errored seconds.");
    } else if (bands.inits() == band::red) {
        out = make_report(sdk::test_result::red, "LINE_UNSTABLE",
                          "The line is in sync but has retrained too often.");
    } else if (bands.rates() == band::red) {
        out = make_report(sdk::test_result::red, "RATE_BELOW_PRODUCT",
                          "The line's rate is below the minimum of the product.");
    } else if (bands.margin() == band::red) {
        out = make_report(sdk::test_result::red, "MARGIN_LOW",
                          "The line is in sync but its noise margin is too low to be reliable.");
    } else if (bands.margin() == band::amber) {
        out = make_report(sdk::test_result::amber, "MARGIN_LOW",
                          "The line is working but its noise margin is close to the limit.");
    } else if (bands.errors() == band::amber) {
        out = make_report(sdk::test_result::amber, "ERRORS_ELEVATED",
                          "The line is working but has more errored seconds than normal.");
    } else if (bands.sync_age == band::amber || bands.inits() == band::amber) {
        out = make_report(sdk::test_result::amber, "RECENT_RESYNC",
                          "The line is working but has retrained recently.");
    } else if (bands.rates() == band::amber) {
        out = make_report(sdk::test_result::amber, "RATE_MARGINAL",
                          "The line is working but its rate is close to the minimum of the "
                          "product.");
    } else {
        out = make_report(sdk::test_result::green, "SERVICE_OK",
                          "The line is in sync and its readings are within range.");
    }

    add_measurements(reading, line, bands, out);
    out.supplier_text = missing_readings(reading, poll);
    return out;
}

}  // namespace

sdk::report classify_poll(const line_poll& poll,
                          const dsl_line& line,
                          const plugin_config& config) {
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

    auto reading = decode_line_values(poll, config.channel_ds_unit == channel_unit::xtur);
    if (!reading) {
        return make_report(sdk::test_result::failed, "INVENTORY_MISMATCH",
                           "The line was not found on the access equipment where our records "
                           "place it.");
    }
    return classify_reading(*reading, poll, line, config.thresholds);
}

}  // namespace linetest::dsl
