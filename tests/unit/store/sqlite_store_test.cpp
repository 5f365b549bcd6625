#include "store/sqlite_store.hpp"

#include "core/random.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <latch>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sqlite3.h>
#include <unistd.h>

namespace linetest::store {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// Reads one text value with a connection of its own, to check what the store
// left in the file rather than what it reports about itself.
std::string query_text(const std::filesystem::path& path, const std::string& sql) {
    sqlite3* database = nullptr;
    if (sqlite3_open_v2(path.c_str(), &database, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        sqlite3_close(database);
        throw std::runtime_error("test could not open " + path.string());
    }
    sqlite3_stmt* statement = nullptr;
    std::string value;
    if (sqlite3_prepare_v2(database, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
        const auto* text = sqlite3_column_text(statement, 0);
        value = text != nullptr ? reinterpret_cast<const char*>(text) : "";
    }
    sqlite3_finalize(statement);
    sqlite3_close(database);
    return value;
}

class SqliteStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        directory_ =
            std::filesystem::temp_directory_path() / ("linetest-store-" + core::random_uuid());
        std::filesystem::create_directories(directory_);
    }

    void TearDown() override {
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
    }

    std::filesystem::path database_path() const { return directory_ / "data" / "linetest.db"; }

    std::unique_ptr<sqlite_store> open_store() {
        sqlite_options options;
        options.now = [this] { return now_; };
        return sqlite_store::open(database_path(), options);
    }

    test_record make_test(std::int64_t id, std::string service_id = {}) const {
        test_record record;
        record.id = id;
        record.supplier_reference = "LT-" + std::to_string(id);
        record.tenant = "tenant-a";
        record.request_id = "req-" + std::to_string(id);
        record.conversation_id = "conv-" + std::to_string(id);
        // One service per test unless given: a service has one active test at a time.
        record.service_id = service_id.empty() ? "svc-" + std::to_string(id) : service_id;
        record.specification_id = "spec-gpon";
        record.specification_name = "GPON line test";
        record.problem_type = "NO_SERVICE";
        record.characteristics_json = R"([{"name":"depth","value":"full"}])";
        record.fingerprint = "fingerprint-" + std::to_string(id);
        record.plugin = "gpon";
        record.accepted_at = now_;
        record.updated_at = now_;
        return record;
    }

    kci_record make_kci(std::int64_t test_id,
                        int sequence_number,
                        clock::time_point created_at) const {
        kci_record kci;
        kci.test_id = test_id;
        kci.kci_id = core::random_uuid();
        kci.sequence_number = sequence_number;
        kci.body = R"({"sequenceNumber":)" + std::to_string(sequence_number) + "}";
        kci.conversation_id = "conv-" + std::to_string(test_id);
        kci.created_at = created_at;
        kci.next_attempt_at = created_at;
        return kci;
    }

    std::filesystem::path directory_;
    // Whole milliseconds, because the store keeps times in milliseconds.
    clock::time_point now_{std::chrono::milliseconds(1'741'952'525'120)};
};

TEST_F(SqliteStoreTest, InsertsAndFindsTest) {
    auto store = open_store();
    const auto record = make_test(42);

    const auto result = store->insert_test(record, {make_kci(42, 1, now_)});
    const auto found = store->find_test(42);

    EXPECT_EQ(result.status, store::insert_status::inserted);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->supplier_reference, record.supplier_reference);
    EXPECT_EQ(found->tenant, record.tenant);
    EXPECT_EQ(found->request_id, record.request_id);
    EXPECT_EQ(found->conversation_id, record.conversation_id);
    EXPECT_EQ(found->service_id, record.service_id);
    EXPECT_EQ(found->specification_id, record.specification_id);
    EXPECT_EQ(found->specification_name, record.specification_name);
    EXPECT_EQ(found->problem_type, record.problem_type);
    EXPECT_EQ(found->characteristics_json, record.characteristics_json);
    EXPECT_EQ(found->fingerprint, record.fingerprint);
    EXPECT_EQ(found->plugin, record.plugin);
    EXPECT_EQ(found->state, test_state::accepted);
    EXPECT_EQ(found->run_attempts, 0);
    EXPECT_EQ(found->kci_count, 1);
    EXPECT_EQ(found->accepted_at, now_);
    EXPECT_EQ(found->updated_at, now_);
    EXPECT_EQ(found->result_json, "");
    EXPECT_EQ(result.record.fingerprint, record.fingerprint);
}

