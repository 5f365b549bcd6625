#pragma once

#include "linetest/test_support/child_process.hpp"
#include "linetest/test_support/http_test_client.hpp"
#include "linetest/test_support/peer_paths.hpp"
#include "linetest/test_support/temp_dir.hpp"

#include <nlohmann/json.hpp>
#include <openssl/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace linetest::security_tests {

/// A key and certificate made at test time with the OpenSSL C API, written as PEM files.
struct issued_certificate {
    std::shared_ptr<EVP_PKEY> key;
    std::shared_ptr<X509> certificate;
    std::filesystem::path certificate_file;
    std::filesystem::path key_file;
};

/// Settings for `issue_certificate`. Validity offsets are seconds from now.
struct certificate_request {
    std::string common_name;
    std::vector<std::string> dns_names;
    std::vector<std::string> ip_addresses;
    bool ca = false;
    long not_before_offset = -3600;
    long not_after_offset = 86400;
    /// 0 makes a P-256 key; otherwise an RSA key of this many bits.
    int rsa_bits = 0;
};

/// Issues a certificate signed by `issuer` (self-signed when null) and writes
/// `<dir>/<stem>.crt` and `<dir>/<stem>.key`.
issued_certificate issue_certificate(const certificate_request& request,
                                     const issued_certificate* issuer,
                                     const std::filesystem::path& dir,
                                     const std::string& stem);

/// Result of one HTTPS exchange. `status` is 0 when no HTTP response arrived, and `error` then
/// contains the reason (a failed handshake, or an alert after a TLS 1.3 handshake).
struct tls_exchange {
    unsigned status = 0;
    std::string body;
    std::string error;
};

/// Credentials and trust for `https_post`. An empty client certificate sends none.
struct tls_client_settings {
    std::filesystem::path server_ca_file;
    std::filesystem::path client_certificate_file;
    std::filesystem::path client_key_file;
};

/// Sends one POST /service-tests over TLS to 127.0.0.1:`port` and reads the response.
tls_exchange https_post(std::uint16_t port,
                        const tls_client_settings& settings,
                        const test_support::http_headers& headers,
                        const std::string& body);

/// A small Node HTTP server on 127.0.0.1 that serves one file, read at each request, at any
/// path. The tests rewrite the file to rotate keys.
class file_server {
public:
    file_server(const std::filesystem::path& work_dir, std::filesystem::path file);

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/jwks"; }

private:
    std::uint16_t port_ = 0;
    std::optional<test_support::child_process> process_;
};

/// Settings for one daemon.
struct daemon_options {
    /// The whole `auth` section.
    nlohmann::json auth;
    /// Adds a TLS listener with this certificate (and `client_ca_file` for mtls via auth).
    const issued_certificate* server_certificate = nullptr;
    /// Gateway Supplier Updates base URL; empty points the KCIs at a closed port.
    std::string updates_base;
    std::string updates_client_secret = "kci-client-secret-unused";
    std::string community = "public-unused";
    std::string log_level = "info";
};

/// linetestd started from `daemon_options` in its own temp dir, with the GPON plugin and 100
/// services each for tenants ACME and OTHER, on an OLT address where nothing answers.
class daemon_process {
public:
    explicit daemon_process(const daemon_options& options);

    /// Starts the process; returns false when it exited before its plain port answered.
    bool start();

    test_support::http_test_client plain_client() const;
    std::uint16_t tls_port() const { return tls_port_; }
    test_support::child_process& process() { return *process_; }
    const std::filesystem::path& dir() const { return dir_.path(); }
    std::string log() const;

private:
    test_support::temp_dir dir_;
    std::filesystem::path config_file_;
    std::uint16_t plain_port_ = 0;
    std::uint16_t tls_port_ = 0;
    std::optional<test_support::child_process> process_;
};

/// Headers of a service-test POST for tenant `tenant`, with `authorization` when not empty.
test_support::http_headers request_headers(const std::string& authorization,
                                           const std::string& tenant = "ACME");

/// Returns a valid body for the next idle service of `tenant`, with a fresh test id.
std::string request_body(const std::string& tenant = "ACME");

/// Returns an explanation when `body` is not the error envelope with `code` and a uuid, or an
/// empty string when it is.
std::string envelope_mismatch(const std::string& body, const std::string& code);

/// Returns the end of the daemon's log for failure messages.
std::string tail(const std::string& log, std::size_t chars = 3000);

}  // namespace linetest::security_tests
