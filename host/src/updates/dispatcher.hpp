#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "http/client.hpp"
#include "store/store.hpp"
#include "updates/config.hpp"
#include "updates/token_source.hpp"

namespace linetest::updates {

struct dispatcher_options {
    http::url kcis_url;  ///< `{base}/kcis`.
    http::client_options client;
    retry_policy retry;
    /// KCIs taken from the store per round.
    std::size_t batch_size = 32;
    /// Maximum sleep without a `notify()`, so that KCIs written by another
    /// process sharing the store are still picked up.
    std::chrono::milliseconds idle_poll{30'000};
    /// Pause after the store throws, before the next round.
    std::chrono::milliseconds store_error_pause{1'000};
};

/// Returns a number drawn uniformly from [0, 1); the dispatcher scales it into
/// a backoff delay. Replaceable so that tests can fix the jitter.
using jitter_source = std::function<double()>;

/// Sends the KCI outbox to the gateway from one background thread.
///
/// Each round reads the due head of every test's queue from the store, so KCIs
/// of one test go out strictly in sequence order. Per KCI:
/// - 2xx: `mark_delivered`.
/// - 401: the token is invalidated and the KCI resent once with a new token;
///   a second 401 counts as retryable.
/// - 429, 5xx, network failures and token endpoint failures: `reschedule_kci`
///   after an exponential backoff with full jitter.
/// - any other status (400, 403, 422, a redirect): `mark_dead`, logged at error.
///
/// Every attempt sends the stored body unchanged (same KCI id and sequence
/// number) with a new `X-Request-ID`.
class dispatcher {
public:
    struct counters {
        std::uint64_t sent = 0;     ///< KCIs the gateway accepted.
        std::uint64_t retried = 0;  ///< Attempts that failed and were rescheduled.
        std::uint64_t dead = 0;     ///< KCIs the gateway rejected for good.
    };

    /// `store` and `tokens` must outlive the dispatcher. A default `jitter` uses
    /// a seeded Mersenne Twister; backoff needs no cryptographic randomness.
    dispatcher(store::store& store,
               token_source& tokens,
               dispatcher_options options,
               jitter_source jitter = {});
    ~dispatcher();
    dispatcher(const dispatcher&) = delete;
    dispatcher& operator=(const dispatcher&) = delete;

    /// Starts the background thread. Calling it twice has no effect.
    void start();

    /// Wakes the thread, for example after a KCI was written.
    void notify();

    /// Lets the KCI being sent finish, then joins the thread. Returns within
    /// about two request timeouts: a token fetch and the KCI call in flight.
    void stop();

    counters read_counters() const noexcept;

    /// Returns the delay before the retry that follows `attempts` failed
    /// attempts: uniform in [0, min(max_delay, initial_delay * 2^(attempts - 1))].
    static std::chrono::milliseconds backoff_delay(const retry_policy& retry,
                                                   int attempts,
                                                   double uniform);

private:
    void run();
    void send(const store::kci_record& kci);
    void wait_for_work();

    store::store& store_;
    token_source& tokens_;
    dispatcher_options options_;
    jitter_source jitter_;
    std::unique_ptr<http::client> client_;  ///< Used only by the dispatcher thread.

    std::mutex mutex_;
    std::condition_variable wake_;
    bool notified_ = false;
    bool stopping_ = false;
    std::thread thread_;

    std::atomic<std::uint64_t> sent_{0};
    std::atomic<std::uint64_t> retried_{0};
    std::atomic<std::uint64_t> dead_{0};
};

}  // namespace linetest::updates
