#pragma once

#include <linetest/sdk/logger.hpp>

#include <spdlog/logger.h>

#include <memory>
#include <string>

namespace linetest::plugins {

/// The `sdk::logger` the host hands to plugins: writes to the `plugins` spdlog
/// logger and appends `plugin=<name>` and, for a test, its ids to every line.
class plugin_logger final : public sdk::logger {
public:
    plugin_logger(std::shared_ptr<spdlog::logger> target, std::string fields);

    void log(sdk::log_level level, std::string_view message) noexcept override;

private:
    std::shared_ptr<spdlog::logger> target_;
    std::string fields_;  ///< Trailing `key=value` fields, for example `plugin=gpon test_id=7`.
};

}  // namespace linetest::plugins
