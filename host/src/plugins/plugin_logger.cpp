#include "plugins/plugin_logger.hpp"

namespace linetest::plugins {

plugin_logger::plugin_logger(std::shared_ptr<spdlog::logger> target, std::string fields)
    : target_(std::move(target)), fields_(std::move(fields)) {}

void plugin_logger::log(sdk::log_level level, std::string_view message) noexcept {
    spdlog::level::level_enum spd_level = spdlog::level::info;
    switch (level) {
        case sdk::log_level::trace:
            spd_level = spdlog::level::trace;
            break;
        case sdk::log_level::debug:
            spd_level = spdlog::level::debug;
            break;
        case sdk::log_level::info:
            spd_level = spdlog::level::info;
            break;
        case sdk::log_level::warn:
            spd_level = spdlog::level::warn;
            break;
        case sdk::log_level::error:
            spd_level = spdlog::level::err;
            break;
    }
    try {
        target_->log(spd_level, "{} {}", message, fields_);
    } catch (...) {
        // A log call must never throw into a plugin; spdlog's own error handler
        // has already reported the failure.
    }
}

}  // namespace linetest::plugins
