#include "port_reading_cache.hpp"

#include <exception>

namespace linetest::gpon {

std::shared_ptr<const port_poll> port_reading_cache::get(
    const std::string& key, std::chrono::steady_clock::time_point deadline, const loader& load) {
    std::unique_lock lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    drop_expired(now);

    if (auto found = entries_.find(key); found != entries_.end()) {
        auto existing = found->second;
        if (existing->ready) {
            return existing->value;
        }
        ++waiting_;
        bool done = ready_.wait_until(lock, deadline, [&] { return existing->ready; });
        --waiting_;
        return done ? existing->value : nullptr;
    }

    auto mine = std::make_shared<entry>();
    entries_[key] = mine;
    ++loads_;
    lock.unlock();

    port_poll result;
    try {
        result = load();
    } catch (const std::exception& error) {
        result.status = poll_status::invalid;
        result.error = std::string("port reading threw: ") + error.what();
    }
    auto value = std::make_shared<const port_poll>(std::move(result));

    lock.lock();
    mine->value = value;
    mine->ready = true;
    mine->loaded_at = std::chrono::steady_clock::now();
    auto found = entries_.find(key);
    if (value->status != poll_status::ok && found != entries_.end() && found->second == mine) {
        entries_.erase(found);
    }
    lock.unlock();
    ready_.notify_all();
    return value;
}

std::uint64_t port_reading_cache::loads() const {
    std::lock_guard lock(mutex_);
    return loads_;
}

std::size_t port_reading_cache::waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_;
}

void port_reading_cache::drop_expired(std::chrono::steady_clock::time_point now) {
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (it->second->ready && now - it->second->loaded_at >= ttl_) {
            it = entries_.erase(it);
        } else {
            ++it;
        }
    }
}

}  // namespace linetest::gpon