TEST_F(SqliteStoreTest, FindTestReturnsEmptyForUnknownId) {
    auto store = open_store();

    EXPECT_FALSE(store->find_test(7).has_value());
}

TEST_F(SqliteStoreTest, InsertStoresKcisPending) {
    auto store = open_store();
    const auto kci = make_kci(42, 1, now_);
    store->insert_test(make_test(42), {kci});

    const auto kcis = store->kcis_for_test(42);

    ASSERT_EQ(kcis.size(), 1U);
    EXPECT_EQ(kcis[0].kci_id, kci.kci_id);
    EXPECT_EQ(kcis[0].sequence_number, 1);
    EXPECT_EQ(kcis[0].body, kci.body);
    EXPECT_EQ(kcis[0].conversation_id, kci.conversation_id);
    EXPECT_EQ(kcis[0].state, delivery_state::pending);
    EXPECT_EQ(kcis[0].attempts, 0);
    EXPECT_EQ(kcis[0].created_at, now_);
    EXPECT_EQ(kcis[0].next_attempt_at, now_);
    EXPECT_EQ(kcis[0].last_error, "");
}

TEST_F(SqliteStoreTest, DuplicateIdReturnsFirstRecord) {
    auto store = open_store();
    store->insert_test(make_test(42), {make_kci(42, 1, now_)});
    auto replay = make_test(42);
    replay.fingerprint = "another-body";
    replay.request_id = "req-replay";

    const auto result = store->insert_test(replay, {make_kci(42, 1, now_)});

    EXPECT_EQ(result.status, store::insert_status::duplicate);
    EXPECT_EQ(result.record.fingerprint, "fingerprint-42");
    EXPECT_EQ(result.record.request_id, "req-42");
}

TEST_F(SqliteStoreTest, DuplicateIdWritesNothing) {
    auto store = open_store();
    store->insert_test(make_test(42), {make_kci(42, 1, now_)});
    auto replay = make_test(42);
    replay.fingerprint = "another-body";

    store->insert_test(replay, {make_kci(42, 1, now_)});

    EXPECT_EQ(store->find_test(42)->fingerprint, "fingerprint-42");
    EXPECT_EQ(store->kcis_for_test(42).size(), 1U);
}

TEST_F(SqliteStoreTest, RejectsMisnumberedKcisOnInsert) {
    auto store = open_store();

    EXPECT_THROW(store->insert_test(make_test(42), {make_kci(42, 2, now_)}), std::invalid_argument);
    EXPECT_FALSE(store->find_test(42).has_value());
}

// Each thread has its own store on the same file, so the race goes through
// SQLite's file locks as it would between two processes, and not only through
// the mutex of one store.
TEST_F(SqliteStoreTest, ConcurrentInsertsOfSameIdInsertOnce) {
    auto first_store = open_store();
    auto second_store = open_store();
    constexpr int rounds = 20;
    for (int round = 1; round <= rounds; ++round) {
        std::latch start(2);
        store::insert_result results[2]{};
        auto insert = [&](sqlite_store& target, int index) {
            start.arrive_and_wait();
            auto record = make_test(round);
            record.fingerprint = "thread-" + std::to_string(index);
            results[index] = target.insert_test(record, {make_kci(round, 1, now_)});
        };
        std::thread first(insert, std::ref(*first_store), 0);
        std::thread second(insert, std::ref(*second_store), 1);
        first.join();
        second.join();

        const int inserted = (results[0].status == store::insert_status::inserted ? 1 : 0) +
                             (results[1].status == store::insert_status::inserted ? 1 : 0);
        EXPECT_EQ(inserted, 1) << "round " << round;
        EXPECT_EQ(results[0].record.fingerprint, results[1].record.fingerprint)
            << "round " << round;
        EXPECT_EQ(first_store->kcis_for_test(round).size(), 1U) << "round " << round;
    }
}

