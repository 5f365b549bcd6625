// Gateway outages and equipment faults against the real daemon. The gateway stand-in is scripted
// to fail its KCI endpoint or its token endpoint for a while; KCIs must wait in the outbox
// (visible as linetest_outbox_pending > 0), then be delivered in per-test order, leaving the
// outbox empty. A 422 parks a KCI as a dead letter, which the operator commands list and
// resend. An OLT with no agent, and one that responds after the plugin's SNMP timeout, end
// the test in an UNAVAILABLE or FAILED result KCI without hanging the worker.

#include "daemon_fixture.hpp"

#include <linetest/test_support/child_process.hpp>
#include <linetest/test_support/http_test_client.hpp>
#include <linetest/test_support/wait.hpp>

#include <boost/beast/http/verb.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace linetest::reliability {
namespace {

using integration::daemon_fixture;
using integration::scenario;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using bverb = boost::beast::http::verb;

constexpr seconds kci_timeout{30};

std::optional<std::int64_t> metric(const std::string& text, const std::string& name) {
    const auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) {
        return std::nullopt;
    }
    return std::stoll(text.substr(at + name.size() + 2));
}

// Returns true when one line of `log` contains every one of `parts`.
bool log_has_line(const std::string& log, const std::vector<std::string>& parts) {
    std::istringstream lines(log);
    std::string line;
    while (std::getline(lines, line)) {
        bool all = true;
        for (const auto& part : parts) {
            all = all && line.find(part) != std::string::npos;
        }
        if (all) {
            return true;
        }
    }
    return false;
}

class OutageTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (const auto why = integration::skip_reason()) {
            GTEST_SKIP() << *why;
        }
        integration::daemon_fixture_options options;
        options.send_accepted_kci = true;
        daemon.emplace(options);
    }

    void TearDown() override {
        if (HasFailure() && daemon) {
            std::cerr << "linetestd log (end):\n" << daemon->daemon_log_tail(60) << '\n';
        }
    }

    std::int64_t pending() const {
        const auto text = daemon->daemon_client().request(bverb::get, "/metrics").body;
        return metric(text, "linetest_outbox_pending").value_or(-1);
    }

    std::int64_t metric_value(const std::string& name) const {
        const auto text = daemon->daemon_client().request(bverb::get, "/metrics").body;
        return metric(text, name).value_or(-1);
    }

    /// Returns a client for the stand-in's control API, found through the daemon's config
    /// because the fixture does not expose the stand-in's port.
    test_support::http_test_client gateway_client() const {
        const auto config = json::parse(std::ifstream(daemon->work_dir() / "linetestd.json"));
        const auto base = config["updates"]["base_url"].get<std::string>();
        const auto port_start = base.rfind(':') + 1;
        const auto port = std::stoi(base.substr(port_start, base.find('/', port_start)));
        return test_support::http_test_client("127.0.0.1", static_cast<std::uint16_t>(port));
    }

    void script_tokens(const json& script) const {
        const auto response =
            gateway_client().request(bverb::post, "/control/token-script",
                                     {{"Content-Type", "application/json"}}, script.dump());
        ASSERT_LT(response.status, 300u) << response.body;
    }

    /// Checks that each test's delivered KCIs carry sequence numbers 1, 2, ... in arrival order.
    static void expect_ordered(const json& attempts, std::int64_t test_id) {
        std::vector<int> delivered;
        for (const auto& attempt : attempts) {
            if (attempt.value("status", 0) == 204) {
                delivered.push_back(attempt["body"].value("sequenceNumber", 0));
            }
        }
        ASSERT_FALSE(delivered.empty()) << "no delivered KCI for test " << test_id;
        for (std::size_t i = 0; i < delivered.size(); ++i) {
            EXPECT_EQ(delivered[i], static_cast<int>(i + 1))
                << "test " << test_id << " delivered out of order: " << attempts.dump();
        }
    }

    /// Runs the linetestd binary with `args` and the fixture's config, and returns its exit
    /// code and its output (stdout and stderr together).
    std::pair<int, std::string> run_linetestd(std::vector<std::string> args) const {
        const auto log = daemon->work_dir() / ("cli-" + std::to_string(++cli_runs_) + ".log");
        args.push_back("--config");
        args.push_back((daemon->work_dir() / "linetestd.json").string());
        test_support::child_process_options options;
        options.program = LINETEST_DAEMON_PATH;
        options.args = std::move(args);
        options.log_file = log;
        test_support::child_process process(std::move(options));
        const auto status = process.wait_exit(seconds(20));
        const int code = status && status->exited ? status->code : -1;
        return {code, test_support::read_text_file(log)};
    }

    std::optional<daemon_fixture> daemon;
    mutable int cli_runs_ = 0;
};

