// Gateway outages: the daemon keeps a KCI and sends it again, unchanged, until the gateway takes
// it, and sends one test's KCIs in sequence order.

#include <gtest/gtest.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "daemon_fixture.hpp"

namespace linetest::integration {
namespace {

using nlohmann::json;

constexpr std::chrono::seconds kci_timeout{15};

class GatewayOutageTest : public ::testing::Test {
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

TEST_F(GatewayOutageTest, RetriedKciKeepsItsIdentity) {
    daemon.emplace();
    daemon->script_kcis(json::array({503, 503, 503}));
    const auto accepted = daemon->post_test(daemon_fixture::test_body(4001, scenario::healthy));
    ASSERT_EQ(accepted.status, 201u) << accepted.body;

    ASSERT_TRUE(daemon->wait_for_completed_kci(4001, kci_timeout))
        << "no COMPLETED KCI for test 4001; attempts: " << daemon->kcis_for(4001).dump();
    ASSERT_TRUE(daemon->wait_until_idle(kci_timeout)) << "the daemon did not become idle";
    const auto attempts = daemon->kcis_for(4001);
    ASSERT_EQ(attempts.size(), 4u) << attempts.dump();
    for (std::size_t i = 0; i < attempts.size(); ++i) {
        const auto& body = attempts[i]["body"];
        EXPECT_EQ(body.value("id", ""), attempts[0]["body"].value("id", "first"))
            << "attempt " << i << " has another KCI id";
        EXPECT_EQ(body.value("sequenceNumber", 0), attempts[0]["body"].value("sequenceNumber", -1))
            << "attempt " << i << " has another sequenceNumber";
        EXPECT_EQ(attempts[i].value("status", 0), i < 3 ? 503 : 204) << "attempt " << i;
    }
}

TEST_F(GatewayOutageTest, AcceptanceKciPrecedesResultKci) {
    daemon_fixture_options options;
    options.send_accepted_kci = true;
    daemon.emplace(options);
    daemon->script_kcis(json::array({503, 503, 503}));
    const auto accepted = daemon->post_test(daemon_fixture::test_body(4101, scenario::healthy));
    ASSERT_EQ(accepted.status, 201u) << accepted.body;

    ASSERT_TRUE(daemon->wait_for_completed_kci(4101, kci_timeout))
        << "no COMPLETED KCI for test 4101; attempts: " << daemon->kcis_for(4101).dump();
    const auto attempts = daemon->kcis_for(4101);
    std::optional<std::size_t> acceptance_delivered;
    std::optional<std::size_t> result_first_tried;
    for (std::size_t i = 0; i < attempts.size(); ++i) {
        const auto& body = attempts[i]["body"];
        const int sequence = body.value("sequenceNumber", 0);
        if (sequence == 1 && attempts[i].value("status", 0) == 204 && !acceptance_delivered) {
            acceptance_delivered = i;
            EXPECT_EQ(body["serviceTest"].value("status", ""), "IN_PROGRESS") << body.dump();
        }
        if (sequence == 2 && !result_first_tried) {
            result_first_tried = i;
            EXPECT_EQ(body["serviceTest"].value("status", ""), "COMPLETED") << body.dump();
        }
    }
    ASSERT_TRUE(acceptance_delivered)
        << "the acceptance KCI (sequence 1) was never delivered: " << attempts.dump();
    ASSERT_TRUE(result_first_tried) << "no result KCI (sequence 2): " << attempts.dump();
    EXPECT_LT(*acceptance_delivered, *result_first_tried)
        << "the result KCI was tried before the acceptance KCI was delivered: " << attempts.dump();
}

}  // namespace
}  // namespace linetest::integration
