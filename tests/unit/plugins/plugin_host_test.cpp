#include "plugins/plugin_host.hpp"

#include "core/config_reader.hpp"

#include <linetest/test_support/temp_dir.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace linetest::plugins {
namespace {

std::filesystem::path fixture(const std::string& name) {
    return std::filesystem::path(LINETEST_FIXTURE_PLUGIN_DIR) / ("fixture_" + name + ".so");
}

host_config one_instance(const std::string& fixture_name,
                         std::vector<std::string> specifications = {"ftthl2r"}) {
    host_config config;
    config.directory = LINETEST_FIXTURE_PLUGIN_DIR;
    instance_config instance;
    instance.name = "test-" + fixture_name;
    instance.library = fixture(fixture_name).filename().string();
    instance.specifications = std::move(specifications);
    config.instances.push_back(instance);
    return config;
}

std::string load_error(const host_config& config) {
    try {
        plugin_host host(config);
    } catch (const plugin_load_error& e) {
        return e.what();
    }
    return "loaded without error";
}

/// Copies fixture `name` into `dir` as `library` with the manifest text `manifest`, or with no
/// manifest when it is empty, so each manifest fault is tried on a real library.
std::filesystem::path stage_fixture(const std::filesystem::path& dir, const std::string& name,
                                    const std::string& library, const std::string& manifest) {
    const auto path = dir / library;
    std::filesystem::copy_file(fixture(name), path);
    if (!manifest.empty()) {
        std::ofstream(manifest_path(path)) << manifest;
    }
    return path;
}

host_config staged(const std::filesystem::path& dir, const std::string& library,
                   std::vector<std::string> specifications = {"ftthl2r"},
                   nlohmann::json config = nlohmann::json::object()) {
    host_config host;
    host.directory = dir;
    instance_config instance;
    instance.name = "staged";
    instance.library = library;
    instance.specifications = std::move(specifications);
    instance.config = std::move(config);
    host.instances.push_back(instance);
    return host;
}

constexpr const char* fixture_manifest = R"({"name": "fixture", "version": "1.0.0",
    "abi_version": 1, "specifications": ["ftth*"],
    "config_schema": {"type": "object", "required": ["result"],
                      "properties": {"result": {"type": "string"}},
                      "additionalProperties": false}})";

TEST(PluginHostTest, LoadsValidPluginAndRoutesSpecification) {
    plugin_host host(one_instance("valid"));
    const auto instance = host.route("ftthl2r");
    ASSERT_NE(instance, nullptr);
    EXPECT_EQ(instance->info().name, "fixture");
    EXPECT_EQ(instance->config().name, "test-valid");
    EXPECT_EQ(host.route("other-spec"), nullptr);
}

TEST(PluginHostTest, RefusesWrongAbiNamingBothVersions) {
    const auto message = load_error(one_instance("wrong_abi"));
    EXPECT_NE(message.find("ABI " + std::to_string(sdk::abi_version + 1000)), std::string::npos)
        << message;
    EXPECT_NE(message.find("needs ABI " + std::to_string(sdk::abi_version)), std::string::npos)
        << message;
}

TEST(PluginHostTest, RefusesMissingFactory) {
    const auto message = load_error(one_instance("missing_factory"));
    EXPECT_NE(message.find("does not export linetest_plugin_create"), std::string::npos)
        << message;
}

TEST(PluginHostTest, RefusesThrowingFactoryWithItsMessage) {
    const auto message = load_error(one_instance("throwing_factory"));
    EXPECT_NE(message.find("fixture factory refuses every config"), std::string::npos) << message;
}

TEST(PluginHostTest, RefusesMissingLibrary) {
    auto config = one_instance("valid");
    config.instances[0].library = "no_such_plugin.so";
    const auto message = load_error(config);
    EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
}

TEST(PluginHostTest, RefusesClashingRoutes) {
    auto config = one_instance("valid");
    auto second = config.instances[0];
    second.name = "second";
    config.instances.push_back(second);
    const auto message = load_error(config);
    EXPECT_NE(message.find("routed to both instance"), std::string::npos) << message;
}

TEST(PluginHostTest, ReadsAbiVersionBeforeAnythingElse) {
    boost::dll::shared_library library(fixture("wrong_abi").string(),
                                       boost::dll::load_mode::rtld_now);
    EXPECT_EQ(read_abi_version(library, fixture("wrong_abi")), sdk::abi_version + 1000);
}

