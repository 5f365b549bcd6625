#pragma once

#include <string_view>

namespace linetest::ops {

/// Sends a state line to systemd (`READY=1`, `STOPPING=1`, `WATCHDOG=1`,
/// `STATUS=...`). Does nothing when not started by systemd with `Type=notify`.
void notify_systemd(std::string_view state);

/// True when the process runs under systemd with a journal to log to.
bool running_under_systemd();

}  // namespace linetest::ops