TEST_F(SqliteStoreTest, ConcurrentInsertsOnSharedStore) {
    auto store = open_store();
    std::latch start(2);
    store::insert_result results[2]{};
    auto insert = [&](int index) {
        start.arrive_and_wait();
        results[index] = store->insert_test(make_test(42), {make_kci(42, 1, now_)});
    };
    std::thread first(insert, 0);
    std::thread second(insert, 1);
    first.join();
    second.join();

    const int inserted = (results[0].status == store::insert_status::inserted ? 1 : 0) +
                         (results[1].status == store::insert_status::inserted ? 1 : 0);
    EXPECT_EQ(inserted, 1);
    EXPECT_EQ(store->kcis_for_test(42).size(), 1U);
}

TEST_F(SqliteStoreTest, SecondActiveTestIsRejected) {
    auto store = open_store();
    store->insert_test(make_test(1, "svc-shared"), {});

    const auto busy = store->insert_test(make_test(2, "svc-shared"), {make_kci(2, 1, now_)});

    EXPECT_EQ(busy.status, store::insert_status::service_busy);
    EXPECT_EQ(busy.record.id, 1);
    EXPECT_FALSE(store->find_test(2).has_value());
    EXPECT_TRUE(store->kcis_for_test(2).empty());
}

TEST_F(SqliteStoreTest, FinishedTestFreesService) {
    auto store = open_store();
    store->insert_test(make_test(1, "svc-shared"), {});
    ASSERT_TRUE(store->finish_test(1, test_state::completed, "{}", make_kci(1, 1, now_)));

    EXPECT_EQ(store->insert_test(make_test(2, "svc-shared"), {}).status,
              store::insert_status::inserted);
}

// Two stores on one file, as in ConcurrentInsertsOfSameIdInsertOnce: the
// check for an active test must hold across connections, not only one mutex.
TEST_F(SqliteStoreTest, RacingInsertsStartOneTest) {
    auto first_store = open_store();
    auto second_store = open_store();
    constexpr int rounds = 20;
    for (int round = 1; round <= rounds; ++round) {
        const auto service = "svc-round-" + std::to_string(round);
        std::latch start(2);
        store::insert_result results[2]{};
        auto insert = [&](sqlite_store& target, int index) {
            start.arrive_and_wait();
            results[index] = target.insert_test(make_test(round * 10 + index, service), {});
        };
        std::thread first(insert, std::ref(*first_store), 0);
        std::thread second(insert, std::ref(*second_store), 1);
        first.join();
        second.join();

        const auto count = [&](store::insert_status status) {
            return (results[0].status == status ? 1 : 0) + (results[1].status == status ? 1 : 0);
        };
        EXPECT_EQ(count(store::insert_status::inserted), 1) << "round " << round;
        EXPECT_EQ(count(store::insert_status::service_busy), 1) << "round " << round;
        EXPECT_EQ(results[0].record.id, results[1].record.id) << "round " << round;
    }
}

