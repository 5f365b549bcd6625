#include "ops/systemd.hpp"

#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <string>

namespace linetest::ops {

void notify_systemd(std::string_view state) {
    const std::string text(state);
    sd_notify(0, text.c_str());
}

bool running_under_systemd() {
    return std::getenv("JOURNAL_STREAM") != nullptr || std::getenv("NOTIFY_SOCKET") != nullptr;
}

}  // namespace linetest::ops
