#pragma once

#include <linetest/sdk/types.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace linetest::gpon {

/// Vendor object set the plugin reads, chosen by the target's `profile`.
enum class olt_vendor { invalid = 0, huawei, zte };

/// `huawei` for `huawei-ma5600t` and `huawei-ma5800`, `zte` for `zte-c300` and
/// `zte-c320`; nullopt for any other profile.
std::optional<olt_vendor> vendor_for_profile(std::string_view profile);

/// Index of one ONT in the vendor's ONT tables: `{PON port ifIndex, ONT id}`
/// (ZTE calls them PON index and ONU id). Huawei port ifIndex values exceed
/// 2^31-1, hence unsigned.
struct ont_location {
    std::uint32_t port_if_index = 0;
    std::uint32_t ont_id = 0;
};

/// ifIndex of GPON port `slot`/`port` on frame 0 of a Huawei MA5600T/MA5800:
/// 4194304000 + slot*8192 + port*256. Nullopt when the result does not fit
/// 32 bits or `port` would spill into the next slot (port > 31).
std::optional<std::uint32_t> huawei_port_if_index(std::uint32_t slot, std::uint32_t port);

/// Location of the ONT, resolved from the target's attributes. Huawei: `ont_id`
/// plus either `port_if_index` or `frame`/`slot`/`port` (frame 0 only). ZTE:
/// `ont_id` plus `pon_if_index`, taken as given because the packing of ZTE PON
/// ifIndex values differs between cards and firmware. The message in the error
/// is for the operator's log, not for the tenant.
struct location_result {
    std::optional<ont_location> location;
    std::string error;
};
location_result resolve_ont_location(const std::map<std::string, std::string>& attributes,
                                     olt_vendor vendor = olt_vendor::huawei);

/// True for the profiles whose object set the plugin reads.
bool is_supported_profile(std::string_view profile);

}  // namespace linetest::gpon
