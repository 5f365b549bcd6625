// Crash-safety chaos: a client keeps posting service tests while the daemon is SIGKILLed at
// random moments and restarted, cycle after cycle. At the end, with the daemon idle:
//   - every request answered 201 has exactly one KCI id delivered (204) at the gateway;
//   - no test is left in state 'running' or 'accepted';
//   - no test is stored for a request that got a complete response other than 201. A request
//     whose connection died before the response may be stored, and then it must have a
//     delivered KCI (counted separately as "unanswered");
//   - no test has KCI attempts under more than one KCI id (a crash must not mint a new id).
//
// The CTest run is short (LINETEST_CHAOS_CYCLES defaults to 5, LINETEST_CHAOS_SECONDS to 45);
// scripts/chaos.sh runs the same test with more cycles.

#include "daemon_fixture.hpp"

#include <linetest/test_support/http_test_client.hpp>

#include <boost/beast/http/verb.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sqlite3.h>

namespace linetest::reliability {
namespace {

using integration::daemon_fixture;
using integration::scenario;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using clock_type = std::chrono::steady_clock;

int env_int(const char* name, int fallback) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0') {
        return fallback;
    }
    return std::stoi(text);
}

/// Result of one request as the client saw it.
enum class outcome {
    accepted,    ///< 201
    rejected,    ///< any other status: the daemon must not have stored the test
    unanswered,  ///< connection failed or died before a complete answer
};

struct stored_test {
    std::int64_t id = 0;
    std::string state;
};

std::vector<stored_test> read_tests(const std::filesystem::path& store) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(store.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        throw std::runtime_error("cannot open the daemon's store " + store.string());
    }
    const std::unique_ptr<sqlite3, decltype(&sqlite3_close)> owner(db, &sqlite3_close);
    sqlite3_busy_timeout(db, 2000);
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT id, state FROM tests", -1, &statement, nullptr) !=
        SQLITE_OK) {
        throw std::runtime_error(std::string("cannot query the store: ") + sqlite3_errmsg(db));
    }
    std::vector<stored_test> tests;
    while (sqlite3_step(statement) == SQLITE_ROW) {
        stored_test row;
        row.id = sqlite3_column_int64(statement, 0);
        row.state = reinterpret_cast<const char*>(sqlite3_column_text(statement, 1));
        tests.push_back(std::move(row));
    }
    sqlite3_finalize(statement);
    return tests;
}

/// Posts tests round-robin over the fast services until `stop` is set or `max_requests` are
/// sent. It has its own client and a copy of the token, because the fixture is not
/// thread-safe and the killing thread drives it.
class load_client {
public:
    load_client(std::uint16_t port, std::string token, std::int64_t first_id)
        : client_("127.0.0.1", port, milliseconds(3000)),
          token_(std::move(token)),
          next_id_(first_id) {}

    void run(const std::atomic<bool>& stop, std::size_t max_requests) {
        static constexpr scenario lines[] = {scenario::healthy, scenario::los, scenario::dyinggasp,
                                             scenario::lowrx, scenario::marginalrx};
        for (std::size_t i = 0; i < max_requests && !stop.load(); ++i) {
            const auto id = next_id_++;
            const auto body = daemon_fixture::test_body(id, lines[i % std::size(lines)]);
            const test_support::http_headers headers = {
                {"Authorization", "Bearer " + token_},
                {"Content-Type", "application/json"},
                {"Tenant", std::string(daemon_fixture::tenant)},
                {"X-Request-ID", "chaos-" + std::to_string(id)},
                {"X-Conversation-ID", "chaos-conversation-" + std::to_string(id)},
            };
            outcome result = outcome::unanswered;
            try {
                const auto response = client_.request(boost::beast::http::verb::post,
                                                      "/service-tests", headers, body.dump());
                result = response.status == 201 ? outcome::accepted : outcome::rejected;
            } catch (const std::exception&) {
                // The daemon is down or died mid-request. The pause keeps the client from
                // spinning on refused connects while it restarts.
                std::this_thread::sleep_for(milliseconds(50));
            }
            {
                const std::lock_guard lock(mutex_);
                outcomes_[id] = result;
            }
            // Paces the load so that it spans the kill cycles instead of using up
            // `max_requests` in the first one.
            std::this_thread::sleep_for(milliseconds(10));
        }
    }

    std::map<std::int64_t, outcome> outcomes() const {
        const std::lock_guard lock(mutex_);
        return outcomes_;
    }

private:
    test_support::http_test_client client_;
    std::string token_;
    std::int64_t next_id_;
    mutable std::mutex mutex_;
    std::map<std::int64_t, outcome> outcomes_;
};

