#pragma once

#include "linetest/test_support/child_process.hpp"
#include "linetest/test_support/http_test_client.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace linetest::test_support {

/// Returns the folder of the Node test peers, tests/peers in the source tree (the
/// LINETEST_PEERS_DIR compile definition).
std::filesystem::path peers_dir();

/// Returns the Node.js executable: $LINETEST_NODE when set, else `node` or `nodejs` from PATH.
/// Returns std::nullopt when none is found or $LINETEST_NODE is not executable.
std::optional<std::filesystem::path> node_executable();

/// Returns why the Node peers cannot run (no node, or no node_modules because
/// scripts/setup.sh has not been run), or std::nullopt when they can. Meant for GTEST_SKIP in
/// tests that need a peer: `if (auto why = peers_unavailable_reason()) GTEST_SKIP() << *why;`.
/// With the environment variable CI=true it also records a test failure, so that CI cannot
/// pass on skipped peer tests.
std::optional<std::string> peers_unavailable_reason();

/// Settings for `start_oauth_server`; each maps to an option of tests/peers/oauth_server.mjs.
struct oauth_server_options {
    std::uint16_t port = 0;                ///< 0 lets the kernel pick one
    std::string audience;                  ///< `aud` of every token; empty leaves `aud` out
    std::string scope = "service-tests";   ///< `scope` of every token
    std::string client_id;                 ///< `client_id` when the request names none
    bool es256 = false;                    ///< add an ES256 key; tokens then alternate RS256, ES256
    std::optional<int> token_ttl_seconds;  ///< `exp` - `iat`; negative gives expired tokens
};

/// A running tests/peers/oauth_server.mjs on 127.0.0.1. The destructor of `process` stops it.
struct oauth_server {
    child_process process;
    std::uint16_t port = 0;
    std::string issuer;          ///< "http://127.0.0.1:<port>", the `iss` of every token
    std::string jwks_uri;        ///< issuer + "/jwks"
    std::string token_endpoint;  ///< issuer + "/token"

    /// Requests a client-credentials token with HTTP Basic client authentication and returns
    /// the `access_token` (a JWT).
    /// @throws std::runtime_error on a non-200 response or a body without `access_token`.
    std::string client_credentials_token(const std::string& client_id,
                                         const std::string& client_secret) const;
};

/// Starts the OAuth2 server with its info file and log (oauth_server-<n>.json and .log) in
/// `work_dir`, and waits until it listens.
/// @throws std::runtime_error with the end of its log when the peers are not installed, the
///         server exits early or does not report its port within `startup_timeout`.
oauth_server start_oauth_server(
    const std::filesystem::path& work_dir,
    const oauth_server_options& options = {},
    std::chrono::milliseconds startup_timeout = std::chrono::seconds(20));

/// Settings for `start_gateway_standin`; each maps to an option of
/// tests/peers/gateway_standin.mjs.
struct gateway_standin_options {
    std::uint16_t port = 0;  ///< 0 lets the kernel pick one
    std::string client_id = "linetest-supplier";
    std::string client_secret = "linetest-test-secret";
    bool log_kcis = false;                 ///< print every received KCI to the stand-in's log
    std::optional<int> token_ttl_seconds;  ///< lifetime of issued tokens (stand-in default 3600)
    bool expires_in_string = false;  ///< send `expires_in` as a JSON string, as the schema types it
};

/// A running tests/peers/gateway_standin.mjs on 127.0.0.1, with calls for its control API.
/// The destructor of `process` stops it.
struct gateway_standin {
    child_process process;
    std::uint16_t port = 0;
    std::string base_url;        ///< "http://127.0.0.1:<port>"
    std::string updates_base;    ///< base_url + "/v1"; KCIs go to updates_base + "/kcis"
    std::string token_endpoint;  ///< base_url + "/v1/auth/supplier/access-token"

    /// Appends `script` to the KCI script with POST /control/kcis-script. The body is a JSON
    /// array whose entries set the responses of the next KCI posts, one each, as a status
    /// (`503`) or an object (`{"status": 204, "delay_ms": 500}`).
    /// @throws std::runtime_error when the stand-in returns a status other than 2xx.
    void script_kcis(const nlohmann::json& script) const;

    /// Appends `script` to the token script with POST /control/token-script, in the same form
    /// as `script_kcis`. An entry may also carry "body", sent as is in place of a token.
    /// @throws std::runtime_error when the stand-in returns a status other than 2xx.
    void script_tokens(const nlohmann::json& script) const;

    /// Makes the stand-in forget every issued token (POST /control/revoke-tokens), so that the
    /// next KCI post with an old token gets 401.
    /// @throws std::runtime_error when the stand-in returns a status other than 2xx.
    void revoke_tokens() const;

    /// Returns the parsed body of GET /control/kcis: every KCI attempt so far with the status
    /// returned, the headers (bearer tokens replaced by serial numbers) and the parsed body.
    /// @throws std::runtime_error on a non-200 response or a body that is not JSON.
    nlohmann::json kcis() const;

    /// Returns the parsed body of GET /control/stats (request counters).
    /// @throws std::runtime_error on a non-200 response or a body that is not JSON.
    nlohmann::json stats() const;

    /// Clears attempts, scripts, tokens and counters with POST /control/reset.
    /// @throws std::runtime_error when the stand-in returns a status other than 2xx.
    void reset() const;

    /// Returns a client for any other request to the stand-in.
    http_test_client client() const { return http_test_client("127.0.0.1", port); }
};

/// Starts the gateway stand-in with its port file and log (gateway_standin-<n>.port and .log)
/// in `work_dir`, and waits until it accepts connections.
/// @throws std::runtime_error with the end of its log when the peers are not installed, the
///         stand-in exits early or does not report its port within `startup_timeout`.
gateway_standin start_gateway_standin(
    const std::filesystem::path& work_dir,
    const gateway_standin_options& options = {},
    std::chrono::milliseconds startup_timeout = std::chrono::seconds(20));

}  // namespace linetest::test_support
