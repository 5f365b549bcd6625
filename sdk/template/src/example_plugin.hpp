#pragma once

#include <linetest/sdk/plugin.hpp>

#include <memory>
#include <string>
#include <vector>

namespace example_line {

/// A plugin that touches no equipment: it checks the request and the inventory target, then
/// reports the result configured in `reported_result` (GREEN, AMBER or RED; default GREEN).
/// Replace `run` with the real equipment conversation.
class example_plugin final : public linetest::sdk::plugin {
public:
    /// Throws std::invalid_argument naming the key when the config is invalid.
    explicit example_plugin(const linetest::sdk::plugin_setup& setup);

    linetest::sdk::plugin_info info() const override;

    std::vector<std::string> validate(const linetest::sdk::service_test_request& request,
                                      const linetest::sdk::equipment_target& target) const override;

    linetest::sdk::report run(const linetest::sdk::service_test_request& request,
                              linetest::sdk::run_context& context) override;

private:
    linetest::sdk::test_result result_ = linetest::sdk::test_result::green;
};

/// The factory that `LINETEST_PLUGIN` exports.
std::unique_ptr<linetest::sdk::plugin> create_plugin(const linetest::sdk::plugin_setup& setup);

}  // namespace example_line
