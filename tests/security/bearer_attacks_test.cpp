// Attacks on bearer JWT authentication, each against the real linetestd. Every rejected case
// must get 401 with the generic NOT_AUTHORISED envelope, whatever the reason, so a caller
// cannot probe which check failed.
#include "security_fixture.hpp"
#include "test_signer.hpp"

#include "core/base64.hpp"

#include "linetest/test_support/free_port.hpp"
#include "linetest/test_support/peer_paths.hpp"
#include "linetest/test_support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>

namespace linetest::security_tests {
namespace {

namespace ts = test_support;
using auth::test_support::rsa_key;
using auth::test_support::second_rsa_key;
using json = nlohmann::json;
using boost::beast::http::verb;

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

void write_jwks(const std::filesystem::path& file, const json& keys) {
    std::ofstream(file, std::ios::trunc) << json{{"keys", keys}}.dump();
}

// The real OAuth2 server issues the tokens of the accepted cases. Its JWKS, plus the key this
// suite forges with, is served from a file the suite controls, so forged tokens reach the
// signature check instead of stopping at an unknown kid.
struct bearer_environment {
    ts::temp_dir dir{"linetest-bearer"};
    std::optional<ts::oauth_server> oauth;
    std::optional<file_server> jwks_server;
    std::unique_ptr<daemon_process> daemon;
    json oauth_keys;

    json auth_section() const {
        return {{"mode", "bearer"},
                {"bearer",
                 {{"issuer", oauth->issuer},
                  {"audience", "linetestd"},
                  {"jwks_url", jwks_server->url()},
                  {"required_scope", "service-tests"},
                  {"unknown_kid_min_interval_ms", 1000}}},
                {"clients",
                 {{{"id", "gateway"}, {"tenants", {"ACME"}}},
                  {{"id", "other-client"}, {"tenants", {"OTHER"}}}}}};
    }
};

bearer_environment* start_environment() {
    auto environment = std::make_unique<bearer_environment>();
    ts::oauth_server_options oauth_options;
    oauth_options.audience = "linetestd";
    oauth_options.client_id = "gateway";
    environment->oauth.emplace(ts::start_oauth_server(environment->dir.path(), oauth_options));
    const auto jwks = ts::http_test_client("127.0.0.1", environment->oauth->port)
                          .request(verb::get, "/jwks");
    environment->oauth_keys = json::parse(jwks.body).at("keys");
    auto keys = environment->oauth_keys;
    keys.push_back(rsa_key().jwk());
    write_jwks(environment->dir / "jwks.json", keys);
    environment->jwks_server.emplace(environment->dir.path(), environment->dir / "jwks.json");
    daemon_options options;
    options.auth = environment->auth_section();
    environment->daemon = std::make_unique<daemon_process>(options);
    if (!environment->daemon->start()) {
        throw std::runtime_error("linetestd did not start: " + tail(environment->daemon->log()));
    }
    return environment.release();
}

class BearerAttackTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (ts::peers_unavailable_reason()) {
            return;
        }
        environment_ = start_environment();
    }

    static void TearDownTestSuite() {
        delete environment_;
        environment_ = nullptr;
    }

    void SetUp() override {
        if (auto why = ts::peers_unavailable_reason()) {
            GTEST_SKIP() << *why;
        }
        ASSERT_NE(environment_, nullptr);
    }

    static json claims() {
        return {{"iss", environment_->oauth->issuer},
                {"aud", "linetestd"},
                {"iat", now_seconds()},
                {"exp", now_seconds() + 300},
                {"client_id", "gateway"},
                {"scope", "service-tests"}};
    }

    static json header() { return {{"alg", "RS256"}, {"kid", rsa_key().kid()}, {"typ", "JWT"}}; }

    static std::string forge(const json& header_value, const json& claims_value) {
        return rsa_key().sign("RS256", header_value.dump(), claims_value.dump());
    }

    static std::string real_token() {
        return environment_->oauth->client_credentials_token("gateway", "gateway-secret");
    }