// Holds the first group's COMMIT open until three more writes are queued, so those three
// form the next group together: one of them throws and must roll back alone.
TEST_F(SqliteStoreTest, QueuedWritesCommitAsOneGroup) {
    std::mutex sizes_mutex;
    std::vector<std::size_t> group_sizes;
    sqlite_store* store_under_test = nullptr;
    std::atomic<bool> hold_first_group{false};
    sqlite_options options;
    options.now = [this] { return now_; };
    options.before_commit = [&](std::size_t writes) {
        if (hold_first_group.exchange(false)) {
            const auto deadline = std::chrono::steady_clock::now() + 10s;
            while (store_under_test->queued_writes() < 3 &&
                   std::chrono::steady_clock::now() < deadline) {
                std::this_thread::sleep_for(1ms);
            }
        }
        const std::lock_guard lock(sizes_mutex);
        group_sizes.push_back(writes);
    };
    auto store = sqlite_store::open(database_path(), options);
    store_under_test = store.get();
    store->insert_test(make_test(50), {});
    const auto before = store->commits();
    group_sizes.clear();

    hold_first_group = true;
    std::thread first([&] { store->insert_test(make_test(1), {}); });
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (hold_first_group && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_FALSE(hold_first_group) << "the first group did not reach its COMMIT";
    bool misnumbered_rejected = false;
    std::thread second([&] { store->insert_test(make_test(2), {}); });
    std::thread misnumbered([&] {
        try {
            store->finish_test(50, test_state::completed, "{}", make_kci(50, 3, now_));
        } catch (const std::invalid_argument&) {
            misnumbered_rejected = true;
        }
    });
    std::thread third([&] { store->insert_test(make_test(3), {}); });
    for (auto* thread : {&first, &second, &misnumbered, &third}) {
        thread->join();
    }

    EXPECT_THAT(group_sizes, ::testing::ElementsAre(1U, 3U));
    EXPECT_EQ(store->commits().groups - before.groups, 2U);
    EXPECT_EQ(store->commits().writes - before.writes, 4U);
    EXPECT_TRUE(misnumbered_rejected);
    EXPECT_EQ(store->find_test(50)->state, test_state::accepted);
    EXPECT_TRUE(store->kcis_for_test(50).empty());
    for (const std::int64_t id : {1, 2, 3}) {
        EXPECT_TRUE(store->find_test(id).has_value()) << "test " << id;
    }
}

TEST_F(SqliteStoreTest, StartRunCountsAttempts) {
    auto store = open_store();
    store->insert_test(make_test(42), {});
    now_ += 5s;

    store->start_run(42);
    const auto resumed = store->start_run(42);

    ASSERT_TRUE(resumed.has_value());
    EXPECT_EQ(resumed->state, test_state::running);
    EXPECT_EQ(resumed->run_attempts, 2);
    EXPECT_EQ(resumed->updated_at, now_);
    EXPECT_EQ(store->find_test(42)->run_attempts, 2);
}

TEST_F(SqliteStoreTest, StartRunIgnoresMissingTest) {
    auto store = open_store();

    EXPECT_FALSE(store->start_run(42).has_value());
}

TEST_F(SqliteStoreTest, StartRunIgnoresFinishedTest) {
    auto store = open_store();
    store->insert_test(make_test(42), {});
    store->finish_test(42, test_state::completed, R"({"ok":true})", make_kci(42, 1, now_));

    EXPECT_FALSE(store->start_run(42).has_value());
    EXPECT_EQ(store->find_test(42)->run_attempts, 0);
}

TEST_F(SqliteStoreTest, FinishTestWritesResultAndKci) {
    auto store = open_store();
    store->insert_test(make_test(42), {make_kci(42, 1, now_)});
    store->start_run(42);
    now_ += 30s;
    const auto kci = make_kci(42, 2, now_);

    const bool finished = store->finish_test(42, test_state::completed, R"({"ok":true})", kci);
    const auto found = store->find_test(42);
    const auto kcis = store->kcis_for_test(42);

    EXPECT_TRUE(finished);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->state, test_state::completed);
    EXPECT_EQ(found->result_json, R"({"ok":true})");
    EXPECT_EQ(found->kci_count, 2);
    EXPECT_EQ(found->updated_at, now_);
    ASSERT_EQ(kcis.size(), 2U);
    EXPECT_EQ(kcis[1].kci_id, kci.kci_id);
    EXPECT_EQ(kcis[1].sequence_number, 2);
}

