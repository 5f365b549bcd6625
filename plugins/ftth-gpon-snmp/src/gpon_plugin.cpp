#include "gpon_plugin.hpp"

#include "classify.hpp"
#include "ont_location.hpp"
#include "snmp_ont_reader.hpp"

namespace linetest::gpon {
namespace {

constexpr const char* plugin_name = "ftth-gpon-snmp";
constexpr const char* plugin_version = "0.1.0";

// Rejection reasons go to the tenant through the gateway, so they name no
// address, index or credential; `run` logs the details for the operator.
constexpr const char* reason_no_node = "The access equipment serving this line is not recorded.";
constexpr const char* reason_no_location =
    "The line's position on the access equipment is not recorded.";
constexpr const char* reason_profile = "The line's access equipment type is not supported.";
constexpr const char* reason_optics = "The line's optical class is not supported.";
constexpr const char* reason_credentials =
    "The access equipment serving this line cannot be tested at the moment.";

std::optional<optics_class> optics_for(const sdk::equipment_target& target, optics_class fallback) {
    auto found = target.attributes.find("optics_class");
    if (found == target.attributes.end() || found->second.empty()) {
        return fallback;
    }
    return parse_optics_class(found->second);
}

std::string location_fields(const ont_location& location) {
    return "port_if_index=" + std::to_string(location.port_if_index) +
           " ont_id=" + std::to_string(location.ont_id);
}

}  // namespace

gpon_plugin::gpon_plugin(const sdk::plugin_setup& setup)
    : config_(parse_plugin_config(setup.config)) {}

sdk::plugin_info gpon_plugin::info() const { return {plugin_name, plugin_version}; }

std::vector<std::string> gpon_plugin::validate(const sdk::service_test_request& /*request*/,
                                               const sdk::equipment_target& target) const {
    std::vector<std::string> reasons;
    if (target.node.empty()) {
        reasons.emplace_back(reason_no_node);
    }
    if (!resolve_ont_location(target.attributes).location) {
        reasons.emplace_back(reason_no_location);
    }
    if (!is_supported_profile(target.profile)) {
        reasons.emplace_back(reason_profile);
    }
    if (!optics_for(target, config_.default_optics_class)) {
        reasons.emplace_back(reason_optics);
    }
    if (!check_snmp_credentials(target.credentials).empty()) {
        reasons.emplace_back(reason_credentials);
    }
    return reasons;
}

sdk::report gpon_plugin::run(const sdk::service_test_request& /*request*/,
                             sdk::run_context& context) {
    const auto& target = context.target();
    auto& log = context.log();

    // The host validates before it queues a test, but the inventory may have
    // changed since, so the same checks guard the run.
    auto resolved = resolve_ont_location(target.attributes);
    auto optics = optics_for(target, config_.default_optics_class);
    auto credentials_problem = check_snmp_credentials(target.credentials);
    if (!resolved.location || !optics || !is_supported_profile(target.profile) ||
        target.node.empty() || !credentials_problem.empty()) {
        std::string detail = !resolved.location    ? resolved.error
                             : !optics             ? "optics_class is not B+, C+ or XGS-PON"
                             : target.node.empty() ? "node is empty"
                             : !credentials_problem.empty()
                                 ? credentials_problem
                                 : "profile " + target.profile + " is not supported";
        log.error("GPON target invalid, test not run: " + detail);
        sdk::report out;
        out.result = sdk::test_result::failed;
        out.code = "INVALID_TARGET";
        out.description = "The line's equipment record is incomplete, so it could not be tested.";
        return out;
    }

    snmp_limits limits{config_.timeout, config_.retries, context.deadline()};
    auto poll = read_huawei_ont(target, *resolved.location, limits,
                                [&context] { return context.cancelled(); });
    if (poll.status != poll_status::ok) {
        log.warn("GPON poll failed: " + poll.error + " node=" + target.node + " " +
                 location_fields(*resolved.location));
    }

    auto out = classify_poll(poll, config_.thresholds_for(*optics));
    log.info(std::string("GPON test done result=") + sdk::to_string(out.result) +
             " code=" + out.code + " optics_class=" + std::string(to_string(*optics)) + " " +
             location_fields(*resolved.location));
    return out;
}

std::unique_ptr<sdk::plugin> create(const sdk::plugin_setup& setup) {
    return std::make_unique<gpon_plugin>(setup);
}

}  // namespace linetest::gpon
