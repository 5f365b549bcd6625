#include "auth/jwt_verifier.hpp"

#include "auth/key_cache.hpp"
#include "core/base64.hpp"
#include "test_signer.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

namespace linetest::auth {
namespace {

using namespace std::chrono_literals;
using test_support::ec_key;
using test_support::jwks_document;
using test_support::rsa_key;
using test_support::test_now;
using test_support::test_now_seconds;

constexpr const char* issuer = "https://idp.example.test/";
constexpr const char* audience = "linetest";
constexpr const char* scope = "service-tests";

class JwtVerifierTest : public ::testing::Test {
protected:
    JwtVerifierTest()
        : endpoint_(jwks_document({rsa_key().jwk(), ec_key().jwk()})),
          keys_(std::make_shared<key_cache>(
              key_cache_settings{"https://idp.example.test/jwks", 10min, 1min},
              endpoint_.fetcher(),
              clock_.function())) {}

    void SetUp() override { ASSERT_FALSE(keys_->initial_load().has_value()); }

    static verifier_settings settings() {
        verifier_settings out;
        out.issuer = issuer;
        out.audience = audience;
        out.required_scope = scope;
        return out;
    }

    verify_result verify(const std::string& token, verifier_settings with = settings()) const {
        return jwt_verifier(std::move(with), keys_, [] { return test_now(); }).verify(token);
    }

    static nlohmann::json claims() {
        return {{"iss", issuer},
                {"aud", audience},
                {"exp", test_now_seconds() + 300},
                {"iat", test_now_seconds()},
                {"client_id", "gateway-prod"},
                {"scope", std::string("openid ") + scope}};
    }

    static std::string header(const std::string& alg, const std::string& kid) {
        return nlohmann::json{{"alg", alg}, {"kid", kid}, {"typ", "JWT"}}.dump();
    }

    static std::string rs256(const nlohmann::json& payload) {
        return rsa_key().sign("RS256", header("RS256", rsa_key().kid()), payload.dump());
    }

    // Drops the last `count` bytes of the signature and re-encodes it, so the token stays
    // valid base64url and only the length is wrong.
    static std::string with_shorter_signature(const std::string& token, std::size_t count) {
        const auto dot = token.rfind('.');
        auto signature = *core::base64url_decode(token.substr(dot + 1));
        signature.resize(signature.size() - count);
        return token.substr(0, dot + 1) + core::base64url_encode(signature);
    }

