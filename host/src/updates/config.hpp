#pragma once

#include <chrono>
#include <string>

#include "core/config_reader.hpp"
#include "core/secret.hpp"
#include "http/client.hpp"
#include "updates/token_source.hpp"

namespace linetest::updates {

/// Exponential backoff with full jitter between attempts to send one KCI.
struct retry_policy {
    std::chrono::milliseconds initial_delay{1'000};
    std::chrono::milliseconds max_delay{300'000};
};

/// The `updates` section of the daemon configuration.
struct updates_config {
    http::url base_url;  ///< Gateway base, for example `https://cvt.fibregateway.com/v1`.
    std::string client_id;
    core::secret client_secret;
    std::string scope;  ///< Empty sends no scope.
    std::chrono::milliseconds request_timeout{10'000};
    retry_policy retry;
    bool send_accepted_kci = false;
    std::string ca_file;  ///< Empty uses the system CA certificates.
    std::chrono::milliseconds token_refresh_margin{60'000};

    /// Returns `{base}/kcis`.
    http::url kcis_url() const;
    /// Returns `{base}/auth/supplier/access-token`.
    http::url token_url() const;
    /// Returns the HTTP client options for the gateway calls.
    http::client_options client_options() const;
    /// Returns the token source settings derived from this section.
    client_credentials_config token_config() const;
};

/// Reads the `updates` section. Throws `core::config_error` naming the full key,
/// also for a key it does not know.
updates_config parse_updates_config(core::config_reader& reader);

}  // namespace linetest::updates
