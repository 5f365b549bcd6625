#include "example_plugin.hpp"

#include <chrono>
#include <stdexcept>

namespace example_line {

namespace sdk = linetest::sdk;

namespace {

/// Must match NAME in linetest_plugin_manifest, or the host rejects the plugin.
constexpr const char* plugin_name = "example-line";
constexpr const char* plugin_version = "0.1.0";

sdk::test_result parse_result(const nlohmann::json& config) {
    if (!config.contains("reported_result")) {
        return sdk::test_result::green;
    }
    const auto& value = config.at("reported_result");
    const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    if (text == "GREEN") {
        return sdk::test_result::green;
    }
    if (text == "AMBER") {
        return sdk::test_result::amber;
    }
    if (text == "RED") {
        return sdk::test_result::red;
    }
    throw std::invalid_argument("reported_result: must be \"GREEN\", \"AMBER\" or \"RED\", got " +
                                text);
}

}  // namespace

example_plugin::example_plugin(const sdk::plugin_setup& setup)
    : result_(parse_result(setup.config)) {
    if (setup.log != nullptr) {
        setup.log->info(std::string("example plugin ready, reporting ") + sdk::to_string(result_));
    }
}

sdk::plugin_info example_plugin::info() const { return {plugin_name, plugin_version}; }

std::vector<std::string> example_plugin::validate(const sdk::service_test_request& request,
                                                  const sdk::equipment_target& target) const {
    // The gateway shows these reasons to the tenant, so they describe the request and never
    // the network behind it.
    std::vector<std::string> reasons;
    if (target.node.empty()) {
        reasons.push_back("Service " + request.service_id + " has no equipment to test");
    }
    if (request.problem_type == "CPE") {
        reasons.push_back("problemType CPE cannot be tested on this line");
    }
    return reasons;
}

sdk::report example_plugin::run(const sdk::service_test_request& request,
                                sdk::run_context& context) {
    context.log().info("checking service " + request.service_id + " on " + context.target().node);
    sdk::report out;
    if (context.cancelled()) {
        // The host discards any report returned after cancellation, so return at once.
        out.result = sdk::test_result::failed;
        out.code = "TEST_CANCELLED";
        return out;
    }
    out.result = result_;
    out.code = result_ == sdk::test_result::green ? "SERVICE_OK" : "EXAMPLE_FAULT";
    out.description = result_ == sdk::test_result::green ? "The line looks healthy"
                                                         : "The line has a fault";
    sdk::measurement reading;
    reading.name = "example_checks_passed";
    reading.value = result_ == sdk::test_result::green ? "1" : "0";
    reading.captured_at = std::chrono::system_clock::now();
    reading.rule_violation = result_ != sdk::test_result::green;
    reading.rule_severity = reading.rule_violation ? "WARNING" : "";
    out.measurements.push_back(reading);
    return out;
}

std::unique_ptr<sdk::plugin> create_plugin(const sdk::plugin_setup& setup) {
    return std::make_unique<example_plugin>(setup);
}

}  // namespace example_line
