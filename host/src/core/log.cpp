#include "core/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>

namespace linetest::core {

std::shared_ptr<spdlog::logger> logger(const std::string& name) {
    static std::mutex mutex;
    const std::lock_guard lock(mutex);
    if (auto existing = spdlog::get(name)) {
        return existing;
    }
    // Components share the default logger's sinks, which the daemon sets up at
    // start (stderr or journald); tests get the stderr default.
    auto default_logger = spdlog::default_logger();
    auto created = std::make_shared<spdlog::logger>(name, default_logger->sinks().begin(),
                                                    default_logger->sinks().end());
    created->set_level(default_logger->level());
    created->flush_on(default_logger->flush_level());
    spdlog::register_logger(created);
    return created;
}

}  // namespace linetest::core
