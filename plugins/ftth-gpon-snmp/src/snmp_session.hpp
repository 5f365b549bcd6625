#pragma once

#include <linetest/sdk/types.hpp>

#include "ont_reading.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace linetest::gpon {

/// Limits for one poll.
struct snmp_limits {
    std::chrono::milliseconds timeout{2000};  ///< Per attempt, capped so that all fit the deadline.
    int retries = 1;
    std::chrono::steady_clock::time_point deadline;
};

/// Numeric OID. Sub-identifiers are unsigned 32-bit because Huawei port
/// ifIndex values exceed 2^31-1.
using oid_path = std::vector<std::uint32_t>;

/// One variable of a response. `integer` contains INTEGER, Gauge32, Counter32 and
/// TimeTicks; `octets` contains OCTET STRING. Both are empty for noSuchObject,
/// noSuchInstance and endOfMibView.
struct snmp_value {
    oid_path name;
    std::optional<std::int64_t> integer;
    std::optional<std::string> octets;
};

/// Result of a GET or a walk. `status` is `ok` when every request got a
/// response without an error status. Otherwise `error` describes the failure for the log.
struct snmp_result {
    poll_status status = poll_status::invalid;
    std::string error;
    std::vector<snmp_value> values;
};

/// One net-snmp single session (`snmp_sess_*`) to the target, so several
/// threads may each hold their own. Opening it sends the SNMPv3 engine ID
/// discovery. `cancelled` and the deadline are checked before each request.
/// Equipment and network failures are returned in `snmp_result::status`.
class snmp_session {
public:
    snmp_session(const sdk::equipment_target& target,
                 const snmp_limits& limits,
                 std::function<bool()> cancelled);
    ~snmp_session();

    snmp_session(const snmp_session&) = delete;
    snmp_session& operator=(const snmp_session&) = delete;

    /// `ok` when the session is open; otherwise why it is not.
    poll_status open_status() const noexcept { return open_status_; }
    const std::string& open_error() const noexcept { return open_error_; }

    /// One GET of `names`; the values come back in the same order.
    snmp_result get(const std::vector<oid_path>& names);

    /// Walks the subtree under `root` with GETBULK, stopping at its end, at
    /// endOfMibView, at a non-increasing OID, or after `max_rows` rows or
    /// `max_requests` requests (`truncated` is then set).
    snmp_result walk(const oid_path& root,
                     std::size_t max_rows,
                     std::size_t max_requests,
                     bool& truncated);

private:
    struct state;
    std::unique_ptr<state> state_;
    poll_status open_status_ = poll_status::invalid;
    std::string open_error_;
};

}  // namespace linetest::gpon
