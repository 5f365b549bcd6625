#include <linetest/testkit/report_assertions.hpp>

#include <gtest/gtest.h>

#include <charconv>
#include <sstream>

namespace linetest::sdk {

void PrintTo(test_result result, std::ostream* out) { *out << to_string(result); }

void PrintTo(const measurement& reading, std::ostream* out) {
    *out << reading.name << '=' << reading.value;
    if (!reading.unit.empty()) {
        *out << ' ' << reading.unit;
    }
    if (reading.rule_violation) {
        *out << " [" << reading.rule_severity << ']';
    }
}

void PrintTo(const report& result, std::ostream* out) {
    *out << linetest::testkit::describe(result);
}

}  // namespace linetest::sdk

namespace linetest::testkit {

const sdk::measurement* find_measurement(const sdk::report& result, std::string_view name) {
    for (const auto& reading : result.measurements) {
        if (reading.name == name) {
            return &reading;
        }
    }
    return nullptr;
}

const sdk::measurement& expect_measurement(const sdk::report& result, std::string_view name) {
    if (const auto* reading = find_measurement(result, name)) {
        return *reading;
    }
    ADD_FAILURE() << "report has no measurement '" << name << "': " << describe(result);
    throw missing_measurement("report has no measurement '" + std::string(name) + "'");
}

double measurement_number(const sdk::measurement& reading) {
    double number = 0.0;
    const char* first = reading.value.data();
    const char* last = first + reading.value.size();
    auto [end, error] = std::from_chars(first, last, number);
    if (error != std::errc{} || end != last) {
        ADD_FAILURE() << "measurement " << reading.name << " is not a number: '" << reading.value
                      << "'";
        throw std::invalid_argument("measurement " + reading.name + " is not a number");
    }
    return number;
}

std::string describe(const sdk::report& result) {
    std::ostringstream out;
    out << sdk::to_string(result.result) << ' ' << result.code << " \"" << result.description
        << "\"";
    for (const auto& reading : result.measurements) {
        out << "; ";
        sdk::PrintTo(reading, &out);
    }
    return out.str();
}

}  // namespace linetest::testkit
