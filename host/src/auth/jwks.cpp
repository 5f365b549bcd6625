#include "auth/jwks.hpp"

#include "auth/openssl_handles.hpp"
#include "core/base64.hpp"
#include "core/log.hpp"

#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/err.h>

#include <algorithm>
#include <array>
#include <string>
#include <variant>
#include <vector>

namespace linetest::auth {

namespace {

constexpr int min_rsa_bits = 2048;
constexpr std::size_t p256_coordinate_bytes = 32;

// Reason a JWK cannot be used. The caller logs it with the kid.
struct key_rejection {
    std::string problem;
};

std::optional<std::string> decoded_member(const nlohmann::json& jwk, const char* name) {
    const auto it = jwk.find(name);
    if (it == jwk.end() || !it->is_string()) {
        return std::nullopt;
    }
    return core::base64url_decode(it->get_ref<const std::string&>());
}

detail::bignum_ptr to_bignum(const std::string& bytes) {
    return detail::bignum_ptr(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                                        static_cast<int>(bytes.size()), nullptr));
}

std::shared_ptr<EVP_PKEY> key_from_params(const char* type, OSSL_PARAM_BLD* builder) {
    const detail::params_ptr params(OSSL_PARAM_BLD_to_param(builder));
    const detail::pkey_context_ptr context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1) {
        return nullptr;
    }
    EVP_PKEY* key = nullptr;
    if (EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        return nullptr;
    }
    return detail::share_pkey(key);
}

std::variant<std::shared_ptr<EVP_PKEY>, key_rejection> rsa_key(const nlohmann::json& jwk) {
    const auto modulus = decoded_member(jwk, "n");
    const auto exponent = decoded_member(jwk, "e");
    if (!modulus || modulus->empty() || !exponent || exponent->empty()) {
        return key_rejection{"n and e must be unpadded base64url strings"};
    }
    // An even or unit exponent is never a valid RSA public exponent.
    if ((static_cast<unsigned char>(exponent->back()) & 1) == 0 ||
        (exponent->find_first_not_of('\0') == exponent->size() - 1 && exponent->back() == 1)) {
        return key_rejection{"e is not a valid RSA public exponent"};
    }
    const auto n = to_bignum(*modulus);
    const auto e = to_bignum(*exponent);
    const detail::param_builder_ptr builder(OSSL_PARAM_BLD_new());
    if (!n || !e || !builder ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
        return key_rejection{"OpenSSL could not hold the RSA parameters"};
    }
    auto key = key_from_params("RSA", builder.get());
    if (!key) {
        return key_rejection{"OpenSSL rejected the RSA parameters"};
    }
    if (EVP_PKEY_get_bits(key.get()) < min_rsa_bits) {
        return key_rejection{"RSA modulus has " + std::to_string(EVP_PKEY_get_bits(key.get())) +
                             " bits; at least " + std::to_string(min_rsa_bits) + " are required"};
    }
    return key;
}

std::variant<std::shared_ptr<EVP_PKEY>, key_rejection> ec_key(const nlohmann::json& jwk) {
    const auto curve = jwk.find("crv");
    if (curve == jwk.end() || *curve != "P-256") {
        return key_rejection{"crv must be P-256, the only curve ES256 uses"};
    }
    const auto x = decoded_member(jwk, "x");
    const auto y = decoded_member(jwk, "y");
    // RFC 7518 section 6.2.1.2: coordinates are full-length, leading zeros included.
    if (!x || !y || x->size() != p256_coordinate_bytes || y->size() != p256_coordinate_bytes) {
        return key_rejection{"x and y must be base64url strings of 32 bytes each"};
    }
    const std::string point = std::string(1, '\x04') + *x + *y;
    const detail::param_builder_ptr builder(OSSL_PARAM_BLD_new());
    if (!builder ||
        OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1",
                                        0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                         point.size()) != 1) {
        return key_rejection{"OpenSSL could not hold the EC parameters"};
    }

    auto key = key_from_params("EC", builder.get());
    if (!key) {
        return key_rejection{"x and y are not a point on P-256"};
    }
    // OpenSSL 3.0's import already rejects a point off the curve (the off-curve test passes
    // without this check). The explicit check keeps the invalid-curve attack closed if a
    // provider imports without validating.
    const detail::pkey_context_ptr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1) {
        return key_rejection{"x and y are not a valid point on P-256"};
    }
    return key;
}

