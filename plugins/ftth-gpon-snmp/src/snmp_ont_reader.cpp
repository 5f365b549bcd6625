#include "snmp_ont_reader.hpp"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <vector>

namespace linetest::gpon {
namespace {

using credential_map = std::map<std::string, std::string>;

// Column OIDs under 1.3.6.1.4.1.2011.6.128.1.1.2 (HUAWEI-XPON-MIB); the row
// index {port ifIndex, ONT id} is appended. Order matches `raw_ont_values`.
constexpr std::array<oid, 9> sys_up_time_oid = {1, 3, 6, 1, 2, 1, 1, 3, 0};
constexpr std::array<oid, 12> huawei_gpon_prefix = {1, 3, 6, 1, 4, 1, 2011, 6, 128, 1, 1, 2};
struct column {
    oid table;
    oid entry;
    oid column;
};
constexpr std::array<column, 8> ont_columns = {{
    {46, 1, 15},  // hwGponDeviceOntControlRunStatus
    {46, 1, 16},  // hwGponDeviceOntControlConfigStatus
    {46, 1, 18},  // hwGponDeviceOntControlMatchStatus
    {46, 1, 20},  // hwGponDeviceOntControlRanging
    {46, 1, 24},  // hwGponDeviceOntControlLastDownCause
    {51, 1, 3},   // hwGponOntOpticalDdmTxPower
    {51, 1, 4},   // hwGponOntOpticalDdmRxPower
    {51, 1, 6},   // hwGponOntOpticalDdmOltRxOntPower
}};

void init_netsnmp_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        // A plugin must not load or write net-snmp's persistent state files
        // (/var/lib/snmp) as a side effect of polling.
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
        init_snmp("linetest-ftth-gpon-snmp");
    });
}

std::string value_or_empty(const credential_map& map, const std::string& key) {
    auto found = map.find(key);
    return found == map.end() ? std::string() : found->second;
}

std::string peer_name(const std::string& node) {
    // `[addr]:port` is an IPv6 literal; net-snmp needs the transport prefix for it.
    if (!node.empty() && node.front() == '[') {
        return "udp6:" + node;
    }
    return "udp:" + node;
}

bool is_usm_failure(int error) {
    switch (error) {
        case SNMPERR_AUTHENTICATION_FAILURE:
        case SNMPERR_UNKNOWN_USER_NAME:
        case SNMPERR_UNSUPPORTED_SEC_LEVEL:
        case SNMPERR_DECRYPTION_ERR:
        case SNMPERR_USM_AUTHENTICATIONFAILURE:
        case SNMPERR_USM_UNKNOWNSECURITYNAME:
        case SNMPERR_USM_UNSUPPORTEDSECURITYLEVEL:
        case SNMPERR_USM_DECRYPTIONERROR:
        case SNMPERR_USM_UNKNOWNENGINEID:
        case SNMPERR_KT_NOT_AVAILABLE:
            return true;
        default:
            return false;
    }
}

ont_poll failed_poll(poll_status status, std::string error) {
    ont_poll poll;
    poll.status = status;
    poll.error = std::move(error);
    poll.captured_at = std::chrono::system_clock::now();
    return poll;
}

// Owns the copies of the strings and keys that `netsnmp_session` points into
// until `snmp_sess_open` has duplicated them.
struct session_settings {
    netsnmp_session session{};
    std::string peer;
    std::string community;
    std::string user;
    std::string context;
};

