// Builds sdk/template the way a vendor would. The SDK goes into a fresh prefix, and the template
// is configured as its own CMake project against that prefix only and passes its unit test. The
// plugin is then loaded into a running linetestd and serves one test through to a delivered KCI.
#include "plugin_daemon.hpp"

#include <linetest/test_support/child_process.hpp>
#include <linetest/test_support/peer_paths.hpp>
#include <linetest/test_support/temp_dir.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace linetest::sdk_consumer {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
namespace ts = test_support;

/// Runs one build step to its end and returns its log when it fails, empty when it succeeds.
std::string run_step(const std::string& program, std::vector<std::string> args,
                     const std::filesystem::path& log_file, std::chrono::milliseconds limit) {
    ts::child_process_options options;
    options.program = program;
    options.args = std::move(args);
    options.log_file = log_file;
    options.env = {{"CMAKE_BUILD_PARALLEL_LEVEL", "2"}};
    ts::child_process step(std::move(options));
    const auto status = step.wait_exit(limit);
    if (!status) {
        step.kill_hard();
        return step.command_line() + " did not finish in time\n" + step.log_tail();
    }
    if (!status->exited || status->code != 0) {
        return step.command_line() + " ended with " + status->describe() + "\n" + step.log_tail();
    }
    return {};
}

TEST(SdkConsumerTest, TemplateAgainstInstalledSdkDeliversKci) {
    if (auto why = ts::peers_unavailable_reason()) {
        GTEST_SKIP() << *why;
    }
    ts::temp_dir work("sdk-consumer");
    const auto prefix = work.path() / "prefix";
    const auto build = work.path() / "template-build";
    const auto log = work.path() / "steps.log";

    ASSERT_EQ(run_step(LINETEST_CMAKE_COMMAND,
                       {"--install", LINETEST_BUILD_DIR, "--component", "sdk", "--prefix",
                        prefix.string()},
                       log, 2min),
              "");
    ASSERT_EQ(run_step(LINETEST_CMAKE_COMMAND,
                       {"-S", LINETEST_TEMPLATE_DIR, "-B", build.string(),
                        "-DCMAKE_PREFIX_PATH=" + prefix.string(),
                        "-DCMAKE_CXX_COMPILER=" + std::string(LINETEST_CXX_COMPILER)},
                       log, 5min),
              "");
    ASSERT_EQ(run_step(LINETEST_CMAKE_COMMAND, {"--build", build.string()}, log, 10min), "");
    ASSERT_EQ(run_step(LINETEST_CTEST_COMMAND, {"--test-dir", build.string(), "--output-on-failure"},
                       log, 2min),
              "");
    ASSERT_TRUE(std::filesystem::exists(build / "example_line.manifest.json"));

    const service_line line{"SI-EXAMPLE", "example-l2"};
    plugin_daemon daemon({line});
    const json plugins = {
        {"directory", build.string()},
        {"instances", json::array({{{"name", "example"},
                                    {"library", "example_line.so"},
                                    {"specifications", json::array({line.specification_id})},
                                    {"config", {{"reported_result", "AMBER"}}}}})},
    };
    const auto exit = daemon.start(plugins);
    ASSERT_FALSE(exit) << exit->describe() << "\n" << daemon.daemon_log();

    const auto plugins_response = daemon.get("/plugins");
    ASSERT_EQ(plugins_response.status, 200);
    const auto described = json::parse(plugins_response.body)["instances"];
    ASSERT_EQ(described.size(), 1u);
    EXPECT_EQ(described[0]["plugin"], "example-line");
    EXPECT_EQ(described[0]["version"], "0.1.0");

    const auto created = daemon.post_test(1, line);
    ASSERT_EQ(created.status, 201) << created.body;
    const auto kci = daemon.wait_for_result_kci(1, 30s);
    ASSERT_TRUE(kci) << daemon.daemon_log();
    EXPECT_EQ(kci->at("serviceTest")["result"]["testOutcome"].value("testResult", ""), "AMBER")
        << kci->dump();

    const auto table_log = work.path() / "list-plugins.log";
    ASSERT_EQ(run_step(LINETEST_DAEMON_PATH,
                       {"--list-plugins", "--config", daemon.config_file().string()}, table_log,
                       1min),
              "");
    std::ifstream table_file(table_log);
    const std::string table((std::istreambuf_iterator<char>(table_file)),
                            std::istreambuf_iterator<char>());
    EXPECT_NE(table.find("example-line"), std::string::npos) << table;
    EXPECT_NE(table.find("example-l2"), std::string::npos) << table;
}

}  // namespace
}  // namespace linetest::sdk_consumer
