#include "auth/introspection.hpp"

#include "core/base64.hpp"

#include <nlohmann/json.hpp>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <sstream>
#include <utility>

namespace linetest::auth {

namespace {

verify_result failed(failure_reason reason, std::string detail) {
    return verify_result{std::nullopt, verify_failure{reason, std::move(detail)}};
}

// RFC 6749 appendix B: form values are percent-encoded, with unreserved characters kept.
std::string form_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += hex[byte >> 4];
            out += hex[byte & 0x0F];
        }
    }
    return out;
}

double seconds_of(std::chrono::system_clock::time_point time) {
    return static_cast<double>(
               std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch())
                   .count()) /
           1000.0;
}

}  // namespace

token_introspector::token_introspector(introspection_settings settings,
                                       verifier_settings rules,
                                       post_function post,
                                       system_clock_function clock)
    : settings_(std::move(settings)),
      rules_(std::move(rules)),
      post_(std::move(post)),
      clock_(clock ? std::move(clock) : system_clock_function(std::chrono::system_clock::now)) {}

verify_result token_introspector::introspect(std::string_view token) const {
    if (token.size() > rules_.max_token_bytes) {
        return failed(failure_reason::token_too_large, "token has " + std::to_string(token.size()) +
                                                           " bytes; the limit is " +
                                                           std::to_string(rules_.max_token_bytes));
    }
    if (settings_.cache_size == 0) {
        return introspect_uncached(token);
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
    auto result = introspect_uncached(token);
    if (result.ok() && now < result.token->expires_at) {
        const std::lock_guard lock(cache_mutex_);
        if (cache_.size() >= settings_.cache_size) {
            std::erase_if(cache_,
                          [&](const auto& entry) { return entry.second.expires_at <= now; });
        }
        if (cache_.size() < settings_.cache_size) {
            cache_.emplace(std::move(digest), *result.token);
        }
    }
    return result;
}

verify_result token_introspector::introspect_uncached(std::string_view token) const {
    const core::secret authorization(
        "Basic " + core::base64_encode(form_encode(settings_.client_id) + ":" +
                                       form_encode(settings_.client_secret.reveal())));
    const auto response =
        post_(settings_.url, "token=" + form_encode(token) + "&token_type_hint=access_token",
              authorization);
    if (!response.ok) {
        return failed(failure_reason::introspection_failed,
                      "introspection at " + settings_.url + " failed: " + response.error);
    }
    const auto answer = nlohmann::json::parse(response.body, nullptr, false);
    if (!answer.is_object()) {
        return failed(failure_reason::introspection_failed,
                      "introspection response is not a JSON object");
    }
    const auto active = answer.find("active");
    if (active == answer.end() || *active != true) {
        return failed(failure_reason::inactive_token, "introspection reports the token inactive");
    }
    const auto issuer = answer.find("iss");
    if (issuer == answer.end() || *issuer != rules_.issuer) {
        return failed(failure_reason::wrong_issuer, "introspected iss is missing or not ours");
    }
    const auto audience = answer.find("aud");
    const bool audience_matches =
        audience != answer.end() &&
        (*audience == rules_.audience ||
         (audience->is_array() &&
          std::find(audience->begin(), audience->end(), rules_.audience) != audience->end()));
    if (!audience_matches) {
        return failed(failure_reason::wrong_audience,
                      "introspected aud is missing or does not contain ours");
    }
    for (const char* name : {"exp", "nbf", "iat"}) {
        const auto it = answer.find(name);
        if (it != answer.end() && !it->is_number()) {
            return failed(failure_reason::malformed_claims,
                          "introspected " + std::string(name) + " is not a number");
        }
    }
    const double now = seconds_of(clock_());
    const double leeway = static_cast<double>(rules_.leeway.count()) / 1000.0;
    const auto expiry = answer.find("exp");
    if (expiry == answer.end()) {
        return failed(failure_reason::missing_expiry, "introspected exp is missing");
    }
    if (now >= expiry->get<double>() + leeway) {
        return failed(failure_reason::expired, "introspected exp has passed");
    }
    const auto not_before = answer.find("nbf");
    if (not_before != answer.end() && not_before->get<double>() > now + leeway) {
        return failed(failure_reason::not_yet_valid, "introspected nbf is in the future");
    }
    const auto issued_at = answer.find("iat");
    if (issued_at != answer.end() && issued_at->get<double>() > now + leeway) {
        return failed(failure_reason::issued_in_future, "introspected iat is in the future");
    }
    verified_token verified;
    const auto scope = answer.find("scope");
    if (scope != answer.end() && scope->is_string()) {
        std::istringstream words(scope->get<std::string>());
        for (std::string word; words >> word;) {
            verified.scopes.push_back(word);
        }
    }
    if (std::find(verified.scopes.begin(), verified.scopes.end(), rules_.required_scope) ==
        verified.scopes.end()) {
        return failed(failure_reason::missing_scope,
                      "scope " + rules_.required_scope + " is not granted");
    }
    for (const char* name : {"client_id", "sub"}) {
        const auto it = answer.find(name);
        if (it != answer.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
            verified.identity = it->get<std::string>();
            break;
        }
    }
    if (verified.identity.empty()) {
        return failed(failure_reason::missing_identity,
                      "introspection response has neither client_id nor sub");
    }
    // Capped at 2100-01-01, because a far `exp` would overflow the clock's duration.
    constexpr double latest_cached_expiry = 4102444800.0;
    verified.expires_at = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::duration<double>(std::min(expiry->get<double>(), latest_cached_expiry))));
    return verify_result{std::move(verified), {}};
}

}  // namespace linetest::auth
