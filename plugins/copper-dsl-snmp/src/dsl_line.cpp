#include "dsl_line.hpp"

#include <charconv>
#include <limits>

namespace linetest::dsl {
namespace {

constexpr std::uint32_t max_if_index = 2147483647;

std::optional<std::uint32_t> parse_uint32(const std::string& text) {
    std::uint32_t value = 0;
    const char* first = text.data();
    const char* last = first + text.size();
    auto [end, error] = std::from_chars(first, last, value);
    if (text.empty() || error != std::errc{} || end != last) {
        return std::nullopt;
    }
    return value;
}

// Reads an optional positive rate attribute into `out`. Returns an error text, empty on success.
std::string read_rate(const sdk::equipment_target& target,
                      const std::string& key,
                      std::optional<std::uint32_t>& out) {
    auto found = target.attributes.find(key);
    if (found == target.attributes.end() || found->second.empty()) {
        return {};
    }
    auto rate = parse_uint32(found->second);
    if (!rate || *rate == 0) {
        return "attribute " + key + " must be a positive integer in bit/s below 2^32, got " +
               found->second;
    }
    out = rate;
    return {};
}

}  // namespace

std::optional<line_profile> parse_line_profile(std::string_view text) {
    if (text == "vdsl2-rfc5650") {
        return line_profile::vdsl2_rfc5650;
    }
    if (text == "adsl2-rfc4706") {
        return line_profile::adsl2_rfc4706;
    }
    return std::nullopt;
}

std::string_view to_string(line_profile value) noexcept {
    switch (value) {
        case line_profile::vdsl2_rfc5650:
            return "vdsl2-rfc5650";
        case line_profile::adsl2_rfc4706:
            return "adsl2-rfc4706";
        case line_profile::invalid:
            break;
    }
    return "invalid";
}

line_result resolve_dsl_line(const sdk::equipment_target& target) {
    dsl_line line;
    auto profile = parse_line_profile(target.profile);
    if (!profile) {
        return {std::nullopt,
                "profile must be vdsl2-rfc5650 or adsl2-rfc4706, got " + target.profile};
    }
    line.profile = *profile;

    auto if_index_text = target.attributes.find("if_index");
    if (if_index_text == target.attributes.end()) {
        return {std::nullopt, "attribute if_index is missing"};
    }
    auto if_index = parse_uint32(if_index_text->second);
    if (!if_index || *if_index == 0 || *if_index > max_if_index) {
        return {std::nullopt, "attribute if_index must be an integer from 1 to 2147483647, got " +
                                  if_index_text->second};
    }
    line.if_index = *if_index;

    if (auto error = read_rate(target, "min_rate_ds_bps", line.min_rate_ds_bps); !error.empty()) {
        return {std::nullopt, error};
    }
    if (auto error = read_rate(target, "min_rate_us_bps", line.min_rate_us_bps); !error.empty()) {
        return {std::nullopt, error};
    }
    return {line, {}};
}

}  // namespace linetest::dsl
