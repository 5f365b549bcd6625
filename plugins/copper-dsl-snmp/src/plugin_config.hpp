#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>

namespace linetest::dsl {

/// Band of one reading: GREEN, AMBER or RED, or `unknown` when there is no
/// reading or nothing to judge it against.
enum class band { unknown = 0, green, amber, red };

/// Band of a counter of seconds or events: GREEN below `amber_from`, AMBER from
/// `amber_from` to `red_above` inclusive, RED above `red_above`.
struct counter_limits {
    std::uint32_t amber_from = 0;
    std::uint32_t red_above = 0;

    band judge(std::uint32_t value) const noexcept;
};

/// Band of an SNR margin in dB: RED below `red_below`, AMBER below
/// `amber_below`, GREEN from `amber_below` up.
struct margin_limits {
    double red_below = 0.0;
    double amber_below = 0.0;

    band judge(double margin_db) const noexcept;
};

/// Band of a rate against the product's minimum, as `rate / minimum`: RED below
/// 1.0, AMBER below `amber_below`, GREEN from `amber_below` up.
struct ratio_limits {
    double amber_below = 1.0;

    band judge(double rate_bps, double minimum_bps) const noexcept;
};

/// Thresholds after defaults. The defaults are starting points for a
/// rate-adaptive line trained to a 6 dB target margin, to be tuned per operator.
struct line_thresholds {
    margin_limits snr_margin_db{3.0, 5.0};
    counter_limits es_15min{10, 60};
    counter_limits ses_15min{2, 10};
    counter_limits uas_15min{1, 60};
    counter_limits full_inits_15min{1, 2};  ///< RED above 2: the pace of 10 or more per hour.
    counter_limits failed_inits_15min{1, 5};
    counter_limits full_inits_1day{3, 10};
    counter_limits failed_inits_1day{1, 5};
    ratio_limits actual_rate_ratio{1.1};
    ratio_limits attainable_rate_ratio{1.2};
    /// A line in sync for less than this is AMBER RECENT_RESYNC.
    std::chrono::seconds recent_resync{900};
};

/// Channel row, `xtuc(1)` or `xtur(2)`, that carries the downstream actual rate.
enum class channel_unit { xtuc = 1, xtur = 2 };

/// The plugin's section of the daemon config, after defaults.
struct plugin_config {
    std::chrono::milliseconds timeout{2000};  ///< Per SNMP attempt.
    int retries = 1;                          ///< Extra attempts after a timeout.
    /// Interval between the two reads of the CRC counters; 0 skips the second read.
    std::chrono::milliseconds counter_delta{2000};
    channel_unit channel_ds_unit = channel_unit::xtuc;
    line_thresholds thresholds;
};

/// Reads the plugin's config section (an object; null means all defaults).
/// Throws `std::invalid_argument` whose message starts with the key, for example
/// `thresholds.es_15min.red_above: must be an integer from 0 to 4294967295, got "x"`.
plugin_config parse_plugin_config(const nlohmann::json& section);

}  // namespace linetest::dsl
