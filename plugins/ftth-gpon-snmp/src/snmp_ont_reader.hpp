#pragma once

#include <linetest/sdk/types.hpp>

#include "ont_location.hpp"
#include "ont_reading.hpp"
#include "zte_reading.hpp"

#include <functional>
#include <map>
#include <string>

namespace linetest::gpon {

/// Reads the Huawei ONT object set for `location` with one SNMP GET: sysUpTime,
/// run, config and match status, ranging distance, last down cause, ONT Tx/Rx
/// and OLT Rx of the ONT. Uses a net-snmp single session (`snmp_sess_*`), so
/// concurrent calls from several threads are safe. The optional target
/// attribute `snmp_context` sets the SNMPv3 context name. `cancelled` is
/// checked before each request (the SNMPv3 engine discovery is one).
/// Equipment and network failures are returned in `ont_poll::status`, not thrown.
ont_poll read_huawei_ont(const sdk::equipment_target& target,
                         const ont_location& location,
                         const snmp_limits& limits,
                         const std::function<bool()>& cancelled);

/// Reads the ZTE C300/C320 ONU object set for `location` with one SNMP GET:
/// sysUpTime, admin state, O1-O7 state, phase state, last down cause, distance,
/// ONU Rx level and the OLT-side LOSi, LOFi, SFi and LOAMi alarms. Same
/// threading, cancellation and error contract as `read_huawei_ont`.
zte_poll read_zte_ont(const sdk::equipment_target& target,
                      const ont_location& location,
                      const snmp_limits& limits,
                      const std::function<bool()>& cancelled);

}  // namespace linetest::gpon
