#include <linetest/snmp/session.hpp>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <algorithm>
#include <mutex>

namespace linetest::snmp {
namespace {

using credential_map = std::map<std::string, std::string>;

void init_netsnmp_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        // A plugin must not load or write net-snmp's persistent state files
        // (/var/lib/snmp) as a side effect of polling.
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
        init_snmp("linetest");
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

// Owns the copies of the strings and keys that `netsnmp_session` points into
// until `snmp_sess_open` has duplicated them.
struct session_settings {
    netsnmp_session session{};
    std::string peer;
    std::string community;
    std::string user;
    std::string context;
};

// Derives a USM key from a pass phrase. Returns false when net-snmp cannot.
bool derive_key(const netsnmp_session& session,
                const std::string& phrase,
                u_char* key,
                size_t* key_length) {
    return generate_Ku(session.securityAuthProto, static_cast<u_int>(session.securityAuthProtoLen),
                       reinterpret_cast<const u_char*>(phrase.data()), phrase.size(), key,
                       key_length) == SNMPERR_SUCCESS;
}

// Fills the USM part of `settings`. Returns a problem text, empty on success.
std::string set_usm(const credential_map& credentials, session_settings& settings) {
    auto& session = settings.session;
    settings.user = value_or_empty(credentials, "user");
    session.version = SNMP_VERSION_3;
    session.securityName = settings.user.data();
    session.securityNameLen = settings.user.size();
    session.securityLevel = SNMP_SEC_LEVEL_NOAUTH;

    std::string auth_protocol = value_or_empty(credentials, "auth_protocol");
    if (!auth_protocol.empty()) {
        bool sha = auth_protocol == "SHA";
        session.securityAuthProto = sha ? usmHMACSHA1AuthProtocol : usmHMACMD5AuthProtocol;
        session.securityAuthProtoLen = sha ? USM_AUTH_PROTO_SHA_LEN : USM_AUTH_PROTO_MD5_LEN;
        session.securityAuthKeyLen = USM_AUTH_KU_LEN;
        if (!derive_key(session, value_or_empty(credentials, "auth_key"), session.securityAuthKey,
                        &session.securityAuthKeyLen)) {
            return "cannot derive the SNMPv3 authentication key";
        }
        session.securityLevel = SNMP_SEC_LEVEL_AUTHNOPRIV;
    }

    std::string priv_protocol = value_or_empty(credentials, "priv_protocol");
    if (!priv_protocol.empty()) {
        bool aes = priv_protocol == "AES";
        session.securityPrivProto = aes ? usmAESPrivProtocol : usmDESPrivProtocol;
        session.securityPrivProtoLen = aes ? USM_PRIV_PROTO_AES_LEN : USM_PRIV_PROTO_DES_LEN;
        session.securityPrivKeyLen = USM_PRIV_KU_LEN;
        // USM derives the privacy key with the authentication hash (RFC 3414).
        if (!derive_key(session, value_or_empty(credentials, "priv_key"), session.securityPrivKey,
                        &session.securityPrivKeyLen)) {
            return "cannot derive the SNMPv3 privacy key";
        }
        session.securityLevel = SNMP_SEC_LEVEL_AUTHPRIV;
    }
    return {};
}

snmp_value to_value(const netsnmp_variable_list* variable) {
    snmp_value out;
    out.name.reserve(variable->name_length);
    for (std::size_t i = 0; i < variable->name_length; ++i) {
        out.name.push_back(static_cast<std::uint32_t>(variable->name[i]));
    }
    switch (variable->type) {
        case ASN_INTEGER:
            out.integer = static_cast<std::int64_t>(*variable->val.integer);
            break;
        case ASN_GAUGE:
        case ASN_COUNTER:
        case ASN_TIMETICKS:
            // Unsigned 32-bit types arrive in a long; keep only the low 32 bits.
            out.integer =
                static_cast<std::int64_t>(static_cast<std::uint32_t>(*variable->val.integer));
            break;
        case ASN_OCTET_STR:
            out.octets =
                std::string(reinterpret_cast<const char*>(variable->val.string), variable->val_len);
            break;
        default:
            // noSuchObject, noSuchInstance, endOfMibView, or a type not used here.
            break;
    }
    return out;
}

bool is_end_of_view(const netsnmp_variable_list* variable) {
    return variable->type == SNMP_ENDOFMIBVIEW || variable->type == SNMP_NOSUCHOBJECT ||
           variable->type == SNMP_NOSUCHINSTANCE;
}

std::vector<oid> to_oids(const oid_path& path) { return {path.begin(), path.end()}; }

bool starts_with(const oid_path& name, const oid_path& root) {
    return name.size() > root.size() && std::equal(root.begin(), root.end(), name.begin());
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

struct snmp_session::state {
    void* handle = nullptr;
    int attempts = 1;
    std::chrono::milliseconds timeout{0};
    std::chrono::steady_clock::time_point deadline;
    std::function<bool()> cancelled;

    // Sends `request` (consumed) and fills `result` on failure. Returns the
    // response on success; the caller frees it.
    netsnmp_pdu* exchange(netsnmp_pdu* request, snmp_result& result, const char* what) {
        if (cancelled()) {
            snmp_free_pdu(request);
            result.status = poll_status::cancelled;
            result.error = std::string("cancelled before the SNMP ") + what;
            return nullptr;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            snmp_free_pdu(request);
            result.status = poll_status::cancelled;
            result.error = std::string("deadline passed before the SNMP ") + what;
            return nullptr;
        }
        netsnmp_pdu* response = nullptr;
        int status = snmp_sess_synch_response(handle, request, &response);
        if (status == STAT_TIMEOUT) {
            result.status = poll_status::unreachable;
            result.error = std::string("SNMP ") + what + " timed out after " +
                           std::to_string(attempts) + " attempt(s) of " +
                           std::to_string(timeout.count()) + " ms";
        } else if (status != STAT_SUCCESS || response == nullptr) {
            int error = snmp_sess_session(handle)->s_snmp_errno;
            result.status =
                is_usm_failure(error) ? poll_status::auth_failed : poll_status::unreachable;
            result.error = std::string("SNMP ") + what + " failed: " + snmp_api_errstring(error);
        } else if (response->errstat != SNMP_ERR_NOERROR) {
            result.status = poll_status::agent_error;
            result.error = std::string("agent returned error status ") +
                           snmp_errstring(static_cast<int>(response->errstat)) + " at varbind " +
                           std::to_string(response->errindex);
        } else {
            return response;
        }
        if (response != nullptr) {
            snmp_free_pdu(response);
        }
        return nullptr;
    }
};

snmp_session::snmp_session(const sdk::equipment_target& target,
                           const snmp_limits& limits,
                           std::function<bool()> cancelled)
    : state_(std::make_unique<state>()) {
    state_->cancelled = std::move(cancelled);
    state_->deadline = limits.deadline;
    if (auto problem = check_snmp_credentials(target.credentials); !problem.empty()) {
        open_status_ = poll_status::auth_failed;
        open_error_ = problem;
        return;
    }
    init_netsnmp_once();

    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        limits.deadline - std::chrono::steady_clock::now());
    state_->attempts = limits.retries + 1;
    state_->timeout =
        std::min(limits.timeout, remaining / (state_->attempts * std::max(limits.requests, 1)));
    if (state_->timeout <= std::chrono::milliseconds(0)) {
        open_status_ = poll_status::cancelled;
        open_error_ = "deadline passed before the SNMP request";
        return;
    }

    session_settings settings;
    snmp_sess_init(&settings.session);
    settings.peer = peer_name(target.node);
    settings.session.peername = settings.peer.data();
    settings.session.timeout = static_cast<long>(state_->timeout.count()) * 1000;
    settings.session.retries = limits.retries;

    settings.community = value_or_empty(target.credentials, "community");
    if (!settings.community.empty()) {
        settings.session.version = SNMP_VERSION_2c;
        settings.session.community = reinterpret_cast<u_char*>(settings.community.data());
        settings.session.community_len = settings.community.size();
    } else {
        if (auto problem = set_usm(target.credentials, settings); !problem.empty()) {
            open_status_ = poll_status::auth_failed;
            open_error_ = problem;
            return;
        }
        auto context = target.attributes.find("snmp_context");
        if (context != target.attributes.end()) {
            settings.context = context->second;
            settings.session.contextName = settings.context.data();
            settings.session.contextNameLen = settings.context.size();
        }
    }

    if (state_->cancelled()) {
        open_status_ = poll_status::cancelled;
        open_error_ = "cancelled before the SNMP session opened";
        return;
    }
    // For SNMPv3 this sends the engine ID discovery request.
    state_->handle = snmp_sess_open(&settings.session);
    if (state_->handle == nullptr) {
        int error = settings.session.s_snmp_errno;
        open_status_ = is_usm_failure(error) ? poll_status::auth_failed : poll_status::unreachable;
        open_error_ = std::string("cannot open SNMP session: ") + snmp_api_errstring(error);
        return;
    }
    open_status_ = poll_status::ok;
}

snmp_session::~snmp_session() {
    if (state_ && state_->handle != nullptr) {
        snmp_sess_close(state_->handle);
    }
}

std::chrono::milliseconds snmp_session::timeout() const noexcept { return state_->timeout; }

snmp_result snmp_session::get(const std::vector<oid_path>& names) {
    snmp_result result;
    if (open_status_ != poll_status::ok) {
        result.status = open_status_;
        result.error = open_error_;
        return result;
    }
    netsnmp_pdu* request = snmp_pdu_create(SNMP_MSG_GET);
    for (const auto& name : names) {
        auto oids = to_oids(name);
        snmp_add_null_var(request, oids.data(), oids.size());
    }
    netsnmp_pdu* response = state_->exchange(request, result, "GET");
    result.captured_at = std::chrono::system_clock::now();
    if (response == nullptr) {
        return result;
    }
    result.status = poll_status::ok;
    for (auto* variable = response->variables; variable != nullptr;
         variable = variable->next_variable) {
        result.values.push_back(to_value(variable));
    }
    // An agent that drops or adds varbinds still yields one value per name.
    result.values.resize(names.size());
    snmp_free_pdu(response);
    return result;
}

snmp_result snmp_session::walk(const oid_path& root,
                               std::size_t max_rows,
                               std::size_t max_requests,
                               bool& truncated) {
    snmp_result result;
    truncated = false;
    if (open_status_ != poll_status::ok) {
        result.status = open_status_;
        result.error = open_error_;
        return result;
    }
    // Sized for the largest rows walked so far: a Huawei row is about 45 bytes (17
    // sub-identifiers plus a DateAndTime), so 32 rows keep a response near 1,400 bytes,
    // within one 1500-byte MTU.
    constexpr long rows_per_request = 32;
    oid_path cursor = root;
    for (std::size_t request_count = 0;; ++request_count) {
        if (request_count == max_requests) {
            truncated = true;
            break;
        }
        netsnmp_pdu* request = snmp_pdu_create(SNMP_MSG_GETBULK);
        request->non_repeaters = 0;
        request->max_repetitions = rows_per_request;
        auto oids = to_oids(cursor);
        snmp_add_null_var(request, oids.data(), oids.size());
        netsnmp_pdu* response = state_->exchange(request, result, "walk");
        if (response == nullptr) {
            result.values.clear();
            return result;
        }
        bool done = response->variables == nullptr;
        for (auto* variable = response->variables; variable != nullptr && !done;
             variable = variable->next_variable) {
            auto value = to_value(variable);
            if (is_end_of_view(variable) || !starts_with(value.name, root) ||
                !std::lexicographical_compare(cursor.begin(), cursor.end(), value.name.begin(),
                                              value.name.end())) {
                done = true;
                break;
            }
            if (result.values.size() == max_rows) {
                truncated = true;
                done = true;
                break;
            }
            cursor = value.name;
            result.values.push_back(std::move(value));
        }
        snmp_free_pdu(response);
        if (done) {
            break;
        }
    }
    result.status = poll_status::ok;
    return result;
}

}  // namespace linetest::snmp
