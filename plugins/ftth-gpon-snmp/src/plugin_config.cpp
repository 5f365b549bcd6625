#include "plugin_config.hpp"

#include <stdexcept>

namespace linetest::gpon {
namespace {

[[noreturn]] void fail(const std::string& key,
                       const std::string& problem,
                       const nlohmann::json& value) {
    throw std::invalid_argument(key + ": " + problem + ", got " + value.dump());
}

void reject_unknown_keys(const nlohmann::json& object,
                         const std::string& prefix,
                         std::initializer_list<std::string_view> known) {
    for (const auto& [key, value] : object.items()) {
        bool found = false;
        for (auto name : known) {
            found = found || key == name;
        }
        if (!found) {
            throw std::invalid_argument(prefix + key + ": unknown key; check the spelling");
        }
    }
}

std::int64_t read_integer(const nlohmann::json& object,
                          const std::string& prefix,
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
        fail(prefix + key, range, value);
    }
    auto number = value.get<std::int64_t>();
    if (number < min || number > max) {
        fail(prefix + key, range, value);
    }
    return number;
}

double read_number(const nlohmann::json& object,
                   const std::string& key,
                   const std::string& full_key) {
    if (!object.contains(key)) {
        throw std::invalid_argument(full_key +
                                    ": missing; a window needs low_alarm, "
                                    "low_warning, high_warning and high_alarm");
    }
    const auto& value = object.at(key);
    if (!value.is_number()) {
        fail(full_key, "must be a number in dBm", value);
    }
    return value.get<double>();
}

std::optional<power_window> read_window(const nlohmann::json& value, const std::string& key) {
    if (value.is_null()) {
        return std::nullopt;
    }
    if (!value.is_object()) {
        fail(key, "must be an object with low_alarm, low_warning, high_warning, high_alarm or null",
             value);
    }
    std::string prefix = key + ".";
    reject_unknown_keys(value, prefix, {"low_alarm", "low_warning", "high_warning", "high_alarm"});
    power_window window{
        .low_alarm = read_number(value, "low_alarm", prefix + "low_alarm"),
        .low_warning = read_number(value, "low_warning", prefix + "low_warning"),
        .high_warning = read_number(value, "high_warning", prefix + "high_warning"),
        .high_alarm = read_number(value, "high_alarm", prefix + "high_alarm"),
    };
    if (!(window.low_alarm <= window.low_warning && window.low_warning <= window.high_warning &&
          window.high_warning <= window.high_alarm)) {
        fail(key, "needs low_alarm <= low_warning <= high_warning <= high_alarm", value);
    }
    return window;
}

void apply_threshold_overrides(const nlohmann::json& value, plugin_config& config) {
    if (!value.is_object()) {
        fail("thresholds", "must be an object keyed by optics class (B+, C+, XGS-PON)", value);
    }
    for (const auto& [class_name, windows] : value.items()) {
        std::string prefix = "thresholds." + class_name;
        auto optics = parse_optics_class(class_name);
        if (!optics) {
            throw std::invalid_argument(prefix + ": unknown optics class; use B+, C+ or XGS-PON");
        }
        if (!windows.is_object()) {
            fail(prefix, "must be an object with ont_rx_dbm, olt_rx_dbm or ont_tx_dbm", windows);
        }
        reject_unknown_keys(windows, prefix + ".", {"ont_rx_dbm", "olt_rx_dbm", "ont_tx_dbm"});
        auto& target = config.thresholds[*optics];
        if (windows.contains("ont_rx_dbm")) {
            target.ont_rx = read_window(windows.at("ont_rx_dbm"), prefix + ".ont_rx_dbm");
        }
        if (windows.contains("olt_rx_dbm")) {
            target.olt_rx = read_window(windows.at("olt_rx_dbm"), prefix + ".olt_rx_dbm");
        }
        if (windows.contains("ont_tx_dbm")) {
            target.ont_tx = read_window(windows.at("ont_tx_dbm"), prefix + ".ont_tx_dbm");
        }
    }
}

void apply_pon_incident(const nlohmann::json& value, pon_incident_config& config) {
    const std::string prefix = "pon_incident.";
    if (!value.is_object()) {
        fail("pon_incident", "must be an object", value);
    }
    reject_unknown_keys(value, prefix,
                        {"enabled", "min_down_onts", "min_down_ratio", "window_s", "cache_ttl_s"});
    if (value.contains("enabled")) {
        if (!value.at("enabled").is_boolean()) {
            fail(prefix + "enabled", "must be true or false", value.at("enabled"));
        }
        config.enabled = value.at("enabled").get<bool>();
    }
    config.min_down_onts =
        static_cast<std::size_t>(read_integer(value, prefix, "min_down_onts", 4, 2, 1024));
    if (value.contains("min_down_ratio")) {
        const auto& ratio = value.at("min_down_ratio");
        if (!ratio.is_number() || ratio.get<double>() <= 0.0 || ratio.get<double>() > 1.0) {
            fail(prefix + "min_down_ratio", "must be a number above 0 and at most 1", ratio);
        }
        config.min_down_ratio = ratio.get<double>();
    }
    config.window = std::chrono::seconds(read_integer(value, prefix, "window_s", 60, 1, 86400));
    config.cache_ttl = std::chrono::seconds(read_integer(value, prefix, "cache_ttl_s", 10, 0, 300));
}

}  // namespace

