#include "auth/authenticator.hpp"
#include "auth/password_hash.hpp"

#include "core/base64.hpp"
#include "core/config_reader.hpp"
#include "test_signer.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace linetest::auth {
namespace {

using test_support::jwks_document;
using test_support::rsa_key;
using test_support::test_now;
using test_support::test_now_seconds;

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

// Hashed once per binary: each hash costs the full iteration count.
const std::string& gateway_hash() {
    static const std::string hash = hash_password("correct horse", min_password_iterations);
    return hash;
}

std::string basic_header(const std::string& user, const std::string& password) {
    return "Basic " + core::base64_encode(user + ":" + password);
}

nlohmann::json basic_config() {
    return {{"mode", "basic"},
            {"basic", {{"users", {{{"user", "gateway"}, {"password_hash", gateway_hash()}}}}}},
            {"clients", {{{"id", "gateway"}, {"tenants", {"ACME"}}}}}};
}

nlohmann::json mtls_config() {
    return {{"mode", "mtls"},
            {"tls", {{"client_ca_file", "/etc/linetest/client-ca.pem"}}},
            {"clients", {{{"id", "gateway.example.net"}, {"tenants", {"ACME"}}}}}};
}

TEST(PasswordHashTest, VerifiesTheHashedPassword) {
    const auto parsed = parse_password_hash(gateway_hash());
    ASSERT_TRUE(parsed.value.has_value()) << parsed.error;
    EXPECT_TRUE(verify_password(*parsed.value, "correct horse"));
}

TEST(PasswordHashTest, RejectsAnotherPassword) {
    const auto parsed = parse_password_hash(gateway_hash());
    ASSERT_TRUE(parsed.value.has_value()) << parsed.error;
    EXPECT_FALSE(verify_password(*parsed.value, "correct horsf"));
}

TEST(PasswordHashTest, UsesAFreshSaltEachTime) {
    EXPECT_NE(hash_password("same", min_password_iterations),
              hash_password("same", min_password_iterations));
}

TEST(PasswordHashTest, RejectsTooFewIterations) {
    const auto parsed = parse_password_hash(
        "pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    EXPECT_NE(parsed.error.find("at least 100000"), std::string::npos) << parsed.error;
}

TEST(PasswordHashTest, RejectsAnotherScheme) {
    EXPECT_FALSE(parse_password_hash("$2b$12$abcdefghijklmnopqrstuv").value.has_value());
}

TEST(AuthModesTest, BasicAllowsConfiguredUser) {
    const authenticator basic(parse(basic_config()), {});
    const auto decision = basic.authenticate(basic_header("gateway", "correct horse"), "ACME");
    EXPECT_TRUE(decision.allowed()) << decision.failure.detail;
}

TEST(AuthModesTest, BasicRejectsWrongPassword) {
    const authenticator basic(parse(basic_config()), {});
    const auto decision = basic.authenticate(basic_header("gateway", "wrong"), "ACME");
    EXPECT_EQ(decision.failure.reason, failure_reason::wrong_password);
}

TEST(AuthModesTest, BasicRejectsUnknownUser) {
    const authenticator basic(parse(basic_config()), {});
    const auto decision = basic.authenticate(basic_header("intruder", "correct horse"), "ACME");
    EXPECT_EQ(decision.failure.reason, failure_reason::unknown_user);
}

TEST(AuthModesTest, BasicRejectsBearerScheme) {
    const authenticator basic(parse(basic_config()), {});
    const auto decision = basic.authenticate("Bearer abc.def.ghi", "ACME");
    EXPECT_EQ(decision.failure.reason, failure_reason::unsupported_scheme);
}

TEST(AuthModesTest, BasicForbidsTenantNotPermitted) {
    const authenticator basic(parse(basic_config()), {});
    const auto decision = basic.authenticate(basic_header("gateway", "correct horse"), "ZETA");
    EXPECT_EQ(decision.http_status(), 403);
}

TEST(AuthModesTest, BasicRejectsUserWithoutHash) {
    auto section = basic_config();
    section["basic"]["users"][0].erase("password_hash");
    EXPECT_NE(config_error_of(section).find("auth.basic.users[0].password_hash"),
              std::string::npos);
}

TEST(AuthModesTest, MtlsAllowsListedCertificateName) {
    const authenticator mtls(parse(mtls_config()), {});
    const auto decision =
        mtls.authenticate("", "ACME", {}, {"Some CN", "gateway.example.net"});
    EXPECT_TRUE(decision.allowed()) << decision.failure.detail;
}

TEST(AuthModesTest, MtlsRejectsUnlistedCertificate) {
    const authenticator mtls(parse(mtls_config()), {});
    const auto decision = mtls.authenticate("", "ACME", {}, {"other.example.net"});
    EXPECT_EQ(decision.failure.reason, failure_reason::unknown_client_certificate);
}

TEST(AuthModesTest, MtlsRejectsConnectionWithoutCertificate) {
    const authenticator mtls(parse(mtls_config()), {});
    const auto decision = mtls.authenticate("Bearer abc.def.ghi", "ACME");
    EXPECT_EQ(decision.failure.reason, failure_reason::no_client_certificate);
}

TEST(AuthModesTest, MtlsRequiresClients) {
    auto section = mtls_config();
    section.erase("clients");
    EXPECT_NE(config_error_of(section).find("auth.clients"), std::string::npos);
}

TEST(AuthModesTest, MtlsRequiresClientCaFile) {
    auto section = mtls_config();
    section.erase("tls");
    EXPECT_NE(config_error_of(section).find("auth.tls"), std::string::npos);
}

TEST(AuthModesTest, RejectsBearerSectionInBasicMode) {
    auto section = basic_config();
    section["bearer"] = nlohmann::json::object();
    EXPECT_NE(config_error_of(section).find("auth.bearer"), std::string::npos);
}

class TokenCacheTest : public ::testing::Test {
protected:
    TokenCacheTest() : endpoint_(jwks_document({rsa_key().jwk()})) {}

    jwt_verifier make_verifier(std::size_t cache_size) {
        keys_ = std::make_shared<key_cache>(key_cache_settings{"https://idp.test/jwks"},
                                            endpoint_.fetcher());
        EXPECT_FALSE(keys_->initial_load().has_value());
        verifier_settings settings;
        settings.issuer = "https://idp.test/";
        settings.audience = "linetest";
        settings.required_scope = "service-tests";
        settings.token_cache_size = cache_size;
        return jwt_verifier(settings, keys_, [this] { return now_; });
    }

    static std::string token(const nlohmann::json& extra = nlohmann::json::object()) {
        nlohmann::json claims = {{"iss", "https://idp.test/"},
                                 {"aud", "linetest"},
                                 {"exp", test_now_seconds() + 60},
                                 {"client_id", "gateway"},
                                 {"scope", "service-tests"}};
        claims.update(extra);
        const nlohmann::json header = {{"alg", "RS256"}, {"kid", rsa_key().kid()}};
        return rsa_key().sign("RS256", header.dump(), claims.dump());
    }

    test_support::jwks_endpoint endpoint_;
    std::shared_ptr<key_cache> keys_;
    std::chrono::system_clock::time_point now_ = test_now();
};

// The cache shows through a JWKS swap: a second verification that needed the key would fail
// once the key is gone, as the uncached case below does.
TEST_F(TokenCacheTest, AcceptsCachedTokenAfterKeyLeavesTheSet) {
    auto verifier = make_verifier(16);
    const auto jwt = token();
    ASSERT_TRUE(verifier.verify(jwt).ok());
    endpoint_.serve(jwks_document({test_support::second_rsa_key().jwk()}));
    ASSERT_TRUE(keys_->refresh());
    EXPECT_TRUE(verifier.verify(jwt).ok());
}

TEST_F(TokenCacheTest, ChecksSignatureAgainWithoutCache) {
    auto verifier = make_verifier(0);
    const auto jwt = token();
    ASSERT_TRUE(verifier.verify(jwt).ok());
    endpoint_.serve(jwks_document({test_support::second_rsa_key().jwk()}));
    ASSERT_TRUE(keys_->refresh());
    EXPECT_EQ(verifier.verify(jwt).failure.reason, failure_reason::unknown_kid);
}

TEST_F(TokenCacheTest, RejectsCachedTokenOnceExpired) {
    auto verifier = make_verifier(16);
    const auto jwt = token();
    ASSERT_TRUE(verifier.verify(jwt).ok());
    now_ += std::chrono::minutes(5);
    EXPECT_EQ(verifier.verify(jwt).failure.reason, failure_reason::expired);
}

TEST_F(TokenCacheTest, ScopeAsSpaceSeparatedScpString) {
    auto verifier = make_verifier(0);
    const auto jwt = token({{"scope", nullptr}, {"scp", "read service-tests"}});
    EXPECT_TRUE(verifier.verify(jwt).ok()) << verifier.verify(jwt).failure.detail;
}

}  // namespace
}  // namespace linetest::auth
