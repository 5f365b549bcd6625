#pragma once

#include <linetest/sdk/types.hpp>

#include "dsl_line.hpp"
#include "line_reading.hpp"

#include <chrono>
#include <functional>

namespace linetest::dsl {

/// Limits for reading one line.
struct read_limits {
    std::chrono::milliseconds timeout{2000};  ///< Per attempt, capped so that all fit the deadline.
    int retries = 1;
    /// Requested interval between the two CRC reads, shortened to fit the deadline.
    /// Zero skips the second read.
    std::chrono::milliseconds counter_delta{2000};
    std::chrono::steady_clock::time_point deadline;
};

/// Reads the line's IF-MIB and xDSL objects (RFC 5650 or RFC 4706 by the line's
/// profile) with one GET, waits, and reads the two coding-violation counters
/// again for the delta. `cancelled` is checked before each request and during
/// the wait. Equipment and network failures are returned in `line_poll::status`,
/// not thrown. A failed second read leaves the first one standing, with the
/// reason in `line_poll::error` and no `second_crc`.
line_poll read_dsl_line(const sdk::equipment_target& target,
                        const dsl_line& line,
                        const read_limits& limits,
                        const std::function<bool()>& cancelled);

}  // namespace linetest::dsl