std::optional<optics_class> parse_optics_class(std::string_view text) {
    if (text == "B+") {
        return optics_class::b_plus;
    }
    if (text == "C+") {
        return optics_class::c_plus;
    }
    if (text == "XGS-PON") {
        return optics_class::xgs_pon;
    }
    return std::nullopt;
}

std::string_view to_string(optics_class value) noexcept {
    switch (value) {
        case optics_class::b_plus:
            return "B+";
        case optics_class::c_plus:
            return "C+";
        case optics_class::xgs_pon:
            return "XGS-PON";
        case optics_class::invalid:
            break;
    }
    return "invalid";
}

// Starting points, not standards: GREEN keeps about 3 dB above receiver
// sensitivity and 1-2 dB below overload of the class (G.984.2 Amd 1 for B+,
// Amd 2 for C+, G.9807.1 N1/N2/E1 ONU figures for XGS-PON). ONT Tx is AMBER
// within 0.5 dB of the class launch limits.
optics_thresholds default_thresholds(optics_class value) {
    switch (value) {
        case optics_class::b_plus:
            return {.ont_rx = power_window{-27.0, -24.0, -10.0, -8.0},
                    .olt_rx = power_window{-28.0, -25.0, -10.0, -8.0},
                    .ont_tx = power_window{0.5, 1.0, 4.5, 5.0}};
        case optics_class::c_plus:
            return {.ont_rx = power_window{-30.0, -27.0, -10.0, -8.0},
                    .olt_rx = power_window{-32.0, -29.0, -14.0, -12.0},
                    .ont_tx = power_window{0.5, 1.0, 4.5, 5.0}};
        case optics_class::xgs_pon:
            // NOTE: XGS-PON OLT receiver limits depend on the optic fitted, so OLT Rx
            // is not judged unless thresholds.XGS-PON.olt_rx_dbm is configured.
            return {.ont_rx = power_window{-28.0, -25.0, -11.0, -9.0},
                    .olt_rx = std::nullopt,
                    .ont_tx = power_window{4.0, 4.5, 8.5, 9.0}};
        case optics_class::invalid:
            break;
    }
    throw std::invalid_argument("no thresholds for an invalid optics class");
}

const optics_thresholds& plugin_config::thresholds_for(optics_class value) const {
    auto found = thresholds.find(value);
    if (found == thresholds.end()) {
        throw std::invalid_argument("no thresholds configured for optics class " +
                                    std::string(to_string(value)));
    }
    return found->second;
}

plugin_config parse_plugin_config(const nlohmann::json& section) {
    plugin_config config;
    for (auto optics : {optics_class::b_plus, optics_class::c_plus, optics_class::xgs_pon}) {
        config.thresholds[optics] = default_thresholds(optics);
    }
    if (section.is_null()) {
        return config;
    }
    if (!section.is_object()) {
        fail("(plugin section)", "must be an object", section);
    }
    reject_unknown_keys(
        section, "",
        {"timeout_ms", "retries", "default_optics_class", "thresholds", "pon_incident"});

    config.timeout =
        std::chrono::milliseconds(read_integer(section, "", "timeout_ms", 2000, 100, 60000));
    config.retries = static_cast<int>(read_integer(section, "", "retries", 1, 0, 5));
    if (section.contains("default_optics_class")) {
        const auto& value = section.at("default_optics_class");
        std::optional<optics_class> optics;
        if (value.is_string()) {
            optics = parse_optics_class(value.get<std::string>());
        }
        if (!optics) {
            fail("default_optics_class", "must be \"B+\", \"C+\" or \"XGS-PON\"", value);
        }
        config.default_optics_class = *optics;
    }
    if (section.contains("thresholds")) {
        apply_threshold_overrides(section.at("thresholds"), config);
    }
    if (section.contains("pon_incident")) {
        apply_pon_incident(section.at("pon_incident"), config.pon_incident);
    }
    return config;
}

}  // namespace linetest::gpon
