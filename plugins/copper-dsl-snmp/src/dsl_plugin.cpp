#include "dsl_plugin.hpp"

#include "classify.hpp"
#include "dsl_line.hpp"
#include "snmp_line_reader.hpp"

namespace linetest::dsl {
namespace {

constexpr const char* plugin_name = "copper-dsl-snmp";
constexpr const char* plugin_version = "0.1.0";

// Rejection reasons go to the tenant through the gateway, so they name no
// address, index or credential; `run` logs the details for the operator.
constexpr const char* reason_no_node = "The access equipment serving this line is not recorded.";
constexpr const char* reason_line =
    "The line's position or type on the access equipment is not recorded correctly.";
constexpr const char* reason_credentials =
    "The access equipment serving this line cannot be tested at the moment.";

std::string line_fields(const dsl_line& line) {
    return "if_index=" + std::to_string(line.if_index) +
           " profile=" + std::string(to_string(line.profile));
}

}  // namespace

dsl_plugin::dsl_plugin(const sdk::plugin_setup& setup)
    : config_(parse_plugin_config(setup.config)) {}

sdk::plugin_info dsl_plugin::info() const { return {plugin_name, plugin_version}; }

std::vector<std::string> dsl_plugin::validate(const sdk::service_test_request& /*request*/,
                                              const sdk::equipment_target& target) const {
    std::vector<std::string> reasons;
    if (target.node.empty()) {
        reasons.emplace_back(reason_no_node);
    }
    if (!resolve_dsl_line(target).line) {
        reasons.emplace_back(reason_line);
    }
    if (!check_snmp_credentials(target.credentials).empty()) {
        reasons.emplace_back(reason_credentials);
    }
    return reasons;
}

sdk::report dsl_plugin::run(const sdk::service_test_request& /*request*/,
                            sdk::run_context& context) {
    const auto& target = context.target();
    auto& log = context.log();

    // The host validates before it queues a test, but the inventory may have
    // changed since, so the same checks guard the run.
    auto resolved = resolve_dsl_line(target);
    auto credentials_problem = check_snmp_credentials(target.credentials);
    if (!resolved.line || target.node.empty() || !credentials_problem.empty()) {
        std::string detail = !resolved.line        ? resolved.error
                             : target.node.empty() ? "node is empty"
                                                   : credentials_problem;
        log.error("DSL target invalid, test not run: " + detail);
        sdk::report out;
        out.result = sdk::test_result::failed;
        out.code = "INVALID_TARGET";
        out.description = "The line's equipment record is incomplete, so it could not be tested.";
        return out;
    }
    const auto& line = *resolved.line;

    read_limits limits{config_.timeout, config_.retries, config_.counter_delta, context.deadline()};
    auto poll = read_dsl_line(target, line, limits, [&context] { return context.cancelled(); });
    if (poll.status != poll_status::ok) {
        log.warn("DSL poll failed: " + poll.error + " node=" + target.node + " " +
                 line_fields(line));
    } else if (!poll.error.empty()) {
        log.warn("DSL poll incomplete: " + poll.error + " node=" + target.node + " " +
                 line_fields(line));
    }

    auto out = classify_poll(poll, line, config_);
    log.info(std::string("DSL test done result=") + sdk::to_string(out.result) +
             " code=" + out.code + " " + line_fields(line));
    return out;
}

std::unique_ptr<sdk::plugin> create(const sdk::plugin_setup& setup) {
    return std::make_unique<dsl_plugin>(setup);
}

}  // namespace linetest::dsl
