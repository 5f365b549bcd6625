#include <linetest/sdk/plugin.hpp>
#include <linetest/sdk/version.hpp>

#include <boost/dll/import.hpp>
#include <boost/dll/shared_library.hpp>
#include <gtest/gtest.h>

#include <functional>

namespace {

// Loads the built module the way the host does, to check its exports.
TEST(GponModuleTest, ExportsAbiVersion) {
    boost::dll::shared_library module(GPON_MODULE_PATH);
    ASSERT_TRUE(module.has("linetest_plugin_abi_version"));
    auto abi = module.get<int()>("linetest_plugin_abi_version");
    EXPECT_EQ(abi(), linetest::sdk::abi_version);
}

TEST(GponModuleTest, FactoryReportsName) {
    auto create = boost::dll::import_alias<linetest::sdk::plugin_factory>(
        boost::dll::fs::path(GPON_MODULE_PATH), "linetest_plugin_create");
    auto plugin = create(linetest::sdk::plugin_setup{});
    ASSERT_NE(plugin, nullptr);
    EXPECT_EQ(plugin->info().name, "ftth-gpon-snmp");
}

}  // namespace