    static ts::http_response post(const ts::http_headers& headers,
                                  const std::string& tenant = "ACME") {
        return environment_->daemon->plain_client().request(verb::post, "/service-tests",
                                                            headers, request_body(tenant));
    }

    static ts::http_response post_bearer(const std::string& token,
                                         const std::string& tenant = "ACME") {
        return post(request_headers("Bearer " + token, tenant), tenant);
    }

    static void expect_rejected(const ts::http_response& response, unsigned status = 401) {
        EXPECT_EQ(response.status, status) << response.body;
        EXPECT_EQ(envelope_mismatch(response.body, "NOT_AUTHORISED"), "");
    }

    static bearer_environment* environment_;
};

bearer_environment* BearerAttackTest::environment_ = nullptr;

TEST_F(BearerAttackTest, AcceptsRealOAuthToken) {
    const auto response = post_bearer(real_token());
    EXPECT_EQ(response.status, 201u) << response.body << tail(environment_->daemon->log());
}

TEST_F(BearerAttackTest, AcceptsForgedTokenWithTrustedKey) {
    // The control case: without it every rejection below could come from a broken setup.
    const auto response = post_bearer(forge(header(), claims()));
    EXPECT_EQ(response.status, 201u) << response.body;
}

TEST_F(BearerAttackTest, AcceptsLowerCaseScheme) {
    // RFC 7235 section 2.1: the scheme name is case-insensitive, so "bearer" is the same scheme.
    const auto response = post(request_headers("bearer " + real_token()));
    EXPECT_EQ(response.status, 201u) << response.body;
}

TEST_F(BearerAttackTest, RejectsMissingAuthorization) {
    expect_rejected(post(request_headers("")));
}

TEST_F(BearerAttackTest, RejectsAlgNone) {
    auto forged_header = header();
    forged_header["alg"] = "none";
    const auto token = core::base64url_encode(forged_header.dump()) + "." +
                       core::base64url_encode(claims().dump()) + ".";
    expect_rejected(post_bearer(token));
}

TEST_F(BearerAttackTest, RejectsHs256SignedWithPublicKey) {
    auto forged_header = header();
    forged_header["alg"] = "HS256";
    const auto token = auth::test_support::sign_hs256(rsa_key().public_key_der(),
                                                      forged_header.dump(), claims().dump());
    expect_rejected(post_bearer(token));
}

TEST_F(BearerAttackTest, RejectsUnknownKid) {
    auto forged_header = header();
    forged_header["kid"] = "not-a-published-kid";
    expect_rejected(post_bearer(forge(forged_header, claims())));
}

TEST_F(BearerAttackTest, RejectsAbsentKid) {
    auto forged_header = header();
    forged_header.erase("kid");
    expect_rejected(post_bearer(forge(forged_header, claims())));
}

TEST_F(BearerAttackTest, RejectsKidOfAnotherKey) {
    // Signed with a key the JWKS does not hold, but naming the kid of one it does.
    const auto token = second_rsa_key().sign("RS256", header().dump(), claims().dump());
    expect_rejected(post_bearer(token));
}

TEST_F(BearerAttackTest, RejectsJkuPointingAtAttackerKeys) {
    auto forged_header = header();
    forged_header["kid"] = second_rsa_key().kid();
    forged_header["jku"] = "http://127.0.0.1:1/attacker-jwks";
    const auto token = second_rsa_key().sign("RS256", forged_header.dump(), claims().dump());
    expect_rejected(post_bearer(token));
}

TEST_F(BearerAttackTest, RejectsEmbeddedJwk) {
    auto forged_header = header();
    forged_header["kid"] = second_rsa_key().kid();
    forged_header["jwk"] = second_rsa_key().jwk();
    const auto token = second_rsa_key().sign("RS256", forged_header.dump(), claims().dump());
    expect_rejected(post_bearer(token));
}

