#include "ont_location.hpp"

#include <charconv>
#include <limits>

namespace linetest::gpon {
namespace {

constexpr std::uint64_t huawei_gpon_if_index_base = 4194304000ULL;
constexpr std::uint64_t huawei_slot_step = 8192;
constexpr std::uint64_t huawei_port_step = 256;
constexpr std::uint32_t huawei_max_port = 31;

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

const std::string* find(const std::map<std::string, std::string>& attributes,
                        const std::string& key) {
    auto found = attributes.find(key);
    return found == attributes.end() ? nullptr : &found->second;
}

}  // namespace

std::optional<std::uint32_t> huawei_port_if_index(std::uint32_t slot, std::uint32_t port) {
    if (port > huawei_max_port) {
        return std::nullopt;
    }
    std::uint64_t if_index =
        huawei_gpon_if_index_base + slot * huawei_slot_step + port * huawei_port_step;
    if (if_index > std::numeric_limits<std::uint32_t>::max()) {
        return std::nullopt;
    }
    return static_cast<std::uint32_t>(if_index);
}

std::optional<olt_vendor> vendor_for_profile(std::string_view profile) {
    if (profile == "huawei-ma5600t" || profile == "huawei-ma5800") {
        return olt_vendor::huawei;
    }
    if (profile == "zte-c300" || profile == "zte-c320") {
        return olt_vendor::zte;
    }
    return std::nullopt;
}

location_result resolve_ont_location(const std::map<std::string, std::string>& attributes,
                                     olt_vendor vendor) {
    const auto* ont_text = find(attributes, "ont_id");
    if (ont_text == nullptr) {
        return {std::nullopt, "attribute ont_id is missing"};
    }
    auto ont_id = parse_uint32(*ont_text);
    if (!ont_id) {
        return {std::nullopt, "attribute ont_id is not an unsigned 32-bit integer: " + *ont_text};
    }

    if (vendor == olt_vendor::zte) {
        const auto* pon_text = find(attributes, "pon_if_index");
        if (pon_text == nullptr) {
            return {std::nullopt,
                    "attribute pon_if_index is missing (ZTE has no slot/port formula)"};
        }
        auto pon_if_index = parse_uint32(*pon_text);
        if (!pon_if_index) {
            return {std::nullopt,
                    "attribute pon_if_index is not an unsigned 32-bit integer: " + *pon_text};
        }
        return {ont_location{*pon_if_index, *ont_id}, {}};
    }

    if (const auto* if_index_text = find(attributes, "port_if_index")) {
        auto if_index = parse_uint32(*if_index_text);
        if (!if_index) {
            return {std::nullopt,
                    "attribute port_if_index is not an unsigned 32-bit integer: " + *if_index_text};
        }
        return {ont_location{*if_index, *ont_id}, {}};
    }

    const auto* frame_text = find(attributes, "frame");
    const auto* slot_text = find(attributes, "slot");
    const auto* port_text = find(attributes, "port");
    if (slot_text == nullptr || port_text == nullptr) {
        return {std::nullopt, "attributes need port_if_index, or slot and port (frame optional)"};
    }
    if (frame_text != nullptr && parse_uint32(*frame_text) != 0U) {
        return {std::nullopt,
                "attribute frame must be 0, the only frame whose ifIndex formula is known; "
                "give port_if_index instead, got " +
                    *frame_text};
    }
    auto slot = parse_uint32(*slot_text);
    auto port = parse_uint32(*port_text);
    if (!slot || !port) {
        return {std::nullopt, "attributes slot and port must be unsigned integers, got slot=" +
                                  *slot_text + " port=" + *port_text};
    }
    auto if_index = huawei_port_if_index(*slot, *port);
    if (!if_index) {
        return {std::nullopt, "attributes slot=" + *slot_text + " port=" + *port_text +
                                  " give no valid Huawei ifIndex (port 0-31)"};
    }
    return {ont_location{*if_index, *ont_id}, {}};
}

bool is_supported_profile(std::string_view profile) {
    return vendor_for_profile(profile).has_value();
}

}  // namespace linetest::gpon
