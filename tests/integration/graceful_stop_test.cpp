// SIGTERM with no request in flight: the daemon drains, stops its workers and exits 0.

#include <gtest/gtest.h>

#include <iostream>

#include "daemon_fixture.hpp"

namespace linetest::integration {
namespace {

// Beyond the configured drain time (2 s) with room for a loaded machine; the fixture sends
// SIGKILL after it, which the exit status then shows.
constexpr std::chrono::seconds stop_grace{10};

TEST(GracefulStopTest, IdleSigtermExitsZero) {
    if (const auto why = skip_reason()) {
        GTEST_SKIP() << *why;
    }
    daemon_fixture daemon;

    const auto status = daemon.stop_daemon(stop_grace);

    EXPECT_TRUE(status.exited) << "linetestd ended with " << status.describe() << "; log:\n"
                               << daemon.daemon_log_tail();
    EXPECT_EQ(status.code, 0) << "linetestd ended with " << status.describe();
    EXPECT_NE(daemon.daemon_log().find("linetestd stopped"), std::string::npos)
        << "the log does not say that linetestd stopped:\n"
        << daemon.daemon_log_tail();
}

}  // namespace
}  // namespace linetest::integration
