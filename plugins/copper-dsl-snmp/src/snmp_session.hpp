#pragma once

#include <linetest/sdk/types.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace linetest::dsl {

/// Outcome of one SNMP request, before any value is read.
enum class poll_status {
    invalid = 0,
    ok,           ///< The agent returned a response without an error status.
    unreachable,  ///< Timeout, no route, or the session could not be opened.
    auth_failed,  ///< SNMPv3 USM rejected the credentials.
    agent_error,  ///< The agent returned an error status such as genErr.
    cancelled,    ///< The host cancelled the run or the deadline passed first.
};

/// Numeric OID, one sub-identifier per element.
using object_id = std::vector<std::uint32_t>;

/// One varbind of a response. Both members are empty for noSuchObject,
/// noSuchInstance, endOfMibView and types this plugin does not read.
struct snmp_value {
    std::optional<std::int64_t> integer;  ///< INTEGER, Counter32, Gauge32/Unsigned32, TimeTicks.
    std::optional<std::string> octets;    ///< OCTET STRING, including BITS, as raw bytes.
};

/// Response to one GET: `values` has one entry per requested OID when `status` is ok.
struct get_result {
    poll_status status = poll_status::invalid;
    std::string error;  ///< For the operator's log; never contains a secret.
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
/// threads may each hold their own. The optional target attribute
/// `snmp_context` sets the SNMPv3 context name.
///
/// NOTE: this duplicates the session set-up of the ftth-gpon-snmp plugin,
/// because plugins share nothing but the SDK. net-snmp keeps USM keys per
/// engine ID and user for the life of the process, so a changed key takes
/// effect only after the daemon restarts.
class snmp_session {
public:
    snmp_session(const snmp_session&) = delete;
    snmp_session& operator=(const snmp_session&) = delete;
    ~snmp_session();

    /// Opens the session; for SNMPv3 this sends the engine ID discovery request.
    /// `timeout` applies to each of the `retries + 1` attempts of every request.
    /// On failure returns nullptr and sets `status` and `error`.
    static std::unique_ptr<snmp_session> open(const sdk::equipment_target& target,
                                              std::chrono::milliseconds timeout,
                                              int retries,
                                              poll_status& status,
                                              std::string& error);

    /// Sends one GET for `names`.
    get_result get(const std::vector<object_id>& names);

private:
    snmp_session() = default;

    void* handle_ = nullptr;
    std::chrono::milliseconds timeout_{0};
    int retries_ = 0;
};

}  // namespace linetest::dsl