TEST_F(OutageTest, KciOutageQueuesThenDeliversInOrder) {
    // Enough failures of every kind to outlast several retries at the fixture's 100-400 ms
    // backoff.
    json script = json::array();
    for (int i = 0; i < 6; ++i) {
        script.push_back(503);
        script.push_back(500);
        script.push_back(429);
        script.push_back({{"status", 503}, {"delay_ms", 300}});
    }
    daemon->script_kcis(script);
    const auto first = daemon->post_test(daemon_fixture::test_body(8401, scenario::healthy));
    ASSERT_EQ(first.status, 201u) << first.body;
    const auto second = daemon->post_test(daemon_fixture::test_body(8402, scenario::los));
    ASSERT_EQ(second.status, 201u) << second.body;

    std::int64_t seen_pending = 0;
    test_support::poll_until(
        [&] {
            seen_pending = std::max(seen_pending, pending());
            return seen_pending > 0;
        },
        seconds(10));
    EXPECT_GT(seen_pending, 0) << "linetest_outbox_pending never rose during the outage";

    for (const std::int64_t id : {8401, 8402}) {
        ASSERT_TRUE(test_support::poll_until(
            [&] {
                int delivered = 0;
                for (const auto& attempt : daemon->kcis_for(id)) {
                    delivered += attempt.value("status", 0) == 204 ? 1 : 0;
                }
                return delivered >= 2;
            },
            kci_timeout))
            << "test " << id << " did not get both KCIs delivered: " << daemon->kcis_for(id).dump();
        expect_ordered(daemon->kcis_for(id), id);
    }
    ASSERT_TRUE(daemon->wait_until_idle(seconds(20)));
    EXPECT_EQ(pending(), 0);
    EXPECT_GT(metric_value("linetest_kci_retried_total"), 0);
}

TEST_F(OutageTest, TokenOutageQueuesThenDelivers) {
    // Revoked tokens make the next KCI post fail with 401, so the daemon must fetch a new token
    // from an endpoint that fails for a while.
    daemon->revoke_gateway_tokens();
    json script = json::array();
    for (int i = 0; i < 4; ++i) {
        script.push_back(503);
        script.push_back(500);
        script.push_back(429);
        script.push_back({{"status", 503}, {"delay_ms", 300}});
    }
    script_tokens(script);
    const auto token_requests_before = daemon->gateway_stats().value("token_requests", 0);
    const auto accepted = daemon->post_test(daemon_fixture::test_body(8411, scenario::healthy));
    ASSERT_EQ(accepted.status, 201u) << accepted.body;

    std::int64_t seen_pending = 0;
    test_support::poll_until(
        [&] {
            seen_pending = std::max(seen_pending, pending());
            return seen_pending > 0;
        },
        seconds(10));
    EXPECT_GT(seen_pending, 0) << "linetest_outbox_pending never rose during the token outage";
    EXPECT_TRUE(daemon->wait_for_completed_kci(8411, kci_timeout))
        << "no COMPLETED KCI after the token endpoint recovered: " << daemon->kcis_for(8411).dump();
    // Every scripted failure was consumed, plus the request that finally got a token.
    EXPECT_GE(daemon->gateway_stats().value("token_requests", 0),
              token_requests_before + static_cast<int>(script.size()) + 1);
    expect_ordered(daemon->kcis_for(8411), 8411);
    ASSERT_TRUE(daemon->wait_until_idle(seconds(20)));
    EXPECT_EQ(pending(), 0);
}

TEST_F(OutageTest, GatewayRejectionParksKciAsDeadLetter) {
    // The acceptance KCI gets a 422; the daemon must not retry it, and must go on with the
    // result KCI.
    daemon->script_kcis(json::array({422}));
    const auto accepted = daemon->post_test(daemon_fixture::test_body(8421, scenario::healthy));
    ASSERT_EQ(accepted.status, 201u) << accepted.body;
    ASSERT_TRUE(test_support::poll_until([&] { return metric_value("linetest_outbox_dead") >= 1; },
                                         kci_timeout))
        << "the rejected KCI was not parked";
    EXPECT_GE(metric_value("linetest_kci_dead_total"), 1);
    EXPECT_TRUE(daemon->wait_until_idle(seconds(20)));
    EXPECT_EQ(pending(), 0);
    // The 422 attempt is the only attempt of its KCI id: a dead letter is not retried.
    std::map<std::string, int> attempts_per_kci;
    for (const auto& attempt : daemon->kcis_for(8421)) {
        ++attempts_per_kci[attempt["body"].value("id", "")];
    }
    for (const auto& attempt : daemon->kcis_for(8421)) {
        if (attempt.value("status", 0) == 422) {
            EXPECT_EQ(attempts_per_kci[attempt["body"].value("id", "")], 1)
                << daemon->kcis_for(8421).dump();
        }
    }
}

