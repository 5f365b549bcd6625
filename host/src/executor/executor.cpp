#include "executor/executor.hpp"

#include "core/config_reader.hpp"
#include "core/log.hpp"
#include "plugins/plugin_logger.hpp"

#include <fmt/format.h>

namespace linetest::executor {

namespace {

sdk::report failure_report(sdk::test_result result, std::string code, std::string description) {
    sdk::report report;
    report.result = result;
    report.code = std::move(code);
    report.description = std::move(description);
    return report;
}

std::string log_fields(const store::test_record& record) {
    return fmt::format("test_id={} supplier_reference={} request_id={} conversation_id={} "
                       "tenant={} plugin={}",
                       record.id, record.supplier_reference, record.request_id,
                       record.conversation_id, record.tenant, record.plugin);
}

sdk::service_test_request to_request(const store::test_record& record) {
    sdk::service_test_request request;
    request.id = record.id;
    request.supplier_reference = record.supplier_reference;
    request.tenant = record.tenant;
    request.service_id = record.service_id;
    request.specification_id = record.specification_id;
    request.problem_type = record.problem_type;
    const auto characteristics = nlohmann::json::parse(record.characteristics_json, nullptr, false);
    if (characteristics.is_array()) {
        for (const auto& item : characteristics) {
            request.characteristics.push_back(
                {item.value("name", std::string()), item.value("value", std::string())});
        }
    }
    return request;
}

class context_impl final : public sdk::run_context {
public:
    context_impl(const store::test_record& record, sdk::equipment_target target,
                 std::chrono::steady_clock::time_point deadline, const std::atomic<bool>& cancelled)
        : logger_(core::logger("plugins"), log_fields(record)),
          target_(std::move(target)),
          deadline_(deadline),
          cancelled_(cancelled) {}

