#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace linetest::gpon {

/// Optics classes the plugin has thresholds for, as written in the target's
/// `optics_class` attribute and the config.
enum class optics_class { invalid = 0, b_plus, c_plus, xgs_pon };

/// Parses `B+`, `C+` or `XGS-PON`; nullopt for anything else.
std::optional<optics_class> parse_optics_class(std::string_view text);
std::string_view to_string(optics_class value) noexcept;

/// GREEN/AMBER/RED window for one optical level, in dBm, with the alarm and
/// warning names that transceiver DDM thresholds use. A reading is GREEN from
/// `low_warning` to `high_warning` inclusive, AMBER from `low_alarm` to
/// `high_alarm` inclusive otherwise, and RED outside that.
struct power_window {
    double low_alarm = 0.0;
    double low_warning = 0.0;
    double high_warning = 0.0;
    double high_alarm = 0.0;
};

/// Windows for one optics class. A missing window means that level is reported
/// but not judged.
struct optics_thresholds {
    std::optional<power_window> ont_rx;
    std::optional<power_window> olt_rx;
    std::optional<power_window> ont_tx;
};

/// When a down ONT is reported as part of a PON-wide incident rather than as
/// the customer's own fault; see `assess_pon_incident`.
struct pon_incident_config {
    bool enabled = true;
    std::size_t min_down_onts = 4;    ///< At least this many ONTs down together.
    double min_down_ratio = 0.5;      ///< And at least this share of the port's ONTs.
    std::chrono::seconds window{60};  ///< Last down times within this span count together.
    /// How long one port reading serves other tests on the same port.
    std::chrono::seconds cache_ttl{10};
};

/// The plugin's section of the daemon config, after defaults.
struct plugin_config {
    std::chrono::milliseconds timeout{2000};  ///< Per SNMP attempt.
    int retries = 1;                          ///< Extra attempts after a timeout.
    optics_class default_optics_class = optics_class::b_plus;
    std::map<optics_class, optics_thresholds> thresholds;
    pon_incident_config pon_incident;

    const optics_thresholds& thresholds_for(optics_class value) const;
};

/// The built-in thresholds for `value`, before config overrides.
optics_thresholds default_thresholds(optics_class value);

/// Reads the plugin's config section (an object; null means all defaults).
/// Throws `std::invalid_argument` whose message starts with the key, for example
/// `thresholds.C+.ont_rx_dbm.low_alarm: must be a number, got "x"`.
plugin_config parse_plugin_config(const nlohmann::json& section);

}  // namespace linetest::gpon