TEST_F(BearerAttackTest, RejectsExpiredToken) {
    auto expired = claims();
    expired["iat"] = now_seconds() - 3600;
    expired["exp"] = now_seconds() - 600;
    expect_rejected(post_bearer(forge(header(), expired)));
}

TEST_F(BearerAttackTest, RejectsTokenNotYetValid) {
    auto early = claims();
    early["nbf"] = now_seconds() + 3600;
    early["exp"] = now_seconds() + 7200;
    expect_rejected(post_bearer(forge(header(), early)));
}

TEST_F(BearerAttackTest, RejectsTokenIssuedInFuture) {
    auto future = claims();
    future["iat"] = now_seconds() + 3600;
    future["exp"] = now_seconds() + 7200;
    expect_rejected(post_bearer(forge(header(), future)));
}

TEST_F(BearerAttackTest, RejectsTokenWithoutExpiry) {
    auto forever = claims();
    forever.erase("exp");
    expect_rejected(post_bearer(forge(header(), forever)));
}

TEST_F(BearerAttackTest, RejectsWrongIssuer) {
    auto forged = claims();
    forged["iss"] = "http://127.0.0.1:1";
    expect_rejected(post_bearer(forge(header(), forged)));
}

TEST_F(BearerAttackTest, RejectsWrongAudience) {
    auto forged = claims();
    forged["aud"] = "another-service";
    expect_rejected(post_bearer(forge(header(), forged)));
}

TEST_F(BearerAttackTest, RejectsMissingScope) {
    auto forged = claims();
    forged["scope"] = "service-tests:read openid";
    expect_rejected(post_bearer(forge(header(), forged)));
}

TEST_F(BearerAttackTest, RejectsTruncatedSignature) {
    auto token = forge(header(), claims());
    token.resize(token.size() - 4);
    expect_rejected(post_bearer(token));
}

TEST_F(BearerAttackTest, RejectsPaddedSignature) {
    expect_rejected(post_bearer(forge(header(), claims()) + "AAAA"));
}

TEST_F(BearerAttackTest, RejectsBase64PaddingCharacters) {
    expect_rejected(post_bearer(forge(header(), claims()) + "=="));
}

TEST_F(BearerAttackTest, RejectsTamperedPayload) {
    const auto token = forge(header(), claims());
    const auto first_dot = token.find('.');
    const auto second_dot = token.find('.', first_dot + 1);
    auto widened = claims();
    widened["client_id"] = "other-client";
    const auto tampered = token.substr(0, first_dot + 1) +
                          core::base64url_encode(widened.dump()) + token.substr(second_dot);
    expect_rejected(post_bearer(tampered));
}

TEST_F(BearerAttackTest, RejectsPs256SignatureUnderRs256Header) {
    const auto token = rsa_key().sign("PS256", header().dump(), claims().dump());
    expect_rejected(post_bearer(token));
}

TEST_F(BearerAttackTest, RejectsHugeToken) {
    auto bloated = claims();
    bloated["padding"] = std::string(20000, 'x');
    expect_rejected(post_bearer(forge(header(), bloated)));
}

TEST_F(BearerAttackTest, RejectsNonJsonHeader) {
    const auto token = rsa_key().sign("RS256", "{alg: RS256, not json", claims().dump());
    expect_rejected(post_bearer(token));
}

TEST_F(BearerAttackTest, RejectsDuplicateClaims) {
    // A lenient parser keeps the last "client_id" and would grant the other client's rights.
    auto text = claims().dump();
    text.insert(text.size() - 1, R"(,"client_id":"other-client")");
    expect_rejected(post_bearer(rsa_key().sign("RS256", header().dump(), text)));
}

TEST_F(BearerAttackTest, RejectsDuplicateHeaderAlg) {
    const std::string text =
        R"({"alg":"RS256","kid":")" + rsa_key().kid() + R"(","alg":"none"})";
    expect_rejected(post_bearer(rsa_key().sign("RS256", text, claims().dump())));
}

