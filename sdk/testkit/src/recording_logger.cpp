#include <linetest/testkit/recording_logger.hpp>

namespace linetest::testkit {

void recording_logger::log(sdk::log_level level, std::string_view message) noexcept {
    try {
        std::lock_guard lock(mutex_);
        lines_.push_back({level, std::string(message)});
    } catch (...) {
        // The interface is noexcept; a line lost to bad_alloc is acceptable in a test.
    }
}

std::vector<log_line> recording_logger::lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
}

bool recording_logger::contains(std::string_view text) const {
    std::lock_guard lock(mutex_);
    for (const auto& line : lines_) {
        if (line.message.find(text) != std::string::npos) {
            return true;
        }
    }
    return false;
}

}  // namespace linetest::testkit
