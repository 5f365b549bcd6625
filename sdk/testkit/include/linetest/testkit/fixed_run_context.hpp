#pragma once

#include <linetest/sdk/context.hpp>
#include <linetest/sdk/types.hpp>
#include <linetest/testkit/recording_logger.hpp>

#include <atomic>
#include <chrono>

namespace linetest::testkit {

/// `sdk::run_context` with a fixed target and deadline, so a test can call
/// `plugin::run` without the daemon. Lines go to a `recording_logger`.
/// `cancel` may be called from another thread while `run` is in progress.
class fixed_run_context final : public sdk::run_context {
public:
    /// The deadline is `time_limit` from construction.
    explicit fixed_run_context(
        sdk::equipment_target target,
        std::chrono::steady_clock::duration time_limit = std::chrono::seconds(10));

    sdk::logger& log() noexcept override { return log_; }
    const sdk::equipment_target& target() const noexcept override { return target_; }
    std::chrono::steady_clock::time_point deadline() const noexcept override { return deadline_; }
    bool cancelled() const noexcept override { return cancelled_.load(); }

    /// Makes `cancelled` return true from now on.
    void cancel() noexcept { cancelled_.store(true); }

    /// The lines the plugin logged through `log()`.
    const recording_logger& recorded_log() const noexcept { return log_; }

private:
    sdk::equipment_target target_;
    std::chrono::steady_clock::time_point deadline_;
    std::atomic<bool> cancelled_{false};
    recording_logger log_;
};

}  // namespace linetest::testkit
