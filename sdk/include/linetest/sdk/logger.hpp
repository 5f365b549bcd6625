#pragma once

#include <string_view>

namespace linetest::sdk {

enum class log_level { trace, debug, info, warn, error };

/// Logger that the host gives a plugin. Lines written through it already carry
/// the test's ids and the plugin's name; plugins never see spdlog directly, so
/// they do not depend on the host's spdlog version.
///
/// Thread-safe. Never pass secrets (community strings, keys) to it.
class logger {
public:
    virtual ~logger() = default;

    virtual void log(log_level level, std::string_view message) noexcept = 0;

    void debug(std::string_view message) noexcept { log(log_level::debug, message); }
    void info(std::string_view message) noexcept { log(log_level::info, message); }
    void warn(std::string_view message) noexcept { log(log_level::warn, message); }
    void error(std::string_view message) noexcept { log(log_level::error, message); }
};

}  // namespace linetest::sdk
