#include "auth/jwt_verifier.hpp"

#include "auth/openssl_handles.hpp"
#include "core/base64.hpp"

#include <nlohmann/json.hpp>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <utility>

namespace linetest::auth {

namespace {

// Access tokens are nearly flat, so deeper JSON is not a real token and only costs parsing.
constexpr int max_json_depth = 16;
constexpr std::size_t es256_signature_bytes = 64;
constexpr std::size_t es256_half_bytes = es256_signature_bytes / 2;

// Token values end up in log lines, so they are JSON-escaped and cut to a readable length.
std::string quoted(const nlohmann::json& value) {
    constexpr std::size_t max_logged_chars = 80;
    auto text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.size() > max_logged_chars) {
        text.resize(max_logged_chars);
        text += "...";
    }
    return text;
}

verify_result failed(failure_reason reason, std::string detail) {
    return verify_result{std::nullopt, verify_failure{reason, std::move(detail)}};
}

struct strict_json {
    nlohmann::json value;
    bool duplicate = false;
    bool too_deep = false;
};

// RFC 7515 section 4 and RFC 7519 section 4 let a parser either keep the last of two equal
// member names or reject the document. We reject it, because an attacker gains whenever two
// parsers disagree on which `alg` or `aud` counts.
strict_json parse_strict(const std::string& text) {
    strict_json out;
    std::vector<std::set<std::string>> open_objects;
    const nlohmann::json::parser_callback_t on_event =
        [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
            using parse_event = nlohmann::json::parse_event_t;
            if (depth > max_json_depth) {
                out.too_deep = true;
            }
            if (event == parse_event::object_start) {
                open_objects.emplace_back();
            } else if (event == parse_event::object_end && !open_objects.empty()) {
                open_objects.pop_back();
            } else if (event == parse_event::key && !open_objects.empty() &&
                       !open_objects.back().insert(parsed.get<std::string>()).second) {
                out.duplicate = true;
            }
            return true;
        };
    out.value = nlohmann::json::parse(text, on_event, false);
    return out;
}

std::optional<verify_failure> parse_part(const std::string& decoded,
                                         std::string_view part,
                                         nlohmann::json& into) {
    auto parsed = parse_strict(decoded);
    const auto malformed =
        part == "header" ? failure_reason::malformed_header : failure_reason::malformed_claims;
    if (parsed.value.is_discarded() || !parsed.value.is_object()) {
        return verify_failure{malformed, std::string(part) + " is not a JSON object"};
    }
    if (parsed.duplicate) {
        return verify_failure{failure_reason::duplicate_member,
                              std::string(part) + " repeats a member name"};
    }
    if (parsed.too_deep) {
        return verify_failure{malformed, std::string(part) + " nests deeper than " +
                                             std::to_string(max_json_depth) + " levels"};
    }
    into = std::move(parsed.value);
    return std::nullopt;
}

// JWS carries ES256 signatures as the raw 32-byte r and s (RFC 7518 section 3.4), but
// OpenSSL verifies the DER ECDSA-Sig-Value.
std::optional<std::string> es256_signature_to_der(std::string_view raw) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
    detail::bignum_ptr r(BN_bin2bn(bytes, es256_half_bytes, nullptr));
    detail::bignum_ptr s(BN_bin2bn(bytes + es256_half_bytes, es256_half_bytes, nullptr));
    detail::ecdsa_signature_ptr signature(ECDSA_SIG_new());
    if (!r || !s || !signature || ECDSA_SIG_set0(signature.get(), r.get(), s.get()) != 1) {
        return std::nullopt;
    }
    r.release();  // owned by `signature` now
    s.release();
    const int size = i2d_ECDSA_SIG(signature.get(), nullptr);
    if (size <= 0) {
        return std::nullopt;
    }
    std::string der(static_cast<std::size_t>(size), '\0');
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_ECDSA_SIG(signature.get(), &out) != size) {
        return std::nullopt;
    }
    return der;
}

