// Crash safety of the real daemon: a SIGKILL at any point after the 201 loses neither the test
// nor its result KCI, and a restart neither sends the KCI again under a new id nor loses the
// stored test.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <iostream>
#include <linetest/test_support/wait.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "daemon_fixture.hpp"

namespace linetest::integration {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr seconds kci_timeout{20};
constexpr seconds log_timeout{15};

ino_t inode_of(const std::filesystem::path& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        return 0;
    }
    return info.st_ino;
}

json concat(json first, const json& second) {
    for (const auto& item : second) {
        first.push_back(item);
    }
    return first;
}

std::set<std::string> kci_ids(const json& attempts, const std::string& status) {
    std::set<std::string> ids;
    for (const auto& attempt : attempts) {
        if (status.empty() || attempt["body"]["serviceTest"].value("status", "") == status) {
            ids.insert(attempt["body"].value("id", ""));
        }
    }
    return ids;
}

// True once one line of the daemon log contains both `first` and `second`.
bool log_has_line(const daemon_fixture& daemon,
                  const std::string& first,
                  const std::string& second) {
    std::istringstream lines(daemon.daemon_log());
    std::string line;
    while (std::getline(lines, line)) {
        if (line.find(first) != std::string::npos && line.find(second) != std::string::npos) {
            return true;
        }
    }
    return false;
}

class CrashSafetyTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (const auto why = skip_reason()) {
            GTEST_SKIP() << *why;
        }
    }

    void TearDown() override {
        if (HasFailure() && daemon) {
            std::cerr << "linetestd log (end):\n" << daemon->daemon_log_tail(80) << '\n';
        }
    }

    std::optional<daemon_fixture> daemon;
};

TEST_F(CrashSafetyTest, PendingKciSurvivesKill) {
    daemon.emplace();
    // Far more 503s than the daemon can try before the kill.
    daemon->script_kcis(json(std::vector<int>(500, 503)));
    const auto body = daemon_fixture::test_body(3001, scenario::healthy);
    const auto accepted = daemon->post_test(body);
    ASSERT_EQ(accepted.status, 201u) << accepted.body;
    ASSERT_TRUE(daemon->wait_for_kci_attempts(3001, 1, kci_timeout))
        << "the gateway stand-in saw no KCI attempt for test 3001";
    const auto store_inode = inode_of(daemon->store_file());

    daemon->kill_daemon_hard();
    const auto attempts_before_kill = daemon->kcis_for(3001);
    // Reset drops the rest of the 503 script, so the stand-in returns 204 again.
    daemon->reset_gateway();
    daemon->restart_daemon();

    const auto delivered = daemon->wait_for_completed_kci(3001, kci_timeout);
    ASSERT_TRUE(delivered) << "no COMPLETED KCI for test 3001 after the restart; attempts: "
                           << daemon->kcis_for(3001).dump();
    const auto attempts = concat(attempts_before_kill, daemon->kcis_for(3001));
    EXPECT_EQ(kci_ids(attempts, "").size(), 1u) << attempts.dump();
    EXPECT_EQ(kci_ids(attempts_before_kill, "").count((*delivered)["body"].value("id", "")), 1u)
        << "the delivered KCI is not the one attempted before the kill";
    EXPECT_NE(store_inode, ino_t{0});
    EXPECT_EQ(inode_of(daemon->store_file()), store_inode)
        << "the restarted daemon uses another store file";
    const auto replay = daemon->post_test(body);
    EXPECT_EQ(replay.status, 201u) << "the restarted daemon forgot test 3001: " << replay.body;
    EXPECT_EQ(json::parse(replay.body, nullptr, false).value("supplierReference", "replay"),
              json::parse(accepted.body, nullptr, false).value("supplierReference", "first"));
}

TEST_F(CrashSafetyTest, RunningTestRerunsAfterKill) {
    daemon_fixture_options options;
    options.with_slow_agent = true;
    daemon.emplace(options);

    const auto accepted = daemon->post_test(daemon_fixture::test_body(3101, scenario::slow));
    ASSERT_EQ(accepted.status, 201u) << accepted.body;
    ASSERT_TRUE(test_support::poll_until(
        [&] { return log_has_line(*daemon, "test started attempt=1", "test_id=3101"); },
        log_timeout))
        << "test 3101 was not started";
    daemon->kill_daemon_hard();
    ASSERT_TRUE(daemon->kcis_for(3101).empty())
        << "a KCI left before the kill, so the test was not RUNNING at the kill";

    daemon->restart_daemon();

    EXPECT_TRUE(test_support::poll_until(
        [&] { return log_has_line(*daemon, "test started attempt=2", "test_id=3101"); },
        log_timeout))
        << "test 3101 was not run again after the restart";
    const auto delivered = daemon->wait_for_completed_kci(3101, kci_timeout);
    ASSERT_TRUE(delivered) << "no COMPLETED KCI for test 3101 after the restart; attempts: "
                           << daemon->kcis_for(3101).dump();
    // Once nothing is queued, running or pending, no other KCI can follow.
    ASSERT_TRUE(daemon->wait_until_idle(kci_timeout)) << "the daemon did not become idle";
    EXPECT_EQ(kci_ids(daemon->kcis_for(3101), "COMPLETED").size(), 1u)
        << daemon->kcis_for(3101).dump();
}

}  // namespace
}  // namespace linetest::integration
