#pragma once

#include "pon_port.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace linetest::gpon {

/// Cache that shares one reading of a PON port between the tests that need it.
/// A successful reading is reused for `ttl`. While a reading is in flight, other
/// callers for the same key wait for it instead of walking the port again
/// (single flight). A failed reading goes to the callers that waited for it but
/// is not kept, so the next test tries again. Thread-safe.
class port_reading_cache {
public:
    using loader = std::function<port_poll()>;

    explicit port_reading_cache(std::chrono::steady_clock::duration ttl)
        : ttl_(ttl) {}

    /// The reading for `key`: a cached one younger than the TTL, the one in
    /// flight, or a new one from `load` run on this thread. Nullptr when the
    /// caller waited for another's reading until `deadline`. `load` must not
    /// throw; an exception becomes a failed reading.
    std::shared_ptr<const port_poll> get(const std::string& key,
                                         std::chrono::steady_clock::time_point deadline,
                                         const loader& load);

    /// How many times a `load` ran: one per port walk sent to an OLT.
    std::uint64_t loads() const;

    /// How many callers are waiting for a reading in flight now; for tests
    /// that need a second caller to be waiting before the first finishes.
    std::size_t waiting() const;

private:
    struct entry {
        bool ready = false;
        std::shared_ptr<const port_poll> value;
        std::chrono::steady_clock::time_point loaded_at;
    };

    void drop_expired(std::chrono::steady_clock::time_point now);

    std::chrono::steady_clock::duration ttl_;
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::map<std::string, std::shared_ptr<entry>> entries_;
    std::uint64_t loads_ = 0;
    std::size_t waiting_ = 0;
};

}  // namespace linetest::gpon
