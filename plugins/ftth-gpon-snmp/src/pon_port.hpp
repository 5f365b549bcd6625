#pragma once

#include <linetest/sdk/types.hpp>

#include "ont_location.hpp"
#include "ont_reading.hpp"
#include "plugin_config.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linetest::gpon {

/// State of one ONT on a PON port, as the port reading saw it.
struct port_ont_state {
    std::uint32_t ont_id = 0;
    bool down = false;
    /// Last down time in seconds on the OLT's clock. Only differences between
    /// ONTs of one reading are used, so the OLT's time zone does not matter.
    std::optional<std::int64_t> down_time_s;
};

/// Every ONT row of one PON port.
struct port_poll {
    poll_status status = poll_status::invalid;
    std::string error;
    std::chrono::system_clock::time_point captured_at;
    std::vector<port_ont_state> onts;
    /// True when the vendor reports last down times (Huawei); false for ZTE,
    /// where the reading itself is the window.
    bool has_down_times = false;
    /// True when the walk stopped at its row or request limit.
    bool truncated = false;
};

/// The most ONT rows a port reading takes per column. It is twice the 128 ONTs per
/// port that GPON OLTs commonly allow, so a full port fits and the walk stays bounded.
inline constexpr std::size_t max_port_rows = 256;

/// Reads the run state of every ONT on `port_if_index` with a bounded GETBULK
/// walk. Huawei: `hwGponDeviceOntControlRunStatus` (`...46.1.15`) and
/// `hwGponDeviceOntControlLastDownTime` (`...46.1.23`) under the port; down is
/// run status down(2). ZTE: `zxGponOntPhaseState` under the PON index; down is
/// any phase other than working(3). Same threading and error contract as
/// `read_huawei_ont`.
port_poll read_port_states(const sdk::equipment_target& target,
                           olt_vendor vendor,
                           std::uint32_t port_if_index,
                           const snmp_limits& limits,
                           const std::function<bool()>& cancelled);

/// Seconds since 1970 of an SNMPv2-TC DateAndTime (8 or 11 octets), ignoring
/// the optional UTC offset. Nullopt for another length or an invalid field.
std::optional<std::int64_t> parse_date_and_time(std::string_view octets);

/// Counts from the port reading that decide whether the tested ONT's outage is an incident.
struct incident_assessment {
    std::size_t onts_total = 0;
    std::size_t onts_down = 0;
    /// Down ONTs, the tested one included, whose last down times fall in one
    /// window of `window_s` that contains the tested ONT's. Without down times
    /// (ZTE) it is every down ONT.
    std::size_t down_together = 0;
    bool incident = false;
};

/// Decides whether the tested ONT's outage is part of a PON-wide one:
/// `down_together >= min_down_onts` and `down_together >= min_down_ratio * onts_total`.
/// No incident when the tested ONT is not down in the reading or, with down
/// times, has none.
incident_assessment assess_pon_incident(const port_poll& port,
                                        std::uint32_t tested_ont_id,
                                        const pon_incident_config& config);

}  // namespace linetest::gpon