std::optional<verify_failure> check_signature(jws_algorithm algorithm,
                                              EVP_PKEY* key,
                                              std::string_view signing_input,
                                              std::string signature) {
    if (algorithm == jws_algorithm::es256) {
        if (signature.size() != es256_signature_bytes) {
            return verify_failure{
                failure_reason::bad_signature,
                "ES256 signature has " + std::to_string(signature.size()) + " bytes, not 64"};
        }
        auto der = es256_signature_to_der(signature);
        if (!der) {
            return verify_failure{failure_reason::bad_signature, "ES256 signature is not r||s"};
        }
        signature = std::move(*der);
    } else if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key))) {
        // RFC 8017 section 8.1.2 rejects any length other than the modulus size, but OpenSSL
        // accepts a PSS signature whose leading zero byte was dropped.
        return verify_failure{failure_reason::bad_signature,
                              "RSA signature has " + std::to_string(signature.size()) +
                                  " bytes, not the modulus size " +
                                  std::to_string(EVP_PKEY_get_size(key))};
    }
    const detail::digest_context_ptr context(EVP_MD_CTX_new());
    EVP_PKEY_CTX* key_context = nullptr;
    bool ready = context &&
                 EVP_DigestVerifyInit(context.get(), &key_context, EVP_sha256(), nullptr, key) == 1;
    if (ready && algorithm == jws_algorithm::ps256) {
        // RFC 7518 section 3.5: MGF1 with SHA-256 and a salt as long as the digest.
        ready = EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING) == 1 &&
                EVP_PKEY_CTX_set_rsa_pss_saltlen(key_context, RSA_PSS_SALTLEN_DIGEST) == 1 &&
                EVP_PKEY_CTX_set_rsa_mgf1_md(key_context, EVP_sha256()) == 1;
    } else if (ready && algorithm == jws_algorithm::rs256) {
        ready = EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PADDING) == 1;
    }
    const bool valid =
        ready && EVP_DigestVerify(
                     context.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                     signature.size(), reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) == 1;
    // A failed verification leaves entries on this thread's error queue. Clear them, so
    // that they do not surface in an unrelated OpenSSL call later.
    ERR_clear_error();
    if (!ready) {
        return verify_failure{
            failure_reason::bad_signature,
            "OpenSSL could not set up verification for " + std::string(algorithm_name(algorithm))};
    }
    if (!valid) {
        return verify_failure{failure_reason::bad_signature, "signature does not verify"};
    }
    return std::nullopt;
}

std::vector<std::string> split_scopes(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream words(text);
    for (std::string word; words >> word;) {
        out.push_back(word);
    }
    return out;
}

std::string identity_of(const nlohmann::json& claims) {
    for (const char* name : {"client_id", "azp", "sub"}) {
        const auto it = claims.find(name);
        if (it != claims.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
            return it->get<std::string>();
        }
    }
    return {};
}

}  // namespace

std::string_view reason_name(failure_reason reason) {
    switch (reason) {
        case failure_reason::invalid:
            return "invalid";
        case failure_reason::missing_credentials:
            return "missing_credentials";
        case failure_reason::unsupported_scheme:
            return "unsupported_scheme";
        case failure_reason::token_too_large:
            return "token_too_large";
        case failure_reason::malformed_token:
            return "malformed_token";
        case failure_reason::malformed_header:
            return "malformed_header";
        case failure_reason::algorithm_not_allowed:
            return "algorithm_not_allowed";
        case failure_reason::unsupported_header_parameter:
            return "unsupported_header_parameter";
        case failure_reason::missing_kid:
            return "missing_kid";
        case failure_reason::unknown_kid:
            return "unknown_kid";
        case failure_reason::key_algorithm_mismatch:
            return "key_algorithm_mismatch";
        case failure_reason::bad_signature:
            return "bad_signature";
        case failure_reason::malformed_claims:
            return "malformed_claims";
        case failure_reason::duplicate_member:
            return "duplicate_member";
        case failure_reason::wrong_issuer:
            return "wrong_issuer";
        case failure_reason::wrong_audience:
            return "wrong_audience";
        case failure_reason::missing_expiry:
            return "missing_expiry";
        case failure_reason::expired:
            return "expired";
        case failure_reason::not_yet_valid:
            return "not_yet_valid";
        case failure_reason::issued_in_future:
            return "issued_in_future";
        case failure_reason::missing_scope:
            return "missing_scope";
        case failure_reason::missing_identity:
            return "missing_identity";
        case failure_reason::unknown_user:
            return "unknown_user";
        case failure_reason::wrong_password:
            return "wrong_password";
        case failure_reason::no_client_certificate:
            return "no_client_certificate";
        case failure_reason::unknown_client_certificate:
            return "unknown_client_certificate";
        case failure_reason::introspection_failed:
            return "introspection_failed";
        case failure_reason::inactive_token:
            return "inactive_token";
    }
    return "invalid";
}

