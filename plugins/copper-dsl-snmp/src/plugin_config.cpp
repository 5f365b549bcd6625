#include "plugin_config.hpp"

#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>

namespace linetest::dsl {
namespace {

[[noreturn]] void fail(const std::string& key,
                       const std::string& problem,
                       const nlohmann::json& value) {
    throw std::invalid_argument(key + ": " + problem + ", got " + value.dump());
}

void require_object(const nlohmann::json& value,
                    const std::string& key,
                    std::initializer_list<std::string_view> known) {
    if (!value.is_object()) {
        std::string names;
        for (auto name : known) {
            names += names.empty() ? std::string(name) : ", " + std::string(name);
        }
        fail(key, "must be an object with " + names, value);
    }
    for (const auto& [name, member] : value.items()) {
        bool found = false;
        for (auto candidate : known) {
            found = found || name == candidate;
        }
        if (!found) {
            throw std::invalid_argument((key.empty() ? "" : key + ".") + name +
                                        ": unknown key; check the spelling");
        }
    }
}

std::int64_t read_integer(const nlohmann::json& object,
                          const std::string& full_key,
                          const std::string& key,
                          std::int64_t fallback,
                          std::int64_t min,
                          std::int64_t max) {
    if (!object.contains(key)) {
        return fallback;
    }
    const auto& value = object.at(key);
    std::string range =
        "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
    if (!value.is_number_integer()) {
        fail(full_key, range, value);
    }
    auto number = value.get<std::int64_t>();
    if (number < min || number > max) {
        fail(full_key, range, value);
    }
    return number;
}

double read_number(const nlohmann::json& object,
                   const std::string& full_key,
                   const std::string& key,
                   double fallback,
                   const std::string& unit) {
    if (!object.contains(key)) {
        return fallback;
    }
    const auto& value = object.at(key);
    if (!value.is_number()) {
        fail(full_key, "must be a number in " + unit, value);
    }
    return value.get<double>();
}

void read_counter(const nlohmann::json& thresholds, const std::string& name, counter_limits& out) {
    if (!thresholds.contains(name)) {
        return;
    }
    std::string key = "thresholds." + name;
    const auto& value = thresholds.at(name);
    require_object(value, key, {"amber_from", "red_above"});
    constexpr std::int64_t max = std::numeric_limits<std::uint32_t>::max();
    out.amber_from = static_cast<std::uint32_t>(
        read_integer(value, key + ".amber_from", "amber_from", out.amber_from, 0, max));
    out.red_above = static_cast<std::uint32_t>(
        read_integer(value, key + ".red_above", "red_above", out.red_above, 0, max));
    if (static_cast<std::int64_t>(out.amber_from) > static_cast<std::int64_t>(out.red_above) + 1) {
        fail(key, "needs amber_from <= red_above + 1 (equal to red_above + 1 means no AMBER band)",
             value);
    }
}

void read_margin(const nlohmann::json& thresholds, margin_limits& out) {
    if (!thresholds.contains("snr_margin_db")) {
        return;
    }
    std::string key = "thresholds.snr_margin_db";
    const auto& value = thresholds.at("snr_margin_db");
    require_object(value, key, {"red_below", "amber_below"});
    out.red_below = read_number(value, key + ".red_below", "red_below", out.red_below, "dB");
    out.amber_below =
        read_number(value, key + ".amber_below", "amber_below", out.amber_below, "dB");
    if (out.red_below > out.amber_below) {
        fail(key, "needs red_below <= amber_below", value);
    }
}

void read_ratio(const nlohmann::json& thresholds, const std::string& name, ratio_limits& out) {
    if (!thresholds.contains(name)) {
        return;
    }
    std::string key = "thresholds." + name;
    const auto& value = thresholds.at(name);
    require_object(value, key, {"amber_below"});
    out.amber_below = read_number(value, key + ".amber_below", "amber_below", out.amber_below,
                                  "multiples of the product minimum");
    if (out.amber_below < 1.0) {
        fail(key + ".amber_below", "must be at least 1.0 (below 1.0 is always RED)",
             value.at("amber_below"));
    }
}

void read_thresholds(const nlohmann::json& value, line_thresholds& out) {
    require_object(value, "thresholds",
                   {"snr_margin_db", "es_15min", "ses_15min", "uas_15min", "full_inits_15min",
                    "failed_inits_15min", "full_inits_1day", "failed_inits_1day",
                    "actual_rate_ratio", "attainable_rate_ratio", "recent_resync_s"});
    read_margin(value, out.snr_margin_db);
    read_counter(value, "es_15min", out.es_15min);
    read_counter(value, "ses_15min", out.ses_15min);
    read_counter(value, "uas_15min", out.uas_15min);
    read_counter(value, "full_inits_15min", out.full_inits_15min);
    read_counter(value, "failed_inits_15min", out.failed_inits_15min);
    read_counter(value, "full_inits_1day", out.full_inits_1day);
    read_counter(value, "failed_inits_1day", out.failed_inits_1day);
    read_ratio(value, "actual_rate_ratio", out.actual_rate_ratio);
    read_ratio(value, "attainable_rate_ratio", out.attainable_rate_ratio);
    out.recent_resync =
        std::chrono::seconds(read_integer(value, "thresholds.recent_resync_s", "recent_resync_s",
                                          out.recent_resync.count(), 0, 86400));
}

}  // namespace

band counter_limits::judge(std::uint32_t value) const noexcept {
    if (value > red_above) {
        return band::red;
    }
    return value >= amber_from ? band::amber : band::green;
}

band margin_limits::judge(double margin_db) const noexcept {
    if (margin_db < red_below) {
        return band::red;
    }
    return margin_db < amber_below ? band::amber : band::green;
}

band ratio_limits::judge(double rate_bps, double minimum_bps) const noexcept {
    if (rate_bps < minimum_bps) {
        return band::red;
    }
    return rate_bps < minimum_bps * amber_below ? band::amber : band::green;
}

plugin_config parse_plugin_config(const nlohmann::json& section) {
    plugin_config config;
    if (section.is_null()) {
        return config;
    }
    if (!section.is_object()) {
        fail("(plugin section)", "must be an object", section);
    }
    require_object(section, "",
                   {"timeout_ms", "retries", "counter_delta_ms", "channel_ds_unit", "thresholds"});

    config.timeout = std::chrono::milliseconds(
        read_integer(section, "timeout_ms", "timeout_ms", 2000, 100, 60000));
    config.retries = static_cast<int>(read_integer(section, "retries", "retries", 1, 0, 5));
    config.counter_delta = std::chrono::milliseconds(
        read_integer(section, "counter_delta_ms", "counter_delta_ms", 2000, 0, 60000));
    if (section.contains("channel_ds_unit")) {
        const auto& value = section.at("channel_ds_unit");
        if (value == "xtuc") {
            config.channel_ds_unit = channel_unit::xtuc;
        } else if (value == "xtur") {
            config.channel_ds_unit = channel_unit::xtur;
        } else {
            fail("channel_ds_unit", "must be \"xtuc\" or \"xtur\"", value);
        }
    }
    if (section.contains("thresholds")) {
        read_thresholds(section.at("thresholds"), config.thresholds);
    }
    return config;
}

}  // namespace linetest::dsl
