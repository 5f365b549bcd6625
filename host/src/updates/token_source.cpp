#include "updates/token_source.hpp"

#include <algorithm>
#include <boost/throw_exception.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>

#include "core/base64.hpp"
#include "core/log.hpp"

namespace linetest::updates {

namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;

// NOTE: RFC 6749 makes expires_in optional. The gateway documents a default token
// lifetime of 60 minutes, which is assumed when a response leaves the field out.
constexpr std::chrono::seconds default_token_lifetime{3600};

/// Encodes `text` as application/x-www-form-urlencoded (HTML form rules, as RFC 6749 uses).
std::string form_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '*') {
            out += static_cast<char>(c);
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0x0f];
        }
    }
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

/// Reads `expires_in`, which the gateway's schema types as a string while its
/// samples send a number. Empty when the value is neither a positive number nor
/// a string of digits.
std::optional<std::chrono::seconds> read_expires_in(const json& value) {
    if (value.is_number_integer()) {
        const auto seconds = value.get<std::int64_t>();
        return seconds > 0 ? std::optional(std::chrono::seconds(seconds)) : std::nullopt;
    }
    if (value.is_number_float()) {
        const double seconds = value.get<double>();
        return seconds >= 1 && std::isfinite(seconds)
                   ? std::optional(std::chrono::seconds(static_cast<std::int64_t>(seconds)))
                   : std::nullopt;
    }
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        std::int64_t seconds = 0;
        const auto* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, seconds);
        if (ec == std::errc{} && ptr == end && seconds > 0) {
            return std::chrono::seconds(seconds);
        }
    }
    return std::nullopt;
}

token_error make_error(token_errc kind, unsigned status, std::string message) {
    return token_error{kind, status, std::move(message)};
}

}  // namespace

void throw_exception_from_error(const token_error& error, const boost::source_location& location) {
    boost::throw_exception(std::runtime_error(error.message), location);
}

client_credentials_token_source::client_credentials_token_source(client_credentials_config config,
                                                                 clock_function now)
    : config_(std::move(config)),
      now_(std::move(now)),
      client_(config_.client) {}

token_result client_credentials_token_source::token() {
    const std::lock_guard lock(mutex_);
    if (token_ && now_() < refresh_at_) {
        return *token_;
    }
    token_.reset();
    return fetch();
}

void client_credentials_token_source::invalidate() {
    const std::lock_guard lock(mutex_);
    token_.reset();
}

std::uint64_t client_credentials_token_source::fetch_count() const {
    const std::lock_guard lock(mutex_);
    return fetch_count_;
}

token_result client_credentials_token_source::fetch() {
    ++fetch_count_;
    const std::string endpoint = config_.token_url.to_string();
    http::client_request request;
    request.method = bhttp::verb::post;
    request.target = config_.token_url;
    request.body = "grant_type=client_credentials";
    if (!config_.scope.empty()) {
        request.body += "&scope=" + form_encode(config_.scope);
    }
    // RFC 6749 section 2.3.1: the id and secret are form-encoded before Basic encoding.
    const std::string credentials =
        form_encode(config_.client_id) + ":" + form_encode(config_.client_secret.reveal());
    request.headers.set(bhttp::field::authorization, "Basic " + core::base64_encode(credentials));
    request.headers.set(bhttp::field::content_type, "application/x-www-form-urlencoded");
    request.headers.set(bhttp::field::accept, "application/json");

    auto sent = client_.send(request);
    if (!sent) {
        return make_error(token_errc::unavailable, 0,
                          "token request failed: " + sent.error().message);
    }
    const auto& response = *sent;
    const json body = json::parse(response.body, nullptr, false);

    if (response.status == 400 || response.status == 401 || response.status == 403) {
        std::string error = "(no error field)";
        if (body.is_object() && body.contains("error") && body["error"].is_string()) {
            error = body["error"].get<std::string>();
        }
        std::string hint = "check updates.client_id and updates.client_secret";
        if (error == "invalid_scope") {
            hint = "check updates.scope against the scopes registered for the client";
        } else if (error == "unsupported_grant_type" || error == "unauthorized_client") {
            hint = "the client must be registered for the client_credentials grant";
        }
        return make_error(token_errc::rejected, response.status,
                          "token endpoint " + endpoint + " rejected client '" + config_.client_id +
                              "' with " + std::to_string(response.status) + " " + error + "; " +
                              hint);
    }
    if (response.status == 429 || response.status >= 500) {
        return make_error(token_errc::unavailable, response.status,
                          "token endpoint " + endpoint + " returned " +
                              std::to_string(response.status) + "; it is unavailable for now");
    }
    if (response.status != 200) {
        return make_error(token_errc::bad_response, response.status,
                          "token endpoint " + endpoint + " returned unexpected status " +
                              std::to_string(response.status) + "; check updates.base_url");
    }

    const auto bad_body = [&](const std::string& problem) {
        return make_error(token_errc::bad_response, response.status,
                          "token endpoint " + endpoint + " returned 200 but " + problem);
    };
    if (!body.is_object()) {
        return bad_body("the body is not a JSON object");
    }
    const auto access_token = body.find("access_token");
    if (access_token == body.end() || !access_token->is_string() ||
        access_token->get_ref<const std::string&>().empty()) {
        return bad_body("access_token is missing or not a non-empty string");
    }
    if (const auto type = body.find("token_type"); type != body.end()) {
        if (!type->is_string() || !iequals(type->get_ref<const std::string&>(), "bearer")) {
            return bad_body("token_type is not Bearer");
        }
    }
    auto lifetime = std::optional(default_token_lifetime);
    if (const auto expires_in = body.find("expires_in"); expires_in != body.end()) {
        lifetime = read_expires_in(*expires_in);
        if (!lifetime) {
            return bad_body("expires_in is not a positive number of seconds");
        }
    }

    // A lifetime shorter than the margin would never be cached. Half of it is
    // used instead, so a short-lived token is still reused for a while.
    auto usable =
        std::chrono::duration_cast<std::chrono::milliseconds>(*lifetime) - config_.refresh_margin;
    if (usable <= std::chrono::milliseconds::zero()) {
        usable = std::chrono::duration_cast<std::chrono::milliseconds>(*lifetime) / 2;
    }
    token_ = core::secret(access_token->get<std::string>());
    refresh_at_ = now_() + usable;
    core::logger("updates")->info("fetched gateway access token expires_in_s={} client_id={}",
                                  lifetime->count(), config_.client_id);
    return *token_;
}

}  // namespace linetest::updates
