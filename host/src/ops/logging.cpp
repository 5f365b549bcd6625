#include "ops/logging.hpp"

#include "ops/systemd.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>

namespace linetest::ops {

void setup_logging(const logging_config& config) {
    const bool journald = config.target == "journald" ||
                          (config.target == "auto" && running_under_systemd());
    spdlog::sink_ptr sink;
    if (journald) {
        sink = std::make_shared<spdlog::sinks::systemd_sink_mt>("linetestd");
    } else {
        sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    }
    auto logger = std::make_shared<spdlog::logger>("linetestd", sink);
    logger->set_level(spdlog::level::from_str(config.level));
    // journald stamps each line itself; on stderr the line carries its own time.
    logger->set_pattern(journald ? "[%n] %v" : "%Y-%m-%dT%H:%M:%S.%e%z %l [%n] %v");
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
    // Component loggers made before this call keep their old sinks; re-create them.
    spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& existing) {
        if (existing != logger) {
            existing->sinks() = logger->sinks();
            existing->set_level(logger->level());
            existing->set_pattern(journald ? "[%n] %v" : "%Y-%m-%dT%H:%M:%S.%e%z %l [%n] %v");
            existing->flush_on(spdlog::level::info);
        }
    });
    spdlog::set_error_handler([](const std::string& message) {
        std::fputs(("linetestd: logging failed: " + message + "\n").c_str(), stderr);
    });
}

}  // namespace linetest::ops