    sdk::logger& log() noexcept override { return logger_; }
    const sdk::equipment_target& target() const noexcept override { return target_; }
    std::chrono::steady_clock::time_point deadline() const noexcept override { return deadline_; }
    bool cancelled() const noexcept override { return cancelled_.load(); }

private:
    plugins::plugin_logger logger_;
    sdk::equipment_target target_;
    std::chrono::steady_clock::time_point deadline_;
    const std::atomic<bool>& cancelled_;
};

}  // namespace

struct executor::run_state {
    store::test_record record;
    std::chrono::steady_clock::time_point deadline;
    std::atomic<bool> cancelled{false};
    std::atomic<bool> timed_out{false};
};

executor_config parse_executor_config(const nlohmann::json& section) {
    core::config_reader reader(section, "executor");
    executor_config config;
    config.workers = static_cast<std::size_t>(reader.integer_or("workers", 4, 1, 256));
    config.queue_capacity =
        static_cast<std::size_t>(reader.integer_or("queue_capacity", 1000, 1, 1'000'000));
    const auto policy = reader.string_or("on_restart", "rerun");
    if (policy == "rerun") {
        config.on_restart = resume_policy::rerun;
    } else if (policy == "fail") {
        config.on_restart = resume_policy::fail;
    } else {
        reader.fail("on_restart", "must be \"rerun\" or \"fail\", got \"" + policy + "\"");
    }
    config.max_run_attempts = static_cast<int>(reader.integer_or("max_run_attempts", 3, 1, 100));
    config.max_runs_per_device =
        static_cast<std::size_t>(reader.integer_or("max_runs_per_device", 4, 1, 1000));
    reader.reject_unknown_keys();
    return config;
}

executor::executor(executor_config config, store::store& store,
                   const plugins::plugin_host& plugins,
                   const inventory::credential_sets& credentials, result_kci_builder build_kci,
                   std::function<void()> on_kci_written)
    : config_(config),
      store_(store),
      plugins_(plugins),
      credentials_(credentials),
      build_kci_(std::move(build_kci)),
      on_kci_written_(std::move(on_kci_written)) {
    for (std::size_t i = 0; i < config_.workers; ++i) {
        workers_.emplace_back([this] { work(); });
    }
    watchdog_ = std::thread([this] { watch(); });
}

executor::~executor() {
    stop(std::chrono::seconds(5));
    for (auto& worker : workers_) {
        if (worker.joinable()) {
            worker.join();
        }
    }
    if (watchdog_.joinable()) {
        watchdog_.join();
    }
}

bool executor::submit(std::int64_t test_id) {
    {
        const std::lock_guard lock(mutex_);
        if (stopping_) {
            return false;
        }
        queue_.push_back(test_id);
    }
    work_ready_.notify_one();
    return true;
}

bool executor::has_capacity() const {
    const std::lock_guard lock(mutex_);
    return !stopping_ && queue_.size() < config_.queue_capacity;
}

std::size_t executor::queued() const {
    const std::lock_guard lock(mutex_);
    return queue_.size();
}

std::size_t executor::running() const {
    return busy_workers_.load();
}

std::size_t executor::peak_runs_per_device_for_test() const {
    const std::lock_guard lock(mutex_);
    return peak_device_runs_;
}

bool executor::acquire_device(const std::string& device) {
    const std::lock_guard lock(mutex_);
    auto& runs = device_runs_[device];
    if (runs >= config_.max_runs_per_device) {
        return false;
    }
    ++runs;
    peak_device_runs_ = std::max(peak_device_runs_, runs);
    return true;
}

void executor::release_device(const std::string& device) {
    const std::lock_guard lock(mutex_);
    const auto found = device_runs_.find(device);
    if (found != device_runs_.end() && --found->second == 0) {
        device_runs_.erase(found);
    }
}

void executor::recover() {
    auto log = core::logger("executor");
    std::size_t requeued = 0;
    for (const auto& record : store_.find_tests(store::test_state::accepted)) {
        const std::lock_guard lock(mutex_);
        queue_.push_back(record.id);
        ++requeued;
    }
    for (const auto& record : store_.find_tests(store::test_state::running)) {
        if (config_.on_restart == resume_policy::rerun &&
            record.run_attempts < config_.max_run_attempts) {
            log->warn("re-running test interrupted by a restart, attempt {} of {} {}",
                      record.run_attempts + 1, config_.max_run_attempts, log_fields(record));
            const std::lock_guard lock(mutex_);
            queue_.push_back(record.id);
            ++requeued;
        } else {
            log->warn("failing test interrupted by a restart after {} attempts {}",
                      record.run_attempts, log_fields(record));
            finish(record,
                   failure_report(sdk::test_result::failed, "RUN_INTERRUPTED",
                                  "The test was interrupted and could not be completed"),
                   "interrupted");
        }
    }
    if (requeued > 0) {
        log->info("recovered {} stored tests", requeued);
        work_ready_.notify_all();
    }
}

bool executor::stop(std::chrono::milliseconds timeout) {
    {
        const std::lock_guard lock(mutex_);
        if (stopping_) {
            return busy_workers_.load() == 0;
        }
        stopping_ = true;
        for (auto& [id, state] : in_flight_) {
            state->cancelled = true;
        }
    }
    work_ready_.notify_all();
    watchdog_wake_.notify_all();
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (busy_workers_.load() > 0 && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return busy_workers_.load() == 0;
}

void executor::work() {
    for (;;) {
        std::int64_t test_id = 0;
        {
            std::unique_lock lock(mutex_);
            work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) {
                return;
            }
            test_id = queue_.front();
            queue_.pop_front();
            ++busy_workers_;
        }
        bool ran = true;
        try {
            ran = run_test(test_id);
        } catch (const std::exception& e) {
            // The test stays in its stored state and is picked up at the next start.
            core::logger("executor")->error("test run failed and stays stored for recovery: {} test_id={}",
                                            e.what(), test_id);
        }
        --busy_workers_;
        if (!ran) {
            // The device is busy: queue the test again behind the others and pause briefly,
            // so a queue holding only that device's tests does not spin.
            std::unique_lock lock(mutex_);
            queue_.push_back(test_id);
            work_ready_.wait_for(lock, std::chrono::milliseconds(20), [this] { return stopping_; });
        }
    }
}

bool executor::run_test(std::int64_t test_id) {
    auto log = core::logger("executor");
    // The device slot is taken before start_run, so a deferred test does not count a run attempt.
    std::string device;
    if (const auto pending = store_.find_test(test_id)) {
        if (const auto service = store_.find_service(pending->service_id)) {
            const auto equipment = nlohmann::json::parse(service->equipment_json, nullptr, false);
            if (equipment.is_object()) {
                device = equipment.value("node", std::string());
            }
        }
    }
    if (!device.empty() && !acquire_device(device)) {
        log->debug("device at its limit of {} runs; test waits in the queue test_id={} node={}",
                   config_.max_runs_per_device, test_id, device);
        return false;
    }
    const std::shared_ptr<void> device_slot(nullptr, [this, device](void*) {
        if (!device.empty()) {
            release_device(device);
        }
    });
    const auto started = store_.start_run(test_id);
    if (!started) {
        log->debug("skipping test that is finished or missing test_id={}", test_id);
        return true;
    }
    run_started(*started);
    return true;
}

void executor::run_started(const store::test_record& record) {
    auto log = core::logger("executor");
    auto instance = plugins_.find(record.plugin);
    if (!instance) {
        // A plugin reload between admission and this run removed or renamed the instance.
        // The specification's current route still serves the test, so it does not fail
        // because of the reload.
        instance = plugins_.route(record.specification_id);
        if (instance) {
            log->warn("plugin instance of test is no longer loaded; running it on instance={} "
                      "{}",
                      instance->config().name, log_fields(record));
        }
    }
    if (!instance) {
        log->error("plugin instance of test is not loaded {}", log_fields(record));
        return finish(record,
                      failure_report(sdk::test_result::failed, "PLUGIN_NOT_LOADED",
                                     "The test could not run on our side"),
                      "no plugin");
    }
    sdk::equipment_target target;
    try {
        const auto service = store_.find_service(record.service_id);
        if (!service) {
            log->error("service of test is no longer in the inventory {}", log_fields(record));
            return finish(record,
                          failure_report(sdk::test_result::failed, "INVENTORY_MISMATCH",
                                         "The service is no longer known on our network"),
                          "no service");
        }
        target = inventory::resolve_target(*service, credentials_);
    } catch (const store::store_error&) {
        throw;
    } catch (const std::exception& e) {
        log->error("cannot resolve equipment of test: {} {}", e.what(), log_fields(record));
        return finish(record,
                      failure_report(sdk::test_result::failed, "INVENTORY_MISMATCH",
                                     "The equipment of the service is not known on our network"),
                      "no equipment");
    }

    auto state = std::make_shared<run_state>();
    state->record = record;
    state->deadline = std::chrono::steady_clock::now() + instance->config().run_timeout;
    {
        const std::lock_guard lock(mutex_);
        in_flight_[record.id] = state;
    }
    watchdog_wake_.notify_all();

    log->info("test started attempt={} specification={} problem_type={} {}", record.run_attempts,
              record.specification_id, record.problem_type, log_fields(record));
    context_impl context(record, std::move(target), state->deadline, state->cancelled);
    sdk::report report;
    try {
        report = instance->plugin().run(to_request(record), context);
    } catch (const std::exception& e) {
        log->error("plugin threw during the test: {} {}", e.what(), log_fields(record));
        report = failure_report(sdk::test_result::failed, "PLUGIN_FAILED",
                                "The test could not be completed on our side");
    } catch (...) {
        log->error("plugin threw a non-standard exception during the test {}", log_fields(record));
        report = failure_report(sdk::test_result::failed, "PLUGIN_FAILED",
                                "The test could not be completed on our side");
    }
    {
        const std::lock_guard lock(mutex_);
        in_flight_.erase(record.id);
    }
    if (state->timed_out.load()) {
        log->warn("discarding report that arrived after the deadline code={} {}", report.code,
                  log_fields(record));
        return;
    }
    if (state->cancelled.load()) {
        log->info("run cancelled by shutdown; the test stays RUNNING and resumes at the next start {}",
                  log_fields(record));
        return;
    }
    if (report.result == sdk::test_result::invalid || report.code.empty()) {
        log->error("plugin returned a report without a result or code {}", log_fields(record));
        report = failure_report(sdk::test_result::failed, "PLUGIN_BAD_REPORT",
                                "The test could not be completed on our side");
    }
    finish(record, report, "finished");
}

void executor::finish(const store::test_record& record, const sdk::report& report,
                      const char* why) {
    auto log = core::logger("executor");
    const auto finished_at = store::clock::now();
    const auto kci = build_kci_(record, report, finished_at);
    std::string result_json = "{}";
    const auto body = nlohmann::json::parse(kci.body, nullptr, false);
    if (body.is_object() && body.contains("serviceTest") &&
        body["serviceTest"].contains("result")) {
        result_json = body["serviceTest"]["result"].dump();
    }
    const bool completed = report.result == sdk::test_result::green ||
                           report.result == sdk::test_result::amber ||
                           report.result == sdk::test_result::red;
    const auto final_state = completed ? store::test_state::completed : store::test_state::failed;
    if (!store_.finish_test(record.id, final_state, result_json, kci)) {
        log->warn("test was already finished; dropping the {} report code={} {}", why, report.code,
                  log_fields(record));
        return;
    }
    log->info("test ended state={} outcome={} code={} measurements={} kci_id={} "
              "sequence_number={} {}",
              store::to_string(final_state), sdk::to_string(report.result), report.code,
              report.measurements.size(), kci.kci_id, kci.sequence_number, log_fields(record));
    if (on_kci_written_) {
        on_kci_written_();
    }
}

void executor::watch() {
    auto log = core::logger("executor");
    std::unique_lock lock(mutex_);
    for (;;) {
        if (stopping_) {
            return;
        }
        auto next_wake = std::chrono::steady_clock::now() + std::chrono::seconds(1);
        std::vector<std::shared_ptr<run_state>> expired;
        const auto now = std::chrono::steady_clock::now();
        for (auto& [id, state] : in_flight_) {
            if (state->timed_out.load()) {
                continue;
            }
            if (state->deadline <= now) {
                state->timed_out = true;
                state->cancelled = true;
                expired.push_back(state);
            } else {
                next_wake = std::min(next_wake, state->deadline);
            }
        }
        if (!expired.empty()) {
            lock.unlock();
            for (const auto& state : expired) {
                log->error("plugin passed its deadline; failing the test {}",
                           log_fields(state->record));
                try {
                    finish(state->record,
                           failure_report(sdk::test_result::failed, "TEST_TIMED_OUT",
                                          "The test did not finish in time"),
                           "timed out");
                } catch (const std::exception& e) {
                    log->error("cannot store the timeout of a test: {} {}", e.what(),
                               log_fields(state->record));
                }
            }
            lock.lock();
            continue;
        }
        watchdog_wake_.wait_until(lock, next_wake);
    }
}

}  // namespace linetest::executor
