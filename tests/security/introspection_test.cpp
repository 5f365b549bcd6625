// Opaque bearer tokens checked by RFC 7662 introspection through the daemon's HTTP client.
// The OAuth2 test server has no introspection endpoint, so a small Node server written here
// plays the provider: it accepts one client and knows one active token.
#include "security_fixture.hpp"

#include "linetest/test_support/free_port.hpp"
#include "linetest/test_support/peer_paths.hpp"
#include "linetest/test_support/temp_dir.hpp"
#include "linetest/test_support/wait.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <string>

namespace linetest::security_tests {
namespace {

namespace ts = test_support;
using json = nlohmann::json;
using boost::beast::http::verb;

constexpr const char* provider_script = R"(
import http from 'node:http';
const [port, exp] = process.argv.slice(2);
const expected = 'Basic ' + Buffer.from('linetestd:introspection-secret-4Rt').toString('base64');
http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    if (req.method !== 'POST' || req.headers.authorization !== expected) {
      res.writeHead(401); res.end(); return;
    }
    const token = new URLSearchParams(body).get('token');
    const active = token === 'opaque-good-token' || token === 'opaque-other-tenant';
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify(active ? {active: true, iss: 'https://idp.opaque.test/',
      aud: 'linetestd', exp: Number(exp), scope: 'service-tests',
      client_id: token === 'opaque-good-token' ? 'gateway' : 'other-client'} : {active: false}));
  });
}).listen(Number(port), '127.0.0.1');
)";

class IntrospectionDaemonTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (ts::peers_unavailable_reason()) {
            return;
        }
        dir_ = new ts::temp_dir("linetest-introspection");
        std::ofstream(*dir_ / "provider.mjs") << provider_script;
        const auto port = ts::free_tcp_port();
        const auto expiry = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count() +
                            600;
        ts::child_process_options options;
        options.program = *ts::node_executable();
        options.args = {(*dir_ / "provider.mjs").string(), std::to_string(port),
                        std::to_string(expiry)};
        options.log_file = *dir_ / "provider.log";
        provider_ = new ts::child_process(std::move(options));
        ts::wait_for_tcp_port("127.0.0.1", port, std::chrono::seconds(10));

        daemon_options daemon;
        daemon.auth = {
            {"mode", "bearer"},
            {"bearer",
             {{"issuer", "https://idp.opaque.test/"},
              {"audience", "linetestd"},
              {"required_scope", "service-tests"},
              {"introspection_url", "http://127.0.0.1:" + std::to_string(port) + "/introspect"},
              {"introspection_client_id", "linetestd"},
              {"introspection_client_secret", "introspection-secret-4Rt"}}},
            {"clients",
             {{{"id", "gateway"}, {"tenants", {"ACME"}}},
              {{"id", "other-client"}, {"tenants", {"OTHER"}}}}}};
        daemon_ = new daemon_process(daemon);
        started_ = daemon_->start();
    }

    static void TearDownTestSuite() {
        delete daemon_;
        delete provider_;
        delete dir_;
    }

    void SetUp() override {
        if (auto why = ts::peers_unavailable_reason()) {
            GTEST_SKIP() << *why;
        }
        ASSERT_TRUE(started_) << tail(daemon_->log());
    }

    static ts::http_response post(const std::string& token) {
        return daemon_->plain_client().request(verb::post, "/service-tests",
                                               request_headers("Bearer " + token),
                                               request_body());
    }

    static ts::temp_dir* dir_;
    static ts::child_process* provider_;
    static daemon_process* daemon_;
    static bool started_;
};

ts::temp_dir* IntrospectionDaemonTest::dir_ = nullptr;
ts::child_process* IntrospectionDaemonTest::provider_ = nullptr;
daemon_process* IntrospectionDaemonTest::daemon_ = nullptr;
bool IntrospectionDaemonTest::started_ = false;

TEST_F(IntrospectionDaemonTest, AcceptsActiveOpaqueToken) {
    const auto response = post("opaque-good-token");
    EXPECT_EQ(response.status, 201u) << response.body << tail(daemon_->log());
}

TEST_F(IntrospectionDaemonTest, RejectsInactiveOpaqueToken) {
    const auto response = post("opaque-revoked-token");
    EXPECT_EQ(response.status, 401u) << response.body;
    EXPECT_EQ(envelope_mismatch(response.body, "NOT_AUTHORISED"), "");
}

TEST_F(IntrospectionDaemonTest, ForbidsTenantNotPermitted) {
    const auto response = post("opaque-other-tenant");
    EXPECT_EQ(response.status, 403u) << response.body;
    EXPECT_EQ(envelope_mismatch(response.body, "NOT_AUTHORISED"), "");
}

TEST_F(IntrospectionDaemonTest, LogHasNoTokenOrClientSecret) {
    ASSERT_EQ(post("opaque-good-token").status, 201u);
    ASSERT_EQ(post("opaque-revoked-token").status, 401u);
    const auto log = daemon_->log();
    EXPECT_EQ(log.find("opaque-good-token"), std::string::npos);
    EXPECT_EQ(log.find("opaque-revoked-token"), std::string::npos);
    EXPECT_EQ(log.find("introspection-secret-4Rt"), std::string::npos);
}

}  // namespace
}  // namespace linetest::security_tests
