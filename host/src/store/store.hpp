#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace linetest::store {

using clock = std::chrono::system_clock;

/// Life of a service test on our side: ACCEPTED -> RUNNING -> COMPLETED or FAILED.
enum class test_state { accepted, running, completed, failed };

std::string_view to_string(test_state state) noexcept;
std::optional<test_state> parse_test_state(std::string_view text) noexcept;

/// A service the supplier runs, from the inventory file.
struct service_record {
    std::string service_id;
    std::string tenant;
    std::string specification_id;
    std::string specification_name;
    bool active = true;
    std::string equipment_json;  ///< `{node, profile, attributes{}, credentials}` as JSON text.
};

/// One accepted service test.
struct test_record {
    std::int64_t id = 0;  ///< Gateway id; primary key.
    std::string supplier_reference;
    std::string tenant;
    std::string request_id;       ///< X-Request-ID of the POST that created it.
    std::string conversation_id;  ///< X-Conversation-ID; sent again on every KCI.
    std::string service_id;
    std::string specification_id;
    std::string specification_name;
    std::string problem_type;
    std::string characteristics_json = "[]";
    /// Canonical form of the request body; a replay with another fingerprint is rejected.
    std::string fingerprint;
    std::string plugin;  ///< Name of the route's plugin instance.
    test_state state = test_state::accepted;
    int run_attempts = 0;  ///< Runs started; more than one means it was resumed after a restart.
    int kci_count = 0;     ///< KCIs written so far; the next one gets sequence number kci_count + 1.
    clock::time_point accepted_at{};
    clock::time_point updated_at{};
    std::string result_json;  ///< The `result` object once finished; empty before.
};

enum class delivery_state { pending, delivered, dead };

std::string_view to_string(delivery_state state) noexcept;

/// One KCI in the outbox. Retries resend exactly `body`, so the gateway receives
/// the same KCI id and sequence number on every attempt.
struct kci_record {
    std::int64_t row_id = 0;  ///< Assigned by the store.
    std::int64_t test_id = 0;
    std::string kci_id;       ///< UUID of the KCI, the body's `id`.
    int sequence_number = 0;  ///< Per test, from 1, the body's `sequenceNumber`.
    std::string body;         ///< JSON text as sent.
    std::string conversation_id;
    delivery_state state = delivery_state::pending;
    int attempts = 0;
    clock::time_point created_at{};
    clock::time_point next_attempt_at{};
    std::string last_error;  ///< Last failure, for operators; never contains a token.
};

struct outbox_stats {
    std::int64_t pending = 0;
    std::int64_t dead = 0;
    std::optional<clock::time_point> oldest_pending_created_at;
};

/// Raised when the database cannot be used (I/O error, full disk, corruption,
/// locked past the busy timeout). The request in progress gets a 503.
class store_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Persistence for services, tests and the KCI outbox.
///
/// Every method is atomic, and every method that changes a test also writes the
/// KCIs that change owes in the same transaction, so a crash never leaves a
/// finished test without its KCI. Implementations are thread-safe. Methods
/// throw `store_error` when the database fails.
class store {
public:
    virtual ~store() = default;

    /// Replaces the inventory with `services` (one transaction).
    virtual void replace_services(const std::vector<service_record>& services) = 0;
    virtual std::optional<service_record> find_service(std::string_view service_id) = 0;

    enum class insert_status { inserted, duplicate, service_busy };
    struct insert_result {
        insert_status status;
        /// `record` as written; for `duplicate` the earlier test with that id; for
        /// `service_busy` the service's active test.
        test_record record;
    };

    /// Stores a new test with the KCIs it owes now (none, or an acceptance KCI).
    /// Writes nothing and returns the existing test when a test with the same id
    /// exists (`duplicate`), or else when the service has an ACCEPTED or RUNNING
    /// test (`service_busy`). Both checks and the write are one transaction, so
    /// concurrent callers cannot start two tests on one service.
    virtual insert_result insert_test(const test_record& record,
                                      const std::vector<kci_record>& kcis) = 0;

    virtual std::optional<test_record> find_test(std::int64_t id) = 0;

    /// Returns the ACCEPTED or RUNNING test of a service, if any.
    virtual std::optional<test_record> find_active_test(std::string_view service_id) = 0;

    virtual std::vector<test_record> find_tests(test_state state) = 0;

    /// Moves an ACCEPTED or RUNNING test to RUNNING and counts the attempt.
    /// Returns the updated record, or empty if the test is missing or finished.
    virtual std::optional<test_record> start_run(std::int64_t id) = 0;

    /// Moves a RUNNING or ACCEPTED test to `final_state` (COMPLETED or FAILED),
    /// stores `result_json` and appends `kci`. Returns false and writes nothing
    /// if the test has finished already, which is how a late report is dropped.
    virtual bool finish_test(std::int64_t id, test_state final_state,
                             const std::string& result_json, const kci_record& kci) = 0;

    /// Returns, for each test with pending KCIs, its lowest pending KCI when that
    /// KCI is due at `now`; at most `limit` rows, oldest first. Only the head of
    /// each test's queue is returned, so KCIs of one test go out in order.
    virtual std::vector<kci_record> due_kcis(clock::time_point now, std::size_t limit) = 0;

    /// Earliest `next_attempt_at` among the heads of the pending queues.
    virtual std::optional<clock::time_point> next_kci_due() = 0;

    virtual void mark_delivered(std::int64_t row_id) = 0;
    virtual void reschedule_kci(std::int64_t row_id, clock::time_point next_attempt_at,
                                const std::string& error) = 0;
    /// Parks a KCI the gateway rejected (400/422) for an operator to inspect.
    /// Later KCIs of the same test are no longer held behind it.
    virtual void mark_dead(std::int64_t row_id, const std::string& error) = 0;
    /// Puts a dead KCI back in the queue, due now. Returns false if it was not dead.
    virtual bool requeue_dead(std::int64_t row_id) = 0;

    virtual std::vector<kci_record> dead_kcis(std::size_t limit) = 0;
    virtual std::vector<kci_record> kcis_for_test(std::int64_t test_id) = 0;
    virtual outbox_stats outbox() = 0;
};

}  // namespace linetest::store
