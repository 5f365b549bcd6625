#include "executor/executor.hpp"

#include "core/config_reader.hpp"
#include "store/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <thread>
#include <vector>

namespace linetest::executor {
namespace {

using namespace std::chrono_literals;

/// Runs tests through real fixture plugins (shared libraries) against a real
/// SQLite file. The KCI builder is the only stand-in: it writes a small body with
/// the outcome, because the KCI shape is tested with the updates component.
class ExecutorTest : public ::testing::Test {
protected:
    void SetUp() override {
        directory_ = std::filesystem::temp_directory_path() /
                     ("linetest-executor-" + std::to_string(::getpid()) + "-" +
                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(directory_);
        store_ = store::sqlite_store::open(directory_ / "linetest.db");
    }

    void TearDown() override {
        executor_.reset();
        plugins_.reset();
        store_.reset();
        std::filesystem::remove_all(directory_);
    }

    void start(const std::string& fixture, executor_config config = {},
               std::chrono::milliseconds run_timeout = 5s, nlohmann::json plugin_config = {}) {
        plugins::host_config host;
        host.directory = LINETEST_FIXTURE_PLUGIN_DIR;
        plugins::instance_config instance;
        instance.name = "fixture";
        instance.library = "fixture_" + fixture + ".so";
        instance.specifications = {"spec"};
        instance.run_timeout = run_timeout;
        instance.config = plugin_config.is_null() ? nlohmann::json::object() : plugin_config;
        host.instances.push_back(instance);
        plugins_ = std::make_unique<plugins::plugin_host>(host);
        config.workers = 2;
        executor_ = std::make_unique<executor>(config, *store_, *plugins_, credentials_,
                                               build_kci, nullptr);
    }

    static store::kci_record build_kci(const store::test_record& record, const sdk::report& report,
                                       store::clock::time_point now) {
        store::kci_record kci;
        kci.test_id = record.id;
        kci.kci_id = "kci-" + std::to_string(record.id) + "-" + std::to_string(record.kci_count + 1);
        kci.sequence_number = record.kci_count + 1;
        nlohmann::json body;
        body["serviceTest"]["result"]["testOutcome"] = {{"testResult", sdk::to_string(report.result)},
                                                        {"code", report.code}};
        kci.body = body.dump();
        kci.created_at = now;
        kci.next_attempt_at = now;
        return kci;
    }

    /// Stores test `id` on a service of its own (a service has one active test at a
    /// time), every service on the same device, node 127.0.0.1.
    store::test_record insert(std::int64_t id) {
        store::service_record service;
        service.service_id = "SVC-" + std::to_string(id);
        service.tenant = "TENANT";
        service.specification_id = "spec";
        service.equipment_json = R"({"node":"127.0.0.1","profile":"fixture","attributes":{}})";
        services_.push_back(service);
        store_->replace_services(services_);

        store::test_record record;
        record.id = id;
        record.supplier_reference = "LT-" + std::to_string(id);
        record.tenant = "TENANT";
        record.service_id = "SVC-" + std::to_string(id);
        record.specification_id = "spec";
        record.problem_type = "OUTAGE";
        record.fingerprint = std::to_string(id);
        record.plugin = "fixture";
        record.accepted_at = store::clock::now();
        record.updated_at = record.accepted_at;
        store_->insert_test(record, {});
        return record;
    }

    /// Waits for the test to leave ACCEPTED/RUNNING; returns its stored record.
    store::test_record wait_finished(std::int64_t id, std::chrono::milliseconds timeout = 10s) {
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < until) {
            const auto record = store_->find_test(id);
            if (record && (record->state == store::test_state::completed ||
                           record->state == store::test_state::failed)) {
                return *record;
            }
            std::this_thread::sleep_for(10ms);
        }
        ADD_FAILURE() << "test " << id << " did not finish within the timeout";
        return store_->find_test(id).value_or(store::test_record{});
    }

    static std::string outcome_code(const store::test_record& record) {
        const auto result = nlohmann::json::parse(record.result_json, nullptr, false);
        if (!result.is_object() || !result.contains("testOutcome")) {
            return "none";
        }
        return result["testOutcome"].value("code", "none");
    }

