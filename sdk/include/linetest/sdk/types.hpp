#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace linetest::sdk {

/// One `{name, value}` pair of the request's optional `characteristics` array,
/// for example `SERVICE_HAS_WORKED` = `"true"`. Values are always strings.
struct characteristic {
    std::string name;
    std::string value;
};

/// A validated `POST /service-tests` request, as the host hands it to a plugin.
struct service_test_request {
    std::int64_t id = 0;             ///< Gateway test id, >= 1.
    std::string supplier_reference;  ///< Our reference, empty during `validate`.
    std::string tenant;              ///< Value of the `Tenant` header.
    std::string service_id;
    std::string specification_id;
    std::string problem_type;  ///< OUTAGE, PERFORMANCE, STABILITY, SYNCHRONISATION, CUSTOMER or CPE.
    std::vector<characteristic> characteristics;
};

/// Location of the service on the network, resolved from the inventory.
///
/// `attributes` carries the equipment-specific location, for example
/// `port_if_index` and `ont_id` for a GPON line or `if_index` for a DSL port.
/// `credentials` holds the secrets named by the inventory's credentials
/// reference (for SNMP: `community`, or `user`, `auth_protocol`, `auth_key`,
/// `priv_protocol`, `priv_key`). Never log them.
struct equipment_target {
    std::string node;     ///< Management address, `host` or `host:port`.
    std::string profile;  ///< Vendor object set, for example `huawei-ma5800`.
    std::map<std::string, std::string> attributes;
    std::map<std::string, std::string> credentials;
};

/// Overall verdict, as the gateway's `testResult`.
///
/// GREEN blocks the tenant from raising a service problem, so a plugin returns
/// it only when it looked and found nothing wrong. UNAVAILABLE means the test
/// could not reach the equipment; FAILED means it could not run for another reason.
enum class test_result { invalid = 0, green, amber, red, failed, unavailable };

/// One reading, reported to the gateway as an entry of `testMeasures`.
struct measurement {
    std::string name;   ///< Metric name, for example `ont_rx_power`.
    std::string value;  ///< Value as text, for example `-19.87`.
    std::string unit;   ///< Unit, for example `dBm`, `m`, `bit/s`; empty when unitless.
    std::chrono::system_clock::time_point captured_at;
    bool rule_violation = false;  ///< True when the reading broke a threshold.
    std::string rule_severity;    ///< `WARNING` when `rule_violation` is set.
};

/// Result of `plugin::run`.
struct report {
    test_result result = test_result::invalid;
    /// Our diagnostic code, for example `SERVICE_OK` or `CPE_POWERED_OFF`. The
    /// host maps it to the gateway's outcome code and sends it in `supplierCodes`.
    std::string code;
    std::string description;  ///< One tenant-safe sentence.
    std::vector<measurement> measurements;
    std::string supplier_text;  ///< Optional free text for the gateway.
};

/// Returns the gateway spelling of a result, for example "GREEN"; "INVALID" for `invalid`.
constexpr const char* to_string(test_result result) noexcept {
    switch (result) {
        case test_result::green:
            return "GREEN";
        case test_result::amber:
            return "AMBER";
        case test_result::red:
            return "RED";
        case test_result::failed:
            return "FAILED";
        case test_result::unavailable:
            return "UNAVAILABLE";
        case test_result::invalid:
            break;
    }
    return "INVALID";
}

}  // namespace linetest::sdk
