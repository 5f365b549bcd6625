#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace linetest::core {

/// Returns the named component logger (`http`, `auth`, `contract`, `admission`,
/// `store`, `executor`, `updates`, `plugins`, `ops`), creating it on first use
/// with the daemon's sinks. Lines about a request or a test end with their ids
/// as `key=value` fields, for example `request_id=... test_id=...`.
std::shared_ptr<spdlog::logger> logger(const std::string& name);

}  // namespace linetest::core