TEST_F(BearerAttackTest, RejectsCritHeader) {
    auto forged_header = header();
    forged_header["crit"] = {"exp"};
    expect_rejected(post_bearer(forge(forged_header, claims())));
}

TEST_F(BearerAttackTest, RejectsTwoAuthorizationHeaders) {
    auto headers = request_headers("Bearer " + real_token());
    headers.emplace_back("Authorization", "Bearer not-a-token");
    expect_rejected(post(headers));
}

TEST_F(BearerAttackTest, RejectsBasicSchemeInBearerMode) {
    expect_rejected(post(request_headers("Basic Z2F0ZXdheTpwYXNzd29yZA==")));
}

TEST_F(BearerAttackTest, RejectsEmptyBearerToken) {
    expect_rejected(post(request_headers("Bearer ")));
}

TEST_F(BearerAttackTest, RejectsTwoTokensInOneHeader) {
    const auto token = real_token();
    expect_rejected(post(request_headers("Bearer " + token + " " + token)));
}

TEST_F(BearerAttackTest, ForbidsTenantNotPermitted) {
    expect_rejected(post_bearer(real_token(), "OTHER"), 403);
}

TEST_F(BearerAttackTest, ForbidsUnlistedClient) {
    auto stranger = claims();
    stranger["client_id"] = "stranger";
    expect_rejected(post_bearer(forge(header(), stranger)), 403);
}

TEST(BearerKeyRotationTest, AcceptsTokenFromNewKeyAfterJwksChange) {
    if (auto why = ts::peers_unavailable_reason()) {
        GTEST_SKIP() << *why;
    }
    ts::temp_dir dir("linetest-rotation");
    const auto jwks_file = dir / "jwks.json";
    write_jwks(jwks_file, json::array({rsa_key().jwk()}));
    const file_server jwks_server(dir.path(), jwks_file);
    daemon_options options;
    options.auth = {{"mode", "bearer"},
                    {"bearer",
                     {{"issuer", "https://idp.rotation.test/"},
                      {"audience", "linetestd"},
                      {"jwks_url", jwks_server.url()},
                      {"required_scope", "service-tests"}}},
                    {"clients", {{{"id", "gateway"}, {"tenants", {"ACME"}}}}}};
    daemon_process daemon(options);
    ASSERT_TRUE(daemon.start()) << tail(daemon.log());
    const json claims = {{"iss", "https://idp.rotation.test/"},
                         {"aud", "linetestd"},
                         {"exp", now_seconds() + 300},
                         {"client_id", "gateway"},
                         {"scope", "service-tests"}};
    const json new_header = {{"alg", "RS256"}, {"kid", second_rsa_key().kid()}};
    const auto new_token = second_rsa_key().sign("RS256", new_header.dump(), claims.dump());

    // The identity provider rotates: the old key leaves, the new one arrives.
    write_jwks(jwks_file, json::array({second_rsa_key().jwk()}));
    const auto response = daemon.plain_client().request(
        verb::post, "/service-tests", request_headers("Bearer " + new_token), request_body());
    EXPECT_EQ(response.status, 201u) << response.body << tail(daemon.log());
}

TEST(BearerStartupTest, RefusesToStartWhenJwksIsDown) {
    daemon_options options;
    options.auth = {{"mode", "bearer"},
                    {"bearer",
                     {{"issuer", "https://idp.down.test/"},
                      {"audience", "linetestd"},
                      {"jwks_url", "http://127.0.0.1:" +
                                       std::to_string(ts::free_tcp_port()) + "/jwks"},
                      {"required_scope", "service-tests"}}}};
    daemon_process daemon(options);
    EXPECT_FALSE(daemon.start());
    const auto status = daemon.process().wait_exit(std::chrono::seconds(10));
    ASSERT_TRUE(status.has_value());
    EXPECT_NE(status->code, 0);
    EXPECT_NE(daemon.log().find("cannot load the JWKS"), std::string::npos) << daemon.log();
}

}  // namespace
}  // namespace linetest::security_tests
