#include "auth/authenticator.hpp"

#include "core/config_reader.hpp"
#include "test_signer.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace linetest::auth {
namespace {

using test_support::jwks_document;
using test_support::rsa_key;
using test_support::test_now;
using test_support::test_now_seconds;

nlohmann::json config() {
    return {{"mode", "bearer"},
            {"bearer",
             {{"issuer", "https://idp.example.test/"},
              {"audience", "linetest"},
              {"jwks_url", "https://idp.example.test/jwks"},
              {"required_scope", "service-tests"}}},
            {"clients",
             {{{"id", "gateway-prod"}, {"tenants", {"ACME", "BETA"}}},
              {{"id", "gateway-ops"}, {"tenants", {"*"}}}}}};
}

auth_settings parse(const nlohmann::json& section) {
    return parse_auth_settings(core::config_reader(section, "auth"));
}

std::string config_error_of(const nlohmann::json& section) {
    try {
        parse(section);
    } catch (const core::config_error& error) {
        return error.what();
    }
    return {};
}

class AuthenticatorTest : public ::testing::Test {
protected:
    AuthenticatorTest()
        : endpoint_(jwks_document({rsa_key().jwk()})),
          authenticator_(parse(config()), endpoint_.fetcher(), [] { return test_now(); }) {}

    void SetUp() override { ASSERT_FALSE(authenticator_.initial_load().has_value()); }

    static std::string token_for(const std::string& client_id) {
        const nlohmann::json claims = {{"iss", "https://idp.example.test/"},
                                       {"aud", "linetest"},
                                       {"exp", test_now_seconds() + 300},
                                       {"client_id", client_id},
                                       {"scope", "service-tests"}};
        const nlohmann::json header = {{"alg", "RS256"}, {"kid", rsa_key().kid()}};
        return rsa_key().sign("RS256", header.dump(), claims.dump());
    }

