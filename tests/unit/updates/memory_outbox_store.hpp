#pragma once

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>

#include "store/store.hpp"

namespace linetest::updates::testing {

/// In-memory stand-in for the store's outbox, for dispatcher tests.
///
/// The SQLite store is written in parallel with the dispatcher, so these tests
/// use this small implementation of the same queue rules. Only the lowest
/// pending KCI of each test is due, and a dead KCI no longer blocks the ones
/// after it. Methods the dispatcher never calls throw `std::logic_error`.
class memory_outbox_store final : public linetest::store::store {
public:
    /// Appends a pending KCI, due now, and returns its row id.
    std::int64_t add_kci(std::int64_t test_id,
                         std::string kci_id,
                         int sequence_number,
                         std::string body,
                         std::string conversation_id) {
        const std::lock_guard lock(mutex_);
        linetest::store::kci_record record;
        record.row_id = next_row_id_++;
        record.test_id = test_id;
        record.kci_id = std::move(kci_id);
        record.sequence_number = sequence_number;
        record.body = std::move(body);
        record.conversation_id = std::move(conversation_id);
        record.created_at = linetest::store::clock::now();
        record.next_attempt_at = record.created_at;
        kcis_[record.row_id] = record;
        return record.row_id;
    }

    linetest::store::kci_record kci(std::int64_t row_id) {
        const std::lock_guard lock(mutex_);
        return kcis_.at(row_id);
    }

    std::vector<linetest::store::kci_record> due_kcis(linetest::store::clock::time_point now,
                                                      std::size_t limit) override {
        const std::lock_guard lock(mutex_);
        std::vector<linetest::store::kci_record> due;
        for (const auto& head : heads()) {
            if (head.next_attempt_at <= now && due.size() < limit) {
                due.push_back(head);
            }
        }
        return due;
    }

    std::optional<linetest::store::clock::time_point> next_kci_due() override {
        const std::lock_guard lock(mutex_);
        std::optional<linetest::store::clock::time_point> earliest;
        for (const auto& head : heads()) {
            if (!earliest || head.next_attempt_at < *earliest) {
                earliest = head.next_attempt_at;
            }
        }
        return earliest;
    }

    /// Makes the next `count` calls of `mark_delivered` throw `store_error`, as a
    /// database that fails after the gateway accepted the KCI.
    void fail_next_deliveries(int count) {
        const std::lock_guard lock(mutex_);
        failing_deliveries_ = count;
    }

    void mark_delivered(std::int64_t row_id) override {
        const std::lock_guard lock(mutex_);
        if (failing_deliveries_ > 0) {
            --failing_deliveries_;
            throw linetest::store::store_error("disk I/O error (injected by the test)");
        }
        auto& record = kcis_.at(row_id);
        record.state = linetest::store::delivery_state::delivered;
        ++record.attempts;
    }

    void reschedule_kci(std::int64_t row_id,
                        linetest::store::clock::time_point next_attempt_at,
                        const std::string& error) override {
        const std::lock_guard lock(mutex_);
        auto& record = kcis_.at(row_id);
        ++record.attempts;
        record.next_attempt_at = next_attempt_at;
        record.last_error = error;
    }

    void mark_dead(std::int64_t row_id, const std::string& error) override {
        const std::lock_guard lock(mutex_);
        auto& record = kcis_.at(row_id);
        ++record.attempts;
        record.state = linetest::store::delivery_state::dead;
        record.last_error = error;
    }

    bool requeue_dead(std::int64_t row_id) override {
        const std::lock_guard lock(mutex_);
        auto& record = kcis_.at(row_id);
        if (record.state != linetest::store::delivery_state::dead) {
            return false;
        }
        record.state = linetest::store::delivery_state::pending;
        record.next_attempt_at = linetest::store::clock::now();
        return true;
    }

    [[noreturn]] void replace_services(
        const std::vector<linetest::store::service_record>&) override {
        unused();
    }
    [[noreturn]] std::optional<linetest::store::service_record> find_service(
        std::string_view) override {
        unused();
    }
    [[noreturn]] insert_result insert_test(
        const linetest::store::test_record&,
        const std::vector<linetest::store::kci_record>&) override {
        unused();
    }
    [[noreturn]] std::optional<linetest::store::test_record> find_test(std::int64_t) override {
        unused();
    }
    [[noreturn]] std::optional<linetest::store::test_record> find_active_test(
        std::string_view) override {
        unused();
    }
    [[noreturn]] std::vector<linetest::store::test_record> find_tests(
        linetest::store::test_state) override {
        unused();
    }
    [[noreturn]] std::optional<linetest::store::test_record> start_run(std::int64_t) override {
        unused();
    }
    [[noreturn]] bool finish_test(std::int64_t,
                                  linetest::store::test_state,
                                  const std::string&,
                                  const linetest::store::kci_record&) override {
        unused();
    }
    [[noreturn]] std::vector<linetest::store::kci_record> dead_kcis(std::size_t) override {
        unused();
    }
    [[noreturn]] std::vector<linetest::store::kci_record> kcis_for_test(std::int64_t) override {
        unused();
    }
    [[noreturn]] linetest::store::outbox_stats outbox() override { unused(); }

private:
    [[noreturn]] static void unused() {
        throw std::logic_error("memory_outbox_store implements only the outbox methods");
    }

    /// Lowest pending KCI of each test, oldest first. The caller must lock `mutex_`.
    std::vector<linetest::store::kci_record> heads() const {
        std::map<std::int64_t, linetest::store::kci_record> by_test;
        for (const auto& [row_id, record] : kcis_) {
            if (record.state != linetest::store::delivery_state::pending) {
                continue;
            }
            auto [it, inserted] = by_test.try_emplace(record.test_id, record);
            if (!inserted && record.sequence_number < it->second.sequence_number) {
                it->second = record;
            }
        }
        std::vector<linetest::store::kci_record> out;
        for (auto& [test_id, record] : by_test) {
            out.push_back(record);
        }
        std::sort(out.begin(), out.end(),
                  [](const auto& a, const auto& b) { return a.row_id < b.row_id; });
        return out;
    }

    std::mutex mutex_;
    std::int64_t next_row_id_ = 1;
    int failing_deliveries_ = 0;
    std::map<std::int64_t, linetest::store::kci_record> kcis_;
};

}  // namespace linetest::updates::testing
