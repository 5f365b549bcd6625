// POST /service-tests on the real daemon: one test per row of the status table (201, 400, 401,
// 403, 404, 405, 422), with the status, the Content-Type and the body the gateway relies on.

#include <gtest/gtest.h>

#include <boost/beast/http/verb.hpp>
#include <iostream>
#include <latch>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "daemon_fixture.hpp"

namespace linetest::integration {
namespace {

namespace bhttp = boost::beast::http;
using nlohmann::json;
using test_support::http_response;

constexpr std::chrono::seconds kci_timeout{15};

bool is_uuid(const std::string& text) {
    static const std::regex pattern(
        "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
    return std::regex_match(text, pattern);
}

json parse_body(const http_response& response) {
    return json::parse(response.body, nullptr, false);
}

// Checks the error envelope {uuid, code, messages[]} and that one message contains
// `message_part`, so that the caller can tell what was wrong.
void expect_error(const http_response& response,
                  unsigned status,
                  const std::string& code,
                  const std::string& message_part) {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_EQ(response.header("Content-Type"), "application/json");
    const auto body = parse_body(response);
    ASSERT_TRUE(body.is_object()) << "body is not a JSON object: " << response.body;
    EXPECT_TRUE(is_uuid(body.value("uuid", "")))
        << "uuid is missing or not a UUID: " << response.body;
    EXPECT_EQ(body.value("code", ""), code) << response.body;
    const auto messages = body.value("messages", nlohmann::json::array());
    ASSERT_TRUE(messages.is_array()) << "messages is not an array: " << response.body;
    ASSERT_FALSE(messages.empty()) << "messages is missing or empty: " << response.body;
    bool named = false;
    for (const auto& message : messages) {
        named = named || (message.is_string() &&
                          message.get<std::string>().find(message_part) != std::string::npos);
    }
    EXPECT_TRUE(named) << "no message contains \"" << message_part << "\": " << response.body;
}

// One daemon for the whole suite. Each case that creates a service test uses its own service
// and test ids, so that no case runs into another case's active test.
class StatusTableTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (skip_reason()) {
            return;
        }
        try {
            daemon_fixture_options options;
            options.with_slow_agent = true;
            daemon = std::make_unique<daemon_fixture>(options);
        } catch (const std::exception& e) {
            start_error = e.what();
        }
    }

    static void TearDownTestSuite() { daemon.reset(); }

    void SetUp() override {
        if (const auto why = skip_reason()) {
            GTEST_SKIP() << *why;
        }
        ASSERT_TRUE(daemon) << "the integration fixture did not start: " << start_error;
    }

    void TearDown() override {
        if (HasFailure() && daemon) {
            std::cerr << "linetestd log (end):\n" << daemon->daemon_log_tail() << '\n';
        }
    }

