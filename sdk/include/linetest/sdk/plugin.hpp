#pragma once

#include <linetest/sdk/context.hpp>
#include <linetest/sdk/logger.hpp>
#include <linetest/sdk/types.hpp>
#include <linetest/sdk/version.hpp>

#include <boost/config.hpp>
#include <boost/dll/alias.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace linetest::sdk {

/// Identity a plugin reports once loaded.
struct plugin_info {
    std::string name;     ///< Stable name, for example `ftth-gpon-snmp`.
    std::string version;  ///< The plugin's own version, for example `1.2.0`.
};

/// Everything a plugin instance receives when the host creates it.
struct plugin_setup {
    nlohmann::json config;  ///< The plugin's own section of the daemon config (an object).
    logger* log = nullptr;  ///< Host logger for lines not about one test; outlives the instance.
};

/// The interface every plugin implements.
///
/// One instance serves every test routed to it, so `validate` and `run` may be
/// called from several host threads at once. Exceptions from either call are
/// caught by the host: from `validate` they reject the request with a generic
/// reason, from `run` they end the test as FAILED. Expected outcomes, such as
/// unreachable equipment, are reports, not exceptions.
class BOOST_SYMBOL_VISIBLE plugin {
public:
    virtual ~plugin() = default;

    virtual plugin_info info() const = 0;

    /// Checks, before the host accepts a request, that this plugin can test
    /// the line. Returns tenant-safe rejection reasons; empty means accept.
    /// Must be fast (no equipment access): it runs while the gateway waits.
    virtual std::vector<std::string> validate(const service_test_request& request,
                                              const equipment_target& target) const = 0;

    /// Runs the test. Synchronous; called on a host worker thread with a
    /// deadline and a cancellation flag in `context`.
    virtual report run(const service_test_request& request, run_context& context) = 0;
};

/// Signature of the factory every plugin exports. Throws on invalid config
/// with a message naming the key; the host refuses to load the plugin then.
using plugin_factory = std::unique_ptr<plugin>(const plugin_setup& setup);

}  // namespace linetest::sdk

/// Exports a plugin: the ABI version function that the host reads first and
/// the factory `function` (of type `linetest::sdk::plugin_factory`).
/// Use once per plugin library, at namespace scope.
#define LINETEST_PLUGIN(function)                                            \
    extern "C" BOOST_SYMBOL_EXPORT int linetest_plugin_abi_version() {       \
        return ::linetest::sdk::abi_version;                                 \
    }                                                                        \
    BOOST_DLL_ALIAS(function, linetest_plugin_create)
