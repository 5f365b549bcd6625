#include "plugin_daemon.hpp"

#include <linetest/test_support/peer_paths.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

namespace linetest::sdk_consumer {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr auto kci_timeout = 20s;

std::string fixture_library(const std::string& name) {
    return std::string(LINETEST_FIXTURE_PLUGIN_DIR) + "/fixture_" + name + ".so";
}

json instance(const std::string& name, const std::string& fixture, const std::string& spec,
              json config = json::object(), int run_timeout_ms = 10000) {
    return {{"name", name},
            {"library", fixture_library(fixture)},
            {"specifications", json::array({spec})},
            {"run_timeout_ms", run_timeout_ms},
            {"config", std::move(config)}};
}

json plugins_section(json instances) {
    return {{"directory", LINETEST_FIXTURE_PLUGIN_DIR}, {"instances", std::move(instances)}};
}

std::string test_result(const json& kci) {
    return kci["serviceTest"]["result"]["testOutcome"].value("testResult", "");
}

const service_line valid_line{"SI-VALID", "fx-valid"};

class PluginDaemonTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (auto why = test_support::peers_unavailable_reason()) {
            GTEST_SKIP() << *why;
        }
    }
};

TEST_F(PluginDaemonTest, RunFailuresEndAsFailedAndDaemonServes) {
    const service_line throws{"SI-THROWS", "fx-throws"};
    const service_line hangs{"SI-HANGS", "fx-hangs"};
    const service_line bad{"SI-BAD", "fx-bad"};
    plugin_daemon daemon({valid_line, throws, hangs, bad});
    const auto exit = daemon.start(plugins_section(json::array({
        instance("valid", "valid", valid_line.specification_id),
        instance("throws", "throws_in_run", throws.specification_id),
        // Hangs for 3 s, past its 300 ms deadline, ignoring cancellation.
        instance("hangs", "hangs_in_run", hangs.specification_id, {{"hang_ms", 3000}}, 300),
        instance("bad", "bad_report", bad.specification_id),
    })));
    ASSERT_FALSE(exit) << exit->describe() << "\n" << daemon.daemon_log();

    ASSERT_EQ(daemon.post_test(1, throws).status, 201);
    ASSERT_EQ(daemon.post_test(2, hangs).status, 201);
    ASSERT_EQ(daemon.post_test(3, bad).status, 201);
    for (std::int64_t id : {1, 2, 3}) {
        const auto kci = daemon.wait_for_result_kci(id, kci_timeout);
        ASSERT_TRUE(kci) << "test " << id << "\n" << daemon.daemon_log();
        EXPECT_EQ(test_result(*kci), "FAILED") << "test " << id << ": " << kci->dump();
    }
    EXPECT_TRUE(daemon.wait_for_log("plugin threw during the test", 1s));
    EXPECT_TRUE(daemon.wait_for_log("returned a report without a result or code", 1s));

    ASSERT_EQ(daemon.post_test(4, valid_line).status, 201);
    const auto kci = daemon.wait_for_result_kci(4, kci_timeout);
    ASSERT_TRUE(kci) << daemon.daemon_log();
    EXPECT_EQ(test_result(*kci), "GREEN");
    EXPECT_TRUE(daemon.daemon_running());
}

TEST_F(PluginDaemonTest, BrokenPluginAtStartStopsWithItsReason) {
    plugin_daemon daemon({valid_line});
    const auto exit = daemon.start(
        plugins_section(json::array({instance("abi", "wrong_abi", valid_line.specification_id)})));
    ASSERT_TRUE(exit) << "linetestd started with a plugin of another ABI";
    EXPECT_FALSE(exit->exited && exit->code == 0) << exit->describe();
    EXPECT_NE(daemon.daemon_log().find("needs ABI"), std::string::npos) << daemon.daemon_log();
}

struct broken_case {
    const char* what;
    json instances;
    const char* expected_log;
};

