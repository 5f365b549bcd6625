#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace linetest::core {

/// Formats a time as RFC 3339 UTC with milliseconds, for example `2025-03-14T11:42:05.120Z`.
std::string format_utc(std::chrono::system_clock::time_point time);

/// Parses what `format_utc` writes (the fraction is optional). Empty on any other text.
std::optional<std::chrono::system_clock::time_point> parse_utc(std::string_view text);

}  // namespace linetest::core
