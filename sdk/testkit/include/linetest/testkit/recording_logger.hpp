#pragma once

#include <linetest/sdk/logger.hpp>

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace linetest::testkit {

/// One line written through a `recording_logger`.
struct log_line {
    sdk::log_level level = sdk::log_level::info;
    std::string message;
};

/// `sdk::logger` that keeps every line in memory so a test can assert on what a
/// plugin logged, for example that no secret appears. Thread-safe.
class recording_logger final : public sdk::logger {
public:
    void log(sdk::log_level level, std::string_view message) noexcept override;

    /// Copy of the lines logged so far, oldest first.
    std::vector<log_line> lines() const;

    /// True when any logged message contains `text`.
    bool contains(std::string_view text) const;

private:
    mutable std::mutex mutex_;
    std::vector<log_line> lines_;
};

}  // namespace linetest::testkit
