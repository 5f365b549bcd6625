#pragma once

#include <linetest/sdk/types.hpp>

#include "ont_reading.hpp"
#include "plugin_config.hpp"
#include "pon_port.hpp"
#include "zte_reading.hpp"

#include <optional>

namespace linetest::gpon {

/// Band of one optical level within its window. `unknown` when there is no
/// reading or no window to judge it by.
enum class power_band { unknown, green, amber, red_low, red_high };

power_band judge_power(std::optional<double> dbm, const std::optional<power_window>& window);

/// Turns one Huawei poll into the report, first matching rule wins:
///  1. unreachable, timeout or USM failure: UNAVAILABLE EQUIPMENT_UNREACHABLE;
///     an agent error status: FAILED EQUIPMENT_ERROR; cancelled: FAILED CANCELLED;
///  2. no ONT row at that index: FAILED INVENTORY_MISMATCH;
///  3. ONT down and `incident` reports a PON-wide outage on its port: RED KNOWN_INCIDENT;
///  4. offline after a dying gasp: RED CPE_POWERED_OFF;
///  5. offline after LOS, LOSi/LOBi, LOFi, SFi, LOAMi or LOKi: RED NO_SYNC_LOS;
///  6. deactivated, rogue, config failed or profile mismatch: RED PROVISIONING_FAULT;
///  7. offline for any other cause: RED ONT_OFFLINE;
///  8. ONT Rx, then OLT Rx, outside its alarm limits: RED OPTICAL_RX_LOW or _HIGH;
///  9. ONT Tx outside its alarm limits: RED OPTICAL_TX_FAULT;
/// 10. any level outside its warning limits: AMBER OPTICAL_MARGINAL;
/// 11. otherwise GREEN SERVICE_OK.
/// An online ONT with no optical reading (no DDM) is not a fault; its levels are
/// left out of the measurements and named in `supplier_text`. With an
/// `incident`, its counts are added as measurements.
sdk::report classify_poll(const ont_poll& poll,
                          const optics_thresholds& thresholds,
                          const incident_assessment* incident = nullptr);

/// Classifies a ZTE C300/C320 poll with the same rules, from the phase state:
///  - no phase state row: rule 2;
///  - dyinggasp(4): rule 4;
///  - los(1), or offline(6) with an active LOSi, LOFi, SFi or LOAMi alarm: rule 5;
///  - authFailed(5), admin disable or O7: rule 6;
///  - any other phase but working(3): rule 7, with a "registering" description
///    for logging(0) and syncMib(2).
/// Only the ONU Rx level is read, so rule 9 and the OLT Rx part of rule 8 never apply.
sdk::report classify_zte_poll(const zte_poll& poll,
                              const optics_thresholds& thresholds,
                              const incident_assessment* incident = nullptr);

/// True when the poll succeeded and shows the ONT down: the case in which a
/// reading of its PON port can change the verdict.
bool ont_is_down(const ont_poll& poll);
bool ont_is_down(const zte_poll& poll);

}  // namespace linetest::gpon
