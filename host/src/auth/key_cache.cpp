#include "auth/key_cache.hpp"

#include "core/log.hpp"

#include <nlohmann/json.hpp>

#include <utility>

namespace linetest::auth {

namespace {

// The kid comes from an unverified token, so it is JSON-escaped and cut before logging.
std::string loggable_kid(std::string_view kid) {
    constexpr std::size_t max_logged_chars = 80;
    return nlohmann::json(std::string(kid.substr(0, max_logged_chars)))
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

key_cache::key_cache(key_cache_settings settings, fetch_function fetch, steady_clock_function clock)
    : settings_(std::move(settings)),
      fetch_(std::move(fetch)),
      clock_(clock ? std::move(clock) : steady_clock_function(std::chrono::steady_clock::now)),
      keys_(std::make_shared<const key_set>()) {}

key_cache::~key_cache() { stop(); }

std::optional<std::string> key_cache::load() {
    const std::lock_guard fetch_lock(fetch_mutex_);
    ++fetch_count_;
    auto fetched = fetch_(settings_.jwks_url);
    if (!fetched.ok) {
        return "fetching the JWKS from " + settings_.jwks_url + " failed: " + fetched.error +
               "; check bearer.jwks_url and that the identity provider is reachable";
    }
    auto parsed = parse_jwks(fetched.body, settings_.jwks_url);
    if (!parsed.ok()) {
        return parsed.error;
    }
    auto fresh = std::make_shared<const key_set>(std::move(parsed.keys));
    const std::unique_lock keys_lock(keys_mutex_);
    keys_ = std::move(fresh);
    return std::nullopt;
}

std::optional<std::string> key_cache::initial_load() {
    auto error = load();
    if (!error) {
        const std::shared_lock lock(keys_mutex_);
        core::logger("auth")->info("loaded {} signing keys jwks_url={}", keys_->size(),
                                   settings_.jwks_url);
    }
    return error;
}

bool key_cache::refresh() {
    if (const auto error = load()) {
        core::logger("auth")->warn("JWKS refresh failed; keeping the previous keys: {}", *error);
        return false;
    }
    core::logger("auth")->debug("refreshed signing keys jwks_url={}", settings_.jwks_url);
    return true;
}

std::optional<json_web_key> key_cache::lookup(std::string_view kid) const {
    const std::shared_lock lock(keys_mutex_);
    const auto it = keys_->find(kid);
    if (it == keys_->end()) {
        return std::nullopt;
    }
    return it->second;
}

std::optional<json_web_key> key_cache::find(std::string_view kid) {
    if (auto key = lookup(kid)) {
        return key;
    }
    {
        const std::lock_guard lock(unknown_kid_mutex_);
        const auto now = clock_();
        if (last_unknown_kid_fetch_ &&
            now - *last_unknown_kid_fetch_ < settings_.unknown_kid_min_interval) {
            return std::nullopt;
        }
        // Claimed before fetching, so that concurrent callers with unknown kids skip the
        // fetch instead of queueing behind it.
        last_unknown_kid_fetch_ = now;
    }
    core::logger("auth")->info("token names an unknown kid; fetching the JWKS again kid={}",
                               loggable_kid(kid));
    refresh();
    return lookup(kid);
}

std::size_t key_cache::fetch_count() const { return fetch_count_.load(); }

void key_cache::start() {
    const std::lock_guard lock(thread_mutex_);
    if (thread_.joinable()) {
        return;
    }
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
}

void key_cache::stop() {
    {
        const std::lock_guard lock(thread_mutex_);
        stopping_ = true;
    }
    stop_signal_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void key_cache::run() {
    std::unique_lock lock(thread_mutex_);
    while (!stop_signal_.wait_for(lock, settings_.refresh_interval, [this] { return stopping_; })) {
        lock.unlock();
        refresh();
        lock.lock();
    }
}

}  // namespace linetest::auth
