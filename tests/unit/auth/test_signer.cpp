#include "test_signer.hpp"

#include "core/base64.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdexcept>

namespace linetest::auth::test_support {

namespace {

std::string base64url_bignum(EVP_PKEY* key, const char* name, int pad_to = 0) {
    BIGNUM* number = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &number) != 1) {
        throw std::runtime_error(std::string("test key has no ") + name);
    }
    const int size = pad_to > 0 ? pad_to : BN_num_bytes(number);
    std::string bytes(static_cast<std::size_t>(size), '\0');
    BN_bn2binpad(number, reinterpret_cast<unsigned char*>(bytes.data()), size);
    BN_free(number);
    return core::base64url_encode(bytes);
}

std::string es256_der_to_raw(const std::string& der) {
    const auto* in = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* signature = d2i_ECDSA_SIG(nullptr, &in, static_cast<long>(der.size()));
    if (signature == nullptr) {
        throw std::runtime_error("OpenSSL produced an unreadable ECDSA signature");
    }
    std::string raw(64, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    BN_bn2binpad(ECDSA_SIG_get0_r(signature), out, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(signature), out + 32, 32);
    ECDSA_SIG_free(signature);
    return raw;
}

}  // namespace

test_key::test_key(std::string kid, std::shared_ptr<EVP_PKEY> key)
    : kid_(std::move(kid)),
      key_(std::move(key)) {}

test_key test_key::rsa(std::string kid, int bits) {
    EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned int>(bits));
    if (key == nullptr) {
        throw std::runtime_error("OpenSSL could not generate an RSA test key");
    }
    return test_key(std::move(kid), std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free));
}

test_key test_key::ec_p256(std::string kid) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    if (key == nullptr) {
        throw std::runtime_error("OpenSSL could not generate a P-256 test key");
    }
    return test_key(std::move(kid), std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free));
}

nlohmann::json test_key::jwk(std::string_view alg, std::string_view use) const {
    nlohmann::json out = {{"kid", kid_}};
    if (EVP_PKEY_is_a(key_.get(), "RSA")) {
        out["kty"] = "RSA";
        out["n"] = base64url_bignum(key_.get(), OSSL_PKEY_PARAM_RSA_N);
        out["e"] = base64url_bignum(key_.get(), OSSL_PKEY_PARAM_RSA_E);
    } else {
        out["kty"] = "EC";
        out["crv"] = "P-256";
        out["x"] = base64url_bignum(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32);
        out["y"] = base64url_bignum(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32);
    }
    if (!alg.empty()) {
        out["alg"] = std::string(alg);
    }
    if (!use.empty()) {
        out["use"] = std::string(use);
    }
    return out;
}

std::string test_key::sign(std::string_view alg,
                           const std::string& header_json,
                           const std::string& payload_json) const {
    const std::string input =
        core::base64url_encode(header_json) + "." + core::base64url_encode(payload_json);
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    EVP_PKEY_CTX* key_context = nullptr;
    bool ok = EVP_DigestSignInit(context, &key_context, EVP_sha256(), nullptr, key_.get()) == 1;
    if (ok && alg == "PS256") {
        ok = EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, RSA_PSS_SALTLEN_DIGEST) == 1;
    }
    std::size_t size = 0;
    ok = ok &&
         EVP_DigestSign(context, nullptr, &size,
                        reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    std::string signature(size, '\0');
    ok = ok &&
         EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()), &size,
                        reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    EVP_MD_CTX_free(context);
    if (!ok) {
        throw std::runtime_error("OpenSSL could not sign the test token");
    }
    signature.resize(size);
    if (alg == "ES256") {
        signature = es256_der_to_raw(signature);
    }
    return input + "." + core::base64url_encode(signature);
}

std::string test_key::public_key_der() const {
    unsigned char* der = nullptr;
    const int size = i2d_PUBKEY(key_.get(), &der);
    if (size <= 0) {
        throw std::runtime_error("OpenSSL could not encode the test public key");
    }
    std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size));
    OPENSSL_free(der);
    return out;
}

const test_key& rsa_key() {
    static const test_key key = test_key::rsa("rsa-1");
    return key;
}

const test_key& second_rsa_key() {
    static const test_key key = test_key::rsa("rsa-2");
    return key;
}

const test_key& ec_key() {
    static const test_key key = test_key::ec_p256("ec-1");
    return key;
}

std::string sign_hs256(const std::string& secret,
                       const std::string& header_json,
                       const std::string& payload_json) {
    const std::string input =
        core::base64url_encode(header_json) + "." + core::base64url_encode(payload_json);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &size);
    return input + "." +
           core::base64url_encode(std::string_view(reinterpret_cast<const char*>(mac), size));
}

std::string jwks_document(std::initializer_list<nlohmann::json> keys) {
    auto array = nlohmann::json::array();
    for (const auto& key : keys) {
        array.push_back(key);
    }
    return nlohmann::json{{"keys", array}}.dump();
}

void jwks_endpoint::serve(std::string document) {
    const std::lock_guard lock(mutex_);
    document_ = std::move(document);
    error_.clear();
}

void jwks_endpoint::fail(std::string error) {
    const std::lock_guard lock(mutex_);
    error_ = std::move(error);
}

std::size_t jwks_endpoint::calls() const {
    const std::lock_guard lock(mutex_);
    return calls_;
}

fetch_function jwks_endpoint::fetcher() {
    return [this](const std::string&) {
        const std::lock_guard lock(mutex_);
        ++calls_;
        return error_.empty() ? fetch_result::success(document_) : fetch_result::failure(error_);
    };
}

void manual_clock::advance(std::chrono::milliseconds step) { *now_ += step; }

steady_clock_function manual_clock::function() {
    return [now = now_] { return *now; };
}

std::chrono::system_clock::time_point test_now() {
    return std::chrono::system_clock::time_point(std::chrono::seconds(test_now_seconds()));
}

std::int64_t test_now_seconds() { return 1'800'000'000; }

}  // namespace linetest::auth::test_support
