#pragma once

#include "auth/key_cache.hpp"

#include <nlohmann/json.hpp>
#include <openssl/types.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace linetest::auth::test_support {

/// A key pair generated at test time that can publish itself as a JWK and sign tokens the
/// way an identity provider would. Generation is slow for RSA, so the suites share keys
/// through the named accessors below.
class test_key {
public:
    static test_key rsa(std::string kid, int bits = 2048);
    static test_key ec_p256(std::string kid);

    const std::string& kid() const noexcept { return kid_; }

    /// The public JWK, with `use` and `alg` only when given.
    nlohmann::json jwk(std::string_view alg = {}, std::string_view use = {}) const;

    /// Signs `header_json` and `payload_json` as given (so a test can put duplicate members
    /// in them) and returns the compact JWS. `alg` picks the signature scheme only; the
    /// header text says whatever the test wrote.
    std::string sign(std::string_view alg,
                     const std::string& header_json,
                     const std::string& payload_json) const;

    /// The DER SubjectPublicKeyInfo, the bytes an HS256 key-confusion attack uses as secret.
    std::string public_key_der() const;

private:
    test_key(std::string kid, std::shared_ptr<EVP_PKEY> key);

    std::string kid_;
    std::shared_ptr<EVP_PKEY> key_;
};

/// Keys shared by all tests in the binary.
const test_key& rsa_key();
const test_key& second_rsa_key();
const test_key& ec_key();

/// Signs with HMAC-SHA256 under `secret`, for the HS256 attack case.
std::string sign_hs256(const std::string& secret,
                       const std::string& header_json,
                       const std::string& payload_json);

/// `{"keys": [...]}` from the given JWKs.
std::string jwks_document(std::initializer_list<nlohmann::json> keys);

/// The fixed "now" the tests run at: 2027-01-15T08:00:00Z.
std::chrono::system_clock::time_point test_now();
/// `test_now()` in seconds since the epoch, for building claims.
std::int64_t test_now_seconds();

/// Stand-in for the identity provider's JWKS URL, behind the fetch function that the daemon
/// wires to its HTTP client. It is a plain function over a document the
/// test sets, so no mock framework and no network are involved.
class jwks_endpoint {
public:
    explicit jwks_endpoint(std::string document)
        : document_(std::move(document)) {}

    void serve(std::string document);
    /// Makes every fetch fail until `serve` is called again.
    void fail(std::string error);
    std::size_t calls() const;
    fetch_function fetcher();

private:
    mutable std::mutex mutex_;
    std::string document_;
    std::string error_;
    std::size_t calls_ = 0;
};

/// A steady clock the test moves by hand.
class manual_clock {
public:
    void advance(std::chrono::milliseconds step);
    steady_clock_function function();

private:
    std::shared_ptr<std::chrono::steady_clock::time_point> now_ =
        std::make_shared<std::chrono::steady_clock::time_point>();
};

}  // namespace linetest::auth::test_support
