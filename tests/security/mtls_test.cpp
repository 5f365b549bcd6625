// Mutual TLS against the real linetestd: the handshake rejects certificates the client CA did
// not issue or that are expired, and the authenticator maps a verified certificate name to
// the tenants in auth.clients.
#include "security_fixture.hpp"

#include "linetest/test_support/temp_dir.hpp"
#include "linetest/test_support/wait.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace linetest::security_tests {
namespace {

namespace ts = test_support;
using json = nlohmann::json;

struct mtls_pki {
    issued_certificate server_ca;
    issued_certificate server;
    issued_certificate client_ca;
    issued_certificate gateway;
    issued_certificate ops;
    issued_certificate stranger;
    issued_certificate expired;
    issued_certificate rogue_ca;
    issued_certificate rogue_gateway;
};

certificate_request ca(const std::string& common_name) {
    certificate_request request;
    request.common_name = common_name;
    request.ca = true;
    return request;
}

certificate_request leaf(const std::string& common_name,
                         std::vector<std::string> dns_names = {},
                         std::vector<std::string> ip_addresses = {}) {
    certificate_request request;
    request.common_name = common_name;
    request.dns_names = std::move(dns_names);
    request.ip_addresses = std::move(ip_addresses);
    return request;
}

mtls_pki make_pki(const std::filesystem::path& dir) {
    mtls_pki pki;
    pki.server_ca = issue_certificate(ca("Test Server CA"), nullptr, dir, "server-ca");
    pki.server = issue_certificate(leaf("127.0.0.1", {"localhost"}, {"127.0.0.1"}), &pki.server_ca,
                                   dir, "server");
    pki.client_ca = issue_certificate(ca("Test Client CA"), nullptr, dir, "client-ca");
    pki.gateway =
        issue_certificate(leaf("Gateway", {"gateway.test"}), &pki.client_ca, dir, "gateway");
    pki.ops = issue_certificate(leaf("ops.test"), &pki.client_ca, dir, "ops");
    pki.stranger =
        issue_certificate(leaf("stranger.test", {"stranger.test"}), &pki.client_ca, dir, "stranger");
    auto expired = leaf("Gateway", {"gateway.test"});
    expired.not_before_offset = -7200;
    expired.not_after_offset = -3600;
    pki.expired = issue_certificate(expired, &pki.client_ca, dir, "expired");
    pki.rogue_ca = issue_certificate(ca("Test Client CA"), nullptr, dir, "rogue-ca");
    pki.rogue_gateway =
        issue_certificate(leaf("Gateway", {"gateway.test"}), &pki.rogue_ca, dir, "rogue-gateway");
    return pki;
}

json mtls_auth(const std::filesystem::path& client_ca_file) {
    return {{"mode", "mtls"},
            {"tls", {{"client_ca_file", client_ca_file}}},
            {"clients",
             {{{"id", "gateway.test"}, {"tenants", {"ACME"}}},
              {{"id", "ops.test"}, {"tenants", {"OTHER"}}}}}};
}

class MtlsTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new ts::temp_dir("linetest-mtls");
        pki_ = new mtls_pki(make_pki(dir_->path()));
        daemon_options options;
        options.auth = mtls_auth(pki_->client_ca.certificate_file);
        options.server_certificate = &pki_->server;
        daemon_ = new daemon_process(options);
        started_ = daemon_->start();
    }

    static void TearDownTestSuite() {
        delete daemon_;
        delete pki_;
        delete dir_;
    }

    void SetUp() override { ASSERT_TRUE(started_) << tail(daemon_->log()); }

    static tls_exchange post_as(const issued_certificate* client,
                                const std::string& tenant = "ACME",
                                const std::string& authorization = "") {
        tls_client_settings settings;
        settings.server_ca_file = pki_->server_ca.certificate_file;
        if (client != nullptr) {
            settings.client_certificate_file = client->certificate_file;
            settings.client_key_file = client->key_file;
        }
        return https_post(daemon_->tls_port(), settings, request_headers(authorization, tenant),
                          request_body(tenant));
    }

    static ts::temp_dir* dir_;
    static mtls_pki* pki_;
    static daemon_process* daemon_;
    static bool started_;
};

ts::temp_dir* MtlsTest::dir_ = nullptr;
mtls_pki* MtlsTest::pki_ = nullptr;
daemon_process* MtlsTest::daemon_ = nullptr;
bool MtlsTest::started_ = false;

TEST_F(MtlsTest, AcceptsListedClientCertificate) {
    const auto exchange = post_as(&pki_->gateway);
    EXPECT_EQ(exchange.status, 201u) << exchange.error << exchange.body << tail(daemon_->log());
}

TEST_F(MtlsTest, AcceptsListedCommonName) {
    const auto exchange = post_as(&pki_->ops, "OTHER");
    EXPECT_EQ(exchange.status, 201u) << exchange.error << exchange.body;
}

