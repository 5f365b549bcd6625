#pragma once

#include <linetest/sdk/types.hpp>

#include "inventory/inventory.hpp"
#include "plugins/plugin_host.hpp"
#include "store/store.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace linetest::executor {

/// Policy for a test found RUNNING at start, whose run a crash or a kill cut short.
enum class resume_policy { rerun, fail };

struct executor_config {
    std::size_t workers = 4;
    std::size_t queue_capacity = 1000;  ///< Tests waiting for a worker; beyond it admission answers 503.
    resume_policy on_restart = resume_policy::rerun;
    int max_run_attempts = 3;  ///< Runs started before a resumed test is failed instead of re-run.
    /// Tests running at once against one equipment node (the inventory's `node`), so that a
    /// burst of tests cannot flood one OLT or DSLAM. Further tests for it wait in the queue.
    std::size_t max_runs_per_device = 4;
};

/// Parses the `executor` config section. Throws `core::config_error` naming the key.
executor_config parse_executor_config(const nlohmann::json& section);

/// Builds the KCI a finished test owes. Supplied by the daemon so that the KCI
/// body shape stays in the updates component.
using result_kci_builder = std::function<store::kci_record(
    const store::test_record& record, const sdk::report& report, store::clock::time_point finished_at)>;

/// Runs accepted tests on a bounded pool of worker threads.
///
/// Each run gets the plugin instance's deadline. A watchdog thread finishes a
/// test as FAILED (`TEST_TIMED_OUT`) once its deadline passes and sets the
/// run's cancellation flag. Whatever the plugin returns afterwards is dropped,
/// because the store finishes a test only once. A plugin exception or an
/// invalid report also ends the test as FAILED, and every finish writes the
/// result and its KCI in one transaction.
class executor {
public:
    executor(executor_config config, store::store& store, const plugins::plugin_host& plugins,
             const inventory::credential_sets& credentials, result_kci_builder build_kci,
             std::function<void()> on_kci_written);
    ~executor();
    executor(const executor&) = delete;
    executor& operator=(const executor&) = delete;

    /// Queues a stored test. Returns false only when stopping; the test then
    /// stays stored and runs after the next start. The queue bound is enforced
    /// by admission through `has_capacity` before a test is stored, so a test
    /// already stored is never refused (the queue may exceed its capacity by
    /// the number of requests admitted at the same moment).
    bool submit(std::int64_t test_id);

    /// True while the queue has room; admission checks it before storing a test.
    bool has_capacity() const;

    /// Queues the ACCEPTED tests and resumes or fails the RUNNING ones, per
    /// `on_restart`. Call once at start, before accepting requests.
    void recover();

    /// Stops taking work, cancels runs in progress and joins the workers within
    /// `timeout`. Cancelled runs stay RUNNING in the store and are resumed at the
    /// next start. Returns false if a worker was still stuck in a plugin.
    bool stop(std::chrono::milliseconds timeout);

    std::size_t queued() const;
    std::size_t running() const;
    /// Highest number of runs seen at once against one device since start.
    std::size_t peak_runs_per_device_for_test() const;

private:
    struct run_state;

    void work();
    void watch();
    /// Runs one test. Returns false, without starting it, when its device is at its limit.
    bool run_test(std::int64_t test_id);
    /// Runs a test that `start_run` has moved to RUNNING, and finishes it.
    void run_started(const store::test_record& record);
    /// Takes a run slot of `device`; false when it has `max_runs_per_device` runs already.
    bool acquire_device(const std::string& device);
    void release_device(const std::string& device);
    void finish(const store::test_record& record, const sdk::report& report, const char* why);

    executor_config config_;
    store::store& store_;
    const plugins::plugin_host& plugins_;
    const inventory::credential_sets& credentials_;
    result_kci_builder build_kci_;
    std::function<void()> on_kci_written_;

    mutable std::mutex mutex_;
    std::condition_variable work_ready_;
    std::condition_variable watchdog_wake_;
    std::deque<std::int64_t> queue_;
    std::map<std::int64_t, std::shared_ptr<run_state>> in_flight_;
    bool stopping_ = false;
    std::atomic<std::size_t> busy_workers_{0};
    std::map<std::string, std::size_t> device_runs_;  ///< Runs in progress per node; under `mutex_`.
    std::size_t peak_device_runs_ = 0;                 ///< Highest value seen in `device_runs_`.
    std::vector<std::thread> workers_;
    std::thread watchdog_;
};

}  // namespace linetest::executor
