#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace linetest::test_support {

/// Calls `predicate` every `interval` until it returns true or `timeout` has passed. Returns
/// the last result, so a predicate that becomes true exactly at the deadline still counts.
bool poll_until(const std::function<bool()>& predicate,
                std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = std::chrono::milliseconds(20));

/// Waits until `path` is a regular file that is not empty. Returns false on time-out.
bool wait_for_file(const std::filesystem::path& path, std::chrono::milliseconds timeout);

/// Waits until a TCP connection to `host`:`port` succeeds. `host` is a numeric address such
/// as "127.0.0.1" or "::1". Returns false on time-out.
/// @throws std::invalid_argument when `host` is not a numeric address.
bool wait_for_tcp_port(const std::string& host,
                       std::uint16_t port,
                       std::chrono::milliseconds timeout);

/// Returns the whole content of `path`.
/// @throws std::runtime_error when the file cannot be read.
std::string read_text_file(const std::filesystem::path& path);

}  // namespace linetest::test_support
