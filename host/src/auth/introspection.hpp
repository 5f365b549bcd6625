#pragma once

#include "auth/jwt_verifier.hpp"
#include "auth/key_cache.hpp"
#include "core/secret.hpp"

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace linetest::auth {

/// Posts `form_body` (application/x-www-form-urlencoded) to `url` with `authorization` as the
/// Authorization header and returns the response body for a 200. The daemon wires its HTTP
/// client here; it must apply its own timeout.
using post_function = std::function<fetch_result(
    const std::string& url, const std::string& form_body, const core::secret& authorization)>;

struct introspection_settings {
    std::string url;
    std::string client_id;
    core::secret client_secret;
    /// Active tokens remembered by SHA-256 of the token until `exp`; 0 turns the cache off.
    std::size_t cache_size = 10'000;
};

/// Checks opaque access tokens with OAuth 2.0 Token Introspection (RFC 7662).
///
/// Posts the token with HTTP Basic client authentication and applies to the response the
/// rules a JWT passes: `active` true, `iss` equal to ours, `aud` containing ours, `exp`
/// present and in the future, `nbf` and `iat` not in the future (with the leeway), and the
/// required scope in `scope`. The identity is `client_id`, else `sub`. Active answers are
/// cached like verified JWTs, so a busy client costs one round trip per token; a token
/// revoked at the provider stays accepted here until its `exp`. Thread-safe.
class token_introspector {
public:
    token_introspector(introspection_settings settings,
                       verifier_settings rules,
                       post_function post,
                       system_clock_function clock = {});

    verify_result introspect(std::string_view token) const;

private:
    verify_result introspect_uncached(std::string_view token) const;

    const introspection_settings settings_;
    const verifier_settings rules_;
    const post_function post_;
    const system_clock_function clock_;

    mutable std::mutex cache_mutex_;
    mutable std::unordered_map<std::string, verified_token> cache_;
};

}  // namespace linetest::auth
