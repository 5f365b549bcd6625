#include "updates/token_source.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "gateway_standin_process.hpp"

namespace linetest::updates {
namespace {

using namespace std::chrono_literals;
using testing::gateway_standin_process;

/// A steady clock that moves only when the test advances it.
struct manual_clock {
    std::chrono::steady_clock::time_point now = std::chrono::steady_clock::time_point{} + 1h;
};

client_credentials_config config_for(const gateway_standin_process& standin) {
    client_credentials_config config;
    config.token_url = http::parse_url(standin.base_url() + "/auth/supplier/access-token");
    config.client_id = standin.settings().client_id;
    config.client_secret = core::secret(standin.settings().client_secret);
    config.refresh_margin = 60s;
    config.client.timeout = 2000ms;
    return config;
}

TEST(ClientCredentialsTokenSourceTest, ReusesCachedToken) {
    gateway_standin_process standin;
    client_credentials_token_source tokens(config_for(standin));

    const auto first = tokens.token();
    const auto second = tokens.token();

    ASSERT_TRUE(first.has_value()) << first.error().message;
    ASSERT_TRUE(second.has_value()) << second.error().message;
    EXPECT_EQ(first->reveal(), second->reveal());
    EXPECT_EQ(tokens.fetch_count(), 1u);
    EXPECT_EQ(standin.stats()["tokens_issued"], 1);
}

TEST(ClientCredentialsTokenSourceTest, FetchesNewTokenAfterInvalidate) {
    gateway_standin_process standin;
    client_credentials_token_source tokens(config_for(standin));

    const auto first = tokens.token();
    tokens.invalidate();
    const auto second = tokens.token();

    ASSERT_TRUE(first.has_value()) << first.error().message;
    ASSERT_TRUE(second.has_value()) << second.error().message;
    EXPECT_NE(first->reveal(), second->reveal());
    EXPECT_EQ(tokens.fetch_count(), 2u);
}

TEST(ClientCredentialsTokenSourceTest, RefreshesWhenOnlyTheMarginIsLeft) {
    gateway_standin_process standin;
    manual_clock clock;
    client_credentials_token_source tokens(config_for(standin), [&] { return clock.now; });

    ASSERT_TRUE(tokens.token().has_value());
    clock.now += 3539s;
    ASSERT_TRUE(tokens.token().has_value());
    EXPECT_EQ(tokens.fetch_count(), 1u);
    clock.now += 2s;
    ASSERT_TRUE(tokens.token().has_value());
    EXPECT_EQ(tokens.fetch_count(), 2u);
}

TEST(ClientCredentialsTokenSourceTest, AcceptsExpiresInAsString) {
    gateway_standin_process::options options;
    options.expires_in_as_string = true;
    options.token_ttl_seconds = 600;
    gateway_standin_process standin(options);
    manual_clock clock;
    client_credentials_token_source tokens(config_for(standin), [&] { return clock.now; });

    const auto token = tokens.token();
    ASSERT_TRUE(token.has_value()) << token.error().message;
    clock.now += 539s;
    ASSERT_TRUE(tokens.token().has_value());
    EXPECT_EQ(tokens.fetch_count(), 1u);
    clock.now += 2s;
    ASSERT_TRUE(tokens.token().has_value());
    EXPECT_EQ(tokens.fetch_count(), 2u);
}

TEST(ClientCredentialsTokenSourceTest, ReportsWrongSecretWithoutRevealingIt) {
    gateway_standin_process standin;
    auto config = config_for(standin);
    config.client_secret = core::secret("wrong-secret-value");
    client_credentials_token_source tokens(config);

    const auto token = tokens.token();

    ASSERT_FALSE(token.has_value());
    EXPECT_EQ(token.error().kind, token_errc::rejected);
    EXPECT_EQ(token.error().http_status, 400u);
    EXPECT_NE(token.error().message.find("invalid_client"), std::string::npos)
        << token.error().message;
    EXPECT_NE(token.error().message.find("updates.client_secret"), std::string::npos);
    EXPECT_EQ(token.error().message.find("wrong-secret-value"), std::string::npos);
}

TEST(ClientCredentialsTokenSourceTest, ReportsUnavailableEndpoint) {
    gateway_standin_process standin;
    standin.script_tokens({503});
    client_credentials_token_source tokens(config_for(standin));

    const auto token = tokens.token();

    ASSERT_FALSE(token.has_value());
    EXPECT_EQ(token.error().kind, token_errc::unavailable);
    EXPECT_EQ(token.error().http_status, 503u);
}

TEST(ClientCredentialsTokenSourceTest, ReportsBodyThatIsNotJson) {
    gateway_standin_process standin;
    standin.script_tokens(nlohmann::json::array({{{"status", 200}, {"body", "<html>"}}}));
    client_credentials_token_source tokens(config_for(standin));

    const auto token = tokens.token();

    ASSERT_FALSE(token.has_value());
    EXPECT_EQ(token.error().kind, token_errc::bad_response);
    EXPECT_NE(token.error().message.find("not a JSON object"), std::string::npos);
}

TEST(ClientCredentialsTokenSourceTest, ReportsTokenWithoutExpiry) {
    gateway_standin_process standin;
    standin.script_tokens(nlohmann::json::array(
        {{{"status", 200}, {"body", R"({"access_token":"abc","expires_in":"soon"})"}}}));
    client_credentials_token_source tokens(config_for(standin));

    const auto token = tokens.token();

    ASSERT_FALSE(token.has_value());
    EXPECT_EQ(token.error().kind, token_errc::bad_response);
    EXPECT_NE(token.error().message.find("expires_in"), std::string::npos);
}

TEST(ClientCredentialsTokenSourceTest, ReportsRefusedConnectionAsUnavailable) {
    client_credentials_config config;
    {
        gateway_standin_process standin;
        config = config_for(standin);
    }
    client_credentials_token_source tokens(config);

    const auto token = tokens.token();

    ASSERT_FALSE(token.has_value());
    EXPECT_EQ(token.error().kind, token_errc::unavailable);
    EXPECT_EQ(token.error().http_status, 0u);
}

}  // namespace
}  // namespace linetest::updates
