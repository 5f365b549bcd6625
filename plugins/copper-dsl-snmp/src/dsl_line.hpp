#pragma once

#include <linetest/sdk/types.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace linetest::dsl {

/// Object set the plugin reads, chosen by the target's `profile`.
enum class line_profile {
    invalid = 0,
    vdsl2_rfc5650,  ///< `vdsl2-rfc5650`: VDSL2-LINE-MIB, 1.3.6.1.2.1.10.251.
    adsl2_rfc4706,  ///< `adsl2-rfc4706`: ADSL2-LINE-MIB, 1.3.6.1.2.1.10.238.
};

/// Parses `vdsl2-rfc5650` or `adsl2-rfc4706`; nullopt for anything else.
std::optional<line_profile> parse_line_profile(std::string_view text);
std::string_view to_string(line_profile value) noexcept;

/// The DSL line to test, from the target's profile and attributes.
struct dsl_line {
    line_profile profile = line_profile::invalid;
    std::uint32_t if_index = 0;  ///< ifIndex of the line, 1 to 2147483647 (IF-MIB InterfaceIndex).
    std::optional<std::uint32_t> min_rate_ds_bps;  ///< The product's minimum downstream rate.
    std::optional<std::uint32_t> min_rate_us_bps;  ///< The product's minimum upstream rate.
};

/// Line resolved from a target, or an operator-facing error naming the attribute.
struct line_result {
    std::optional<dsl_line> line;
    std::string error;
};

/// Reads `profile` and the attributes `if_index`, `min_rate_ds_bps` and
/// `min_rate_us_bps` (both optional, positive bit/s). Does not check the node
/// or the credentials.
line_result resolve_dsl_line(const sdk::equipment_target& target);

}  // namespace linetest::dsl
