#pragma once

#include <linetest/sdk/types.hpp>

#include "ont_reading.hpp"
#include "plugin_config.hpp"

#include <optional>

namespace linetest::gpon {

/// Band of one optical level within its window. `unknown` when there is no
/// reading or no window to judge it by.
enum class power_band { unknown, green, amber, red_low, red_high };

power_band judge_power(std::optional<double> dbm, const std::optional<power_window>& window);

/// Turns one poll into the report, first matching rule wins:
///  1. unreachable, timeout or USM failure: UNAVAILABLE EQUIPMENT_UNREACHABLE;
///     an agent error status: FAILED EQUIPMENT_ERROR; cancelled: FAILED CANCELLED;
///  2. no ONT row at that index: FAILED INVENTORY_MISMATCH;
///  3. offline after a dying gasp: RED CPE_POWERED_OFF;
///  4. offline after LOS, LOSi/LOBi, LOFi, SFi, LOAMi or LOKi: RED NO_SYNC_LOS;
///  5. deactivated, rogue, config failed or profile mismatch: RED PROVISIONING_FAULT;
///  6. offline for any other cause: RED ONT_OFFLINE;
///  7. ONT Rx, then OLT Rx, outside its alarm limits: RED OPTICAL_RX_LOW or _HIGH;
///  8. ONT Tx outside its alarm limits: RED OPTICAL_TX_FAULT;
///  9. any level outside its warning limits: AMBER OPTICAL_MARGINAL;
/// 10. otherwise GREEN SERVICE_OK.
/// An online ONT with no optical reading (no DDM) is not a fault; its levels are
/// left out of the measurements and named in `supplier_text`.
sdk::report classify_poll(const ont_poll& poll, const optics_thresholds& thresholds);

}  // namespace linetest::gpon