TEST_F(MtlsTest, RejectsConnectionWithoutCertificate) {
    const auto exchange = post_as(nullptr);
    EXPECT_EQ(exchange.status, 0u) << exchange.body;
    EXPECT_NE(exchange.error, "");
}

TEST_F(MtlsTest, RejectsCertificateFromWrongCa) {
    const auto exchange = post_as(&pki_->rogue_gateway);
    EXPECT_EQ(exchange.status, 0u) << exchange.body;
    EXPECT_NE(exchange.error, "");
}

TEST_F(MtlsTest, RejectsExpiredClientCertificate) {
    const auto exchange = post_as(&pki_->expired);
    EXPECT_EQ(exchange.status, 0u) << exchange.body;
    EXPECT_NE(exchange.error, "");
}

TEST_F(MtlsTest, RejectsUnknownClientCertificate) {
    const auto exchange = post_as(&pki_->stranger);
    EXPECT_EQ(exchange.status, 401u) << exchange.error << exchange.body;
    EXPECT_EQ(envelope_mismatch(exchange.body, "NOT_AUTHORISED"), "");
}

TEST_F(MtlsTest, ForbidsTenantNotPermitted) {
    const auto exchange = post_as(&pki_->ops, "ACME");
    EXPECT_EQ(exchange.status, 403u) << exchange.error << exchange.body;
    EXPECT_EQ(envelope_mismatch(exchange.body, "NOT_AUTHORISED"), "");
}

TEST_F(MtlsTest, RejectsBearerHeaderOnPlainListener) {
    // The plain listener has no client certificate, and mtls ignores Authorization.
    const auto response = daemon_->plain_client().request(
        boost::beast::http::verb::post, "/service-tests",
        request_headers("Bearer eyJhbGciOiJub25lIn0.e30."), request_body());
    EXPECT_EQ(response.status, 401u) << response.body;
    EXPECT_EQ(envelope_mismatch(response.body, "NOT_AUTHORISED"), "");
}

TEST(MtlsReloadTest, UsesNewClientCaAfterSighup) {
    ts::temp_dir dir("linetest-mtls-reload");
    const auto pki = make_pki(dir.path());
    const auto active_ca = dir / "active-client-ca.crt";
    std::filesystem::copy_file(pki.client_ca.certificate_file, active_ca);
    daemon_options options;
    options.auth = mtls_auth(active_ca);
    options.server_certificate = &pki.server;
    daemon_process daemon(options);
    ASSERT_TRUE(daemon.start()) << tail(daemon.log());
    tls_client_settings rogue;
    rogue.server_ca_file = pki.server_ca.certificate_file;
    rogue.client_certificate_file = pki.rogue_gateway.certificate_file;
    rogue.client_key_file = pki.rogue_gateway.key_file;
    ASSERT_EQ(https_post(daemon.tls_port(), rogue, request_headers(""), request_body()).status,
              0u);

    std::filesystem::copy_file(pki.rogue_ca.certificate_file, active_ca,
                               std::filesystem::copy_options::overwrite_existing);
    ASSERT_EQ(::kill(daemon.process().pid(), SIGHUP), 0);
    ASSERT_TRUE(ts::poll_until(
        [&] { return daemon.log().find("reloaded TLS certificates") != std::string::npos; },
        std::chrono::seconds(10)))
        << tail(daemon.log());

    const auto exchange = https_post(daemon.tls_port(), rogue, request_headers(""), request_body());
    EXPECT_EQ(exchange.status, 201u) << exchange.error << exchange.body << tail(daemon.log());
}

TEST(MtlsConfigTest, RefusesMtlsWithoutTlsListener) {
    ts::temp_dir dir("linetest-mtls-config");
    const auto client_ca = issue_certificate(ca("Test Client CA"), nullptr, dir.path(), "ca");
    daemon_options options;
    options.auth = mtls_auth(client_ca.certificate_file);
    daemon_process daemon(options);
    EXPECT_FALSE(daemon.start());
    EXPECT_NE(daemon.log().find(R"(needs at least one listener with "tls")"), std::string::npos)
        << daemon.log();
}

TEST(TlsSettingsTest, WarnsAboutCertificateNearExpiry) {
    ts::temp_dir dir("linetest-tls-expiry");
    const auto test_ca = issue_certificate(ca("Test CA"), nullptr, dir.path(), "ca");
    auto soon = leaf("127.0.0.1", {}, {"127.0.0.1"});
    soon.not_after_offset = 10L * 86400;
    const auto server = issue_certificate(soon, &test_ca, dir.path(), "server");
    daemon_options options;
    options.auth = mtls_auth(test_ca.certificate_file);
    options.server_certificate = &server;
    daemon_process daemon(options);
    ASSERT_TRUE(daemon.start()) << tail(daemon.log());
    EXPECT_NE(daemon.log().find("server.crt' expires in "), std::string::npos) << tail(daemon.log());
}

}  // namespace
}  // namespace linetest::security_tests
