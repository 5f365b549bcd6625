// HTTP Basic authentication against the real linetestd, with password hashes made by
// `linetestd --hash-password`.
#include "security_fixture.hpp"

#include "auth/password_hash.hpp"
#include "core/base64.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

namespace linetest::security_tests {
namespace {

namespace ts = test_support;
using json = nlohmann::json;
using boost::beast::http::verb;

constexpr const char* gateway_password = "basic-gateway-password-7Qx";
constexpr const char* ops_password = "basic-ops-password-M3v";

// Runs `linetestd --hash-password` with `password` on stdin and returns its stdout.
std::string hash_with_cli(const std::string& password) {
    const std::string command =
        "printf '%s\\n' '" + password + "' | '" + LINETEST_DAEMON_PATH + "' --hash-password";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    if (!pipe) {
        throw std::runtime_error("cannot run " + command);
    }
    std::string out;
    std::array<char, 256> buffer{};
    while (fgets(buffer.data(), static_cast<int>(buffer.size()), pipe.get()) != nullptr) {
        out += buffer.data();
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
        out.pop_back();
    }
    return out;
}

std::string basic(const std::string& user, const std::string& password) {
    return "Basic " + core::base64_encode(user + ":" + password);
}

class BasicAuthTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        daemon_options options;
        options.auth = {
            {"mode", "basic"},
            {"basic",
             {{"users",
               {{{"user", "gateway"}, {"password_hash", hash_with_cli(gateway_password)}},
                {{"user", "ops"}, {"password_hash", hash_with_cli(ops_password)}}}}}},
            {"clients",
             {{{"id", "gateway"}, {"tenants", {"ACME"}}}, {{"id", "ops"}, {"tenants", {"OTHER"}}}}}};
        daemon_ = new daemon_process(options);
        started_ = daemon_->start();
    }

    static void TearDownTestSuite() { delete daemon_; }

    void SetUp() override { ASSERT_TRUE(started_) << tail(daemon_->log()); }

    static ts::http_response post(const std::string& authorization,
                                  const std::string& tenant = "ACME") {
        return daemon_->plain_client().request(verb::post, "/service-tests",
                                               request_headers(authorization, tenant),
                                               request_body(tenant));
    }

    static void expect_rejected(const ts::http_response& response, unsigned status = 401) {
        EXPECT_EQ(response.status, status) << response.body;
        EXPECT_EQ(envelope_mismatch(response.body, "NOT_AUTHORISED"), "");
    }

    static daemon_process* daemon_;
    static bool started_;
};

daemon_process* BasicAuthTest::daemon_ = nullptr;
bool BasicAuthTest::started_ = false;

TEST(HashPasswordCliTest, PrintsVerifiableHash) {
    const auto text = hash_with_cli("cli-password");
    const auto parsed = auth::parse_password_hash(text);
    ASSERT_TRUE(parsed.value.has_value()) << parsed.error << ": " << text;
    EXPECT_TRUE(auth::verify_password(*parsed.value, "cli-password"));
}

TEST_F(BasicAuthTest, AcceptsCorrectPassword) {
    const auto response = post(basic("gateway", gateway_password));
    EXPECT_EQ(response.status, 201u) << response.body << tail(daemon_->log());
}

TEST_F(BasicAuthTest, RejectsWrongPassword) {
    expect_rejected(post(basic("gateway", "not-the-password")));
}

TEST_F(BasicAuthTest, RejectsAnotherUsersPassword) {
    expect_rejected(post(basic("gateway", ops_password)));
}

TEST_F(BasicAuthTest, RejectsUnknownUser) {
    expect_rejected(post(basic("intruder", gateway_password)));
}

TEST_F(BasicAuthTest, RejectsEmptyPassword) {
    expect_rejected(post(basic("gateway", "")));
}

TEST_F(BasicAuthTest, RejectsCredentialsWithoutColon) {
    expect_rejected(post("Basic " + core::base64_encode(std::string("gateway") + gateway_password)));
}

TEST_F(BasicAuthTest, RejectsInvalidBase64) {
    expect_rejected(post("Basic !!not-base64!!"));
}

TEST_F(BasicAuthTest, RejectsBearerScheme) {
    expect_rejected(post("Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln"));
}

TEST_F(BasicAuthTest, ForbidsTenantNotPermitted) {
    expect_rejected(post(basic("ops", ops_password), "ACME"), 403);
}

}  // namespace
}  // namespace linetest::security_tests