TEST_F(SqliteStoreTest, SecondFinishReturnsFalseAndWritesNothing) {
    auto store = open_store();
    store->insert_test(make_test(42), {});
    store->finish_test(42, test_state::completed, R"({"ok":true})", make_kci(42, 1, now_));

    const bool finished_again =
        store->finish_test(42, test_state::failed, R"({"late":true})", make_kci(42, 2, now_));
    const auto found = store->find_test(42);

    EXPECT_FALSE(finished_again);
    EXPECT_EQ(found->state, test_state::completed);
    EXPECT_EQ(found->result_json, R"({"ok":true})");
    EXPECT_EQ(found->kci_count, 1);
    EXPECT_EQ(store->kcis_for_test(42).size(), 1U);
}

// A KCI id that is already taken makes the outbox insert fail after the test
// row has been updated, so this shows that the update is rolled back with it.
TEST_F(SqliteStoreTest, FailedFinishLeavesTestUnchanged) {
    auto store = open_store();
    const auto first_kci = make_kci(42, 1, now_);
    store->insert_test(make_test(42), {first_kci});
    store->start_run(42);
    auto clashing_kci = make_kci(42, 2, now_);
    clashing_kci.kci_id = first_kci.kci_id;

    EXPECT_THROW(store->finish_test(42, test_state::completed, R"({"ok":true})", clashing_kci),
                 store_error);
    const auto found = store->find_test(42);
    EXPECT_EQ(found->state, test_state::running);
    EXPECT_EQ(found->result_json, "");
    EXPECT_EQ(found->kci_count, 1);
    EXPECT_EQ(store->kcis_for_test(42).size(), 1U);
}

TEST_F(SqliteStoreTest, FinishRejectsWrongSequenceNumber) {
    auto store = open_store();
    store->insert_test(make_test(42), {});

    EXPECT_THROW(store->finish_test(42, test_state::completed, "{}", make_kci(42, 3, now_)),
                 std::invalid_argument);
    EXPECT_EQ(store->find_test(42)->state, test_state::accepted);
}

TEST_F(SqliteStoreTest, FinishRejectsNonFinalState) {
    auto store = open_store();
    store->insert_test(make_test(42), {});

    EXPECT_THROW(store->finish_test(42, test_state::running, "{}", make_kci(42, 1, now_)),
                 std::invalid_argument);
}

TEST_F(SqliteStoreTest, DueKcisReturnsOnlyHeadOfEachTest) {
    auto store = open_store();
    store->insert_test(make_test(1), {make_kci(1, 1, now_)});
    store->finish_test(1, test_state::completed, "{}", make_kci(1, 2, now_));
    store->insert_test(make_test(2), {make_kci(2, 1, now_ + 1ms)});

    const auto due = store->due_kcis(now_ + 1s, 10);

    ASSERT_EQ(due.size(), 2U);
    EXPECT_EQ(due[0].test_id, 1);
    EXPECT_EQ(due[0].sequence_number, 1);
    EXPECT_EQ(due[1].test_id, 2);
    EXPECT_EQ(due[1].sequence_number, 1);
}

TEST_F(SqliteStoreTest, NextKciOfTestIsDueAfterDelivery) {
    auto store = open_store();
    store->insert_test(make_test(1), {make_kci(1, 1, now_)});
    store->finish_test(1, test_state::completed, "{}", make_kci(1, 2, now_));
    const auto head = store->due_kcis(now_, 10).at(0);

    store->mark_delivered(head.row_id);
    const auto due = store->due_kcis(now_, 10);

    ASSERT_EQ(due.size(), 1U);
    EXPECT_EQ(due[0].sequence_number, 2);
    EXPECT_EQ(store->kcis_for_test(1)[0].state, delivery_state::delivered);
    EXPECT_EQ(store->kcis_for_test(1)[0].attempts, 1);
}

