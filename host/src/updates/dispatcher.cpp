#include "updates/dispatcher.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <utility>

#include "core/log.hpp"
#include "core/random.hpp"

namespace linetest::updates {

namespace {

namespace bhttp = boost::beast::http;

constexpr std::size_t body_excerpt_bytes = 300;

std::string excerpt(const std::string& body) {
    if (body.size() <= body_excerpt_bytes) {
        return body;
    }
    return body.substr(0, body_excerpt_bytes) + "...";
}

jitter_source default_jitter() {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    auto mutex = std::make_shared<std::mutex>();
    return [engine, mutex] {
        const std::lock_guard lock(*mutex);
        return std::uniform_real_distribution<double>(0.0, 1.0)(*engine);
    };
}

}  // namespace

dispatcher::dispatcher(store::store& store,
                       token_source& tokens,
                       dispatcher_options options,
                       jitter_source jitter)
    : store_(store),
      tokens_(tokens),
      options_(std::move(options)),
      jitter_(jitter ? std::move(jitter) : default_jitter()),
      client_(std::make_unique<http::client>(options_.client)) {}

dispatcher::~dispatcher() { stop(); }

void dispatcher::start() {
    const std::lock_guard lock(mutex_);
    if (thread_.joinable()) {
        return;
    }
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
}

void dispatcher::notify() {
    {
        const std::lock_guard lock(mutex_);
        notified_ = true;
    }
    wake_.notify_one();
}

void dispatcher::stop() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) {
        thread_.join();
    }
}

dispatcher::counters dispatcher::read_counters() const noexcept {
    return counters{sent_.load(), retried_.load(), dead_.load()};
}

std::chrono::milliseconds dispatcher::backoff_delay(const retry_policy& retry,
                                                    int attempts,
                                                    double uniform) {
    // Full jitter: a random delay up to the exponential cap spreads the retries
    // of many senders instead of synchronising them.
    const double exponent = std::min(std::max(attempts, 1) - 1, 40);
    const double cap =
        std::min(static_cast<double>(retry.max_delay.count()),
                 static_cast<double>(retry.initial_delay.count()) * std::pow(2.0, exponent));
    const double fraction = std::clamp(uniform, 0.0, 1.0);
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(cap * fraction)));
}

void dispatcher::run() {
    auto log = core::logger("updates");
    log->info("KCI dispatcher started url={}", options_.kcis_url.to_string());
    while (true) {
        {
            const std::lock_guard lock(mutex_);
            if (stopping_) {
                break;
            }
            notified_ = false;
        }
        std::vector<store::kci_record> due;
        try {
            due = store_.due_kcis(store::clock::now(), options_.batch_size);
        } catch (const std::exception& error) {
            log->error("cannot read the KCI outbox, retrying in {} ms: {}",
                       options_.store_error_pause.count(), error.what());
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, options_.store_error_pause, [this] { return stopping_; });
            continue;
        }
        bool failed = false;
        for (const auto& kci : due) {
            {
                const std::lock_guard lock(mutex_);
                if (stopping_) {
                    break;
                }
            }
            try {
                send(kci);
            } catch (const std::exception& error) {
                // Mostly a store_error while recording the outcome. The KCI stays pending
                // and is sent again, and the gateway receives the same KCI id, so it can
                // recognise the duplicate. Catching everything keeps the thread alive.
                log->error("cannot send the KCI or record its outcome: {} test_id={} kci_id={}",
                           error.what(), kci.test_id, kci.kci_id);
                failed = true;
                break;
            }
        }
        if (failed) {
            // The KCI is still due, so pausing keeps a failing store from turning
            // the loop into a stream of resends.
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, options_.store_error_pause, [this] { return stopping_; });
        } else if (due.size() < options_.batch_size) {
            wait_for_work();
        }
    }
    log->info("KCI dispatcher stopped");
}

void dispatcher::wait_for_work() {
    std::optional<store::clock::time_point> next_due;
    try {
        next_due = store_.next_kci_due();
    } catch (const std::exception& error) {
        core::logger("updates")->error("cannot read the next KCI due time: {}", error.what());
        next_due = store::clock::now() + options_.store_error_pause;
    }
    auto until = store::clock::now() + options_.idle_poll;
    if (next_due && *next_due < until) {
        until = *next_due;
    }
    std::unique_lock lock(mutex_);
    wake_.wait_until(lock, until, [this] { return stopping_ || notified_; });
}

void dispatcher::send(const store::kci_record& kci) {
    auto log = core::logger("updates");
    const int attempt = kci.attempts + 1;

    const auto retry_later = [&](const std::string& error) {
        const auto delay = backoff_delay(options_.retry, attempt, jitter_());
        store_.reschedule_kci(kci.row_id, store::clock::now() + delay, error);
        ++retried_;
        log->warn(
            "KCI not delivered, retrying in {} ms: {} test_id={} kci_id={} "
            "sequence_number={} attempt={}",
            delay.count(), error, kci.test_id, kci.kci_id, kci.sequence_number, attempt);
    };

    for (int authorisation_try = 1;; ++authorisation_try) {
        auto token = tokens_.token();
        if (!token) {
            retry_later("gateway token unavailable: " + token.error().message);
            return;
        }

        http::client_request request;
        request.method = bhttp::verb::post;
        request.target = options_.kcis_url;
        request.headers.set(bhttp::field::authorization, "Bearer " + token->reveal());
        request.headers.set(bhttp::field::content_type, "application/json");
        request.headers.set("X-Request-ID", core::random_uuid());
        if (!kci.conversation_id.empty()) {
            request.headers.set("X-Conversation-ID", kci.conversation_id);
        }
        request.body = kci.body;

        auto sent = client_->send(request);
        if (!sent) {
            retry_later(sent.error().message);
            return;
        }
        const unsigned status = sent->status;
        if (status >= 200 && status < 300) {
            store_.mark_delivered(kci.row_id);
            ++sent_;
            log->info("KCI delivered status={} test_id={} kci_id={} sequence_number={} attempt={}",
                      status, kci.test_id, kci.kci_id, kci.sequence_number, attempt);
            return;
        }
        if (status == 401) {
            tokens_.invalidate();
            bool stopping = false;
            {
                const std::lock_guard lock(mutex_);
                stopping = stopping_;
            }
            if (authorisation_try == 1 && !stopping) {
                log->info("gateway answered 401, fetching a new token test_id={} kci_id={}",
                          kci.test_id, kci.kci_id);
                continue;
            }
            retry_later("gateway answered 401 with a fresh token: " + excerpt(sent->body));
            return;
        }
        if (status == 429 || status >= 500) {
            retry_later("gateway answered " + std::to_string(status) + ": " + excerpt(sent->body));
            return;
        }
        // 400, 403, 422 and any other status: sending the same body again cannot succeed.
        const std::string error =
            "gateway rejected the KCI with " + std::to_string(status) + ": " + excerpt(sent->body);
        store_.mark_dead(kci.row_id, error);
        ++dead_;
        log->error("KCI dead-lettered: {} test_id={} kci_id={} sequence_number={} attempt={}",
                   error, kci.test_id, kci.kci_id, kci.sequence_number, attempt);
        return;
    }
}

}  // namespace linetest::updates
