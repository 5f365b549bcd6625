#include "auth/authenticator.hpp"

#include "core/log.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace linetest::auth {

namespace {

constexpr std::string_view bearer_scheme = "bearer";

bool iequals(std::string_view left, std::string_view right) {
    return left.size() == right.size() &&
           std::equal(left.begin(), left.end(), right.begin(), [](char a, char b) {
               const auto lower = [](char c) {
                   return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
               };
               return lower(a) == lower(b);
           });
}

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

// Whoever can alter the JWKS in transit can sign tokens, so it must come over TLS. Plain
// http is allowed only to this host, for tests and a local identity provider.
bool acceptable_jwks_url(std::string_view url) {
    if (starts_with_ignoring_case(url, "https://")) {
        return url.size() > std::string_view("https://").size();
    }
    for (std::string_view local : {"http://127.0.0.1:", "http://127.0.0.1/", "http://[::1]:",
                                   "http://[::1]/", "http://localhost:", "http://localhost/"}) {
        if (starts_with_ignoring_case(url, local)) {
            return true;
        }
    }
    return false;
}

std::vector<jws_algorithm> parse_algorithms(core::config_reader& bearer) {
    const auto names = bearer.strings_or("algorithms", {"RS256", "PS256", "ES256"});
    if (names.empty()) {
        bearer.fail("algorithms", "must list at least one of RS256, PS256, ES256");
    }
    std::vector<jws_algorithm> out;
    for (const auto& name : names) {
        const auto algorithm = algorithm_from_name(name);
        if (!algorithm) {
            const bool never = iequals(name, "none") || starts_with_ignoring_case(name, "HS");
            bearer.fail("algorithms",
                        "\"" + name + "\"" +
                            (never ? " is never accepted: it would let a caller forge tokens "
                                     "without the identity provider's private key; "
                                   : " is not supported; ") +
                            "use RS256, PS256 or ES256");
        }
        if (std::find(out.begin(), out.end(), *algorithm) == out.end()) {
            out.push_back(*algorithm);
        }
    }
    return out;
}

std::vector<client_permission> parse_clients(core::config_reader& section) {
    const auto& entries = section.array("clients");
    std::vector<client_permission> out;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        core::config_reader entry(entries[i],
                                  section.path() + ".clients[" + std::to_string(i) + "]");
        client_permission client;
        client.id = entry.required_string("id");
        client.tenants = entry.strings_or("tenants", {});
        if (client.tenants.empty()) {
            entry.fail("tenants", "must list at least one tenant code, or \"*\" for any tenant");
        }
        if (std::find(client.tenants.begin(), client.tenants.end(), std::string()) !=
            client.tenants.end()) {
            entry.fail("tenants", "must not contain an empty tenant code");
        }
        entry.reject_unknown_keys();
        if (!seen.insert(client.id).second) {
            entry.fail("id",
                       "\"" + client.id + "\" is listed twice; merge its tenants into one entry");
        }
        out.push_back(std::move(client));
    }
    return out;
}

}  // namespace

auth_settings parse_auth_settings(core::config_reader section) {
    auth_settings settings;
    const auto mode = section.required_string("mode");
    if (mode == "bearer") {
        settings.mode = auth_mode::bearer;
    } else if (iequals(mode, "none") || iequals(mode, "off") || iequals(mode, "disabled")) {
        section.fail("mode",
                     "authentication cannot be disabled; set it to \"bearer\" and give "
                     "the gateway client credentials from your identity provider");
    } else if (mode == "mtls" || mode == "basic") {
        section.fail("mode", "\"" + mode + "\" is not implemented yet; use \"bearer\"");
    } else {
        section.fail("mode", "must be \"bearer\", got \"" + mode + "\"");
    }

    auto bearer = section.object("bearer");
    settings.bearer.issuer = bearer.required_string("issuer");
    settings.bearer.audience = bearer.required_string("audience");
    settings.jwks.jwks_url = bearer.required_string("jwks_url");
    if (!acceptable_jwks_url(settings.jwks.jwks_url)) {
        bearer.fail("jwks_url",
                    "must be an https:// URL (plain http only to 127.0.0.1, [::1] or "
                    "localhost), got \"" +
                        settings.jwks.jwks_url + "\"");
    }
    settings.bearer.required_scope = bearer.required_string("required_scope");
    if (settings.bearer.required_scope.find(' ') != std::string::npos) {
        bearer.fail("required_scope", "must be one scope without spaces");
    }
    settings.bearer.algorithms = parse_algorithms(bearer);
    using std::chrono::milliseconds;
    settings.bearer.leeway = bearer.milliseconds_or("leeway_ms", milliseconds(30000),
                                                    milliseconds(0), milliseconds(300000));
    settings.bearer.max_token_bytes =
        static_cast<std::size_t>(bearer.integer_or("max_token_bytes", 8192, 1024, 65536));
    settings.jwks.refresh_interval = bearer.milliseconds_or(
        "jwks_refresh_ms", milliseconds(600000), milliseconds(10000), milliseconds(86400000));
    settings.jwks.unknown_kid_min_interval =
        bearer.milliseconds_or("unknown_kid_min_interval_ms", milliseconds(60000),
                               milliseconds(1000), milliseconds(3600000));
    bearer.reject_unknown_keys();

    settings.clients = parse_clients(section);
    section.reject_unknown_keys();
    return settings;
}

