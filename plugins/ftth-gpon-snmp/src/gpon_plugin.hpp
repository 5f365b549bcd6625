#pragma once

#include <linetest/sdk/plugin.hpp>

#include "plugin_config.hpp"
#include "port_reading_cache.hpp"

#include <memory>
#include <string>
#include <vector>

namespace linetest::gpon {

/// `ftth-gpon-snmp`: tests a GPON/XGS-PON line by reading its ONT from a Huawei
/// MA5600T/MA5800 or ZTE C300/C320 OLT over SNMPv2c or SNMPv3. When the ONT is
/// down it also reads the ONT states of its PON port, shared between concurrent
/// tests through a per-instance cache, to tell a PON-wide incident from the
/// customer's own fault. `validate` and `run` are safe to call from several
/// threads at once.
class gpon_plugin final : public sdk::plugin {
public:
    /// Throws `std::invalid_argument` naming the key when the config is invalid.
    explicit gpon_plugin(const sdk::plugin_setup& setup);

    sdk::plugin_info info() const override;
    std::vector<std::string> validate(const sdk::service_test_request& request,
                                      const sdk::equipment_target& target) const override;
    sdk::report run(const sdk::service_test_request& request, sdk::run_context& context) override;

    /// The port reading cache, so tests can count the port walks sent.
    const port_reading_cache& port_cache() const noexcept { return port_cache_; }

private:
    plugin_config config_;
    port_reading_cache port_cache_;
};

/// The factory the module exports as `linetest_plugin_create`.
std::unique_ptr<sdk::plugin> create(const sdk::plugin_setup& setup);

}  // namespace linetest::gpon
