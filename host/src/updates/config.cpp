#include "updates/config.hpp"

#include <utility>

namespace linetest::updates {

using std::chrono::milliseconds;

http::url updates_config::kcis_url() const { return http::append_path(base_url, "kcis"); }

http::url updates_config::token_url() const {
    return http::append_path(base_url, "auth/supplier/access-token");
}

http::client_options updates_config::client_options() const {
    http::client_options options;
    options.timeout = request_timeout;
    options.ca_file = ca_file;
    return options;
}

client_credentials_config updates_config::token_config() const {
    client_credentials_config config;
    config.token_url = token_url();
    config.client_id = client_id;
    config.client_secret = client_secret;
    config.scope = scope;
    config.refresh_margin = token_refresh_margin;
    config.client = client_options();
    return config;
}

updates_config parse_updates_config(core::config_reader& reader) {
    updates_config config;
    const std::string base = reader.required_string("base_url");
    try {
        config.base_url = http::parse_url(base);
    } catch (const http::url_error& error) {
        reader.fail("base_url", error.what());
    }
    if (config.base_url.target.find('?') != std::string::npos) {
        reader.fail("base_url", "must not have a query, got '" + base + "'");
    }
    if (!config.base_url.tls()) {
        // Plain http is for the local stand-in; production carries bearer tokens.
        const auto& host = config.base_url.host;
        if (host != "127.0.0.1" && host != "::1" && host != "localhost") {
            reader.fail("base_url",
                        "must use https unless the host is a loopback address, got '" + base + "'");
        }
    }

    config.client_id = reader.required_string("client_id");
    config.client_secret = core::secret(reader.required_string("client_secret"));
    config.scope = reader.string_or("scope", "");
    config.request_timeout = reader.milliseconds_or("request_timeout_ms", milliseconds(10'000),
                                                    milliseconds(100), milliseconds(300'000));

    auto retry = reader.object("retry");
    config.retry.initial_delay = retry.milliseconds_or("initial_delay_ms", milliseconds(1'000),
                                                       milliseconds(1), milliseconds(3'600'000));
    config.retry.max_delay = retry.milliseconds_or("max_delay_ms", milliseconds(300'000),
                                                   milliseconds(1), milliseconds(86'400'000));
    if (config.retry.max_delay < config.retry.initial_delay) {
        retry.fail("max_delay_ms", "must be at least initial_delay_ms (" +
                                       std::to_string(config.retry.initial_delay.count()) +
                                       "), got " + std::to_string(config.retry.max_delay.count()));
    }
    retry.reject_unknown_keys();

    config.send_accepted_kci = reader.bool_or("send_accepted_kci", false);
    config.ca_file = reader.string_or("ca_file", "");
    config.token_refresh_margin = reader.milliseconds_or(
        "token_refresh_margin_ms", milliseconds(60'000), milliseconds(0), milliseconds(1'800'000));
    reader.reject_unknown_keys();
    return config;
}

}  // namespace linetest::updates
