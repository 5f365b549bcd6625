// A whole session with a secret in every place the daemon handles one, then a scan of its log
// (debug level, so the most verbose lines are included) for each secret.
#include "security_fixture.hpp"
#include "test_signer.hpp"

#include "auth/password_hash.hpp"
#include "core/base64.hpp"

#include "linetest/test_support/peer_paths.hpp"
#include "linetest/test_support/temp_dir.hpp"
#include "linetest/test_support/wait.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace linetest::security_tests {
namespace {

namespace ts = test_support;
using json = nlohmann::json;
using boost::beast::http::verb;

TEST(SecretsInLogsTest, DaemonLogHasNoSecret) {
    if (auto why = ts::peers_unavailable_reason()) {
        GTEST_SKIP() << *why;
    }
    ts::temp_dir dir("linetest-secrets");
    const std::string client_secret = "kci-client-secret-9f3Kq";
    const std::string community = "olt-community-Zp41x";
    const std::string password = "basic-password-Hq72m";
    const std::string wrong_password = "wrong-password-Lk80d";
    const json bearer_claims = {{"iss", "https://idp.test/"}, {"client_id", "gateway"}};
    const auto bearer_token = auth::test_support::rsa_key().sign(
        "RS256", json{{"alg", "RS256"}, {"kid", "rsa-1"}}.dump(), bearer_claims.dump());
    const auto stored_hash = auth::hash_password(password);

    ts::gateway_standin_options gateway_options;
    gateway_options.client_id = "linetest-supplier";
    gateway_options.client_secret = client_secret;
    const auto gateway = ts::start_gateway_standin(dir.path(), gateway_options);

    daemon_options options;
    options.auth = {{"mode", "basic"},
                    {"basic", {{"users", {{{"user", "gateway"}, {"password_hash", stored_hash}}}}}},
                    {"clients", {{{"id", "gateway"}, {"tenants", {"ACME"}}}}}};
    options.updates_base = gateway.updates_base;
    options.updates_client_secret = client_secret;
    options.community = community;
    options.log_level = "debug";
    daemon_process daemon(options);
    ASSERT_TRUE(daemon.start()) << tail(daemon.log());
    const auto client = daemon.plain_client();
    const auto basic = [](const std::string& user, const std::string& secret) {
        return "Basic " + core::base64_encode(user + ":" + secret);
    };

    // Accepted: the test runs with the community and its KCI goes out with a token bought with
    // the client secret.
    const auto accepted = client.request(verb::post, "/service-tests",
                                         request_headers(basic("gateway", password)),
                                         request_body());
    ASSERT_EQ(accepted.status, 201u) << accepted.body << tail(daemon.log());
    ASSERT_TRUE(ts::poll_until([&] { return gateway.stats().value("kcis_accepted", 0) > 0; },
                               std::chrono::seconds(30)))
        << tail(daemon.log());
    // Rejected: a wrong password, a bearer token in basic mode and a garbage scheme.
    EXPECT_EQ(client.request(verb::post, "/service-tests",
                             request_headers(basic("gateway", wrong_password)), request_body())
                  .status,
              401u);
    EXPECT_EQ(client.request(verb::post, "/service-tests",
                             request_headers("Bearer " + bearer_token), request_body())
                  .status,
              401u);
    EXPECT_EQ(client.request(verb::post, "/service-tests",
                             request_headers(password + " " + wrong_password), request_body())
                  .status,
              401u);
    daemon.process().terminate(std::chrono::seconds(10));

    const auto log = daemon.log();
    ASSERT_NE(log.find("linetestd stopped"), std::string::npos) << tail(log);
    const std::vector<std::pair<std::string, std::string>> secrets = {
        {"client secret", client_secret},
        {"community", community},
        {"Basic password", password},
        {"wrong Basic password", wrong_password},
        {"Basic credentials", core::base64_encode("gateway:" + password)},
        {"password hash", stored_hash},
        {"bearer token", bearer_token},
        {"bearer token signature", bearer_token.substr(bearer_token.rfind('.') + 1)},
    };
    for (const auto& [what, value] : secrets) {
        EXPECT_EQ(log.find(value), std::string::npos) << what << " appears in the daemon log";
    }
}

}  // namespace
}  // namespace linetest::security_tests