    test_support::jwks_endpoint endpoint_;
    authenticator authenticator_;
};

TEST_F(AuthenticatorTest, AllowsPermittedTenant) {
    const auto decision =
        authenticator_.authenticate("Bearer " + token_for("gateway-prod"), "ACME");
    EXPECT_TRUE(decision.allowed()) << decision.failure.detail;
    EXPECT_EQ(decision.identity, "gateway-prod");
}

TEST_F(AuthenticatorTest, ForbidsTenantNotPermitted) {
    const auto decision =
        authenticator_.authenticate("Bearer " + token_for("gateway-prod"), "ZETA");
    EXPECT_EQ(decision.http_status(), 403);
    EXPECT_EQ(decision.identity, "gateway-prod");
}

TEST_F(AuthenticatorTest, ForbidsIdentityMissingFromClients) {
    const auto decision = authenticator_.authenticate("Bearer " + token_for("stranger"), "ACME");
    EXPECT_EQ(decision.http_status(), 403);
}

TEST_F(AuthenticatorTest, AllowsAnyTenantForWildcardIdentity) {
    const auto decision = authenticator_.authenticate("Bearer " + token_for("gateway-ops"), "ZETA");
    EXPECT_TRUE(decision.allowed()) << decision.failure.detail;
}

TEST_F(AuthenticatorTest, AllowsAnyIdentityWithoutClients) {
    auto open = config();
    open.erase("clients");
    authenticator any_client(parse(open), endpoint_.fetcher(), [] { return test_now(); });
    ASSERT_FALSE(any_client.initial_load().has_value());
    EXPECT_TRUE(any_client.authenticate("Bearer " + token_for("stranger"), "ZETA").allowed());
}

TEST_F(AuthenticatorTest, RejectsMissingAuthorizationHeader) {
    const auto decision = authenticator_.authenticate("", "ACME");
    EXPECT_EQ(decision.http_status(), 401);
    EXPECT_EQ(decision.failure.reason, failure_reason::missing_credentials);
}

TEST_F(AuthenticatorTest, RejectsSchemeWithoutToken) {
    const auto decision = authenticator_.authenticate("Bearer", "ACME");
    EXPECT_EQ(decision.http_status(), 401);
    EXPECT_EQ(decision.failure.reason, failure_reason::missing_credentials);
}

TEST_F(AuthenticatorTest, RejectsBasicScheme) {
    const auto decision = authenticator_.authenticate("Basic Z2F0ZXdheTpzZWNyZXQ=", "ACME");
    EXPECT_EQ(decision.http_status(), 401);
    EXPECT_EQ(decision.failure.reason, failure_reason::unsupported_scheme);
}

TEST_F(AuthenticatorTest, RejectsTokenWithEmbeddedSpace) {
    const auto token = token_for("gateway-prod");
    const auto decision = authenticator_.authenticate("Bearer " + token + " extra", "ACME");
    EXPECT_EQ(decision.failure.reason, failure_reason::malformed_token);
}

TEST_F(AuthenticatorTest, AcceptsLowerCaseBearer) {
    const auto decision =
        authenticator_.authenticate("bearer " + token_for("gateway-prod"), "ACME");
    EXPECT_TRUE(decision.allowed()) << decision.failure.detail;
}

TEST_F(AuthenticatorTest, RejectsInvalidTokenWith401) {
    const auto decision = authenticator_.authenticate("Bearer not.a.token", "ACME");
    EXPECT_EQ(decision.http_status(), 401);
}

TEST(AuthSettingsTest, ReadsDefaults) {
    const auto settings = parse(config());
    EXPECT_EQ(settings.bearer.algorithms.size(), 3u);
    EXPECT_EQ(settings.bearer.leeway, std::chrono::milliseconds(30000));
    EXPECT_EQ(settings.bearer.max_token_bytes, 8192u);
    EXPECT_EQ(settings.clients.size(), 2u);
}

TEST(AuthSettingsTest, RejectsModeNone) {
    auto section = config();
    section["mode"] = "none";
    const auto error = config_error_of(section);
    EXPECT_NE(error.find("auth.mode: authentication cannot be disabled"), std::string::npos)
        << error;
}

TEST(AuthSettingsTest, RequiresMode) {
    auto section = config();
    section.erase("mode");
    EXPECT_NE(config_error_of(section).find("auth.mode"), std::string::npos);
}

TEST(AuthSettingsTest, RejectsHs256InAlgorithms) {
    auto section = config();
    section["bearer"]["algorithms"] = {"RS256", "HS256"};
    const auto error = config_error_of(section);
    EXPECT_NE(error.find("auth.bearer.algorithms: \"HS256\" is never accepted"), std::string::npos)
        << error;
}

TEST(AuthSettingsTest, RejectsRemotePlainHttpJwksUrl) {
    auto section = config();
    section["bearer"]["jwks_url"] = "http://idp.example.test/jwks";
    EXPECT_NE(config_error_of(section).find("auth.bearer.jwks_url"), std::string::npos);
}

TEST(AuthSettingsTest, AcceptsLoopbackPlainHttpJwksUrl) {
    auto section = config();
    section["bearer"]["jwks_url"] = "http://127.0.0.1:8443/jwks";
    EXPECT_EQ(config_error_of(section), "");
}

TEST(AuthSettingsTest, RejectsUnknownBearerKey) {
    auto section = config();
    section["bearer"]["leeway"] = 10;
    EXPECT_NE(config_error_of(section).find("auth.bearer.leeway:"), std::string::npos);
}

TEST(AuthSettingsTest, RejectsClientWithoutTenants) {
    auto section = config();
    section["clients"] = {{{"id", "gateway-prod"}}};
    EXPECT_NE(config_error_of(section).find("auth.clients[0].tenants"), std::string::npos);
}

TEST(AuthSettingsTest, RejectsRepeatedClient) {
    auto section = config();
    section["clients"] = {{{"id", "gateway-prod"}, {"tenants", {"ACME"}}},
                          {{"id", "gateway-prod"}, {"tenants", {"BETA"}}}};
    EXPECT_NE(config_error_of(section).find("auth.clients[1].id"), std::string::npos);
}

}  // namespace
}  // namespace linetest::auth