    std::filesystem::path directory_;
    std::unique_ptr<store::sqlite_store> store_;
    std::vector<store::service_record> services_;
    inventory::credential_sets credentials_;
    std::unique_ptr<plugins::plugin_host> plugins_;
    std::unique_ptr<executor> executor_;
};

TEST_F(ExecutorTest, CompletesTestWithItsKci) {
    start("valid");
    insert(1);
    ASSERT_TRUE(executor_->submit(1));
    const auto record = wait_finished(1);
    EXPECT_EQ(record.state, store::test_state::completed);
    EXPECT_EQ(outcome_code(record), "SERVICE_OK");
    const auto kcis = store_->kcis_for_test(1);
    ASSERT_EQ(kcis.size(), 1u);
    EXPECT_EQ(kcis[0].sequence_number, 1);
}

TEST_F(ExecutorTest, PluginExceptionFailsTest) {
    start("throws_in_run");
    insert(2);
    executor_->submit(2);
    const auto record = wait_finished(2);
    EXPECT_EQ(record.state, store::test_state::failed);
    EXPECT_EQ(outcome_code(record), "PLUGIN_FAILED");
    EXPECT_EQ(store_->kcis_for_test(2).size(), 1u);
}

TEST_F(ExecutorTest, InvalidReportFailsTest) {
    start("bad_report");
    insert(3);
    executor_->submit(3);
    const auto record = wait_finished(3);
    EXPECT_EQ(record.state, store::test_state::failed);
    EXPECT_EQ(outcome_code(record), "PLUGIN_BAD_REPORT");
}

TEST_F(ExecutorTest, HangingPluginTimesOutAndLateReportIsDropped) {
    start("hangs_in_run", {}, 200ms, nlohmann::json{{"hang_ms", 1200}});
    insert(4);
    executor_->submit(4);
    const auto record = wait_finished(4, 5s);
    EXPECT_EQ(record.state, store::test_state::failed);
    EXPECT_EQ(outcome_code(record), "TEST_TIMED_OUT");
    // Wait for the plugin to return; its report must not add a second KCI.
    for (int i = 0; i < 300 && executor_->running() > 0; ++i) {
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(executor_->running(), 0u);
    EXPECT_EQ(store_->kcis_for_test(4).size(), 1u);
    EXPECT_EQ(outcome_code(*store_->find_test(4)), "TEST_TIMED_OUT");
}

TEST_F(ExecutorTest, RecoverRunsAcceptedTests) {
    insert(5);
    start("valid");
    executor_->recover();
    EXPECT_EQ(wait_finished(5).state, store::test_state::completed);
}

TEST_F(ExecutorTest, RecoverRerunsInterruptedTest) {
    insert(6);
    store_->start_run(6);  // as if the daemon died during the run
    start("valid");
    executor_->recover();
    const auto record = wait_finished(6);
    EXPECT_EQ(record.state, store::test_state::completed);
    EXPECT_EQ(record.run_attempts, 2);
}

TEST_F(ExecutorTest, RecoverFailsTestPastMaxAttempts) {
    insert(7);
    store_->start_run(7);
    store_->start_run(7);
    executor_config config;
    config.max_run_attempts = 2;
    start("valid", config);
    executor_->recover();
    const auto record = wait_finished(7);
    EXPECT_EQ(record.state, store::test_state::failed);
    EXPECT_EQ(outcome_code(record), "RUN_INTERRUPTED");
}

TEST_F(ExecutorTest, FailPolicyFailsInterruptedTest) {
    insert(8);
    store_->start_run(8);
    executor_config config;
    config.on_restart = resume_policy::fail;
    start("valid", config);
    executor_->recover();
    EXPECT_EQ(outcome_code(wait_finished(8)), "RUN_INTERRUPTED");
}

TEST_F(ExecutorTest, UnknownServiceFailsTest) {
    start("valid");
    auto record = insert(9);
    store_->replace_services({});
    executor_->submit(9);
    EXPECT_EQ(outcome_code(wait_finished(9)), "INVENTORY_MISMATCH");
}

TEST_F(ExecutorTest, CapacityFollowsQueueBound) {
    executor_config config;
    config.queue_capacity = 1;
    start("hangs_in_run", config, 5s, nlohmann::json{{"hang_ms", 500}});
    for (std::int64_t id = 10; id <= 12; ++id) {
        insert(id);
    }
    executor_->submit(10);
    executor_->submit(11);
    // Wait until both workers are busy, so the queue is empty again.
    for (int i = 0; i < 200 && executor_->running() < 2; ++i) {
        std::this_thread::sleep_for(5ms);
    }
    ASSERT_EQ(executor_->running(), 2u);
    EXPECT_TRUE(executor_->has_capacity());
    executor_->submit(12);
    EXPECT_FALSE(executor_->has_capacity());
}

TEST_F(ExecutorTest, DeviceLimitSerialisesRunsOnOneNode) {
    executor_config config;
    config.max_runs_per_device = 1;
    start("hangs_in_run", config, 5s, nlohmann::json{{"hang_ms", 200}});
    insert(20);
    insert(21);
    executor_->submit(20);
    executor_->submit(21);
    EXPECT_EQ(wait_finished(20).state, store::test_state::completed);
    EXPECT_EQ(wait_finished(21).state, store::test_state::completed);
    EXPECT_EQ(executor_->peak_runs_per_device_for_test(), 1u);
    // Waiting for the device does not count as a run attempt.
    EXPECT_EQ(store_->find_test(21)->run_attempts, 1);
}

TEST_F(ExecutorTest, DeviceLimitAllowsConfiguredParallelRuns) {
    executor_config config;
    config.max_runs_per_device = 2;
    start("hangs_in_run", config, 5s, nlohmann::json{{"hang_ms", 300}});
    insert(22);
    insert(23);
    executor_->submit(22);
    executor_->submit(23);
    wait_finished(22);
    wait_finished(23);
    EXPECT_EQ(executor_->peak_runs_per_device_for_test(), 2u);
}

TEST_F(ExecutorTest, ParsesConfigAndNamesBadKey) {
    try {
        parse_executor_config(nlohmann::json::parse(R"({"on_restart": "retry"})"));
        FAIL() << "on_restart retry was accepted";
    } catch (const core::config_error& e) {
        EXPECT_NE(std::string(e.what()).find("executor.on_restart"), std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace linetest::executor
