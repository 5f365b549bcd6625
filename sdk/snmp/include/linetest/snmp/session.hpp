#pragma once

#include <linetest/sdk/types.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace linetest::snmp {

/// Outcome of one SNMP request, before any value is read.
enum class poll_status {
    invalid = 0,
    ok,           ///< The agent returned a response without an error status.
    unreachable,  ///< Timeout, no route, or the session could not be opened.
    auth_failed,  ///< SNMPv3 USM rejected the credentials.
    agent_error,  ///< The agent returned an error status such as genErr.
    cancelled,    ///< The host cancelled the run or the deadline passed first.
};

/// Limits for one session.
struct snmp_limits {
    std::chrono::milliseconds timeout{2000};  ///< Per attempt, capped so that all fit the deadline.
    int retries = 1;
    std::chrono::steady_clock::time_point deadline;
    /// Number of requests whose `retries + 1` attempts must all fit before the deadline.
    /// The per-attempt timeout is capped at the time left divided by attempts times requests.
    int requests = 1;
};

/// Numeric OID. Sub-identifiers are unsigned 32-bit because Huawei port
/// ifIndex values exceed 2^31-1.
using oid_path = std::vector<std::uint32_t>;

/// One variable of a response. `integer` contains INTEGER, Gauge32/Unsigned32,
/// Counter32 and TimeTicks; `octets` contains OCTET STRING, including BITS, as raw
/// bytes. Both are empty for noSuchObject, noSuchInstance, endOfMibView and other types.
struct snmp_value {
    oid_path name;
    std::optional<std::int64_t> integer;
    std::optional<std::string> octets;
};

/// Result of a GET or a walk. `status` is `ok` when every request got a
/// response without an error status. Otherwise `error` describes the failure for
/// the operator's log; it never contains a secret.
struct snmp_result {
    poll_status status = poll_status::invalid;
    std::string error;
    /// When the last response arrived, or the request failed; set by `get`.
    std::chrono::system_clock::time_point captured_at;
    std::vector<snmp_value> values;
};

/// Checks, without I/O, that the credentials select SNMPv2c (`community`) or
/// SNMPv3 USM (`user`, optional `auth_protocol` SHA or MD5 with `auth_key`,
/// optional `priv_protocol` AES or DES with `priv_key`). Returns an
/// operator-facing problem, or an empty string when they are usable. The
/// text never contains a secret.
std::string check_snmp_credentials(const std::map<std::string, std::string>& credentials);

/// One net-snmp single session (`snmp_sess_*`) to the target's node, so several
/// threads may each hold their own. The first session in the process calls
/// `init_snmp` once, with net-snmp's persistent state files turned off. Opening it
/// sends the SNMPv3 engine ID discovery. The optional target attribute
/// `snmp_context` sets the SNMPv3 context name. `cancelled` and the deadline are
/// checked before each request. Equipment and network failures are returned in
/// `snmp_result::status`, not thrown.
///
/// NOTE: net-snmp keeps a process-wide USM user list keyed by engine ID and user
/// name, and a later session for the same pair reuses the stored keys, so a key
/// changed in the inventory takes effect only after the daemon restarts.
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

    /// Timeout of each attempt after the cap by the deadline; zero when the
    /// credentials were refused or the deadline had passed before the session opened.
    std::chrono::milliseconds timeout() const noexcept;

    /// One GET of `names`. When `status` is ok, `values` has one entry per name, in
    /// the same order.
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

}  // namespace linetest::snmp
