#pragma once

#include "store/sqlite_connection.hpp"
#include "store/sqlite_schema.hpp"
#include "store/store.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace linetest::store {

struct sqlite_options {
    /// How long a statement waits for another connection's lock before it
    /// fails with `store_error`.
    std::chrono::milliseconds busy_timeout{5000};
    /// Clock for `updated_at` and for the due time that `requeue_dead` sets. Tests replace it.
    std::function<clock::time_point()> now = [] { return clock::now(); };
    /// Called with the number of writes in a group just before its COMMIT, on the
    /// thread that commits it. Tests use it to hold a commit open.
    std::function<void(std::size_t writes)> before_commit;
};

/// Counts of group commits since the store was opened.
struct commit_counts {
    std::uint64_t groups = 0;  ///< Transactions committed or attempted.
    std::uint64_t writes = 0;  ///< Method calls that wrote, across all groups.
};

/// The `store` on one SQLite file, the embedded default.
///
/// The file runs in WAL mode with `synchronous=FULL`, so a method that returns
/// has its transaction on disk. A 201 sent after `insert_test` therefore
/// survives a power cut. One connection serves all threads behind a mutex.
///
/// Writes are committed in groups. A write that arrives while another thread's
/// COMMIT is in progress waits and joins the next transaction, in a savepoint
/// of its own, so one fsync covers every write in the group and a write that
/// throws rolls back alone. A failed COMMIT fails every write in its group.
/// Times are stored as integer milliseconds since the Unix epoch, so records
/// read back are truncated to the millisecond.
///
/// Beyond the `store` contract:
/// - `insert_test` and `finish_test` take each KCI's test id from the test, and
///   store it pending with no attempts. An unset `created_at` becomes now and an
///   unset `next_attempt_at` becomes `created_at`.
/// - `insert_test` stores `kci_count` as the number of KCIs given, which must be
///   numbered 1, 2, ... in order; `finish_test` requires the KCI to be numbered
///   `kci_count + 1`. Either throws `std::invalid_argument` otherwise, and so
///   does `finish_test` with a `final_state` other than COMPLETED or FAILED.
/// - `mark_delivered`, `reschedule_kci` and `mark_dead` count one attempt and act
///   only on a pending row. On any other row they change nothing and log a warning.
class sqlite_store final : public store {
public:
    /// Schema version written to `PRAGMA user_version`.
    static constexpr int schema_version = sqlite_schema_version;

    /// Opens the database at `path`, creating the parent directory, the file and
    /// the schema when missing. Throws `store_error` naming the path when the
    /// directory or file cannot be created or written, or when the file has a
    /// newer schema version than this build supports.
    static std::unique_ptr<sqlite_store> open(const std::filesystem::path& path,
                                              const sqlite_options& options = {});

    const std::filesystem::path& path() const noexcept { return connection_.path(); }

    void replace_services(const std::vector<service_record>& services) override;
    std::optional<service_record> find_service(std::string_view service_id) override;

    insert_result insert_test(const test_record& record,
                              const std::vector<kci_record>& kcis) override;
    std::optional<test_record> find_test(std::int64_t id) override;
    std::optional<test_record> find_active_test(std::string_view service_id) override;
    std::vector<test_record> find_tests(test_state state) override;
    std::optional<test_record> start_run(std::int64_t id) override;
    bool finish_test(std::int64_t id,
                     test_state final_state,
                     const std::string& result_json,
                     const kci_record& kci) override;

    std::vector<kci_record> due_kcis(clock::time_point now, std::size_t limit) override;
    std::optional<clock::time_point> next_kci_due() override;
    void mark_delivered(std::int64_t row_id) override;
    void reschedule_kci(std::int64_t row_id,
                        clock::time_point next_attempt_at,
                        const std::string& error) override;
    void mark_dead(std::int64_t row_id, const std::string& error) override;
    bool requeue_dead(std::int64_t row_id) override;
    std::vector<kci_record> dead_kcis(std::size_t limit) override;
    std::vector<kci_record> kcis_for_test(std::int64_t test_id) override;
    outbox_stats outbox() override;

    /// Returns the group commit counts since the store was opened.
    commit_counts commits();
    /// Returns the number of writes waiting for the next group.
    std::size_t queued_writes();

private:
    /// A write waiting in `queue_`, owned by the thread that called `write`.
    struct queued_write {
        const std::function<void()>* apply;
        std::exception_ptr error;
        bool done = false;
    };

    sqlite_store(const std::filesystem::path& path, const sqlite_options& options);

    void configure(const sqlite_options& options);
    void migrate();
    int read_schema_version();

    std::optional<test_record> find_test_locked(std::int64_t id);
    std::optional<test_record> find_active_test_locked(std::string_view service_id);

    /// Runs `apply` in the next group transaction and returns once that group is
    /// committed. Rethrows what `apply` threw, or the error that failed the group.
    /// `apply` runs under `mutex_`, on this thread or on the one committing the group.
    void write(const std::function<void()>& apply);
    void commit_group(const std::vector<queued_write*>& group);
    void insert_kci_locked(std::int64_t test_id, const kci_record& kci, clock::time_point now);
    test_record read_test(sqlite_statement& statement);
    kci_record read_kci(sqlite_statement& statement);

    std::function<clock::time_point()> now_;
    std::function<void(std::size_t)> before_commit_;
    std::mutex mutex_;
    sqlite_connection connection_;

    std::mutex queue_mutex_;
    std::condition_variable group_committed_;
    std::vector<queued_write*> queue_;
    bool committing_ = false;
    commit_counts commits_;
};

}  // namespace linetest::store
