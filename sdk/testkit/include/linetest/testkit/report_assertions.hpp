#pragma once

#include <linetest/sdk/types.hpp>

#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace linetest::sdk {

// gtest printers, found by argument-dependent lookup, so that a failed
// EXPECT_EQ on a result prints "RED" rather than the enum's bytes.
void PrintTo(test_result result, std::ostream* out);
void PrintTo(const measurement& reading, std::ostream* out);
void PrintTo(const report& result, std::ostream* out);

}  // namespace linetest::sdk

namespace linetest::testkit {

/// Thrown by `expect_measurement` after it has recorded a gtest failure, so the
/// test stops instead of reading a measurement that does not exist.
class missing_measurement : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Returns the first measurement called `name`, or nullptr.
const sdk::measurement* find_measurement(const sdk::report& result, std::string_view name);

/// Returns the measurement called `name`. When there is none, records a gtest
/// failure listing the names the report has and throws `missing_measurement`.
const sdk::measurement& expect_measurement(const sdk::report& result, std::string_view name);

/// Parses a measurement's value as a number. Records a gtest failure naming the
/// measurement and throws `std::invalid_argument` when the value is not a number.
double measurement_number(const sdk::measurement& reading);

/// One-line summary of a report for failure messages: result, code, description
/// and every measurement as `name=value unit`.
std::string describe(const sdk::report& result);

}  // namespace linetest::testkit