int auth_decision::http_status() const noexcept {
    switch (result) {
        case outcome::allow:
            return 200;
        case outcome::forbidden:
            return 403;
        case outcome::unauthenticated:
        case outcome::invalid:
            break;
    }
    return 401;
}

authenticator::authenticator(auth_settings settings,
                             fetch_function fetch,
                             system_clock_function wall_clock,
                             steady_clock_function steady_clock)
    : settings_(std::move(settings)),
      keys_(std::make_shared<key_cache>(settings_.jwks, std::move(fetch), std::move(steady_clock))),
      verifier_(settings_.bearer, keys_, std::move(wall_clock)) {
    if (settings_.clients.empty()) {
        core::logger("auth")->warn(
            "auth.clients is empty: every caller with a valid token may act for every tenant");
    }
}

std::optional<std::string> authenticator::initial_load() { return keys_->initial_load(); }

void authenticator::start() { keys_->start(); }

void authenticator::stop() { keys_->stop(); }

bool authenticator::permitted(const std::string& identity, std::string_view tenant) const {
    if (settings_.clients.empty()) {
        return true;
    }
    const auto client =
        std::find_if(settings_.clients.begin(), settings_.clients.end(),
                     [&](const client_permission& entry) { return entry.id == identity; });
    if (client == settings_.clients.end()) {
        return false;
    }
    return std::any_of(client->tenants.begin(), client->tenants.end(),
                       [&](const std::string& allowed) {
                           return allowed == "*" || (!tenant.empty() && allowed == tenant);
                       });
}

auth_decision authenticator::authenticate(std::string_view authorization,
                                          std::string_view tenant,
                                          std::string_view log_fields) const {
    const auto log = core::logger("auth");
    const auto reject = [&](verify_failure failure) {
        log->info("401 {}: {}{}{}", reason_name(failure.reason), failure.detail,
                  log_fields.empty() ? "" : " ", log_fields);
        auth_decision decision;
        decision.result = auth_decision::outcome::unauthenticated;
        decision.failure = std::move(failure);
        return decision;
    };

    const auto credentials = trim(authorization);
    if (credentials.empty()) {
        return reject({failure_reason::missing_credentials, "no Authorization header"});
    }
    // RFC 6750 section 2.1: "Bearer" 1*SP b64token; RFC 7235 makes the scheme case-insensitive.
    const auto space = credentials.find(' ');
    if (space == std::string_view::npos) {
        return reject({failure_reason::missing_credentials,
                       "Authorization header is not a scheme followed by credentials"});
    }
    const auto scheme = credentials.substr(0, space);
    if (!iequals(scheme, bearer_scheme)) {
        // Only a well-known scheme name is echoed: an unknown first word may be a credential.
        const bool known = iequals(scheme, "basic") || iequals(scheme, "digest");
        return reject({failure_reason::unsupported_scheme,
                       known ? "Authorization scheme " + std::string(scheme) +
                                   " is not accepted; only Bearer is"
                             : "Authorization scheme is not Bearer"});
    }
    const auto token = trim(credentials.substr(space + 1));
    if (token.empty() || token.find_first_of(" \t") != std::string_view::npos) {
        return reject({failure_reason::malformed_token, "Bearer credentials are not one token"});
    }

    auto verified = verifier_.verify(token);
    if (!verified.ok()) {
        return reject(std::move(verified.failure));
    }
    auth_decision decision;
    decision.identity = std::move(verified.token->identity);
    if (!permitted(decision.identity, tenant)) {
        log->info("403 client may not act for this tenant client_id={} tenant={}{}{}",
                  decision.identity, tenant, log_fields.empty() ? "" : " ", log_fields);
        decision.result = auth_decision::outcome::forbidden;
        return decision;
    }
    log->debug("authenticated client_id={} tenant={} kid={}{}{}", decision.identity, tenant,
               verified.token->kid, log_fields.empty() ? "" : " ", log_fields);
    decision.result = auth_decision::outcome::allow;
    return decision;
}

}  // namespace linetest::auth