jwt_verifier::jwt_verifier(verifier_settings settings,
                           std::shared_ptr<key_cache> keys,
                           system_clock_function clock)
    : settings_(std::move(settings)),
      keys_(std::move(keys)),
      clock_(clock ? std::move(clock) : system_clock_function(std::chrono::system_clock::now)) {}

verify_result jwt_verifier::verify(std::string_view token) const {
    if (settings_.token_cache_size == 0 || token.size() > settings_.max_token_bytes) {
        return verify_uncached(token);
    }
    std::string digest(SHA256_DIGEST_LENGTH, '\0');
    SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(),
           reinterpret_cast<unsigned char*>(digest.data()));
    const auto now = clock_();
    {
        const std::lock_guard lock(cache_mutex_);
        const auto hit = cache_.find(digest);
        if (hit != cache_.end()) {
            if (now < hit->second.expires_at) {
                return verify_result{hit->second, {}};
            }
            cache_.erase(hit);
        }
    }
    auto result = verify_uncached(token);
    if (result.ok() && now < result.token->expires_at) {
        const std::lock_guard lock(cache_mutex_);
        if (cache_.size() >= settings_.token_cache_size) {
            std::erase_if(cache_, [&](const auto& entry) { return entry.second.expires_at <= now; });
        }
        if (cache_.size() < settings_.token_cache_size) {
            cache_.emplace(std::move(digest), *result.token);
        }
    }
    return result;
}

verify_result jwt_verifier::verify_uncached(std::string_view token) const {
    if (token.size() > settings_.max_token_bytes) {
        return failed(failure_reason::token_too_large,
                      "token has " + std::to_string(token.size()) + " bytes; the limit is " +
                          std::to_string(settings_.max_token_bytes));
    }
    const auto first_dot = token.find('.');
    const auto second_dot =
        first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
    if (second_dot == std::string_view::npos || token.find('.', second_dot + 1) != token.npos) {
        return failed(failure_reason::malformed_token, "token is not three dot-separated parts");
    }
    const auto signing_input = token.substr(0, second_dot);
    const auto header_text = core::base64url_decode(token.substr(0, first_dot));
    const auto payload_text =
        core::base64url_decode(token.substr(first_dot + 1, second_dot - first_dot - 1));
    auto signature = core::base64url_decode(token.substr(second_dot + 1));
    if (!header_text || !payload_text || !signature) {
        return failed(failure_reason::malformed_token, "a token part is not unpadded base64url");
    }

    nlohmann::json header;
    if (auto failure = parse_part(*header_text, "header", header)) {
        return verify_result{std::nullopt, std::move(*failure)};
    }
    const auto alg = header.find("alg");
    if (alg == header.end() || !alg->is_string()) {
        return failed(failure_reason::malformed_header, "header has no alg string");
    }
    const auto algorithm = algorithm_from_name(alg->get_ref<const std::string&>());
    if (!algorithm || std::find(settings_.algorithms.begin(), settings_.algorithms.end(),
                                *algorithm) == settings_.algorithms.end()) {
        return failed(failure_reason::algorithm_not_allowed,
                      "alg " + quoted(*alg) + " is not in bearer.algorithms");
    }
    if (header.contains("crit")) {
        return failed(failure_reason::unsupported_header_parameter,
                      "header has crit; no JWS extension is supported");
    }
    const auto kid = header.find("kid");
    if (kid == header.end() || !kid->is_string() || kid->get_ref<const std::string&>().empty()) {
        return failed(failure_reason::missing_kid, "header has no kid string");
    }
    const auto& kid_text = kid->get_ref<const std::string&>();
    const auto key = keys_->find(kid_text);
    if (!key) {
        return failed(failure_reason::unknown_kid, "kid " + quoted(*kid) + " is not in the JWKS");
    }
    if (key->family != family_of(*algorithm) || (key->algorithm && key->algorithm != algorithm)) {
        return failed(failure_reason::key_algorithm_mismatch,
                      "key " + quoted(*kid) + " cannot verify " + quoted(*alg));
    }
    if (auto failure =
            check_signature(*algorithm, key->key.get(), signing_input, std::move(*signature))) {
        return verify_result{std::nullopt, std::move(*failure)};
    }

    verified_token verified;
    verified.kid = kid_text;
    verified.algorithm = *algorithm;
    if (auto failure = check_claims(*payload_text, verified)) {
        return verify_result{std::nullopt, std::move(*failure)};
    }
    return verify_result{std::move(verified), {}};
}

