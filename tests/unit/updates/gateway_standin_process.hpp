#pragma once

#include <sys/types.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "http/client.hpp"

namespace linetest::updates::testing {

/// Runs `tests/peers/gateway_standin.mjs` under Node on 127.0.0.1 for one test
/// and kills it on destruction. Throws `std::runtime_error` when it does not
/// start or a control call fails.
class gateway_standin_process {
public:
    struct options {
        std::string client_id = "supplier-test";
        std::string client_secret = "s3cret:with/odd chars";
        int token_ttl_seconds = 3600;
        bool expires_in_as_string = false;
    };

    explicit gateway_standin_process(options opts);
    gateway_standin_process()
        : gateway_standin_process(options{}) {}
    ~gateway_standin_process();
    gateway_standin_process(const gateway_standin_process&) = delete;
    gateway_standin_process& operator=(const gateway_standin_process&) = delete;

    const options& settings() const { return options_; }
    /// Returns `http://127.0.0.1:<port>/v1`.
    std::string base_url() const;

    /// Queues statuses for the next KCI attempts, for example `[503, 503]`.
    void script_kcis(const nlohmann::json& statuses);
    /// Queues statuses for the next token requests.
    void script_tokens(const nlohmann::json& statuses);
    /// Forgets every issued token, so the next KCI carrying one gets a real 401.
    void revoke_tokens();
    /// Returns every KCI attempt the stand-in received, oldest first.
    nlohmann::json kci_attempts();
    nlohmann::json stats();

private:
    nlohmann::json control(boost::beast::http::verb method,
                           const std::string& path,
                           const std::string& body);

    options options_;
    std::filesystem::path directory_;
    pid_t pid_ = -1;
    int port_ = 0;
    http::client client_;
};

}  // namespace linetest::updates::testing
