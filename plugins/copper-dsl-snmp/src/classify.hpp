#pragma once

#include <linetest/sdk/types.hpp>

#include "dsl_line.hpp"
#include "line_reading.hpp"
#include "plugin_config.hpp"

namespace linetest::dsl {

/// Turns one poll into the report, first matching rule wins:
///  1. timeout or USM failure: UNAVAILABLE EQUIPMENT_UNREACHABLE; an agent error
///     status: FAILED EQUIPMENT_ERROR; cancelled: FAILED CANCELLED;
///  2. no interface or no xDSL line at the ifIndex: FAILED INVENTORY_MISMATCH;
///  3. ifAdminStatus down: RED PROVISIONING_FAULT, checked before the failure
///     bits because a port that is switched off reports LOS whatever the line's state;
///  4. out of sync with lossOfPower at the xTU-R (dying gasp): RED CPE_POWERED_OFF;
///  5. out of sync with LOS or LOF at either end: RED NO_SYNC_LOS;
///  6. last training configError or configNotFeasible: RED PROVISIONING_FAULT;
///  7. out of sync after noPeerAtu: RED NO_CPE_DETECTED;
///  8. out of sync for any other cause: RED LINE_DOWN;
///  9. ES, SES or UAS of the current 15 minutes in the RED band at either end:
///     RED HIGH_ERROR_RATE;
/// 10. full or failed inits in the RED band: RED LINE_UNSTABLE;
/// 11. actual or attainable rate below the product's minimum: RED RATE_BELOW_PRODUCT;
/// 12. SNR margin in the RED band, or missing while in sync: RED MARGIN_LOW;
/// 13. AMBER, in this order: margin MARGIN_LOW; ES/SES/UAS ERRORS_ELEVATED; in sync
///     for less than `recent_resync` or inits in the AMBER band RECENT_RESYNC; rate
///     close to the product minimum RATE_MARGINAL;
/// 14. otherwise GREEN SERVICE_OK.
/// "Out of sync" is any ifOperStatus other than up(1). The CRC delta is reported
/// but not judged. Rates are judged only for directions with a product minimum.
sdk::report classify_poll(const line_poll& poll, const dsl_line& line, const plugin_config& config);

}  // namespace linetest::dsl
