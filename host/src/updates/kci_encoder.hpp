#pragma once

#include <chrono>
#include <cstdint>
#include <linetest/sdk/types.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"

// The only code that builds or reads the body of a service-test KCI sent to the
// gateway's `POST {base}/kcis`. The gateway publishes no supplier-side schema
// for service tests; the shape here follows its tenant-facing ServiceTest
// object and the generic KCI envelope, so a schema change lands in this unit.

namespace linetest::updates {

using clock = std::chrono::system_clock;

/// How long a result may be used to raise a service problem: the gateway allows
/// a problem for 2 hours after an outcome that permits one.
inline constexpr std::chrono::hours test_validity_window{2};

/// Returns the gateway outcome `code` for one of our diagnostic codes. Codes
/// without a known gateway equivalent are returned unchanged.
std::string gateway_outcome_code(std::string_view diagnostic_code);

/// Returns true when `gateway_outcome_code` maps `diagnostic_code` to a code
/// that the gateway is known to define, rather than passing ours through.
bool has_known_gateway_code(std::string_view diagnostic_code);

/// Builds the `result` object of a finished test from a plugin report:
/// `{testValidity, testMeasures[], testOutcome{...}}`, valid until
/// `completed_at` + `test_validity_window`.
nlohmann::json encode_result(const sdk::report& report, clock::time_point completed_at);

/// Identity of one KCI: its UUID, its per-test sequence number (from 1) and
/// when it was issued.
struct kci_header {
    std::string id;
    int sequence_number = 0;
    clock::time_point issued_on;
};

/// Builds the result KCI (reasonCode UPDATE, status COMPLETED, with `result`)
/// for `test` as JSON text. `test.characteristics_json` is sent as
/// `characteristics` when it is a non-empty array.
std::string encode_result_kci(const store::test_record& test,
                              const sdk::report& report,
                              const kci_header& header,
                              clock::time_point completed_at);

/// Builds the result KCI from an already encoded `result` object, as stored in
/// `test_record::result_json`.
std::string encode_result_kci(const store::test_record& test,
                              const nlohmann::json& result,
                              const kci_header& header);

/// Builds the optional acceptance KCI: reasonCode COMMITTED, status
/// IN_PROGRESS, no `result`.
std::string encode_accepted_kci(const store::test_record& test, const kci_header& header);

/// A KCI body read back by `decode_kci`.
struct decoded_kci {
    std::string id;
    int sequence_number = 0;
    clock::time_point issued_on;
    std::string reason_code;
    std::int64_t test_id = 0;
    std::string supplier_reference;
    std::string status;
    std::optional<std::string>
        test_result;  ///< `testOutcome.testResult`, when a result is present.
    std::optional<std::string> outcome_code;  ///< `testOutcome.code`, when a result is present.
    nlohmann::json body;                      ///< The whole parsed body.
};

/// Raised by `decode_kci`; the message lists every problem found.
class kci_format_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Returns every way `body` breaks the KCI shape this unit writes (missing or
/// mistyped required fields, unknown enum values, a `result` on a KCI that is
/// not COMPLETED). Empty when the body is valid.
std::vector<std::string> validate_kci(const nlohmann::json& body);

/// Parses and validates a KCI body. Throws `kci_format_error` listing every problem.
decoded_kci decode_kci(std::string_view text);

}  // namespace linetest::updates
