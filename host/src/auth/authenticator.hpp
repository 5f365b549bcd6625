#pragma once

#include "auth/introspection.hpp"
#include "auth/jwt_verifier.hpp"
#include "auth/key_cache.hpp"
#include "auth/password_hash.hpp"
#include "core/config_reader.hpp"
#include "core/secret.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace linetest::auth {

/// Authentication mechanism, one per daemon: the three the gateway offers. No value turns
/// authentication off.
enum class auth_mode { invalid = 0, bearer, mtls, basic };

std::string_view mode_name(auth_mode mode);

/// One Basic user. The hash is kept as a secret too: it allows an offline guessing attack.
struct basic_user {
    std::string user;
    core::secret stored_hash;  /// the configured string
    auth::password_hash parsed;
};

/// Caller identity and the tenants it may act for. `"*"` matches any tenant.
struct client_permission {
    std::string id;
    std::vector<std::string> tenants;
};

struct auth_settings {
    auth_mode mode = auth_mode::invalid;
    verifier_settings bearer;
    /// Empty `jwks.jwks_url` when only introspection is configured.
    key_cache_settings jwks;
    /// Empty `url` when introspection is off.
    introspection_settings introspection;
    /// mtls: PEM bundle of the CAs that issue client certificates.
    std::string client_ca_file;
    /// basic: the accepted users.
    std::vector<basic_user> basic_users;
    /// Empty means every verified identity may act for every tenant.
    std::vector<client_permission> clients;
};

/// Reads the `auth` section of the configuration:
///
///   mode                              "bearer", "mtls" or "basic" (required; "none" is
///                                     rejected)
///   bearer.*                          required with bearer, rejected otherwise:
///   bearer.issuer                     exact `iss` (required)
///   bearer.audience                   must be in `aud` (required)
///   bearer.jwks_url                   https URL, or http on a loopback host (required
///                                     unless introspection_url is set)
///   bearer.required_scope             in `scope` or `scp` (required)
///   bearer.algorithms                 subset of RS256, PS256, ES256 (default all three)
///   bearer.leeway_ms                  clock skew allowed on exp/nbf/iat (default 30000)
///   bearer.max_token_bytes            (default 8192)
///   bearer.jwks_refresh_ms            scheduled JWKS refresh (default 600000)
///   bearer.unknown_kid_min_interval_ms  spacing of unknown-kid fetches (default 60000)
///   bearer.token_cache_size           verified tokens remembered until exp (default 10000;
///                                     0 disables); also bounds the introspection cache
///   bearer.introspection_url          RFC 7662 endpoint for tokens that are not JWTs (or for
///                                     every token without jwks_url); same URL rule
///   bearer.introspection_client_id    with introspection_url (required)
///   bearer.introspection_client_secret  with introspection_url (required)
///   tls.client_ca_file                mtls only (required): CAs for client certificates
///   basic.users                       basic only (required, not empty):
///                                     [{"user": ..., "password_hash": "pbkdf2-sha256$..."}]
///   clients                           [{"id": ..., "tenants": [...]}] (default empty; with
///                                     mtls it is required and lists the accepted
///                                     certificate identities)
///
/// Throws `core::config_error` naming the full key on any invalid or unknown option.
auth_settings parse_auth_settings(core::config_reader section);

/// Decision for one request.
struct auth_decision {
    enum class outcome { invalid = 0, allow, unauthenticated, forbidden };

    outcome result = outcome::invalid;
    /// The verified identity; set for allow and forbidden.
    std::string identity;
    /// Reason for a 401, for the log only. It is never sent to the caller.
    verify_failure failure;

    bool allowed() const noexcept { return result == outcome::allow; }
    /// 200 for allow (the caller proceeds), 401 or 403 otherwise. A 401 body is always the
    /// generic `NOT_AUTHORISED` error, whatever the reason.
    int http_status() const noexcept;
};

/// Decides whether a request to `POST /service-tests` may proceed, from its `Authorization`
/// and `Tenant` headers. Construct it, call `initial_load` (and stop the daemon when that
/// fails), then `start` for scheduled JWKS refreshes. `authenticate` is thread-safe.
class authenticator {
public:
    /// `post` carries introspection requests; it may be empty without `bearer.introspection_url`.
    authenticator(auth_settings settings,
                  fetch_function fetch,
                  system_clock_function wall_clock = {},
                  steady_clock_function steady_clock = {},
                  post_function post = {});

    /// Loads the JWKS; returns the message to report at start when that fails.
    std::optional<std::string> initial_load();
    void start();
    void stop();

    /// Checks the credentials. `log_fields` (for example `request_id=... conversation_id=...`)
    /// ends the log line written for a rejection. The token or password is never logged.
    /// `certificate_identities` are the subject CN and SAN DNS/URI names of a client
    /// certificate the TLS layer verified against `client_ca_file` (empty without one); only
    /// the mtls mode reads them, and only mtls ignores `authorization`.
    auth_decision authenticate(std::string_view authorization,
                               std::string_view tenant,
                               std::string_view log_fields = {},
                               const std::vector<std::string>& certificate_identities = {}) const;

    auth_mode mode() const noexcept { return settings_.mode; }

    /// Returns the key cache, so that tests can step refreshes.
    key_cache& keys_for_test() { return *keys_; }

private:
    bool permitted(const std::string& identity, std::string_view tenant) const;
    verify_result check_basic(std::string_view credentials) const;
    verify_result check_certificate(const std::vector<std::string>& identities) const;

    const auth_settings settings_;
    const std::shared_ptr<key_cache> keys_;
    const jwt_verifier verifier_;
    const std::optional<token_introspector> introspector_;

    // Basic credentials that verified, by SHA-256 of "user:password", with the time they stop
    // being trusted without a new derivation. Failures are never cached.
    mutable std::mutex basic_cache_mutex_;
    mutable std::unordered_map<std::string,
                               std::pair<std::string, std::chrono::steady_clock::time_point>>
        basic_cache_;
};

}  // namespace linetest::auth