TEST(ChaosTest, RandomKillsLoseAndDuplicateNoKci) {
    if (const auto why = integration::skip_reason()) {
        GTEST_SKIP() << *why;
    }
    const int cycles = env_int("LINETEST_CHAOS_CYCLES", 5);
    const auto budget = seconds(env_int("LINETEST_CHAOS_SECONDS", 45));
    // Bounds the load whatever the timing: at most 200 requests per cycle, in total.
    const std::size_t max_requests = static_cast<std::size_t>(cycles + 1) * 200;
    const auto seed = static_cast<unsigned>(env_int("LINETEST_CHAOS_SEED", 20261204));
    const auto started = clock_type::now();

    daemon_fixture daemon;
    const auto port = daemon.daemon_client().port();
    load_client client(port, daemon.token(), 900'000);
    std::atomic<bool> stop{false};
    std::thread loader([&] { client.run(stop, max_requests); });

    std::mt19937 random(seed);
    std::uniform_int_distribution<int> pause_ms(150, 1200);
    int completed_cycles = 0;
    std::string restart_failure;
    for (int cycle = 0; cycle < cycles && clock_type::now() - started < budget; ++cycle) {
        std::this_thread::sleep_for(milliseconds(pause_ms(random)));
        daemon.kill_daemon_hard();
        try {
            daemon.restart_daemon();
        } catch (const std::exception& e) {
            restart_failure = e.what();
            break;
        }
        ++completed_cycles;
    }
    stop = true;
    loader.join();
    ASSERT_TRUE(restart_failure.empty()) << "restart failed: " << restart_failure;

    ASSERT_TRUE(daemon.wait_until_idle(seconds(60)))
        << "the daemon did not become idle after the last restart\n"
        << daemon.daemon_log_tail(60);

    const auto outcomes = client.outcomes();
    std::map<std::int64_t, std::set<std::string>> kci_ids;
    std::map<std::int64_t, std::set<std::string>> delivered_ids;
    for (const auto& attempt : daemon.all_kcis()) {
        const auto& body = attempt.value("body", json());
        if (!body.is_object() || !body.contains("serviceTest")) {
            continue;
        }
        const auto test_id = body["serviceTest"].value("id", std::int64_t{0});
        kci_ids[test_id].insert(body.value("id", ""));
        if (attempt.value("status", 0) == 204) {
            delivered_ids[test_id].insert(body.value("id", ""));
        }
    }
    const auto stored = read_tests(daemon.store_file());

    std::size_t accepted = 0;
    std::size_t rejected = 0;
    std::size_t unanswered = 0;
    std::size_t lost = 0;
    std::size_t duplicates = 0;
    std::size_t unanswered_stored = 0;
    std::size_t stored_after_rejection = 0;
    std::size_t left_open = 0;
    std::vector<std::string> problems;
    for (const auto& [id, result] : outcomes) {
        if (result == outcome::accepted) {
            ++accepted;
            if (delivered_ids[id].size() != 1) {
                ++lost;
                problems.push_back("test " + std::to_string(id) + " got 201 and " +
                                   std::to_string(delivered_ids[id].size()) + " delivered KCI ids");
            }
        } else if (result == outcome::rejected) {
            ++rejected;
        } else {
            ++unanswered;
        }
    }
    std::size_t delivered = 0;
    for (const auto& [id, ids] : delivered_ids) {
        delivered += ids.size();
    }
    for (const auto& [id, ids] : kci_ids) {
        if (ids.size() > 1) {
            ++duplicates;
            problems.push_back("test " + std::to_string(id) + " has " + std::to_string(ids.size()) +
                               " KCI ids");
        }
    }
    for (const auto& row : stored) {
        if (row.state == "running" || row.state == "accepted") {
            ++left_open;
            problems.push_back("test " + std::to_string(row.id) + " left in state " + row.state);
        }
        const auto found = outcomes.find(row.id);
        if (found == outcomes.end() || found->second == outcome::rejected) {
            ++stored_after_rejection;
            problems.push_back("test " + std::to_string(row.id) +
                               " is stored though its request was rejected");
        } else if (found->second == outcome::unanswered) {
            ++unanswered_stored;
            if (delivered_ids[row.id].size() != 1) {
                ++lost;
                problems.push_back("unanswered test " + std::to_string(row.id) +
                                   " is stored without exactly one delivered KCI id");
            }
        }
    }

    const auto elapsed =
        std::chrono::duration_cast<milliseconds>(clock_type::now() - started).count();
    std::cout << "chaos: cycles=" << completed_cycles << " requests=" << outcomes.size()
              << " accepted_201=" << accepted << " rejected=" << rejected
              << " unanswered=" << unanswered << " unanswered_stored=" << unanswered_stored
              << " kcis_delivered=" << delivered << " lost=" << lost
              << " duplicates_new_id=" << duplicates << " left_open=" << left_open
              << " stored_after_rejection=" << stored_after_rejection << " seed=" << seed
              << " elapsed_ms=" << elapsed << '\n';
    for (std::size_t i = 0; i < problems.size() && i < 20; ++i) {
        std::cout << "  " << problems[i] << '\n';
    }

    EXPECT_GE(completed_cycles, 1);
    EXPECT_GT(accepted, 0u) << "the load produced no 201, so nothing was checked";
    EXPECT_EQ(lost, 0u);
    EXPECT_EQ(duplicates, 0u);
    EXPECT_EQ(left_open, 0u);
    EXPECT_EQ(stored_after_rejection, 0u);
}

}  // namespace
}  // namespace linetest::reliability