    test_support::jwks_endpoint endpoint_;
    test_support::manual_clock clock_;
    std::shared_ptr<key_cache> keys_;
};

TEST_F(JwtVerifierTest, AcceptsRs256) {
    const auto result = verify(rs256(claims()));
    ASSERT_TRUE(result.ok()) << result.failure.detail;
    EXPECT_EQ(result.token->identity, "gateway-prod");
    EXPECT_EQ(result.token->algorithm, jws_algorithm::rs256);
}

TEST_F(JwtVerifierTest, AcceptsEs256) {
    const auto token = ec_key().sign("ES256", header("ES256", ec_key().kid()), claims().dump());
    const auto result = verify(token);
    ASSERT_TRUE(result.ok()) << result.failure.detail;
    EXPECT_EQ(result.token->algorithm, jws_algorithm::es256);
}

TEST_F(JwtVerifierTest, AcceptsPs256) {
    const auto token = rsa_key().sign("PS256", header("PS256", rsa_key().kid()), claims().dump());
    const auto result = verify(token);
    ASSERT_TRUE(result.ok()) << result.failure.detail;
    EXPECT_EQ(result.token->algorithm, jws_algorithm::ps256);
}

TEST_F(JwtVerifierTest, RejectsPs256UnderRs256Header) {
    const auto token = rsa_key().sign("PS256", header("RS256", rsa_key().kid()), claims().dump());
    EXPECT_EQ(verify(token).failure.reason, failure_reason::bad_signature);
}

TEST_F(JwtVerifierTest, RejectsAlgNone) {
    const auto token = core::base64url_encode(header("none", rsa_key().kid())) + "." +
                       core::base64url_encode(claims().dump()) + ".";
    EXPECT_EQ(verify(token).failure.reason, failure_reason::algorithm_not_allowed);
}

TEST_F(JwtVerifierTest, RejectsHs256WithRsaKeyBytes) {
    const auto token = test_support::sign_hs256(rsa_key().public_key_der(),
                                                header("HS256", rsa_key().kid()), claims().dump());
    EXPECT_EQ(verify(token).failure.reason, failure_reason::algorithm_not_allowed);
}

TEST_F(JwtVerifierTest, RejectsAlgorithmLeftOutOfAllowList) {
    auto only_es256 = settings();
    only_es256.algorithms = {jws_algorithm::es256};
    EXPECT_EQ(verify(rs256(claims()), only_es256).failure.reason,
              failure_reason::algorithm_not_allowed);
}

TEST_F(JwtVerifierTest, UnknownKidFetchesOncePerInterval) {
    const auto first = rsa_key().sign("RS256", header("RS256", "not-published"), claims().dump());
    const auto second = rsa_key().sign("RS256", header("RS256", "also-unknown"), claims().dump());
    const auto before = endpoint_.calls();

    EXPECT_EQ(verify(first).failure.reason, failure_reason::unknown_kid);
    EXPECT_EQ(endpoint_.calls(), before + 1);
    EXPECT_EQ(verify(second).failure.reason, failure_reason::unknown_kid);
    EXPECT_EQ(endpoint_.calls(), before + 1);
}

TEST_F(JwtVerifierTest, RejectsEcKidUsedWithRs256) {
    const auto token = rsa_key().sign("RS256", header("RS256", ec_key().kid()), claims().dump());
    EXPECT_EQ(verify(token).failure.reason, failure_reason::key_algorithm_mismatch);
}

TEST_F(JwtVerifierTest, RejectsAlgorithmOtherThanJwkAlg) {
    endpoint_.serve(jwks_document({rsa_key().jwk("RS256")}));
    ASSERT_TRUE(keys_->refresh());
    const auto token = rsa_key().sign("PS256", header("PS256", rsa_key().kid()), claims().dump());
    EXPECT_EQ(verify(token).failure.reason, failure_reason::key_algorithm_mismatch);
}

TEST_F(JwtVerifierTest, RejectsTamperedPayload) {
    const auto token = rs256(claims());
    auto forged = claims();
    forged["client_id"] = "someone-else";
    const auto first_dot = token.find('.');
    const auto second_dot = token.find('.', first_dot + 1);
    const auto tampered = token.substr(0, first_dot + 1) + core::base64url_encode(forged.dump()) +
                          token.substr(second_dot);
    EXPECT_EQ(verify(tampered).failure.reason, failure_reason::bad_signature);
}

TEST_F(JwtVerifierTest, RejectsExpiredToken) {
    auto payload = claims();
    payload["exp"] = test_now_seconds() - 31;
    EXPECT_EQ(verify(rs256(payload)).failure.reason, failure_reason::expired);
}

TEST_F(JwtVerifierTest, AcceptsExpiryJustInsideLeeway) {
    auto payload = claims();
    payload["exp"] = static_cast<double>(test_now_seconds() - 30) + 0.001;
    const auto result = verify(rs256(payload));
    EXPECT_TRUE(result.ok()) << result.failure.detail;
}

TEST_F(JwtVerifierTest, RejectsExpiryExactlyAtLeeway) {
    auto payload = claims();
    payload["exp"] = test_now_seconds() - 30;
    EXPECT_EQ(verify(rs256(payload)).failure.reason, failure_reason::expired);
}

TEST_F(JwtVerifierTest, AcceptsFractionalExpInFuture) {
    auto with_no_leeway = settings();
    with_no_leeway.leeway = 0ms;
    auto payload = claims();
    payload["exp"] = static_cast<double>(test_now_seconds()) + 0.5;
    const auto result = verify(rs256(payload), with_no_leeway);
    EXPECT_TRUE(result.ok()) << result.failure.detail;
}

TEST_F(JwtVerifierTest, RejectsFractionalExpJustPassed) {
    auto with_no_leeway = settings();
    with_no_leeway.leeway = 0ms;
    auto payload = claims();
    payload["exp"] = static_cast<double>(test_now_seconds()) - 0.25;
    EXPECT_EQ(verify(rs256(payload), with_no_leeway).failure.reason, failure_reason::expired);
}

TEST_F(JwtVerifierTest, RejectsNbfInFuture) {
    auto payload = claims();
    payload["nbf"] = test_now_seconds() + 31;
    EXPECT_EQ(verify(rs256(payload)).failure.reason, failure_reason::not_yet_valid);
}

TEST_F(JwtVerifierTest, AcceptsNbfWithinLeeway) {
    auto payload = claims();
    payload["nbf"] = test_now_seconds() + 29;
    EXPECT_TRUE(verify(rs256(payload)).ok());
}

TEST_F(JwtVerifierTest, RejectsIatInFuture) {
    auto payload = claims();
    payload["iat"] = test_now_seconds() + 31;
    EXPECT_EQ(verify(rs256(payload)).failure.reason, failure_reason::issued_in_future);
}

TEST_F(JwtVerifierTest, RejectsNonNumericExp) {
    auto payload = claims();
    payload["exp"] = std::to_string(test_now_seconds() + 300);
    EXPECT_EQ(verify(rs256(payload)).failure.reason, failure_reason::malformed_claims);
}

TEST_F(JwtVerifierTest, RejectsWrongIssuer) {
    auto payload = claims();
    payload["iss"] = "https://idp.example.test";
    EXPECT_EQ(verify(rs256(payload)).failure.reason, failure_reason::wrong_issuer);
}

TEST_F(JwtVerifierTest, RejectsWrongAudience) {
    auto payload = claims();
    payload["aud"] = "linetest-staging";
    EXPECT_EQ(verify(rs256(payload)).failure.reason, failure_reason::wrong_audience);
}

TEST_F(JwtVerifierTest, AcceptsAudienceArrayContainingOurs) {
    auto payload = claims();
    payload["aud"] = {"other-api", audience};
    const auto result = verify(rs256(payload));
    EXPECT_TRUE(result.ok()) << result.failure.detail;
}

TEST_F(JwtVerifierTest, RejectsAudienceArrayWithoutOurs) {
    auto payload = claims();
    payload["aud"] = {"other-api", "linetest-staging"};
    EXPECT_EQ(verify(rs256(payload)).failure.reason, failure_reason::wrong_audience);
}

TEST_F(JwtVerifierTest, RejectsMissingExp) {
    auto payload = claims();
    payload.erase("exp");
    EXPECT_EQ(verify(rs256(payload)).failure.reason, failure_reason::missing_expiry);
}

TEST_F(JwtVerifierTest, RejectsMissingScope) {
    auto payload = claims();
    payload["scope"] = "openid service-tests:read";
    EXPECT_EQ(verify(rs256(payload)).failure.reason, failure_reason::missing_scope);
}

TEST_F(JwtVerifierTest, AcceptsScopeInScpArray) {
    auto payload = claims();
    payload.erase("scope");
    payload["scp"] = {"openid", scope};
    const auto result = verify(rs256(payload));
    ASSERT_TRUE(result.ok()) << result.failure.detail;
    EXPECT_EQ(result.token->scopes, (std::vector<std::string>{"openid", scope}));
}

TEST_F(JwtVerifierTest, FallsBackToAzpForIdentity) {
    auto payload = claims();
    payload.erase("client_id");
    payload["azp"] = "gateway-azp";
    payload["sub"] = "gateway-sub";
    const auto result = verify(rs256(payload));
    ASSERT_TRUE(result.ok()) << result.failure.detail;
    EXPECT_EQ(result.token->identity, "gateway-azp");
}

TEST_F(JwtVerifierTest, FallsBackToSubForIdentity) {
    auto payload = claims();
    payload.erase("client_id");
    payload["sub"] = "gateway-sub";
    const auto result = verify(rs256(payload));
    ASSERT_TRUE(result.ok()) << result.failure.detail;
    EXPECT_EQ(result.token->identity, "gateway-sub");
}

TEST_F(JwtVerifierTest, RejectsTokenWithoutIdentity) {
    auto payload = claims();
    payload.erase("client_id");
    EXPECT_EQ(verify(rs256(payload)).failure.reason, failure_reason::missing_identity);
}

TEST_F(JwtVerifierTest, RejectsTruncatedRsaSignature) {
    EXPECT_EQ(verify(with_shorter_signature(rs256(claims()), 1)).failure.reason,
              failure_reason::bad_signature);
}

TEST_F(JwtVerifierTest, RejectsPs256WithoutLeadingZero) {
    // PSS signatures are randomised, so about one in 256 starts with a zero byte. Without it
    // the integer is the same, and OpenSSL alone would accept the shorter encoding.
    std::string token;
    for (int attempt = 0; attempt < 5000; ++attempt) {
        token = rsa_key().sign("PS256", header("PS256", rsa_key().kid()), claims().dump());
        const auto signature = *core::base64url_decode(token.substr(token.rfind('.') + 1));
        if (signature.front() == '\0') {
            token = token.substr(0, token.rfind('.') + 1) +
                    core::base64url_encode(std::string_view(signature).substr(1));
            break;
        }
        token.clear();
    }
    ASSERT_FALSE(token.empty()) << "no signature with a leading zero byte in 5000 attempts";
    EXPECT_EQ(verify(token).failure.reason, failure_reason::bad_signature);
}

TEST_F(JwtVerifierTest, RejectsTruncatedEs256Signature) {
    const auto token = ec_key().sign("ES256", header("ES256", ec_key().kid()), claims().dump());
    EXPECT_EQ(verify(with_shorter_signature(token, 1)).failure.reason,
              failure_reason::bad_signature);
}

TEST_F(JwtVerifierTest, RejectsPaddedBase64) {
    const auto token = rs256(claims());
    const auto first_dot = token.find('.');
    const std::string padding((4 - first_dot % 4) % 4, '=');
    ASSERT_FALSE(padding.empty()) << "the header must not encode to a multiple of 4 characters";
    const auto padded = token.substr(0, first_dot) + padding + token.substr(first_dot);
    EXPECT_EQ(verify(padded).failure.reason, failure_reason::malformed_token);
}

TEST_F(JwtVerifierTest, RejectsExtraDotPart) {
    EXPECT_EQ(verify(rs256(claims()) + ".e30").failure.reason, failure_reason::malformed_token);
}

TEST_F(JwtVerifierTest, RejectsTwoPartToken) {
    const auto token = rs256(claims());
    EXPECT_EQ(verify(token.substr(0, token.rfind('.'))).failure.reason,
              failure_reason::malformed_token);
}

TEST_F(JwtVerifierTest, RejectsHugeToken) {
    auto payload = claims();
    payload["padding"] = std::string(8 * 1024, 'x');
    EXPECT_EQ(verify(rs256(payload)).failure.reason, failure_reason::token_too_large);
}

TEST_F(JwtVerifierTest, RejectsNonJsonHeader) {
    const auto token = rsa_key().sign("RS256", "{alg: RS256}", claims().dump());
    EXPECT_EQ(verify(token).failure.reason, failure_reason::malformed_header);
}

TEST_F(JwtVerifierTest, RejectsNonObjectPayload) {
    const auto token = rsa_key().sign("RS256", header("RS256", rsa_key().kid()), "[1,2]");
    EXPECT_EQ(verify(token).failure.reason, failure_reason::malformed_claims);
}

TEST_F(JwtVerifierTest, RejectsDuplicateClaims) {
    auto payload = claims().dump();
    payload.insert(1, R"("iss":"https://attacker.example.test/",)");
    const auto token = rsa_key().sign("RS256", header("RS256", rsa_key().kid()), payload);
    EXPECT_EQ(verify(token).failure.reason, failure_reason::duplicate_member);
}

TEST_F(JwtVerifierTest, RejectsDuplicateHeaderMembers) {
    const std::string duplicated = R"({"alg":"HS256","alg":"RS256","kid":"rsa-1"})";
    const auto token = rsa_key().sign("RS256", duplicated, claims().dump());
    EXPECT_EQ(verify(token).failure.reason, failure_reason::duplicate_member);
}

TEST_F(JwtVerifierTest, RejectsCriticalHeaderExtension) {
    const std::string with_crit = R"({"alg":"RS256","kid":"rsa-1","crit":["b64"],"b64":false})";
    const auto token = rsa_key().sign("RS256", with_crit, claims().dump());
    EXPECT_EQ(verify(token).failure.reason, failure_reason::unsupported_header_parameter);
}

TEST_F(JwtVerifierTest, RejectsMissingKid) {
    const auto token = rsa_key().sign("RS256", R"({"alg":"RS256"})", claims().dump());
    EXPECT_EQ(verify(token).failure.reason, failure_reason::missing_kid);
}

}  // namespace
}  // namespace linetest::auth