TEST_F(SqliteStoreTest, DueKcisOrdersOldestFirstAndHonoursLimit) {
    auto store = open_store();
    store->insert_test(make_test(1), {make_kci(1, 1, now_ + 2ms)});
    store->insert_test(make_test(2), {make_kci(2, 1, now_)});
    store->insert_test(make_test(3), {make_kci(3, 1, now_ + 1ms)});

    const auto due = store->due_kcis(now_ + 1s, 2);

    ASSERT_EQ(due.size(), 2U);
    EXPECT_EQ(due[0].test_id, 2);
    EXPECT_EQ(due[1].test_id, 3);
}

TEST_F(SqliteStoreTest, DueKcisSkipsKciNotYetDue) {
    auto store = open_store();
    store->insert_test(make_test(1), {make_kci(1, 1, now_ + 1min)});

    EXPECT_TRUE(store->due_kcis(now_, 10).empty());
    EXPECT_EQ(store->due_kcis(now_ + 1min, 10).size(), 1U);
}

TEST_F(SqliteStoreTest, RescheduleMovesNextAttempt) {
    auto store = open_store();
    store->insert_test(make_test(1), {make_kci(1, 1, now_)});
    const auto head = store->due_kcis(now_, 10).at(0);

    store->reschedule_kci(head.row_id, now_ + 1min, "gateway answered 503");

    EXPECT_TRUE(store->due_kcis(now_ + 59s, 10).empty());
    EXPECT_EQ(store->due_kcis(now_ + 1min, 10).size(), 1U);
    EXPECT_EQ(store->next_kci_due(), now_ + 1min);
    const auto kci = store->kcis_for_test(1).at(0);
    EXPECT_EQ(kci.state, delivery_state::pending);
    EXPECT_EQ(kci.attempts, 1);
    EXPECT_EQ(kci.next_attempt_at, now_ + 1min);
    EXPECT_EQ(kci.last_error, "gateway answered 503");
}

TEST_F(SqliteStoreTest, NextKciDueIgnoresKcisBehindHead) {
    auto store = open_store();
    store->insert_test(make_test(1), {make_kci(1, 1, now_ + 1h)});
    store->finish_test(1, test_state::completed, "{}", make_kci(1, 2, now_));

    EXPECT_EQ(store->next_kci_due(), now_ + 1h);
}

TEST_F(SqliteStoreTest, NextKciDueIsEmptyWithoutPendingKcis) {
    auto store = open_store();

    EXPECT_FALSE(store->next_kci_due().has_value());
}

TEST_F(SqliteStoreTest, DeadKciDoesNotBlockNextKci) {
    auto store = open_store();
    store->insert_test(make_test(1), {make_kci(1, 1, now_)});
    store->finish_test(1, test_state::completed, "{}", make_kci(1, 2, now_));
    const auto head = store->due_kcis(now_, 10).at(0);

    store->mark_dead(head.row_id, "gateway answered 422");
    const auto due = store->due_kcis(now_, 10);
    const auto dead = store->dead_kcis(10);

    ASSERT_EQ(due.size(), 1U);
    EXPECT_EQ(due[0].sequence_number, 2);
    ASSERT_EQ(dead.size(), 1U);
    EXPECT_EQ(dead[0].row_id, head.row_id);
    EXPECT_EQ(dead[0].last_error, "gateway answered 422");
}

TEST_F(SqliteStoreTest, RequeueDeadMakesKciDueNow) {
    auto store = open_store();
    store->insert_test(make_test(1), {make_kci(1, 1, now_)});
    const auto head = store->due_kcis(now_, 10).at(0);
    store->mark_dead(head.row_id, "gateway answered 400");
    now_ += 1h;

    const bool requeued = store->requeue_dead(head.row_id);
    const auto kci = store->kcis_for_test(1).at(0);

    EXPECT_TRUE(requeued);
    EXPECT_EQ(kci.state, delivery_state::pending);
    EXPECT_EQ(kci.next_attempt_at, now_);
    EXPECT_EQ(store->due_kcis(now_, 10).size(), 1U);
    EXPECT_TRUE(store->dead_kcis(10).empty());
}

