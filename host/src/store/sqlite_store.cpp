#include "store/sqlite_store.hpp"

#include "core/log.hpp"
#include "store/sqlite_schema.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace linetest::store {

namespace {

constexpr std::string_view test_columns =
    "id, supplier_reference, tenant, request_id, conversation_id, service_id, specification_id, "
    "specification_name, problem_type, characteristics_json, fingerprint, plugin, state, "
    "run_attempts, kci_count, accepted_at, updated_at, result_json";

constexpr std::string_view kci_columns =
    "row_id, test_id, kci_id, sequence_number, body, conversation_id, state, attempts, "
    "created_at, next_attempt_at, last_error";

// The lowest pending sequence number of every test that has pending KCIs.
constexpr std::string_view pending_heads =
    "SELECT test_id, MIN(sequence_number) FROM outbox WHERE state = 'pending' "
    "GROUP BY test_id";

std::int64_t to_milliseconds(clock::time_point time) {
    return std::chrono::floor<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

clock::time_point from_milliseconds(std::int64_t milliseconds) {
    return clock::time_point(
        std::chrono::duration_cast<clock::duration>(std::chrono::milliseconds(milliseconds)));
}

std::optional<delivery_state> parse_delivery_state(std::string_view text) {
    for (const auto state :
         {delivery_state::pending, delivery_state::delivered, delivery_state::dead}) {
        if (text == to_string(state)) {
            return state;
        }
    }
    return std::nullopt;
}

std::int64_t to_sql_limit(std::size_t limit) {
    return static_cast<std::int64_t>(
        std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

}  // namespace

std::unique_ptr<sqlite_store> sqlite_store::open(const std::filesystem::path& path,
                                                 const sqlite_options& options) {
    const auto directory = path.parent_path();
    if (!directory.empty()) {
        std::error_code error;
        std::filesystem::create_directories(directory, error);
        if (error) {
            throw store_error(
                fmt::format("creating directory {} for database {} failed: {}; create it or choose "
                            "a writable path",
                            directory.string(), path.string(), error.message()));
        }
    }
    return std::unique_ptr<sqlite_store>(new sqlite_store(path, options));
}

sqlite_store::sqlite_store(const std::filesystem::path& path, const sqlite_options& options)
    : now_(options.now),
      before_commit_(options.before_commit),
      connection_(path) {
    configure(options);
    migrate();
    core::logger("store")->info("database opened schema_version={} path={}", schema_version,
                                path.string());
}

void sqlite_store::configure(const sqlite_options& options) {
    const auto busy_milliseconds = std::clamp<std::chrono::milliseconds::rep>(
        options.busy_timeout.count(), 0, std::numeric_limits<int>::max());
    connection_.set_busy_timeout(static_cast<int>(busy_milliseconds), "setting busy timeout");

    // journal_mode returns the mode in force, which stays the old one when the
    // file system cannot support WAL's shared memory index.
    std::string journal_mode;
    {
        auto statement = connection_.prepare("PRAGMA journal_mode = WAL", "enabling WAL mode");
        if (statement.step()) {
            journal_mode = statement.column_text(0);
        }
    }
    if (journal_mode != "wal") {
        throw store_error(fmt::format(
            "enabling WAL mode failed on database {}: journal mode is still '{}'; put the "
            "database on a local file system",
            path().string(), journal_mode));
    }

    // With WAL, FULL syncs the log on every commit. NORMAL could lose the last
    // commits on power loss after the caller has sent its 201.
    connection_.execute("PRAGMA synchronous = FULL", "setting synchronous mode");
    connection_.execute("PRAGMA foreign_keys = ON", "enabling foreign keys");
}

int sqlite_store::read_schema_version() {
    auto statement = connection_.prepare("PRAGMA user_version", "reading schema version");
    if (!statement.step()) {
        throw store_error(
            fmt::format("reading schema version failed on database {}: no row", path().string()));
    }
    return statement.column_int(0);
}

void sqlite_store::migrate() {
    const auto check_version = [this](int version) {
        if (version > schema_version || version < 0) {
            throw store_error(fmt::format(
                "database {} has schema version {}, but this linetestd supports version {} at "
                "most; run the linetestd release that wrote it or restore a backup",
                path().string(), version, schema_version));
        }
    };
    const int found = read_schema_version();
    check_version(found);
    if (found == schema_version) {
        return;
    }

    // Read the version again under the write lock, because another process may
    // have migrated the file between the first read and BEGIN IMMEDIATE.
    sqlite_transaction transaction(connection_, "migrating schema");
    int version = read_schema_version();
    check_version(version);
    for (; version < schema_version; ++version) {
        connection_.execute(std::string(sqlite_migration(version)),
                            fmt::format("migrating schema to version {}", version + 1));
    }
    connection_.execute(fmt::format("PRAGMA user_version = {}", schema_version),
                        "writing schema version");
    transaction.commit();
    core::logger("store")->info("database schema migrated from_version={} to_version={} path={}",
                                found, schema_version, path().string());
}

void sqlite_store::replace_services(const std::vector<service_record>& services) {
    const std::lock_guard lock(mutex_);
    sqlite_transaction transaction(connection_, "replacing services");
    connection_.prepare("DELETE FROM services", "deleting services").run();
    for (const auto& service : services) {
        auto statement = connection_.prepare(
            "INSERT INTO services (service_id, tenant, specification_id, specification_name, "
            "active, equipment_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            fmt::format("inserting service {}", service.service_id));
        statement.bind(1, service.service_id)
            .bind(2, service.tenant)
            .bind(3, service.specification_id)
            .bind(4, service.specification_name)
            .bind(5, std::int64_t{service.active ? 1 : 0})
            .bind(6, service.equipment_json);
        statement.run();
    }
    transaction.commit();
    core::logger("store")->info("services replaced count={}", services.size());
}

std::optional<service_record> sqlite_store::find_service(std::string_view service_id) {
    const std::lock_guard lock(mutex_);
    auto statement = connection_.prepare(
        "SELECT service_id, tenant, specification_id, specification_name, active, "
        "equipment_json FROM services WHERE service_id = ?1",
        "finding service");
    statement.bind(1, service_id);
    if (!statement.step()) {
        return std::nullopt;
    }
    service_record service;
    service.service_id = statement.column_text(0);
    service.tenant = statement.column_text(1);
    service.specification_id = statement.column_text(2);
    service.specification_name = statement.column_text(3);
    service.active = statement.column_int64(4) != 0;
    service.equipment_json = statement.column_text(5);
    return service;
}

store::insert_result sqlite_store::insert_test(const test_record& record,
                                               const std::vector<kci_record>& kcis) {
    for (std::size_t i = 0; i < kcis.size(); ++i) {
        if (kcis[i].sequence_number != static_cast<int>(i + 1)) {
            throw std::invalid_argument(fmt::format(
                "invalid sequence number {} in KCI {} of new test {}: number its KCIs 1, 2, ... "
                "in order",
                kcis[i].sequence_number, i + 1, record.id));
        }
    }

    // The checks and the insert run in one transaction, which holds the write
    // lock from BEGIN IMMEDIATE, so they are atomic across threads and processes.
    insert_result result{insert_status::inserted, {}};
    write([&] {
        if (auto existing = find_test_locked(record.id)) {
            result = {insert_status::duplicate, std::move(*existing)};
            return;
        }
        if (auto active = find_active_test_locked(record.service_id)) {
            result = {insert_status::service_busy, std::move(*active)};
            return;
        }

        const auto now = now_();
        const auto accepted_at =
            record.accepted_at == clock::time_point{} ? now : record.accepted_at;
        const auto updated_at =
            record.updated_at == clock::time_point{} ? accepted_at : record.updated_at;
        static const std::string sql = fmt::format(
            "INSERT INTO tests ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
            "?13, ?14, ?15, ?16, ?17, ?18)",
            test_columns);
        auto statement = connection_.prepare(sql, fmt::format("inserting test {}", record.id));
        statement.bind(1, record.id)
            .bind(2, record.supplier_reference)
            .bind(3, record.tenant)
            .bind(4, record.request_id)
            .bind(5, record.conversation_id)
            .bind(6, record.service_id)
            .bind(7, record.specification_id)
            .bind(8, record.specification_name)
            .bind(9, record.problem_type)
            .bind(10, record.characteristics_json)
            .bind(11, record.fingerprint)
            .bind(12, record.plugin)
            .bind(13, to_string(record.state))
            .bind(14, std::int64_t{record.run_attempts})
            .bind(15, static_cast<std::int64_t>(kcis.size()))
            .bind(16, to_milliseconds(accepted_at))
            .bind(17, to_milliseconds(updated_at))
            .bind(18, record.result_json);
        statement.run();
        for (const auto& kci : kcis) {
            insert_kci_locked(record.id, kci, now);
        }
        result.record = std::move(*find_test_locked(record.id));
    });

    switch (result.status) {
    case insert_status::inserted:
        core::logger("store")->debug("test stored kcis={} test_id={} request_id={}", kcis.size(),
                                     record.id, record.request_id);
        break;
    case insert_status::duplicate:
        core::logger("store")->debug("test exists already test_id={} request_id={}", record.id,
                                     record.request_id);
        break;
    case insert_status::service_busy:
        core::logger("store")->debug(
            "service has an active test service_id={} active_test_id={} test_id={} "
            "request_id={}",
            record.service_id, result.record.id, record.id, record.request_id);
        break;
    }
    return result;
}

void sqlite_store::write(const std::function<void()>& apply) {
    queued_write entry{&apply, nullptr, false};
    std::unique_lock lock(queue_mutex_);
    queue_.push_back(&entry);
    while (!entry.done) {
        if (committing_) {
            group_committed_.wait(lock);
            continue;
        }
        // No commit in progress: this thread commits every queued write, its own included.
        committing_ = true;
        auto group = std::exchange(queue_, {});
        lock.unlock();
        commit_group(group);
        lock.lock();
        ++commits_.groups;
        commits_.writes += group.size();
        for (auto* queued : group) {
            queued->done = true;
        }
        committing_ = false;
        group_committed_.notify_all();
    }
    if (entry.error) {
        std::rethrow_exception(entry.error);
    }
}

void sqlite_store::commit_group(const std::vector<queued_write*>& group) {
    const std::lock_guard lock(mutex_);
    try {
        sqlite_transaction transaction(
            connection_, fmt::format("committing a group of {} writes", group.size()));
        for (auto* queued : group) {
            connection_.execute("SAVEPOINT queued_write", "starting a write");
            try {
                (*queued->apply)();
            } catch (...) {
                queued->error = std::current_exception();
                // After SQLITE_FULL or SQLITE_IOERR SQLite has rolled back the whole
                // transaction, so the writes before this one are gone as well.
                if (!connection_.in_transaction()) {
                    throw;
                }
                connection_.execute("ROLLBACK TO queued_write", "rolling back a failed write");
            }
            connection_.execute("RELEASE queued_write", "ending a write");
        }
        if (before_commit_) {
            before_commit_(group.size());
        }
        transaction.commit();
    } catch (...) {
        const auto error = std::current_exception();
        for (auto* queued : group) {
            if (!queued->error) {
                queued->error = error;
            }
        }
    }
}

commit_counts sqlite_store::commits() {
    const std::lock_guard lock(queue_mutex_);
    return commits_;
}

std::size_t sqlite_store::queued_writes() {
    const std::lock_guard lock(queue_mutex_);
    return queue_.size();
}

std::optional<test_record> sqlite_store::find_test(std::int64_t id) {
    const std::lock_guard lock(mutex_);
    return find_test_locked(id);
}

std::optional<test_record> sqlite_store::find_test_locked(std::int64_t id) {
    static const std::string sql = fmt::format("SELECT {} FROM tests WHERE id = ?1", test_columns);
    auto statement = connection_.prepare(sql, fmt::format("finding test {}", id));
    statement.bind(1, id);
    if (!statement.step()) {
        return std::nullopt;
    }
    return read_test(statement);
}

std::optional<test_record> sqlite_store::find_active_test(std::string_view service_id) {
    const std::lock_guard lock(mutex_);
    return find_active_test_locked(service_id);
}

std::optional<test_record> sqlite_store::find_active_test_locked(std::string_view service_id) {
    static const std::string sql = fmt::format(
        "SELECT {} FROM tests WHERE service_id = ?1 AND state IN ('accepted', 'running') "
        "ORDER BY accepted_at DESC, id DESC LIMIT 1",
        test_columns);
    auto statement = connection_.prepare(sql, "finding active test");
    statement.bind(1, service_id);
    if (!statement.step()) {
        return std::nullopt;
    }
    return read_test(statement);
}

std::vector<test_record> sqlite_store::find_tests(test_state state) {
    const std::lock_guard lock(mutex_);
    static const std::string sql =
        fmt::format("SELECT {} FROM tests WHERE state = ?1 ORDER BY accepted_at, id", test_columns);
    auto statement = connection_.prepare(sql, fmt::format("finding {} tests", to_string(state)));
    statement.bind(1, to_string(state));
    std::vector<test_record> tests;
    while (statement.step()) {
        tests.push_back(read_test(statement));
    }
    return tests;
}

std::optional<test_record> sqlite_store::start_run(std::int64_t id) {
    std::optional<test_record> updated;
    write([&] {
        const auto operation = fmt::format("starting run of test {}", id);
        auto statement = connection_.prepare(
            "UPDATE tests SET state = 'running', run_attempts = run_attempts + 1, "
            "updated_at = ?2 WHERE id = ?1 AND state IN ('accepted', 'running')",
            operation);
        statement.bind(1, id).bind(2, to_milliseconds(now_()));
        statement.run();
        if (connection_.changes() > 0) {
            updated = find_test_locked(id);
        }
    });
    return updated;
}

bool sqlite_store::finish_test(std::int64_t id,
                               test_state final_state,
                               const std::string& result_json,
                               const kci_record& kci) {
    if (final_state != test_state::completed && final_state != test_state::failed) {
        throw std::invalid_argument(fmt::format(
            "invalid final state {} for test {}: a test finishes as completed or failed",
            to_string(final_state), id));
    }

    bool finished = false;
    write([&] {
        const auto operation = fmt::format("finishing test {}", id);
        int kci_count = 0;
        {
            auto statement = connection_.prepare(
                "SELECT kci_count FROM tests WHERE id = ?1 AND state IN ('accepted', 'running')",
                operation);
            statement.bind(1, id);
            if (!statement.step()) {
                core::logger("store")->debug("finish dropped, test missing or finished test_id={}",
                                             id);
                return;
            }
            kci_count = statement.column_int(0);
        }
        if (kci.sequence_number != kci_count + 1) {
            throw std::invalid_argument(fmt::format(
                "invalid sequence number {} in the KCI that finishes test {}: expected {}, which "
                "is kci_count + 1",
                kci.sequence_number, id, kci_count + 1));
        }

        const auto now = now_();
        auto statement = connection_.prepare(
            "UPDATE tests SET state = ?2, result_json = ?3, kci_count = kci_count + 1, "
            "updated_at = ?4 WHERE id = ?1",
            operation);
        statement.bind(1, id)
            .bind(2, to_string(final_state))
            .bind(3, result_json)
            .bind(4, to_milliseconds(now));
        statement.run();
        insert_kci_locked(id, kci, now);
        finished = true;
    });
    return finished;
}

void sqlite_store::insert_kci_locked(std::int64_t test_id,
                                     const kci_record& kci,
                                     clock::time_point now) {
    const auto created_at = kci.created_at == clock::time_point{} ? now : kci.created_at;
    const auto next_attempt_at =
        kci.next_attempt_at == clock::time_point{} ? created_at : kci.next_attempt_at;
    auto statement = connection_.prepare(
        "INSERT INTO outbox (test_id, kci_id, sequence_number, body, conversation_id, state, "
        "attempts, created_at, next_attempt_at, last_error) "
        "VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, ?7, '')",
        fmt::format("inserting KCI {} of test {}", kci.sequence_number, test_id));
    statement.bind(1, test_id)
        .bind(2, kci.kci_id)
        .bind(3, std::int64_t{kci.sequence_number})
        .bind(4, kci.body)
        .bind(5, kci.conversation_id)
        .bind(6, to_milliseconds(created_at))
        .bind(7, to_milliseconds(next_attempt_at));
    statement.run();
}

std::vector<kci_record> sqlite_store::due_kcis(clock::time_point now, std::size_t limit) {
    const std::lock_guard lock(mutex_);
    static const std::string sql = fmt::format(
        "SELECT {} FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?1 "
        "AND (test_id, sequence_number) IN ({}) ORDER BY created_at, row_id LIMIT ?2",
        kci_columns, pending_heads);
    auto statement = connection_.prepare(sql, "finding due KCIs");
    statement.bind(1, to_milliseconds(now)).bind(2, to_sql_limit(limit));
    std::vector<kci_record> kcis;
    while (statement.step()) {
        kcis.push_back(read_kci(statement));
    }
    return kcis;
}

std::optional<clock::time_point> sqlite_store::next_kci_due() {
    const std::lock_guard lock(mutex_);
    static const std::string sql = fmt::format(
        "SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending' "
        "AND (test_id, sequence_number) IN ({})",
        pending_heads);
    auto statement = connection_.prepare(sql, "finding next due KCI");
    if (!statement.step() || statement.column_is_null(0)) {
        return std::nullopt;
    }
    return from_milliseconds(statement.column_int64(0));
}

void sqlite_store::mark_delivered(std::int64_t row_id) {
    write([&] {
        auto statement = connection_.prepare(
            "UPDATE outbox SET state = 'delivered', attempts = attempts + 1 "
            "WHERE row_id = ?1 AND state = 'pending'",
            fmt::format("marking KCI row {} delivered", row_id));
        statement.bind(1, row_id);
        statement.run();
        if (connection_.changes() == 0) {
            core::logger("store")->warn(
                "KCI not marked delivered, row missing or not pending row_id={}", row_id);
        }
    });
}

void sqlite_store::reschedule_kci(std::int64_t row_id,
                                  clock::time_point next_attempt_at,
                                  const std::string& error) {
    write([&] {
        auto statement = connection_.prepare(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?2, last_error = ?3 "
            "WHERE row_id = ?1 AND state = 'pending'",
            fmt::format("rescheduling KCI row {}", row_id));
        statement.bind(1, row_id).bind(2, to_milliseconds(next_attempt_at)).bind(3, error);
        statement.run();
        if (connection_.changes() == 0) {
            core::logger("store")->warn(
                "KCI not rescheduled, row missing or not pending row_id={}", row_id);
        }
    });
}

void sqlite_store::mark_dead(std::int64_t row_id, const std::string& error) {
    write([&] {
        auto statement = connection_.prepare(
            "UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ?2 "
            "WHERE row_id = ?1 AND state = 'pending'",
            fmt::format("marking KCI row {} dead", row_id));
        statement.bind(1, row_id).bind(2, error);
        statement.run();
        if (connection_.changes() == 0) {
            core::logger("store")->warn("KCI not marked dead, row missing or not pending row_id={}",
                                        row_id);
        }
    });
}

bool sqlite_store::requeue_dead(std::int64_t row_id) {
    bool requeued = false;
    write([&] {
        auto statement = connection_.prepare(
            "UPDATE outbox SET state = 'pending', next_attempt_at = ?2 "
            "WHERE row_id = ?1 AND state = 'dead'",
            fmt::format("requeueing KCI row {}", row_id));
        statement.bind(1, row_id).bind(2, to_milliseconds(now_()));
        statement.run();
        requeued = connection_.changes() > 0;
    });
    return requeued;
}

std::vector<kci_record> sqlite_store::dead_kcis(std::size_t limit) {
    const std::lock_guard lock(mutex_);
    static const std::string sql = fmt::format(
        "SELECT {} FROM outbox WHERE state = 'dead' ORDER BY row_id LIMIT ?1", kci_columns);
    auto statement = connection_.prepare(sql, "listing dead KCIs");
    statement.bind(1, to_sql_limit(limit));
    std::vector<kci_record> kcis;
    while (statement.step()) {
        kcis.push_back(read_kci(statement));
    }
    return kcis;
}

std::vector<kci_record> sqlite_store::kcis_for_test(std::int64_t test_id) {
    const std::lock_guard lock(mutex_);
    static const std::string sql = fmt::format(
        "SELECT {} FROM outbox WHERE test_id = ?1 ORDER BY sequence_number", kci_columns);
    auto statement = connection_.prepare(sql, fmt::format("listing KCIs of test {}", test_id));
    statement.bind(1, test_id);
    std::vector<kci_record> kcis;
    while (statement.step()) {
        kcis.push_back(read_kci(statement));
    }
    return kcis;
}

outbox_stats sqlite_store::outbox() {
    const std::lock_guard lock(mutex_);
    auto statement = connection_.prepare(
        "SELECT (SELECT COUNT(*) FROM outbox WHERE state = 'pending'), "
        "(SELECT COUNT(*) FROM outbox WHERE state = 'dead'), "
        "(SELECT MIN(created_at) FROM outbox WHERE state = 'pending')",
        "reading outbox statistics");
    outbox_stats stats;
    if (statement.step()) {
        stats.pending = statement.column_int64(0);
        stats.dead = statement.column_int64(1);
        if (!statement.column_is_null(2)) {
            stats.oldest_pending_created_at = from_milliseconds(statement.column_int64(2));
        }
    }
    return stats;
}

test_record sqlite_store::read_test(sqlite_statement& statement) {
    test_record record;
    record.id = statement.column_int64(0);
    record.supplier_reference = statement.column_text(1);
    record.tenant = statement.column_text(2);
    record.request_id = statement.column_text(3);
    record.conversation_id = statement.column_text(4);
    record.service_id = statement.column_text(5);
    record.specification_id = statement.column_text(6);
    record.specification_name = statement.column_text(7);
    record.problem_type = statement.column_text(8);
    record.characteristics_json = statement.column_text(9);
    record.fingerprint = statement.column_text(10);
    record.plugin = statement.column_text(11);
    const auto state_text = statement.column_text(12);
    const auto state = parse_test_state(state_text);
    if (!state) {
        throw store_error(fmt::format("test {} in database {} has an unknown state '{}'", record.id,
                                      path().string(), state_text));
    }
    record.state = *state;
    record.run_attempts = statement.column_int(13);
    record.kci_count = statement.column_int(14);
    record.accepted_at = from_milliseconds(statement.column_int64(15));
    record.updated_at = from_milliseconds(statement.column_int64(16));
    record.result_json = statement.column_text(17);
    return record;
}

kci_record sqlite_store::read_kci(sqlite_statement& statement) {
    kci_record kci;
    kci.row_id = statement.column_int64(0);
    kci.test_id = statement.column_int64(1);
    kci.kci_id = statement.column_text(2);
    kci.sequence_number = statement.column_int(3);
    kci.body = statement.column_text(4);
    kci.conversation_id = statement.column_text(5);
    const auto state_text = statement.column_text(6);
    const auto state = parse_delivery_state(state_text);
    if (!state) {
        throw store_error(fmt::format("KCI row {} in database {} has an unknown state '{}'",
                                      kci.row_id, path().string(), state_text));
    }
    kci.state = *state;
    kci.attempts = statement.column_int(7);
    kci.created_at = from_milliseconds(statement.column_int64(8));
    kci.next_attempt_at = from_milliseconds(statement.column_int64(9));
    kci.last_error = statement.column_text(10);
    return kci;
}

}  // namespace linetest::store
