#include "auth/authenticator.hpp"

#include "core/log.hpp"

#include <nlohmann/json.hpp>
#include <openssl/sha.h>

#include <algorithm>
#include <set>
#include <utility>

namespace linetest::auth {

namespace {

constexpr std::string_view bearer_scheme = "Bearer";
constexpr std::string_view basic_scheme = "Basic";

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

void parse_bearer(core::config_reader& section, auth_settings& settings) {
    auto bearer = section.object("bearer");
    settings.bearer.issuer = bearer.required_string("issuer");
    settings.bearer.audience = bearer.required_string("audience");
    auto& introspection = settings.introspection;
    introspection.url = bearer.string_or("introspection_url", "");
    if (!introspection.url.empty()) {
        if (!acceptable_jwks_url(introspection.url)) {
            bearer.fail("introspection_url",
                        "must be an https:// URL (plain http only to 127.0.0.1, [::1] or "
                        "localhost), got \"" +
                            introspection.url + "\"");
        }
        introspection.client_id = bearer.required_string("introspection_client_id");
        introspection.client_secret =
            core::secret(bearer.required_string("introspection_client_secret"));
    } else if (bearer.has("introspection_client_id") || bearer.has("introspection_client_secret")) {
        bearer.fail("introspection_url", "is required with introspection client credentials");
    }
    settings.jwks.jwks_url = introspection.url.empty() ? bearer.required_string("jwks_url")
                                                       : bearer.string_or("jwks_url", "");
    if (!settings.jwks.jwks_url.empty() && !acceptable_jwks_url(settings.jwks.jwks_url)) {
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
    settings.bearer.token_cache_size =
        static_cast<std::size_t>(bearer.integer_or("token_cache_size", 10000, 0, 1000000));
    introspection.cache_size = settings.bearer.token_cache_size;
    settings.jwks.refresh_interval = bearer.milliseconds_or(
        "jwks_refresh_ms", milliseconds(600000), milliseconds(10000), milliseconds(86400000));
    settings.jwks.unknown_kid_min_interval =
        bearer.milliseconds_or("unknown_kid_min_interval_ms", milliseconds(60000),
                               milliseconds(1000), milliseconds(3600000));
    bearer.reject_unknown_keys();
}

std::vector<basic_user> parse_basic_users(core::config_reader& basic) {
    const auto& entries = basic.array("users");
    if (entries.empty()) {
        basic.fail("users",
                   "must list at least one {\"user\", \"password_hash\"}; make a hash "
                   "with: linetestd --hash-password < password-file");
    }
    std::vector<basic_user> out;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        core::config_reader entry(entries[i], basic.path() + ".users[" + std::to_string(i) + "]");
        basic_user user;
        user.user = entry.required_string("user");
        // RFC 7617: the user-id cannot contain a colon, because the colon ends it.
        if (user.user.find(':') != std::string::npos) {
            entry.fail("user", "must not contain ':'");
        }
        user.stored_hash = core::secret(entry.required_string("password_hash"));
        auto parsed = parse_password_hash(user.stored_hash.reveal());
        if (!parsed.value) {
            entry.fail("password_hash", parsed.error);
        }
        user.parsed = std::move(*parsed.value);
        entry.reject_unknown_keys();
        if (!seen.insert(user.user).second) {
            entry.fail("user", "\"" + user.user + "\" is listed twice");
        }
        out.push_back(std::move(user));
    }
    return out;
}

}  // namespace

auth_settings parse_auth_settings(core::config_reader section) {
    auth_settings settings;
    const auto mode = section.required_string("mode");
    if (mode == "bearer") {
        settings.mode = auth_mode::bearer;
    } else if (mode == "mtls") {
        settings.mode = auth_mode::mtls;
    } else if (mode == "basic") {
        settings.mode = auth_mode::basic;
    } else if (iequals(mode, "none") || iequals(mode, "off") || iequals(mode, "disabled")) {
        section.fail("mode",
                     "authentication cannot be disabled; set it to \"bearer\", \"mtls\" or "
                     "\"basic\" and give the gateway the matching credentials");
    } else {
        section.fail("mode", "must be \"bearer\", \"mtls\" or \"basic\", got \"" + mode + "\"");
    }
    const auto reject_section = [&](const std::string& key) {
        if (section.has(key)) {
            section.fail(
                key, "applies only to mode \"" + key + "\"; remove it for mode \"" + mode + "\"");
        }
    };

    if (settings.mode == auth_mode::bearer) {
        parse_bearer(section, settings);
    } else {
        reject_section("bearer");
    }
    if (settings.mode == auth_mode::mtls) {
        auto tls = section.object("tls");
        settings.client_ca_file = tls.required_string("client_ca_file");
        tls.reject_unknown_keys();
    } else if (section.has("tls")) {
        section.fail("tls", "applies only to mode \"mtls\"; remove it for mode \"" + mode + "\"");
    }
    if (settings.mode == auth_mode::basic) {
        auto basic = section.object("basic");
        settings.basic_users = parse_basic_users(basic);
        basic.reject_unknown_keys();
    } else {
        reject_section("basic");
    }

    settings.clients = parse_clients(section);
    if (settings.mode == auth_mode::mtls && settings.clients.empty()) {
        section.fail("clients",
                     "must list the accepted client certificates with mode \"mtls\": each id is "
                     "a subject CN or a SAN DNS name or URI, with the tenants it may act for");
    }
    section.reject_unknown_keys();
    return settings;
}

std::string_view mode_name(auth_mode mode) {
    switch (mode) {
        case auth_mode::bearer:
            return "bearer";
        case auth_mode::mtls:
            return "mtls";
        case auth_mode::basic:
            return "basic";
        case auth_mode::invalid:
            break;
    }
    return "invalid";
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
                             steady_clock_function steady_clock,
                             post_function post)
    : settings_(std::move(settings)),
      keys_(std::make_shared<key_cache>(settings_.jwks, std::move(fetch), std::move(steady_clock))),
      verifier_(settings_.bearer, keys_, wall_clock),
      introspector_(
          settings_.introspection.url.empty()
              ? std::nullopt
              : std::make_optional<token_introspector>(
                    settings_.introspection, settings_.bearer, std::move(post), wall_clock)) {
    if (settings_.clients.empty()) {
        core::logger("auth")->warn(
            "auth.clients is empty: every caller with a valid token may act for every tenant");
    }
}

std::optional<std::string> authenticator::initial_load() {
    if (settings_.mode != auth_mode::bearer || settings_.jwks.jwks_url.empty()) {
        return std::nullopt;
    }
    return keys_->initial_load();
}

void authenticator::start() {
    if (settings_.mode == auth_mode::bearer && !settings_.jwks.jwks_url.empty()) {
        keys_->start();
    }
}

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

verify_result authenticator::check_basic(std::string_view credentials) const {
    const auto failed = [](failure_reason reason, std::string detail) {
        return verify_result{std::nullopt, verify_failure{reason, std::move(detail)}};
    };
    const auto decoded = base64_decode(credentials);
    const auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) {
        return failed(failure_reason::malformed_token,
                      "Basic credentials are not base64 of user:password");
    }
    // A verified password is trusted again for a few minutes without a new derivation, so a
    // busy client costs one PBKDF2 run per interval instead of one per request.
    constexpr std::size_t max_cached_credentials = 1000;
    constexpr auto cache_lifetime = std::chrono::minutes(5);
    std::string digest(SHA256_DIGEST_LENGTH, '\0');
    SHA256(reinterpret_cast<const unsigned char*>(decoded->data()), decoded->size(),
           reinterpret_cast<unsigned char*>(digest.data()));
    const auto now = std::chrono::steady_clock::now();
    {
        const std::lock_guard lock(basic_cache_mutex_);
        const auto hit = basic_cache_.find(digest);
        if (hit != basic_cache_.end() && now < hit->second.second) {
            verified_token cached;
            cached.identity = hit->second.first;
            return verify_result{std::move(cached), {}};
        }
    }
    const std::string_view user(decoded->data(), colon);
    const std::string_view password = std::string_view(*decoded).substr(colon + 1);
    const auto entry =
        std::find_if(settings_.basic_users.begin(), settings_.basic_users.end(),
                     [&](const basic_user& candidate) { return candidate.user == user; });
    if (entry == settings_.basic_users.end()) {
        // Derive a hash anyway, so that the response time does not tell which users exist.
        // The name is not logged: callers sometimes put the password in the user field.
        (void)verify_password(settings_.basic_users.front().parsed, password);
        return failed(failure_reason::unknown_user, "Basic user is not configured");
    }
    if (!verify_password(entry->parsed, password)) {
        return failed(failure_reason::wrong_password,
                      "password does not match for user " + entry->user);
    }
    {
        const std::lock_guard lock(basic_cache_mutex_);
        if (basic_cache_.size() >= max_cached_credentials) {
            std::erase_if(basic_cache_,
                          [&](const auto& cached) { return cached.second.second <= now; });
        }
        if (basic_cache_.size() < max_cached_credentials) {
            basic_cache_[digest] = {entry->user, now + cache_lifetime};
        }
    }
    verified_token verified;
    verified.identity = entry->user;
    return verify_result{std::move(verified), {}};
}

