#include "snmp_session.hpp"

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include <mutex>

namespace linetest::dsl {
namespace {

using credential_map = std::map<std::string, std::string>;

void init_netsnmp_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        // A plugin must not load or write net-snmp's persistent state files
        // (/var/lib/snmp) as a side effect of polling.
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
        netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
        init_snmp("linetest-copper-dsl-snmp");
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

// Owns the strings that `netsnmp_session` points into until `snmp_sess_open`
// has copied them.
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

snmp_value decode_value(const netsnmp_variable_list* variable) {
    snmp_value value;
    switch (variable->type) {
        case ASN_INTEGER:
            value.integer = static_cast<std::int64_t>(*variable->val.integer);
            break;
        case ASN_GAUGE:
        case ASN_COUNTER:
        case ASN_TIMETICKS:
            // Unsigned 32-bit types arrive in a long; keep only the low 32 bits.
            value.integer =
                static_cast<std::int64_t>(static_cast<std::uint32_t>(*variable->val.integer));
            break;
        case ASN_OCTET_STR:
            value.octets.emplace(reinterpret_cast<const char*>(variable->val.string),
                                 variable->val_len);
            break;
        default:
            // noSuchObject, noSuchInstance, endOfMibView, or a type not read here.
            break;
    }
    return value;
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

snmp_session::~snmp_session() {
    if (handle_ != nullptr) {
        snmp_sess_close(handle_);
    }
}

std::unique_ptr<snmp_session> snmp_session::open(const sdk::equipment_target& target,
                                                 std::chrono::milliseconds timeout,
                                                 int retries,
                                                 poll_status& status,
                                                 std::string& error) {
    if (auto problem = check_snmp_credentials(target.credentials); !problem.empty()) {
        status = poll_status::auth_failed;
        error = problem;
        return nullptr;
    }
    init_netsnmp_once();

    session_settings settings;
    snmp_sess_init(&settings.session);
    settings.peer = peer_name(target.node);
    settings.session.peername = settings.peer.data();
    settings.session.timeout = static_cast<long>(timeout.count()) * 1000;
    settings.session.retries = retries;

    settings.community = value_or_empty(target.credentials, "community");
    if (!settings.community.empty()) {
        settings.session.version = SNMP_VERSION_2c;
        settings.session.community = reinterpret_cast<u_char*>(settings.community.data());
        settings.session.community_len = settings.community.size();
    } else {
        if (auto problem = set_usm(target.credentials, settings); !problem.empty()) {
            status = poll_status::auth_failed;
            error = problem;
            return nullptr;
        }
        auto context = target.attributes.find("snmp_context");
        if (context != target.attributes.end()) {
            settings.context = context->second;
            settings.session.contextName = settings.context.data();
            settings.session.contextNameLen = settings.context.size();
        }
    }

    void* handle = snmp_sess_open(&settings.session);
    if (handle == nullptr) {
        int code = settings.session.s_snmp_errno;
        status = is_usm_failure(code) ? poll_status::auth_failed : poll_status::unreachable;
        error = std::string("cannot open SNMP session: ") + snmp_api_errstring(code);
        return nullptr;
    }
    std::unique_ptr<snmp_session> session(new snmp_session());
    session->handle_ = handle;
    session->timeout_ = timeout;
    session->retries_ = retries;
    status = poll_status::ok;
    return session;
}

get_result snmp_session::get(const std::vector<object_id>& names) {
    netsnmp_pdu* request = snmp_pdu_create(SNMP_MSG_GET);
    for (const auto& name : names) {
        std::vector<oid> sub_ids(name.begin(), name.end());
        snmp_add_null_var(request, sub_ids.data(), sub_ids.size());
    }

    netsnmp_pdu* response = nullptr;
    int status = snmp_sess_synch_response(handle_, request, &response);
    get_result result;
    result.captured_at = std::chrono::system_clock::now();
    if (status == STAT_TIMEOUT) {
        result.status = poll_status::unreachable;
        result.error = "SNMP GET timed out after " + std::to_string(retries_ + 1) +
                       " attempt(s) of " + std::to_string(timeout_.count()) + " ms";
    } else if (status != STAT_SUCCESS || response == nullptr) {
        int code = snmp_sess_session(handle_)->s_snmp_errno;
        result.status = is_usm_failure(code) ? poll_status::auth_failed : poll_status::unreachable;
        result.error = std::string("SNMP GET failed: ") + snmp_api_errstring(code);
    } else if (response->errstat != SNMP_ERR_NOERROR) {
        result.status = poll_status::agent_error;
        result.error = std::string("agent returned error status ") +
                       snmp_errstring(static_cast<int>(response->errstat)) + " at varbind " +
                       std::to_string(response->errindex);
    } else {
        result.status = poll_status::ok;
        for (auto* variable = response->variables; variable != nullptr;
             variable = variable->next_variable) {
            result.values.push_back(decode_value(variable));
        }
        result.values.resize(names.size());
    }
    if (response != nullptr) {
        snmp_free_pdu(response);
    }
    return result;
}

}  // namespace linetest::dsl