TEST_F(PluginDaemonTest, BrokenReloadKeepsRunningSet) {
    plugin_daemon daemon({valid_line});
    const json good = plugins_section(
        json::array({instance("valid", "valid", valid_line.specification_id)}));
    const auto exit = daemon.start(good);
    ASSERT_FALSE(exit) << exit->describe() << "\n" << daemon.daemon_log();

    // Copies of the valid fixture with a missing and an unparsable manifest.
    const auto staged = daemon.config_file().parent_path() / "staged";
    std::filesystem::create_directories(staged);
    std::filesystem::copy_file(fixture_library("valid"), staged / "no_manifest.so");
    std::filesystem::copy_file(fixture_library("valid"), staged / "bad_manifest.so");
    std::ofstream(staged / "bad_manifest.manifest.json") << "{\"name\": \"fixture\",";

    auto staged_instance = [&](const std::string& file) {
        auto entry = instance("staged", "valid", "fx-other");
        entry["library"] = (staged / file).string();
        return entry;
    };
    const std::vector<broken_case> cases = {
        {"wrong ABI", json::array({instance("a", "wrong_abi", "fx-other")}), "needs ABI"},
        {"missing factory", json::array({instance("a", "missing_factory", "fx-other")}),
         "does not export linetest_plugin_create"},
        {"throwing factory", json::array({instance("a", "throwing_factory", "fx-other")}),
         "fixture factory refuses every config"},
        {"clashing route",
         json::array({instance("a", "valid", "fx-same"), instance("b", "valid", "fx-same")}),
         "is routed to both instance"},
        {"missing manifest", json::array({staged_instance("no_manifest.so")}),
         "no_manifest.manifest.json"},
        {"unparsable manifest", json::array({staged_instance("bad_manifest.so")}),
         "bad_manifest.manifest.json is not valid JSON"},
        {"config against schema",
         json::array({instance("a", "valid", "fx-other", {{"hang_ms", "long"}})}),
         "config.hang_ms: must be of type integer"},
    };
    std::int64_t id = 1;
    for (const auto& broken : cases) {
        SCOPED_TRACE(broken.what);
        EXPECT_FALSE(daemon.reload(plugins_section(broken.instances)));
        EXPECT_TRUE(daemon.wait_for_log(broken.expected_log, 1s)) << daemon.daemon_log();
        ASSERT_EQ(daemon.post_test(id, valid_line).status, 201);
        const auto kci = daemon.wait_for_result_kci(id, kci_timeout);
        ASSERT_TRUE(kci) << daemon.daemon_log();
        EXPECT_EQ(test_result(*kci), "GREEN");
        ++id;
    }
    const auto listing = json::parse(daemon.get("/plugins").body);
    EXPECT_EQ(listing["generation"], 1);
}

TEST_F(PluginDaemonTest, ReloadDuringRunFinishesOnOldInstance) {
    const service_line first{"SI-FIRST", "fx-reload"};
    const service_line second{"SI-SECOND", "fx-reload"};
    plugin_daemon daemon({first, second});
    // The old instance takes 3 s and then reports GREEN; the new one reports RED at once.
    const auto exit = daemon.start(plugins_section(json::array(
        {instance("old", "hangs_in_run", "fx-reload", {{"hang_ms", 3000}, {"result", "GREEN"}})})));
    ASSERT_FALSE(exit) << exit->describe() << "\n" << daemon.daemon_log();

    ASSERT_EQ(daemon.post_test(1, first).status, 201);
    ASSERT_TRUE(daemon.wait_for_log("test started", 10s)) << daemon.daemon_log();
    ASSERT_TRUE(daemon.reload(plugins_section(
        json::array({instance("new", "valid", "fx-reload", {{"result", "RED"}})}))))
        << daemon.daemon_log();
    // The reload is done while test 1 still runs on the old instance.
    EXPECT_FALSE(daemon.wait_for_result_kci(1, 0ms));

    ASSERT_EQ(daemon.post_test(2, second).status, 201);
    const auto second_kci = daemon.wait_for_result_kci(2, kci_timeout);
    ASSERT_TRUE(second_kci) << daemon.daemon_log();
    EXPECT_EQ(test_result(*second_kci), "RED");

    const auto first_kci = daemon.wait_for_result_kci(1, kci_timeout);
    ASSERT_TRUE(first_kci) << daemon.daemon_log();
    EXPECT_EQ(test_result(*first_kci), "GREEN");

    const auto listing = json::parse(daemon.get("/plugins").body);
    EXPECT_EQ(listing["generation"], 2);
    ASSERT_EQ(listing["instances"].size(), 1u);
    EXPECT_EQ(listing["instances"][0]["instance"], "new");
}

TEST_F(PluginDaemonTest, PluginsEndpointListsRoutes) {
    plugin_daemon daemon({valid_line});
    const auto exit = daemon.start(plugins_section(
        json::array({instance("valid", "valid", valid_line.specification_id)})));
    ASSERT_FALSE(exit) << exit->describe() << "\n" << daemon.daemon_log();
    const auto response = daemon.get("/plugins");
    ASSERT_EQ(response.status, 200);
    const auto listing = json::parse(response.body);
    ASSERT_EQ(listing["instances"].size(), 1u);
    EXPECT_EQ(listing["instances"][0]["plugin"], "fixture");
    EXPECT_EQ(listing["instances"][0]["version"], "1.0.0");
    EXPECT_EQ(listing["instances"][0]["specifications"], json::array({"fx-valid"}));
    EXPECT_EQ(listing["instances"][0].contains("config"), false);
}

}  // namespace
}  // namespace linetest::sdk_consumer