TEST_F(SqliteStoreTest, RequeueDeadIgnoresPendingKci) {
    auto store = open_store();
    store->insert_test(make_test(1), {make_kci(1, 1, now_)});
    const auto head = store->due_kcis(now_, 10).at(0);

    EXPECT_FALSE(store->requeue_dead(head.row_id));
}

TEST_F(SqliteStoreTest, MarkDeliveredLeavesDeadKciAlone) {
    auto store = open_store();
    store->insert_test(make_test(1), {make_kci(1, 1, now_)});
    const auto head = store->due_kcis(now_, 10).at(0);
    store->mark_dead(head.row_id, "gateway answered 400");

    store->mark_delivered(head.row_id);

    EXPECT_EQ(store->kcis_for_test(1).at(0).state, delivery_state::dead);
}

TEST_F(SqliteStoreTest, OutboxCountsPendingAndDead) {
    auto store = open_store();
    store->insert_test(make_test(1), {make_kci(1, 1, now_ + 5ms)});
    store->insert_test(make_test(2), {make_kci(2, 1, now_ + 1ms)});
    store->insert_test(make_test(3), {make_kci(3, 1, now_)});
    store->mark_dead(store->kcis_for_test(3).at(0).row_id, "gateway answered 422");

    const auto stats = store->outbox();

    EXPECT_EQ(stats.pending, 2);
    EXPECT_EQ(stats.dead, 1);
    EXPECT_EQ(stats.oldest_pending_created_at, now_ + 1ms);
}

TEST_F(SqliteStoreTest, OutboxIsEmptyOnNewDatabase) {
    auto store = open_store();

    const auto stats = store->outbox();

    EXPECT_EQ(stats.pending, 0);
    EXPECT_EQ(stats.dead, 0);
    EXPECT_FALSE(stats.oldest_pending_created_at.has_value());
}

TEST_F(SqliteStoreTest, DataSurvivesReopen) {
    {
        auto store = open_store();
        store->insert_test(make_test(42), {make_kci(42, 1, now_)});
        store->start_run(42);
    }

    auto reopened = open_store();
    const auto found = reopened->find_test(42);

    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->state, test_state::running);
    EXPECT_EQ(found->run_attempts, 1);
    EXPECT_EQ(reopened->kcis_for_test(42).size(), 1U);
    EXPECT_EQ(reopened->find_tests(test_state::running).size(), 1U);
}