std::optional<verify_failure> jwt_verifier::check_claims(const std::string& payload,
                                                         verified_token& token) const {
    nlohmann::json claims;
    if (auto failure = parse_part(payload, "payload", claims)) {
        return failure;
    }
    const auto issuer = claims.find("iss");
    if (issuer == claims.end() || *issuer != settings_.issuer) {
        return verify_failure{
            failure_reason::wrong_issuer,
            issuer == claims.end() ? "iss is missing" : "iss " + quoted(*issuer) + " is not ours"};
    }
    const auto audience = claims.find("aud");
    const bool audience_matches =
        audience != claims.end() &&
        (*audience == settings_.audience ||
         (audience->is_array() &&
          std::find(audience->begin(), audience->end(), settings_.audience) != audience->end()));
    if (!audience_matches) {
        return verify_failure{failure_reason::wrong_audience,
                              audience == claims.end()
                                  ? "aud is missing"
                                  : "aud " + quoted(*audience) + " does not contain ours"};
    }

    // Seconds in double precision, because NumericDate may be fractional (RFC 7519
    // section 2). A double resolves about 0.2 microseconds at current dates.
    const double now = static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               clock_().time_since_epoch())
                                               .count()) /
                       1000.0;
    const double leeway = static_cast<double>(settings_.leeway.count()) / 1000.0;
    for (const char* name : {"exp", "nbf", "iat"}) {
        const auto it = claims.find(name);
        if (it != claims.end() && !it->is_number()) {
            return verify_failure{failure_reason::malformed_claims,
                                  std::string(name) + " is not a number"};
        }
    }
    const auto expiry = claims.find("exp");
    if (expiry == claims.end()) {
        return verify_failure{failure_reason::missing_expiry, "exp is missing"};
    }
    // RFC 7519 section 4.1.4: the token must be used before exp, so exp itself is too late.
    if (now >= expiry->get<double>() + leeway) {
        return verify_failure{failure_reason::expired, "exp " + quoted(*expiry) + " has passed"};
    }
    // Capped at 2100-01-01, because a far `exp` would overflow the clock's duration.
    constexpr double latest_cached_expiry = 4102444800.0;
    token.expires_at = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::duration<double>(std::min(expiry->get<double>(), latest_cached_expiry))));
    const auto not_before = claims.find("nbf");
    if (not_before != claims.end() && not_before->get<double>() > now + leeway) {
        return verify_failure{failure_reason::not_yet_valid,
                              "nbf " + quoted(*not_before) + " is in the future"};
    }
    const auto issued_at = claims.find("iat");
    if (issued_at != claims.end() && issued_at->get<double>() > now + leeway) {
        return verify_failure{failure_reason::issued_in_future,
                              "iat " + quoted(*issued_at) + " is in the future"};
    }

    const auto scope = claims.find("scope");
    if (scope != claims.end() && scope->is_string()) {
        token.scopes = split_scopes(scope->get<std::string>());
    }
    const auto scp = claims.find("scp");
    if (scp != claims.end() && scp->is_string()) {
        for (auto& word : split_scopes(scp->get<std::string>())) {
            token.scopes.push_back(std::move(word));
        }
    } else if (scp != claims.end() && scp->is_array()) {
        for (const auto& item : *scp) {
            if (item.is_string()) {
                token.scopes.push_back(item.get<std::string>());
            }
        }
    }
    if (std::find(token.scopes.begin(), token.scopes.end(), settings_.required_scope) ==
        token.scopes.end()) {
        return verify_failure{failure_reason::missing_scope,
                              "scope " + settings_.required_scope + " is not granted"};
    }
    token.identity = identity_of(claims);
    if (token.identity.empty()) {
        return verify_failure{failure_reason::missing_identity,
                              "none of client_id, azp, sub is a non-empty string"};
    }
    return std::nullopt;
}

}  // namespace linetest::auth