// Fills the USM part of `settings`. Returns a problem text, empty on success.
// NOTE: net-snmp keeps a process-wide USM user list keyed by engine ID and user
// name, and a later session for the same pair reuses the stored keys, so a key
// changed in the inventory takes effect only after the daemon restarts.
std::string set_usm(const credential_map& credentials, session_settings& settings) {
    auto& session = settings.session;
    settings.user = value_or_empty(credentials, "user");
    session.version = SNMP_VERSION_3;
    session.securityName = settings.user.data();
    session.securityNameLen = settings.user.size();
    session.securityLevel = SNMP_SEC_LEVEL_NOAUTH;

    std::string auth_protocol = value_or_empty(credentials, "auth_protocol");
    if (!auth_protocol.empty()) {
        if (auth_protocol == "SHA") {
            session.securityAuthProto = usmHMACSHA1AuthProtocol;
        } else {
            session.securityAuthProto = usmHMACMD5AuthProtocol;
        }
        session.securityAuthProtoLen = 10;
        session.securityAuthKeyLen = USM_AUTH_KU_LEN;
        std::string key = value_or_empty(credentials, "auth_key");
        if (generate_Ku(session.securityAuthProto, static_cast<u_int>(session.securityAuthProtoLen),
                        reinterpret_cast<const u_char*>(key.data()), key.size(),
                        session.securityAuthKey, &session.securityAuthKeyLen) != SNMPERR_SUCCESS) {
            return "cannot derive the SNMPv3 authentication key";
        }
        session.securityLevel = SNMP_SEC_LEVEL_AUTHNOPRIV;
    }

    std::string priv_protocol = value_or_empty(credentials, "priv_protocol");
    if (!priv_protocol.empty()) {
        if (priv_protocol == "AES") {
            session.securityPrivProto = usmAESPrivProtocol;
        } else {
            session.securityPrivProto = usmDESPrivProtocol;
        }
        session.securityPrivProtoLen = 10;
        session.securityPrivKeyLen = USM_PRIV_KU_LEN;
        std::string key = value_or_empty(credentials, "priv_key");
        // USM derives the privacy key with the authentication hash.
        if (generate_Ku(session.securityAuthProto, static_cast<u_int>(session.securityAuthProtoLen),
                        reinterpret_cast<const u_char*>(key.data()), key.size(),
                        session.securityPrivKey, &session.securityPrivKeyLen) != SNMPERR_SUCCESS) {
            return "cannot derive the SNMPv3 privacy key";
        }
        session.securityLevel = SNMP_SEC_LEVEL_AUTHPRIV;
    }
    return {};
}

std::optional<std::int64_t> integer_value(const netsnmp_variable_list* variable) {
    switch (variable->type) {
        case ASN_INTEGER:
            return static_cast<std::int64_t>(*variable->val.integer);
        case ASN_GAUGE:
        case ASN_COUNTER:
        case ASN_TIMETICKS:
            // Unsigned 32-bit types arrive in a long; keep only the low 32 bits.
            return static_cast<std::int64_t>(static_cast<std::uint32_t>(*variable->val.integer));
        default:
            // noSuchObject, noSuchInstance, endOfMibView, or a type the MIB does not use here.
            return std::nullopt;
    }
}

std::optional<std::int32_t> as_int32(const netsnmp_variable_list* variable) {
    auto value = integer_value(variable);
    if (!value || *value < INT32_MIN || *value > INT32_MAX) {
        return std::nullopt;
    }
    return static_cast<std::int32_t>(*value);
}

}  // namespace

std::string check_snmp_credentials(const credential_map& credentials) {
    if (!value_or_empty(credentials, "community").empty()) {
        return {};
    }
    if (value_or_empty(credentials, "user").empty()) {
        return "credentials need community (SNMPv2c) or user (SNMPv3)";
    }
    std::string auth_protocol = value_or_empty(credentials, "auth_protocol");
    std::string priv_protocol = value_or_empty(credentials, "priv_protocol");
    if (!auth_protocol.empty() && auth_protocol != "SHA" && auth_protocol != "MD5") {
        return "credentials auth_protocol must be SHA or MD5, got " + auth_protocol;
    }
    if (!auth_protocol.empty() && value_or_empty(credentials, "auth_key").size() < 8) {
        return "credentials auth_key must be at least 8 characters (RFC 3414)";
    }
    if (!priv_protocol.empty() && priv_protocol != "AES" && priv_protocol != "DES") {
        return "credentials priv_protocol must be AES or DES, got " + priv_protocol;
    }
    if (!priv_protocol.empty() && auth_protocol.empty()) {
        return "credentials priv_protocol needs auth_protocol too (SNMPv3 has no privNoAuth)";
    }
    if (!priv_protocol.empty() && value_or_empty(credentials, "priv_key").size() < 8) {
        return "credentials priv_key must be at least 8 characters (RFC 3414)";
    }
    return {};
}

