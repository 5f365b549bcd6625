#pragma once

#include "auth/jwks.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>

namespace linetest::auth {

/// Result of one fetch: the response body on success, or an error message such as
/// "connection refused", "HTTP 503" or "timed out after 5 s".
struct fetch_result {
    bool ok = false;
    std::string body;
    std::string error;

    static fetch_result success(std::string body) { return {true, std::move(body), {}}; }
    static fetch_result failure(std::string error) { return {false, {}, std::move(error)}; }
};

/// Fetches a URL. The daemon wires its HTTP client here. It must apply its own timeout,
/// because the caller blocks until it returns.
using fetch_function = std::function<fetch_result(const std::string& url)>;

/// Monotonic clock for refresh spacing, injectable so that tests can step it.
using steady_clock_function = std::function<std::chrono::steady_clock::time_point()>;

struct key_cache_settings {
    std::string jwks_url;
    std::chrono::milliseconds refresh_interval{std::chrono::minutes(10)};
    std::chrono::milliseconds unknown_kid_min_interval{std::chrono::minutes(1)};
};

/// The verification keys published at a JWKS URL.
///
/// `initial_load` fetches them once; `start` then refreshes them every `refresh_interval` on a
/// background thread. A token naming a kid the set lacks triggers one fetch at most every
/// `unknown_kid_min_interval`, counted across all kids, so a flood of invented kids reaches
/// the identity provider once per interval. A failed fetch or an unusable document keeps the
/// current set and logs a warning; the set is replaced only by one that parsed.
///
/// All public members are thread-safe. `find` blocks its caller for the duration of the
/// fetch it triggers; other callers meanwhile do not wait for that fetch.
class key_cache {
public:
    key_cache(key_cache_settings settings, fetch_function fetch, steady_clock_function clock = {});
    ~key_cache();

    key_cache(const key_cache&) = delete;
    key_cache& operator=(const key_cache&) = delete;

    /// Fetches and parses the JWKS. Returns an error message for the daemon to report at
    /// start when the fetch fails or the document has no usable key; empty on success.
    std::optional<std::string> initial_load();

    /// Starts the background refresh thread. A call while it runs does nothing.
    void start();
    /// Stops and joins the refresh thread. The destructor calls it too.
    void stop();

    /// Fetches the JWKS now and swaps in the new set if it is usable. Returns whether it did.
    /// The background thread calls this, and tests call it to step a refresh.
    bool refresh();

    /// Returns the key for `kid`, fetching the JWKS once if the kid is unknown and the
    /// unknown-kid interval has passed since the last such fetch.
    std::optional<json_web_key> find(std::string_view kid);

    /// Returns the number of fetches so far, whatever their outcome.
    std::size_t fetch_count() const;

private:
    std::optional<std::string> load();
    std::optional<json_web_key> lookup(std::string_view kid) const;
    void run();

    const key_cache_settings settings_;
    const fetch_function fetch_;
    const steady_clock_function clock_;

    mutable std::shared_mutex keys_mutex_;
    std::shared_ptr<const key_set> keys_;

    // Serialises fetches, so a scheduled refresh and an unknown-kid fetch never race to swap.
    std::mutex fetch_mutex_;
    std::atomic<std::size_t> fetch_count_ = 0;

    std::mutex unknown_kid_mutex_;
    std::optional<std::chrono::steady_clock::time_point> last_unknown_kid_fetch_;

    std::mutex thread_mutex_;
    std::condition_variable stop_signal_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace linetest::auth