TEST(PluginHostTest, ParsesConfigAndNamesBadKey) {
    const auto section = nlohmann::json::parse(
        R"({"directory": "/x", "instances": [{"name": "a", "library": "a.so",
            "specifications": ["s"], "run_timeout_ms": 5}]})");
    try {
        parse_host_config(section);
        FAIL() << "run_timeout_ms 5 was accepted";
    } catch (const core::config_error& e) {
        EXPECT_NE(std::string(e.what()).find("plugins.instances[0].run_timeout_ms"),
                  std::string::npos)
            << e.what();
    }
}

TEST(PluginHostTest, ConfigWithoutInstancesIsRejected) {
    EXPECT_THROW(parse_host_config(nlohmann::json::parse(R"({"instances": []})")),
                 core::config_error);
}

TEST(PluginManifestTest, ManifestSitsBesideLibrary) {
    EXPECT_EQ(manifest_path("/opt/p/ftth_gpon_snmp.so"),
              std::filesystem::path("/opt/p/ftth_gpon_snmp.manifest.json"));
}

TEST(PluginManifestTest, PatternsMatchWithStar) {
    EXPECT_TRUE(matches_pattern("ftth*", "ftthl2r"));
    EXPECT_TRUE(matches_pattern("*", ""));
    EXPECT_TRUE(matches_pattern("a*c*e", "abcde"));
    EXPECT_TRUE(matches_pattern("exact", "exact"));
    EXPECT_FALSE(matches_pattern("ftth*", "copper"));
    EXPECT_FALSE(matches_pattern("exact", "exact-not"));
    EXPECT_FALSE(matches_pattern("a*c", "abcd"));
}

TEST(PluginManifestTest, BuiltFixtureShipsManifest) {
    const auto manifest = read_manifest(fixture("valid"));
    EXPECT_EQ(manifest.name, "fixture");
    EXPECT_EQ(manifest.abi_version, sdk::abi_version);
}

TEST(PluginManifestTest, LoadsPluginWithMatchingManifest) {
    test_support::temp_dir dir("plugin-manifest");
    stage_fixture(dir.path(), "valid", "p.so", fixture_manifest);
    plugin_host host(staged(dir.path(), "p.so", {"ftthl2r"}, {{"result", "RED"}}));
    ASSERT_NE(host.route("ftthl2r"), nullptr);
    EXPECT_EQ(host.route("ftthl2r")->manifest().file, dir.path() / "p.manifest.json");
}

TEST(PluginManifestTest, RejectsMissingManifestNamingIt) {
    test_support::temp_dir dir("plugin-manifest");
    stage_fixture(dir.path(), "valid", "p.so", "");
    const auto message = load_error(staged(dir.path(), "p.so"));
    EXPECT_NE(message.find("no readable manifest " + (dir.path() / "p.manifest.json").string()),
              std::string::npos)
        << message;
}

TEST(PluginManifestTest, RejectsUnparsableManifest) {
    test_support::temp_dir dir("plugin-manifest");
    stage_fixture(dir.path(), "valid", "p.so", "{\"name\": ");
    const auto message = load_error(staged(dir.path(), "p.so"));
    EXPECT_NE(message.find("p.manifest.json is not valid JSON"), std::string::npos) << message;
}

TEST(PluginManifestTest, RejectsManifestWithoutName) {
    test_support::temp_dir dir("plugin-manifest");
    stage_fixture(dir.path(), "valid", "p.so",
                  R"({"version": "1", "abi_version": 1, "specifications": ["*"]})");
    const auto message = load_error(staged(dir.path(), "p.so"));
    EXPECT_NE(message.find("has no \"name\""), std::string::npos) << message;
}

TEST(PluginManifestTest, RejectsManifestOfAnotherAbi) {
    test_support::temp_dir dir("plugin-manifest");
    stage_fixture(dir.path(), "valid", "p.so",
                  R"({"name": "fixture", "version": "1", "abi_version": 99,
                      "specifications": ["*"]})");
    const auto message = load_error(staged(dir.path(), "p.so"));
    EXPECT_NE(message.find("p.manifest.json declares plugin ABI 99"), std::string::npos)
        << message;
}

TEST(PluginManifestTest, RejectsManifestNamingAnotherPlugin) {
    test_support::temp_dir dir("plugin-manifest");
    stage_fixture(dir.path(), "valid", "p.so",
                  R"({"name": "other", "version": "1.0.0", "abi_version": 1,
                      "specifications": ["*"]})");
    const auto message = load_error(staged(dir.path(), "p.so"));
    EXPECT_NE(message.find("calls itself \"fixture\" but its manifest"), std::string::npos)
        << message;
}

