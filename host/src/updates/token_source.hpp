#pragma once

#include <boost/system/result.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "core/secret.hpp"
#include "http/client.hpp"

namespace linetest::updates {

enum class token_errc {
    unavailable = 1,  ///< Network failure, timeout, 5xx or 429: worth retrying later.
    rejected,         ///< 400/401/403: the credentials or scope are wrong; fix the config.
    bad_response,     ///< A 200 without a usable token, or a status the endpoint should not send.
};

struct token_error {
    token_errc kind = token_errc::unavailable;
    unsigned http_status = 0;  ///< 0 when no response arrived.
    std::string message;       ///< Names the endpoint and the problem; never contains a secret.
};

/// Lets `boost::system::result<T, token_error>::value()` throw on an error.
[[noreturn]] void throw_exception_from_error(const token_error& error,
                                             const boost::source_location& location);

using token_result = boost::system::result<core::secret, token_error>;

/// Bearer tokens for calls to the gateway. The interface lets the dispatcher
/// run against another grant or a fixed token.
class token_source {
public:
    virtual ~token_source() = default;

    /// Returns a token that is valid now, fetching a new one when needed.
    virtual token_result token() = 0;

    /// Drops the cached token after the gateway rejected it with 401, so the
    /// next `token()` fetches a new one.
    virtual void invalidate() = 0;
};

struct client_credentials_config {
    http::url token_url;  ///< `{base}/auth/supplier/access-token`.
    std::string client_id;
    core::secret client_secret;
    std::string scope;  ///< Space-separated; empty sends no `scope`.
    /// A token is replaced this long before `expires_in` runs out, so that a
    /// call in flight does not carry a token that expires on the way.
    std::chrono::milliseconds refresh_margin{60'000};
    http::client_options client;
};

/// OAuth2 client credentials grant (RFC 6749 section 4.4) with HTTP Basic
/// client authentication, caching the token until `expires_in` minus the
/// refresh margin.
///
/// Thread-safe: callers share one cached token, and concurrent callers that
/// find no valid token wait for a single fetch.
class client_credentials_token_source final : public token_source {
public:
    using steady_clock = std::chrono::steady_clock;
    using clock_function = std::function<steady_clock::time_point()>;

    /// `now` replaces the steady clock in tests of expiry.
    explicit client_credentials_token_source(client_credentials_config config,
                                             clock_function now = steady_clock::now);

    token_result token() override;
    void invalidate() override;

    /// Number of token requests sent, for metrics and tests.
    std::uint64_t fetch_count() const;

private:
    token_result fetch();

    client_credentials_config config_;
    clock_function now_;
    mutable std::mutex mutex_;
    http::client client_;
    std::optional<core::secret> token_;
    steady_clock::time_point refresh_at_{};
    std::uint64_t fetch_count_ = 0;
};

}  // namespace linetest::updates
