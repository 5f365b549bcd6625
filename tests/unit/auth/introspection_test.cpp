#include "auth/introspection.hpp"

#include "auth/authenticator.hpp"
#include "core/config_reader.hpp"
#include "test_signer.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace linetest::auth {
namespace {

using test_support::test_now;
using test_support::test_now_seconds;

// The OAuth2 test server has no introspection endpoint, so a plain function stands in for the
// provider, behind the same seam the daemon wires to its HTTP client. It records the request.
struct introspection_endpoint {
    explicit introspection_endpoint(nlohmann::json initial) : answer(std::move(initial)) {}

    nlohmann::json answer;
    bool fail = false;
    int calls = 0;
    std::string last_body;
    std::string last_authorization;

    post_function poster() {
        return [this](const std::string&, const std::string& body, const core::secret& auth) {
            ++calls;
            last_body = body;
            last_authorization = auth.reveal();
            return fail ? fetch_result::failure("connection refused")
                        : fetch_result::success(answer.dump());
        };
    }
};

verifier_settings rules() {
    verifier_settings settings;
    settings.issuer = "https://idp.test/";
    settings.audience = "linetest";
    settings.required_scope = "service-tests";
    return settings;
}

nlohmann::json active_answer() {
    return {{"active", true},
            {"iss", "https://idp.test/"},
            {"aud", "linetest"},
            {"exp", test_now_seconds() + 60},
            {"client_id", "gateway"},
            {"scope", "openid service-tests"}};
}

class IntrospectionTest : public ::testing::Test {
protected:
    token_introspector make(std::size_t cache_size = 16) {
        introspection_settings settings{"https://idp.test/introspect", "linetestd",
                                        core::secret("introspection-secret"), cache_size};
        return token_introspector(settings, rules(), endpoint_.poster(),
                                  [this] { return now_; });
    }

    introspection_endpoint endpoint_{active_answer()};
    std::chrono::system_clock::time_point now_ = test_now();
};

TEST_F(IntrospectionTest, AcceptsActiveToken) {
    const auto result = make().introspect("opaque-token-1");
    ASSERT_TRUE(result.ok()) << result.failure.detail;
    EXPECT_EQ(result.token->identity, "gateway");
}

TEST_F(IntrospectionTest, PostsTokenWithClientCredentials) {
    (void)make().introspect("opaque+token/1");
    EXPECT_EQ(endpoint_.last_body, "token=opaque%2Btoken%2F1&token_type_hint=access_token");
    EXPECT_EQ(endpoint_.last_authorization.rfind("Basic ", 0), 0u);
}

TEST_F(IntrospectionTest, RejectsInactiveToken) {
    endpoint_.answer = {{"active", false}};
    EXPECT_EQ(make().introspect("opaque").failure.reason, failure_reason::inactive_token);
}

TEST_F(IntrospectionTest, RejectsWrongIssuer) {
    endpoint_.answer["iss"] = "https://other.test/";
    EXPECT_EQ(make().introspect("opaque").failure.reason, failure_reason::wrong_issuer);
}

TEST_F(IntrospectionTest, RejectsWrongAudience) {
    endpoint_.answer["aud"] = nlohmann::json::array({"other"});
    EXPECT_EQ(make().introspect("opaque").failure.reason, failure_reason::wrong_audience);
}

TEST_F(IntrospectionTest, RejectsMissingScope) {
    endpoint_.answer["scope"] = "openid";
    EXPECT_EQ(make().introspect("opaque").failure.reason, failure_reason::missing_scope);
}

TEST_F(IntrospectionTest, RejectsMissingExpiry) {
    endpoint_.answer.erase("exp");
    EXPECT_EQ(make().introspect("opaque").failure.reason, failure_reason::missing_expiry);
}

TEST_F(IntrospectionTest, RejectsWhenEndpointFails) {
    endpoint_.fail = true;
    EXPECT_EQ(make().introspect("opaque").failure.reason, failure_reason::introspection_failed);
}

TEST_F(IntrospectionTest, CachesActiveTokenUntilExpiry) {
    const auto introspector = make();
    ASSERT_TRUE(introspector.introspect("opaque").ok());
    ASSERT_TRUE(introspector.introspect("opaque").ok());
    EXPECT_EQ(endpoint_.calls, 1);
    now_ += std::chrono::minutes(2);
    (void)introspector.introspect("opaque");
    EXPECT_EQ(endpoint_.calls, 2);
}

TEST_F(IntrospectionTest, AsksAgainWithoutCache) {
    const auto introspector = make(0);
    ASSERT_TRUE(introspector.introspect("opaque").ok());
    ASSERT_TRUE(introspector.introspect("opaque").ok());
    EXPECT_EQ(endpoint_.calls, 2);
}

TEST(IntrospectionSettingsTest, AuthenticatorRoutesOpaqueTokens) {
    const nlohmann::json section = {
        {"mode", "bearer"},
        {"bearer",
         {{"issuer", "https://idp.test/"},
          {"audience", "linetest"},
          {"required_scope", "service-tests"},
          {"introspection_url", "https://idp.test/introspect"},
          {"introspection_client_id", "linetestd"},
          {"introspection_client_secret", "introspection-secret"}}}};
    const auto settings = parse_auth_settings(core::config_reader(section, "auth"));
    introspection_endpoint endpoint{active_answer()};
    authenticator checker(settings, {}, [] { return test_now(); }, {}, endpoint.poster());
    ASSERT_FALSE(checker.initial_load().has_value());
    const auto decision = checker.authenticate("Bearer opaque-token", "ACME");
    EXPECT_TRUE(decision.allowed()) << decision.failure.detail;
    EXPECT_EQ(endpoint.calls, 1);
}

TEST(IntrospectionSettingsTest, RequiresClientSecret) {
    const nlohmann::json section = {
        {"mode", "bearer"},
        {"bearer",
         {{"issuer", "https://idp.test/"},
          {"audience", "linetest"},
          {"required_scope", "service-tests"},
          {"introspection_url", "https://idp.test/introspect"},
          {"introspection_client_id", "linetestd"}}}};
    std::string error;
    try {
        parse_auth_settings(core::config_reader(section, "auth"));
    } catch (const core::config_error& e) {
        error = e.what();
    }
    EXPECT_NE(error.find("auth.bearer.introspection_client_secret"), std::string::npos) << error;
}

}  // namespace
}  // namespace linetest::auth