TEST(PluginManifestTest, RejectsSpecificationTheManifestDoesNotAllow) {
    test_support::temp_dir dir("plugin-manifest");
    stage_fixture(dir.path(), "valid", "p.so", fixture_manifest);
    const auto message =
        load_error(staged(dir.path(), "p.so", {"copper-l2"}, {{"result", "RED"}}));
    EXPECT_NE(message.find("\"copper-l2\" to plugin fixture"), std::string::npos) << message;
    EXPECT_NE(message.find("allows only ftth*"), std::string::npos) << message;
}

TEST(PluginManifestTest, RejectsConfigMissingRequiredKey) {
    test_support::temp_dir dir("plugin-manifest");
    stage_fixture(dir.path(), "valid", "p.so", fixture_manifest);
    const auto message = load_error(staged(dir.path(), "p.so"));
    EXPECT_NE(message.find("plugins.instances[0].config.result: missing"), std::string::npos)
        << message;
}

TEST(PluginManifestTest, RejectsConfigWithWrongType) {
    test_support::temp_dir dir("plugin-manifest");
    stage_fixture(dir.path(), "valid", "p.so", fixture_manifest);
    const auto message = load_error(staged(dir.path(), "p.so", {"ftthl2r"}, {{"result", 3}}));
    EXPECT_NE(message.find("config.result: must be of type string, got number"),
              std::string::npos)
        << message;
}

TEST(PluginManifestTest, RejectsConfigWithUnknownKey) {
    test_support::temp_dir dir("plugin-manifest");
    stage_fixture(dir.path(), "valid", "p.so", fixture_manifest);
    const auto message = load_error(
        staged(dir.path(), "p.so", {"ftthl2r"}, {{"result", "RED"}, {"reslt", "RED"}}));
    EXPECT_NE(message.find("config.reslt: unknown key"), std::string::npos) << message;
}

TEST(PluginHostReloadTest, SwapsToNewSet) {
    plugin_host host(one_instance("valid", {"ftthl2r"}));
    host.reload(one_instance("valid", {"copper"}));
    EXPECT_EQ(host.route("ftthl2r"), nullptr);
    EXPECT_NE(host.route("copper"), nullptr);
    EXPECT_EQ(host.generation(), 2u);
}

TEST(PluginHostReloadTest, FailedReloadKeepsCurrentSet) {
    plugin_host host(one_instance("valid", {"ftthl2r"}));
    EXPECT_THROW(host.reload(one_instance("throwing_factory", {"copper"})), plugin_load_error);
    EXPECT_NE(host.route("ftthl2r"), nullptr);
    EXPECT_EQ(host.route("copper"), nullptr);
    EXPECT_EQ(host.generation(), 1u);
}

TEST(PluginHostReloadTest, OldInstanceRunsAfterReload) {
    plugin_host host(one_instance("valid", {"ftthl2r"}));
    auto old_instance = host.route("ftthl2r");
    host.reload(one_instance("valid", {"copper"}));
    // The old set is gone from the host; the held instance alone keeps its library loaded.
    EXPECT_EQ(host.route("ftthl2r"), nullptr);
    EXPECT_EQ(old_instance->plugin().info().name, "fixture");
    EXPECT_NE(old_instance.get(), host.route("copper").get());
}

TEST(PluginHostListingTest, DescribesEveryInstance) {
    plugin_host host(one_instance("valid", {"ftthl2r", "ftthl2r-b"}));
    const auto listing = describe(*host.snapshot());
    ASSERT_EQ(listing.size(), 1u);
    EXPECT_EQ(listing[0]["instance"], "test-valid");
    EXPECT_EQ(listing[0]["plugin"], "fixture");
    EXPECT_EQ(listing[0]["version"], "1.0.0");
    EXPECT_EQ(listing[0]["abi_version"], sdk::abi_version);
    EXPECT_EQ(listing[0]["specifications"], nlohmann::json({"ftthl2r", "ftthl2r-b"}));
}

TEST(PluginHostListingTest, TableNamesPluginAndRoutes) {
    plugin_host host(one_instance("valid", {"ftthl2r"}));
    const auto table = format_table(*host.snapshot());
    EXPECT_NE(table.find("test-valid"), std::string::npos) << table;
    EXPECT_NE(table.find("fixture"), std::string::npos) << table;
    EXPECT_NE(table.find("ftthl2r"), std::string::npos) << table;
}

}  // namespace
}  // namespace linetest::plugins