ont_poll read_huawei_ont(const sdk::equipment_target& target,
                         const ont_location& location,
                         const snmp_limits& limits,
                         const std::function<bool()>& cancelled) {
    if (auto problem = check_snmp_credentials(target.credentials); !problem.empty()) {
        return failed_poll(poll_status::auth_failed, problem);
    }
    init_netsnmp_once();

    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        limits.deadline - std::chrono::steady_clock::now());
    auto attempts = limits.retries + 1;
    auto timeout = std::min(limits.timeout, remaining / attempts);
    if (timeout <= std::chrono::milliseconds(0)) {
        return failed_poll(poll_status::cancelled, "deadline passed before the SNMP request");
    }

    session_settings settings;
    snmp_sess_init(&settings.session);
    settings.peer = peer_name(target.node);
    settings.session.peername = settings.peer.data();
    settings.session.timeout = static_cast<long>(timeout.count()) * 1000;
    settings.session.retries = limits.retries;

    settings.community = value_or_empty(target.credentials, "community");
    if (!settings.community.empty()) {
        settings.session.version = SNMP_VERSION_2c;
        settings.session.community = reinterpret_cast<u_char*>(settings.community.data());
        settings.session.community_len = settings.community.size();
    } else {
        if (auto problem = set_usm(target.credentials, settings); !problem.empty()) {
            return failed_poll(poll_status::auth_failed, problem);
        }
        auto context = target.attributes.find("snmp_context");
        if (context != target.attributes.end()) {
            settings.context = context->second;
            settings.session.contextName = settings.context.data();
            settings.session.contextNameLen = settings.context.size();
        }
    }

    if (cancelled()) {
        return failed_poll(poll_status::cancelled, "cancelled before the SNMP session opened");
    }
    // For SNMPv3 this sends the engine ID discovery request.
    void* session = snmp_sess_open(&settings.session);
    if (session == nullptr) {
        int error = settings.session.s_snmp_errno;
        auto status = is_usm_failure(error) ? poll_status::auth_failed : poll_status::unreachable;
        return failed_poll(status,
                           std::string("cannot open SNMP session: ") + snmp_api_errstring(error));
    }

    netsnmp_pdu* request = snmp_pdu_create(SNMP_MSG_GET);
    snmp_add_null_var(request, sys_up_time_oid.data(), sys_up_time_oid.size());
    for (const auto& col : ont_columns) {
        std::vector<oid> name(huawei_gpon_prefix.begin(), huawei_gpon_prefix.end());
        name.insert(name.end(),
                    {col.table, col.entry, col.column, location.port_if_index, location.ont_id});
        snmp_add_null_var(request, name.data(), name.size());
    }

    if (cancelled()) {
        snmp_free_pdu(request);
        snmp_sess_close(session);
        return failed_poll(poll_status::cancelled, "cancelled before the SNMP GET");
    }
    netsnmp_pdu* response = nullptr;
    int status = snmp_sess_synch_response(session, request, &response);
    ont_poll poll;
    poll.captured_at = std::chrono::system_clock::now();
    if (status == STAT_TIMEOUT) {
        poll.status = poll_status::unreachable;
        poll.error = "SNMP GET timed out after " + std::to_string(attempts) + " attempt(s) of " +
                     std::to_string(timeout.count()) + " ms";
    } else if (status != STAT_SUCCESS || response == nullptr) {
        int error = snmp_sess_session(session)->s_snmp_errno;
        poll.status = is_usm_failure(error) ? poll_status::auth_failed : poll_status::unreachable;
        poll.error = std::string("SNMP GET failed: ") + snmp_api_errstring(error);
    } else if (response->errstat != SNMP_ERR_NOERROR) {
        poll.status = poll_status::agent_error;
        poll.error = std::string("agent returned error status ") +
                     snmp_errstring(static_cast<int>(response->errstat)) + " at varbind " +
                     std::to_string(response->errindex);
    } else {
        poll.status = poll_status::ok;
        std::array<std::optional<std::int32_t>*, 8> targets = {
            &poll.values.run_status, &poll.values.config_status,   &poll.values.match_status,
            &poll.values.ranging,    &poll.values.last_down_cause, &poll.values.ont_tx,
            &poll.values.ont_rx,     &poll.values.olt_rx,
        };
        const netsnmp_variable_list* variable = response->variables;
        if (variable != nullptr) {
            if (auto up_time = integer_value(variable)) {
                poll.values.sys_up_time = static_cast<std::uint32_t>(*up_time);
            }
            variable = variable->next_variable;
        }
        for (auto* field : targets) {
            if (variable == nullptr) {
                break;
            }
            *field = as_int32(variable);
            variable = variable->next_variable;
        }
    }
    if (response != nullptr) {
        snmp_free_pdu(response);
    }
    snmp_sess_close(session);
    return poll;
}

}  // namespace linetest::gpon