    static inline std::unique_ptr<daemon_fixture> daemon;
    static inline std::string start_error;
};

TEST_F(StatusTableTest, AcceptedTestReturns201Body) {
    const auto response = daemon->post_test(daemon_fixture::test_body(1001, scenario::healthy));

    EXPECT_EQ(response.status, 201u) << response.body;
    EXPECT_EQ(response.header("Content-Type"), "application/json");
    const auto body = parse_body(response);
    ASSERT_TRUE(body.is_object()) << response.body;
    EXPECT_FALSE(body.value("supplierReference", "").empty())
        << "supplierReference is missing or empty: " << response.body;
    EXPECT_EQ(body.value("id", std::int64_t{0}), 1001) << response.body;
    EXPECT_EQ(body.value("serviceId", ""), daemon_fixture::service_id(scenario::healthy));
    EXPECT_EQ(body.value("/serviceSpecification/id"_json_pointer, ""),
              daemon_fixture::specification_id);
    EXPECT_EQ(body.value("/serviceSpecification/name"_json_pointer, ""),
              daemon_fixture::specification_name);
    EXPECT_EQ(body.value("problemType", ""), "STABILITY");
}

TEST_F(StatusTableTest, MissingRequestIdReturns400) {
    const auto response = daemon->post_test(daemon_fixture::test_body(1002, scenario::healthy),
                                            {{"X-Request-ID", std::nullopt}});
    expect_error(response, 400, "MALFORMED_REQUEST", "X-Request-ID");
}

TEST_F(StatusTableTest, InvalidJsonReturns400) {
    const auto response = daemon->post_test_text(R"({"id": 1003, "serviceId": )");
    expect_error(response, 400, "MALFORMED_REQUEST", "not valid JSON");
}

TEST_F(StatusTableTest, IdAsStringReturns400) {
    auto body = daemon_fixture::test_body(1004, scenario::healthy);
    body["id"] = "1004";
    const auto response = daemon->post_test(body);
    expect_error(response, 400, "MALFORMED_REQUEST", "id must be a whole number");
}

TEST_F(StatusTableTest, MissingTokenReturns401) {
    const auto response = daemon->post_test(daemon_fixture::test_body(1005, scenario::healthy),
                                            {{"Authorization", std::nullopt}});
    expect_error(response, 401, "NOT_AUTHORISED", "credentials");
}

TEST_F(StatusTableTest, ForeignKeySignatureReturns401) {
    const auto forged = daemon_fixture::resign_with_unknown_key(daemon->token());
    const auto response = daemon->post_test(daemon_fixture::test_body(1006, scenario::healthy),
                                            {{"Authorization", "Bearer " + forged}});
    expect_error(response, 401, "NOT_AUTHORISED", "credentials");
}

TEST_F(StatusTableTest, ForbiddenTenantReturns403) {
    const auto response = daemon->post_test(daemon_fixture::test_body(1007, scenario::healthy),
                                            {{"Tenant", "OTHER-ISP"}});
    expect_error(response, 403, "NOT_AUTHORISED", "tenant");
}

TEST_F(StatusTableTest, UnknownPathReturns404) {
    const auto response = daemon->daemon_client().request(bhttp::verb::get, "/no-such-resource");
    expect_error(response, 404, "NOT_FOUND", "/no-such-resource");
}

TEST_F(StatusTableTest, GetReturns405WithAllow) {
    const auto response = daemon->daemon_client().request(bhttp::verb::get, "/service-tests");
    expect_error(response, 405, "MALFORMED_REQUEST", "POST");
    EXPECT_EQ(response.header("Allow"), "POST");
}

TEST_F(StatusTableTest, UnknownServiceReturns422) {
    auto body = daemon_fixture::test_body(1008, scenario::healthy);
    body["serviceId"] = "SI-NOT-OURS";
    const auto response = daemon->post_test(body);
    expect_error(response, 422, "INVALID_REQUEST", "SI-NOT-OURS");
}

TEST_F(StatusTableTest, IdenticalReplayReturnsSameReference) {
    const auto body = daemon_fixture::test_body(1009, scenario::lowrx);
    const auto first = daemon->post_test(body);
    const auto replay = daemon->post_test(body);

    ASSERT_EQ(first.status, 201u) << first.body;
    EXPECT_EQ(replay.status, 201u) << replay.body;
    EXPECT_EQ(parse_body(replay).value("supplierReference", "replay has none"),
              parse_body(first).value("supplierReference", "first has none"));
}

TEST_F(StatusTableTest, ChangedReplayReturns422) {
    auto body = daemon_fixture::test_body(1010, scenario::los);
    const auto first = daemon->post_test(body);
    body["problemType"] = "OUTAGE";
    const auto replay = daemon->post_test(body);

    ASSERT_EQ(first.status, 201u) << first.body;
    expect_error(replay, 422, "INVALID_REQUEST", "1010");
}

TEST_F(StatusTableTest, SecondActiveTestReturns422) {
    // The slow OLT delays its response by seconds, so the first test is still active.
    const auto first = daemon->post_test(daemon_fixture::test_body(1011, scenario::slow));
    const auto second = daemon->post_test(daemon_fixture::test_body(1012, scenario::slow));

    ASSERT_EQ(first.status, 201u) << first.body;
    expect_error(second, 422, "INVALID_REQUEST", "already running");
    // Let the first test finish, so the suite's daemon stops with nothing in flight.
    EXPECT_TRUE(daemon->wait_for_completed_kci(1011, kci_timeout))
        << "no COMPLETED KCI for test 1011";
}

// Requests for one service racing each other: the one-active-test check and the insert are one
// transaction, so exactly one gets its 201 however the requests interleave.
TEST_F(StatusTableTest, RacingTestsForOneServiceAcceptOne) {
    constexpr int requests = 8;
    constexpr std::int64_t first_id = 1020;
    daemon->token();  // fetched once here, before the threads share it
    std::vector<http_response> responses(requests);
    {
        std::latch start(requests);
        std::vector<std::jthread> threads;
        for (int i = 0; i < requests; ++i) {
            threads.emplace_back([&, i] {
                start.arrive_and_wait();
                responses[i] =
                    daemon->post_test(daemon_fixture::test_body(first_id + i, scenario::slow));
            });
        }
    }

    std::optional<std::int64_t> accepted;
    int rejected = 0;
    for (int i = 0; i < requests; ++i) {
        if (responses[i].status == 201u) {
            EXPECT_FALSE(accepted) << "tests " << *accepted << " and " << first_id + i
                                   << " both accepted for one service";
            accepted = first_id + i;
        } else {
            expect_error(responses[i], 422, "INVALID_REQUEST", "already running");
            ++rejected;
        }
    }
    ASSERT_TRUE(accepted) << "no request was accepted";
    EXPECT_EQ(rejected, requests - 1);
    EXPECT_TRUE(daemon->wait_for_completed_kci(*accepted, kci_timeout))
        << "no COMPLETED KCI for test " << *accepted;
}

// An expired token needs an OAuth2 server that issues only expired tokens, hence a daemon of
// its own.
TEST(ExpiredTokenTest, ExpiredTokenReturns401) {
    if (const auto why = skip_reason()) {
        GTEST_SKIP() << *why;
    }
    daemon_fixture_options options;
    options.oauth_token_ttl_seconds = -60;
    daemon_fixture daemon(options);

    const auto response = daemon.post_test(daemon_fixture::test_body(1013, scenario::healthy));
    expect_error(response, 401, "NOT_AUTHORISED", "credentials");
    if (::testing::Test::HasFailure()) {
        std::cerr << "linetestd log (end):\n" << daemon.daemon_log_tail() << '\n';
    }
}

}  // namespace
}  // namespace linetest::integration
