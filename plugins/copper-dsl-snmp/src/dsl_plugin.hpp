#pragma once

#include <linetest/sdk/plugin.hpp>

#include "plugin_config.hpp"

#include <memory>
#include <string>
#include <vector>

namespace linetest::dsl {

/// `copper-dsl-snmp`: tests an ADSL2+ or VDSL2 line from the DSLAM over SNMPv2c
/// or SNMPv3, reading the standard IF-MIB and RFC 5650 / RFC 4706 objects.
/// Stateless after construction, so `validate` and `run` are safe to call from
/// several threads at once.
class dsl_plugin final : public sdk::plugin {
public:
    /// Throws `std::invalid_argument` naming the key when the config is invalid.
    explicit dsl_plugin(const sdk::plugin_setup& setup);

    sdk::plugin_info info() const override;
    std::vector<std::string> validate(const sdk::service_test_request& request,
                                      const sdk::equipment_target& target) const override;
    sdk::report run(const sdk::service_test_request& request, sdk::run_context& context) override;

private:
    plugin_config config_;
};

/// The factory the module exports as `linetest_plugin_create`.
std::unique_ptr<sdk::plugin> create(const sdk::plugin_setup& setup);

}  // namespace linetest::dsl