TEST_F(OutageTest, DeadLetterIsListedAndResent) {
    daemon->script_kcis(json::array({422}));
    const auto accepted = daemon->post_test(daemon_fixture::test_body(8441, scenario::healthy));
    ASSERT_EQ(accepted.status, 201u) << accepted.body;
    ASSERT_TRUE(test_support::poll_until([&] { return metric_value("linetest_outbox_dead") >= 1; },
                                         kci_timeout))
        << "the rejected KCI was not parked";
    std::string dead_kci_id;
    for (const auto& attempt : daemon->kcis_for(8441)) {
        if (attempt.value("status", 0) == 422) {
            dead_kci_id = attempt["body"].value("id", "");
        }
    }
    ASSERT_FALSE(dead_kci_id.empty());

    const auto listing = run_linetestd({"--dead-letters"});
    ASSERT_EQ(listing.first, 0) << listing.second;
    // Columns: row_id, test_id, sequence, kci_id, ...
    std::string row_id;
    std::istringstream lines(listing.second);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.find("\t8441\t") != std::string::npos &&
            line.find(dead_kci_id) != std::string::npos) {
            row_id = line.substr(0, line.find('\t'));
        }
    }
    ASSERT_FALSE(row_id.empty()) << "the dead KCI is not listed:\n" << listing.second;

    const auto resend = run_linetestd({"--resend-dead", row_id});
    EXPECT_EQ(resend.first, 0) << resend.second;
    const auto again = run_linetestd({"--resend-dead", row_id});
    EXPECT_EQ(again.first, 1) << "a row that is no longer dead was requeued: " << again.second;

    // A new test wakes the dispatcher, which then also finds the requeued KCI due.
    const auto wake = daemon->post_test(daemon_fixture::test_body(8442, scenario::los));
    ASSERT_EQ(wake.status, 201u) << wake.body;
    EXPECT_TRUE(test_support::poll_until(
        [&] {
            for (const auto& attempt : daemon->kcis_for(8441)) {
                if (attempt.value("status", 0) == 204 &&
                    attempt["body"].value("id", "") == dead_kci_id) {
                    return true;
                }
            }
            return false;
        },
        kci_timeout))
        << "the resent KCI was not delivered under its id: " << daemon->kcis_for(8441).dump();
    EXPECT_TRUE(daemon->wait_until_idle(seconds(20)));
    EXPECT_EQ(metric_value("linetest_outbox_dead"), 0);
}

TEST_F(OutageTest, SilentOltReportsUnavailable) {
    // The unreachable service points at a UDP port with no agent.
    const auto accepted = daemon->post_test(daemon_fixture::test_body(8431, scenario::unreachable));
    ASSERT_EQ(accepted.status, 201u) << accepted.body;
    std::optional<json> result;
    ASSERT_TRUE(test_support::poll_until(
        [&] {
            for (const auto& attempt : daemon->kcis_for(8431)) {
                if (attempt.value("status", 0) == 204 &&
                    attempt["body"]["serviceTest"].value("status", "") == "COMPLETED") {
                    result = attempt;
                    return true;
                }
            }
            return false;
        },
        kci_timeout))
        << daemon->kcis_for(8431).dump();
    const auto outcome = (*result)["body"]["serviceTest"]["result"]["testOutcome"];
    const auto test_result = outcome.value("testResult", "");
    EXPECT_TRUE(test_result == "UNAVAILABLE" || test_result == "FAILED") << outcome.dump();
    EXPECT_TRUE(log_has_line(daemon->daemon_log(),
                             {"test ended", "code=EQUIPMENT_UNREACHABLE", "test_id=8431"}))
        << daemon->daemon_log_tail(30);
}

TEST(EquipmentFaultTest, SlowOltReportsUnavailable) {
    if (const auto why = integration::skip_reason()) {
        GTEST_SKIP() << *why;
    }
    integration::daemon_fixture_options options;
    options.with_slow_agent = true;
    daemon_fixture daemon(options);
    // The slow agent delays its response by 3 s, so a 1 s SNMP timeout on its plugin instance
    // makes the plugin give up on it.
    daemon.kill_daemon_hard();
    const auto file = daemon.work_dir() / "linetestd.json";
    auto config = json::parse(std::ifstream(file));
    for (auto& instance : config["plugins"]["instances"]) {
        if (instance.value("name", "") == "gpon-slow") {
            instance["config"]["timeout_ms"] = 1000;
        }
    }
    std::ofstream(file, std::ios::trunc) << config.dump(2);
    daemon.restart_daemon();

    const auto accepted = daemon.post_test(daemon_fixture::test_body(8451, scenario::slow));
    ASSERT_EQ(accepted.status, 201u) << accepted.body;
    std::optional<json> result;
    ASSERT_TRUE(test_support::poll_until(
        [&] {
            for (const auto& attempt : daemon.kcis_for(8451)) {
                if (attempt.value("status", 0) == 204 &&
                    attempt["body"]["serviceTest"].value("status", "") == "COMPLETED") {
                    result = attempt;
                    return true;
                }
            }
            return false;
        },
        kci_timeout))
        << daemon.kcis_for(8451).dump() << daemon.daemon_log_tail(30);
    const auto outcome = (*result)["body"]["serviceTest"]["result"]["testOutcome"];
    const auto test_result = outcome.value("testResult", "");
    EXPECT_TRUE(test_result == "UNAVAILABLE" || test_result == "FAILED") << outcome.dump();
    EXPECT_TRUE(log_has_line(daemon.daemon_log(), {"test ended", "test_id=8451"}))
        << daemon.daemon_log_tail(30);
}

}  // namespace
}  // namespace linetest::reliability