verify_result authenticator::check_certificate(const std::vector<std::string>& identities) const {
    if (identities.empty()) {
        return verify_result{std::nullopt,
                             verify_failure{failure_reason::no_client_certificate,
                                            "connection has no verified client certificate"}};
    }
    for (const auto& name : identities) {
        const auto listed =
            std::any_of(settings_.clients.begin(), settings_.clients.end(),
                        [&](const client_permission& client) { return client.id == name; });
        if (listed) {
            verified_token verified;
            verified.identity = name;
            return verify_result{std::move(verified), {}};
        }
    }
    // Certificate names are public, but they come from the caller: escape and cut them.
    std::string names;
    for (const auto& name : identities) {
        names += (names.empty() ? "" : ",") +
                 nlohmann::json(name.substr(0, 80))
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    return verify_result{std::nullopt,
                         verify_failure{failure_reason::unknown_client_certificate,
                                        "no certificate name is in auth.clients: " + names}};
}

auth_decision authenticator::authenticate(
    std::string_view authorization,
    std::string_view tenant,
    std::string_view log_fields,
    const std::vector<std::string>& certificate_identities) const {
    const auto log = core::logger("auth");
    const auto reject = [&](verify_failure failure) {
        log->info("401 {}: {}{}{}", reason_name(failure.reason), failure.detail,
                  log_fields.empty() ? "" : " ", log_fields);
        auth_decision decision;
        decision.result = auth_decision::outcome::unauthenticated;
        decision.failure = std::move(failure);
        return decision;
    };

    verify_result verified;
    if (settings_.mode == auth_mode::mtls) {
        verified = check_certificate(certificate_identities);
    } else {
        const auto credentials = trim(authorization);
        if (credentials.empty()) {
            return reject({failure_reason::missing_credentials, "no Authorization header"});
        }
        // RFC 7235: scheme 1*SP credentials, with the scheme case-insensitive.
        const auto space = credentials.find(' ');
        if (space == std::string_view::npos) {
            return reject({failure_reason::missing_credentials,
                           "Authorization header is not a scheme followed by credentials"});
        }
        const auto scheme = credentials.substr(0, space);
        const std::string_view expected =
            settings_.mode == auth_mode::basic ? basic_scheme : bearer_scheme;
        if (!iequals(scheme, expected)) {
            // Only a well-known scheme name is echoed: an unknown first word may be a credential.
            const bool known =
                iequals(scheme, "basic") || iequals(scheme, "digest") || iequals(scheme, "bearer");
            return reject({failure_reason::unsupported_scheme,
                           known ? "Authorization scheme " + std::string(scheme) +
                                       " is not accepted; only " + std::string(expected) + " is"
                                 : "Authorization scheme is not " + std::string(expected)});
        }
        const auto token = trim(credentials.substr(space + 1));
        if (token.empty() || token.find_first_of(" \t") != std::string_view::npos) {
            return reject({failure_reason::malformed_token, "credentials are not one token"});
        }
        if (settings_.mode == auth_mode::basic) {
            verified = check_basic(token);
        } else if (introspector_ && (settings_.jwks.jwks_url.empty() ||
                                     std::count(token.begin(), token.end(), '.') != 2)) {
            // A compact JWS has exactly two dots; anything else is an opaque token.
            verified = introspector_->introspect(token);
        } else {
            verified = verifier_.verify(token);
        }
    }
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
    log->debug("authenticated mode={} client_id={} tenant={}{}{}", mode_name(settings_.mode),
               decision.identity, tenant, log_fields.empty() ? "" : " ", log_fields);
    decision.result = auth_decision::outcome::allow;
    return decision;
}

}  // namespace linetest::auth