TEST_F(SqliteStoreTest, OpensInWalMode) {
    auto store = open_store();

    EXPECT_EQ(query_text(database_path(), "PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteStoreTest, WritesSchemaVersion) {
    auto store = open_store();

    EXPECT_EQ(query_text(database_path(), "PRAGMA user_version"),
              std::to_string(sqlite_store::schema_version));
}

TEST_F(SqliteStoreTest, RejectsNewerSchemaVersion) {
    open_store().reset();
    const int newer = sqlite_store::schema_version + 1;
    query_text(database_path(), "PRAGMA user_version = " + std::to_string(newer));
    ASSERT_EQ(query_text(database_path(), "PRAGMA user_version"), std::to_string(newer));

    try {
        open_store();
        FAIL() << "opening a database with a newer schema succeeded";
    } catch (const store_error& error) {
        const std::string message = error.what();
        EXPECT_THAT(message, HasSubstr(database_path().string()));
        EXPECT_THAT(message, HasSubstr("schema version " + std::to_string(newer)));
        EXPECT_THAT(message, HasSubstr("version " + std::to_string(sqlite_store::schema_version)));
    }
}

TEST_F(SqliteStoreTest, CreatesMissingParentDirectory) {
    auto store = open_store();

    EXPECT_TRUE(std::filesystem::exists(database_path()));
}

// A regular file in place of the parent directory stops root too, and the
// tests may run as root in a container.
TEST_F(SqliteStoreTest, UnwritablePathErrorNamesPath) {
    const auto blocker = directory_ / "blocker";
    std::ofstream(blocker) << "not a directory";
    const auto path = blocker / "data" / "linetest.db";

    try {
        sqlite_store::open(path);
        FAIL() << "opening a database below a regular file succeeded";
    } catch (const store_error& error) {
        EXPECT_THAT(error.what(), HasSubstr(path.string()));
    }
}

TEST_F(SqliteStoreTest, ReadOnlyDirectoryErrorNamesPath) {
    if (geteuid() == 0) {
        GTEST_SKIP() << "root ignores directory permissions";
    }
    const auto read_only = directory_ / "read-only";
    std::filesystem::create_directories(read_only);
    std::filesystem::permissions(
        read_only, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    const auto path = read_only / "linetest.db";

    try {
        sqlite_store::open(path);
        FAIL() << "opening a database in a read-only directory succeeded";
    } catch (const store_error& error) {
        EXPECT_THAT(error.what(), HasSubstr(path.string()));
    }
    std::filesystem::permissions(read_only, std::filesystem::perms::owner_all);
}

TEST_F(SqliteStoreTest, FindActiveTestReturnsAcceptedOrRunning) {
    auto store = open_store();
    store->insert_test(make_test(1, "svc-1"), {});
    store->insert_test(make_test(2, "svc-2"), {});
    store->start_run(2);

    const auto accepted = store->find_active_test("svc-1");
    const auto running = store->find_active_test("svc-2");

    ASSERT_TRUE(accepted.has_value());
    EXPECT_EQ(accepted->id, 1);
    ASSERT_TRUE(running.has_value());
    EXPECT_EQ(running->id, 2);
    EXPECT_FALSE(store->find_active_test("svc-3").has_value());
}

TEST_F(SqliteStoreTest, FindActiveTestSkipsFinishedTest) {
    auto store = open_store();
    store->insert_test(make_test(1, "svc-1"), {});
    store->finish_test(1, test_state::failed, R"({"error":"timeout"})", make_kci(1, 1, now_));

    EXPECT_FALSE(store->find_active_test("svc-1").has_value());
}

TEST_F(SqliteStoreTest, FindTestsFiltersByState) {
    auto store = open_store();
    store->insert_test(make_test(1), {});
    store->insert_test(make_test(2), {});
    store->insert_test(make_test(3), {});
    store->start_run(2);

    const auto accepted = store->find_tests(test_state::accepted);

    ASSERT_EQ(accepted.size(), 2U);
    EXPECT_EQ(accepted[0].id, 1);
    EXPECT_EQ(accepted[1].id, 3);
    EXPECT_TRUE(store->find_tests(test_state::completed).empty());
}

TEST_F(SqliteStoreTest, ReplaceServicesStoresAllFields) {
    auto store = open_store();
    service_record service{"svc-1",          "tenant-a", "spec-gpon",
                           "GPON line test", false,      R"({"node":"olt-1"})"};

    store->replace_services({service});
    const auto found = store->find_service("svc-1");

    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->tenant, "tenant-a");
    EXPECT_EQ(found->specification_id, "spec-gpon");
    EXPECT_EQ(found->specification_name, "GPON line test");
    EXPECT_FALSE(found->active);
    EXPECT_EQ(found->equipment_json, R"({"node":"olt-1"})");
}

TEST_F(SqliteStoreTest, ReplaceServicesDropsOldServices) {
    auto store = open_store();
    store->replace_services({{"svc-1", "tenant-a", "spec-gpon", "GPON", true, "{}"},
                             {"svc-2", "tenant-a", "spec-gpon", "GPON", true, "{}"}});
    store->insert_test(make_test(1, "svc-1"), {});

    store->replace_services({{"svc-3", "tenant-b", "spec-dsl", "DSL", true, "{}"}});

    EXPECT_FALSE(store->find_service("svc-1").has_value());
    EXPECT_FALSE(store->find_service("svc-2").has_value());
    EXPECT_TRUE(store->find_service("svc-3").has_value());
}

}  // namespace
}  // namespace linetest::store
