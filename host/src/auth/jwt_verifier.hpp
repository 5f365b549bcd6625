#pragma once

#include "auth/jwks.hpp"
#include "auth/key_cache.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace linetest::auth {

/// Reason a request failed authentication. Only the log records it: the HTTP response is
/// the same generic 401 for every reason, so a caller cannot probe which check failed.
enum class failure_reason {
    invalid = 0,
    missing_credentials,
    unsupported_scheme,
    token_too_large,
    malformed_token,
    malformed_header,
    algorithm_not_allowed,
    unsupported_header_parameter,
    missing_kid,
    unknown_kid,
    key_algorithm_mismatch,
    bad_signature,
    malformed_claims,
    duplicate_member,
    wrong_issuer,
    wrong_audience,
    missing_expiry,
    expired,
    not_yet_valid,
    issued_in_future,
    missing_scope,
    missing_identity,
    unknown_user,
    wrong_password,
    no_client_certificate,
    unknown_client_certificate,
    introspection_failed,
    inactive_token,
};

std::string_view reason_name(failure_reason reason);

/// Failed check: the reason and a detail for the log. Neither contains the token.
struct verify_failure {
    failure_reason reason = failure_reason::invalid;
    std::string detail;
};

/// Caller identified by a valid token.
struct verified_token {
    /// `client_id`, else `azp`, else `sub`: the OAuth2 client for client-credentials tokens.
    std::string identity;
    /// The union of the space-separated `scope` and `scp` (an array, or a space-separated
    /// string as some providers write it).
    std::vector<std::string> scopes;
    std::string kid;
    jws_algorithm algorithm = jws_algorithm::invalid;
    /// `exp`: a cached verification is reused until then, without the leeway.
    std::chrono::system_clock::time_point expires_at{};
};

/// Result of `verify`: either the verified token or the failure.
struct verify_result {
    std::optional<verified_token> token;
    verify_failure failure;

    bool ok() const noexcept { return token.has_value(); }
};

/// Wall clock for `exp`, `nbf` and `iat`, injectable so that tests can fix "now".
using system_clock_function = std::function<std::chrono::system_clock::time_point()>;

struct verifier_settings {
    std::string issuer;
    std::string audience;
    /// Must not be empty: a token without this scope is rejected.
    std::string required_scope;
    std::vector<jws_algorithm> algorithms{jws_algorithm::rs256, jws_algorithm::ps256,
                                          jws_algorithm::es256};
    std::chrono::milliseconds leeway{30000};
    std::size_t max_token_bytes = 8 * 1024;
    /// Verified tokens remembered by SHA-256 of the token; 0 turns the cache off.
    std::size_t token_cache_size = 10'000;
};

/// Verifies compact-serialised JWS access tokens (RFC 7515, RFC 7519) against the keys in a
/// `key_cache`.
///
/// Checks, in order: size; three unpadded base64url parts; a header object without
/// duplicate members, with `alg` in the allow-list and a `kid` found in the cache; the
/// signature, with a key of the algorithm's type; then the claims: `iss` equal to ours, `aud`
/// containing ours, `exp` required, `exp`, `nbf` and `iat` compared with leeway (fractional
/// seconds allowed), and the required scope. Header `jku`, `x5u` and `jwk` are ignored: keys
/// come only from the configured JWKS. A header with `crit` is rejected, because this
/// verifier understands no extension. Thread-safe.
///
/// A token that passed every check is remembered under the SHA-256 of its bytes until its
/// `exp`, so a client reusing it costs one signature check per token. The cache holds at most
/// `token_cache_size` entries: when full, expired entries are dropped and, if none was, the
/// new token is simply not cached. A remembered token stays valid until `exp` even if its key
/// leaves the JWKS meanwhile; that is the cost of the cache, bounded by the token lifetime.
class jwt_verifier {
public:
    jwt_verifier(verifier_settings settings,
                 std::shared_ptr<key_cache> keys,
                 system_clock_function clock = {});

    verify_result verify(std::string_view token) const;

    const verifier_settings& settings() const noexcept { return settings_; }

private:
    std::optional<verify_failure> check_claims(const std::string& payload,
                                               verified_token& token) const;

    verify_result verify_uncached(std::string_view token) const;

    const verifier_settings settings_;
    const std::shared_ptr<key_cache> keys_;
    const system_clock_function clock_;

    mutable std::mutex cache_mutex_;
    mutable std::unordered_map<std::string, verified_token> cache_;
};

}  // namespace linetest::auth
