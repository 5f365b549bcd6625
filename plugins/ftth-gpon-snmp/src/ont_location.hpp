#pragma once

#include <linetest/sdk/types.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace linetest::gpon {

/// Index of one ONT in the Huawei ONT tables: `{GPON port ifIndex, ONT id}`.
/// Huawei port ifIndex values exceed 2^31-1, hence unsigned.
struct ont_location {
    std::uint32_t port_if_index = 0;
    std::uint32_t ont_id = 0;
};

/// ifIndex of GPON port `slot`/`port` on frame 0 of a Huawei MA5600T/MA5800:
/// 4194304000 + slot*8192 + port*256. Nullopt when the result does not fit
/// 32 bits or `port` would spill into the next slot (port > 31).
std::optional<std::uint32_t> huawei_port_if_index(std::uint32_t slot, std::uint32_t port);

/// Location of the ONT, resolved from the target's attributes: `ont_id` plus either
/// `port_if_index` or `frame`/`slot`/`port` (frame 0 only). The message in the
/// error is for the operator's log, not for the tenant.
struct location_result {
    std::optional<ont_location> location;
    std::string error;
};
location_result resolve_ont_location(const std::map<std::string, std::string>& attributes);

/// True for the Huawei profiles whose object set the plugin reads.
bool is_supported_profile(std::string_view profile);

}  // namespace linetest::gpon