std::variant<json_web_key, key_rejection> usable_key(const nlohmann::json& jwk, std::string kid) {
    const auto use = jwk.find("use");
    if (use != jwk.end() && *use != "sig") {
        return key_rejection{"use is " + use->dump() + ", not \"sig\""};
    }
    const auto operations = jwk.find("key_ops");
    if (operations != jwk.end() &&
        (!operations->is_array() ||
         std::find(operations->begin(), operations->end(), "verify") == operations->end())) {
        return key_rejection{"key_ops does not allow \"verify\""};
    }

    json_web_key out;
    out.kid = std::move(kid);
    const auto type = jwk.find("kty");
    std::variant<std::shared_ptr<EVP_PKEY>, key_rejection> key;
    if (type != jwk.end() && *type == "RSA") {
        out.family = key_family::rsa;
        key = rsa_key(jwk);
    } else if (type != jwk.end() && *type == "EC") {
        out.family = key_family::ec_p256;
        key = ec_key(jwk);
    } else {
        return key_rejection{"kty " +
                             (type == jwk.end() ? std::string("is missing") : type->dump()) +
                             " is not supported; use RSA or EC"};
    }
    if (const auto* rejection = std::get_if<key_rejection>(&key)) {
        return *rejection;
    }
    out.key = std::get<std::shared_ptr<EVP_PKEY>>(std::move(key));

    const auto alg = jwk.find("alg");
    if (alg != jwk.end()) {
        const auto algorithm = alg->is_string()
                                   ? algorithm_from_name(alg->get_ref<const std::string&>())
                                   : std::nullopt;
        if (!algorithm) {
            return key_rejection{"alg " + alg->dump() + " is not one of RS256, PS256, ES256"};
        }
        if (family_of(*algorithm) != out.family) {
            return key_rejection{"alg " + alg->dump() + " does not fit kty " + type->dump()};
        }
        out.algorithm = algorithm;
    }
    return out;
}

}  // namespace

std::optional<jws_algorithm> algorithm_from_name(std::string_view name) {
    if (name == "RS256") {
        return jws_algorithm::rs256;
    }
    if (name == "PS256") {
        return jws_algorithm::ps256;
    }
    if (name == "ES256") {
        return jws_algorithm::es256;
    }
    return std::nullopt;
}

std::string_view algorithm_name(jws_algorithm algorithm) {
    switch (algorithm) {
        case jws_algorithm::rs256:
            return "RS256";
        case jws_algorithm::ps256:
            return "PS256";
        case jws_algorithm::es256:
            return "ES256";
        case jws_algorithm::invalid:
            break;
    }
    return "invalid";
}

key_family family_of(jws_algorithm algorithm) {
    switch (algorithm) {
        case jws_algorithm::rs256:
        case jws_algorithm::ps256:
            return key_family::rsa;
        case jws_algorithm::es256:
            return key_family::ec_p256;
        case jws_algorithm::invalid:
            break;
    }
    return key_family::invalid;
}

jwks_parse_result parse_jwks(std::string_view document, std::string_view source) {
    const auto log = core::logger("auth");
    jwks_parse_result result;
    const auto parsed = nlohmann::json::parse(document, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("keys") ||
        !parsed["keys"].is_array()) {
        result.error = "JWKS from " + std::string(source) +
                       " is not a JSON object with a \"keys\" array; check bearer.jwks_url";
        return result;
    }
    for (const auto& jwk : parsed["keys"]) {
        if (!jwk.is_object()) {
            log->warn("skipping a JWKS entry that is not an object jwks_url={}", source);
            continue;
        }
        const auto kid_it = jwk.find("kid");
        if (kid_it == jwk.end() || !kid_it->is_string() ||
            kid_it->get_ref<const std::string&>().empty()) {
            log->warn("skipping a JWK without a kid: tokens name their key by kid jwks_url={}",
                      source);
            continue;
        }
        const auto& kid = kid_it->get_ref<const std::string&>();
        if (result.keys.contains(kid)) {
            log->warn(
                "skipping a second JWK with the same kid; the first one stays kid={} "
                "jwks_url={}",
                kid, source);
            continue;
        }
        auto key = usable_key(jwk, kid);
        if (const auto* rejection = std::get_if<key_rejection>(&key)) {
            log->warn("skipping unusable JWK: {} kid={} jwks_url={}", rejection->problem, kid,
                      source);
            continue;
        }
        result.keys.emplace(kid, std::get<json_web_key>(std::move(key)));
    }
    ERR_clear_error();
    if (result.keys.empty()) {
        result.error = "JWKS from " + std::string(source) +
                       " has no usable signing key (RSA of 2048 bits or more, or EC P-256); "
                       "see the warnings above for each key";
    }
    return result;
}

}  // namespace linetest::auth
