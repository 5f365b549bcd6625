#include <linetest/sdk/plugin.hpp>
#include <linetest/sdk/version.hpp>

#include <boost/dll/import.hpp>
#include <boost/dll/shared_library.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

namespace {

// Loads the built module the way the host does, to check its exports.
TEST(DslModuleTest, ExportsAbiVersion) {
    boost::dll::shared_library module(DSL_MODULE_PATH);
    ASSERT_TRUE(module.has("linetest_plugin_abi_version"));
    auto abi = module.get<int()>("linetest_plugin_abi_version");
    EXPECT_EQ(abi(), linetest::sdk::abi_version);
}

TEST(DslModuleTest, FactoryReportsName) {
    auto create = boost::dll::import_alias<linetest::sdk::plugin_factory>(
        boost::dll::fs::path(DSL_MODULE_PATH), "linetest_plugin_create");
    auto plugin = create(linetest::sdk::plugin_setup{});
    ASSERT_NE(plugin, nullptr);
    EXPECT_EQ(plugin->info().name, "copper-dsl-snmp");
}

TEST(DslModuleTest, FactoryRejectsInvalidConfig) {
    auto create = boost::dll::import_alias<linetest::sdk::plugin_factory>(
        boost::dll::fs::path(DSL_MODULE_PATH), "linetest_plugin_create");
    linetest::sdk::plugin_setup setup;
    setup.config = nlohmann::json{{"channel_ds_unit", "up"}};
    EXPECT_THROW(create(setup), std::invalid_argument);
}

// The host reads the manifest beside the library before it loads the library,
// and the manifest's name must equal the loaded plugin's `info().name`.
TEST(DslModuleTest, ManifestMatchesModule) {
    auto manifest_file = boost::dll::fs::path(DSL_MODULE_PATH).replace_extension(".manifest.json");
    std::ifstream in(manifest_file.string());
    ASSERT_TRUE(in.good()) << manifest_file.string();
    auto manifest = nlohmann::json::parse(in);
    EXPECT_EQ(manifest.at("name"), "copper-dsl-snmp");
    EXPECT_EQ(manifest.at("abi_version"), linetest::sdk::abi_version);
    EXPECT_EQ(manifest.at("config_schema").at("additionalProperties"), false);
}

}  // namespace
