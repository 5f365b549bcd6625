#include "gpon_plugin.hpp"

#include "classify.hpp"
#include "ont_location.hpp"
#include "pon_port.hpp"
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

olt_vendor vendor_of(const sdk::equipment_target& target) {
    return vendor_for_profile(target.profile).value_or(olt_vendor::huawei);
}

// Identifies one PON port as seen through one set of credentials and context:
// two views of the same OLT may differ, so they do not share a reading. Held
// in memory only, never logged, because it contains the community.
std::string port_key(const sdk::equipment_target& target, std::uint32_t port_if_index) {
    auto field = [&](const std::map<std::string, std::string>& map, const char* key) {
        auto found = map.find(key);
        return found == map.end() ? std::string() : found->second;
    };
    return target.node + '\n' + target.profile + '\n' + field(target.credentials, "community") +
           '\n' + field(target.credentials, "user") + '\n' +
           field(target.attributes, "snmp_context") + '\n' + std::to_string(port_if_index);
}

}  // namespace

gpon_plugin::gpon_plugin(const sdk::plugin_setup& setup)
    : config_(parse_plugin_config(setup.config)),
      port_cache_(config_.pon_incident.cache_ttl) {}

sdk::plugin_info gpon_plugin::info() const { return {plugin_name, plugin_version}; }

std::vector<std::string> gpon_plugin::validate(const sdk::service_test_request& /*request*/,
                                               const sdk::equipment_target& target) const {
    std::vector<std::string> reasons;
    if (target.node.empty()) {
        reasons.emplace_back(reason_no_node);
    }
    if (!resolve_ont_location(target.attributes, vendor_of(target)).location) {
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
    auto vendor = vendor_of(target);
    auto resolved = resolve_ont_location(target.attributes, vendor);
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

    const auto& location = *resolved.location;
    snmp_limits limits{config_.timeout, config_.retries, context.deadline()};
    auto cancelled = [&context] { return context.cancelled(); };
    auto port_check = [&](bool down) -> std::optional<incident_assessment> {
        if (!down || !config_.pon_incident.enabled) {
            return std::nullopt;
        }
        auto port =
            port_cache_.get(port_key(target, location.port_if_index), context.deadline(), [&] {
                return read_port_states(target, vendor, location.port_if_index, limits, cancelled);
            });
        if (!port || port->status != poll_status::ok) {
            // The ONT's own reading still answers the test; only the incident
            // check is lost.
            log.warn("GPON port reading failed, no incident check: " +
                     (port ? port->error : std::string("deadline passed waiting for it")) +
                     " node=" + target.node + " " + location_fields(location));
            return std::nullopt;
        }
        if (port->truncated) {
            log.warn("GPON port reading stopped at its row limit node=" + target.node + " " +
                     location_fields(location));
        }
        return assess_pon_incident(*port, location.ont_id, config_.pon_incident);
    };

    sdk::report out;
    poll_status status = poll_status::invalid;
    std::string error;
    if (vendor == olt_vendor::zte) {
        auto poll = read_zte_ont(target, location, limits, cancelled);
        status = poll.status;
        error = poll.error;
        auto incident = port_check(ont_is_down(poll));
        out = classify_zte_poll(poll, config_.thresholds_for(*optics),
                                incident ? &*incident : nullptr);
    } else {
        auto poll = read_huawei_ont(target, location, limits, cancelled);
        status = poll.status;
        error = poll.error;
        auto incident = port_check(ont_is_down(poll));
        out = classify_poll(poll, config_.thresholds_for(*optics), incident ? &*incident : nullptr);
    }
    if (status != poll_status::ok) {
        log.warn("GPON poll failed: " + error + " node=" + target.node + " " +
                 location_fields(location));
    }
    log.info(std::string("GPON test done result=") + sdk::to_string(out.result) +
             " code=" + out.code + " profile=" + target.profile +
             " optics_class=" + std::string(to_string(*optics)) + " " + location_fields(location));
    return out;
}

std::unique_ptr<sdk::plugin> create(const sdk::plugin_setup& setup) {
    return std::make_unique<gpon_plugin>(setup);
}

}  // namespace linetest::gpon
