#include "updates/config.hpp"

#include <gtest/gtest.h>

namespace linetest::updates {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

updates_config parse(const json& section) {
    core::config_reader reader(section, "updates");
    return parse_updates_config(reader);
}

json minimal_section() {
    return json{{"base_url", "https://cvt.fibregateway.com/v1"},
                {"client_id", "supplier-demo"},
                {"client_secret", "s3cr3t"}};
}

std::string error_of(const json& section) {
    try {
        parse(section);
    } catch (const core::config_error& error) {
        return error.what();
    }
    return "";
}

TEST(UpdatesConfigTest, AppliesDefaults) {
    const auto config = parse(minimal_section());
    EXPECT_EQ(config.client_secret.reveal(), "s3cr3t");
    EXPECT_EQ(config.scope, "");
    EXPECT_EQ(config.request_timeout, 10'000ms);
    EXPECT_EQ(config.retry.initial_delay, 1'000ms);
    EXPECT_EQ(config.retry.max_delay, 300'000ms);
    EXPECT_FALSE(config.send_accepted_kci);
    EXPECT_EQ(config.token_refresh_margin, 60'000ms);
}

TEST(UpdatesConfigTest, ReadsEveryKey) {
    auto section = minimal_section();
    section["scope"] = "com.fibregateway.cvt/tenant.all.all";
    section["request_timeout_ms"] = 5000;
    section["retry"] = {{"initial_delay_ms", 200}, {"max_delay_ms", 60000}};
    section["send_accepted_kci"] = true;
    section["ca_file"] = "/etc/linetest/gateway-ca.pem";
    section["token_refresh_margin_ms"] = 120000;
    const auto config = parse(section);
    EXPECT_EQ(config.scope, "com.fibregateway.cvt/tenant.all.all");
    EXPECT_EQ(config.request_timeout, 5000ms);
    EXPECT_EQ(config.retry.initial_delay, 200ms);
    EXPECT_EQ(config.retry.max_delay, 60000ms);
    EXPECT_TRUE(config.send_accepted_kci);
    EXPECT_EQ(config.ca_file, "/etc/linetest/gateway-ca.pem");
    EXPECT_EQ(config.token_refresh_margin, 120000ms);
}

TEST(UpdatesConfigTest, BuildsEndpointUrls) {
    const auto config = parse(minimal_section());
    EXPECT_EQ(config.kcis_url().to_string(), "https://cvt.fibregateway.com/v1/kcis");
    EXPECT_EQ(config.token_url().to_string(),
              "https://cvt.fibregateway.com/v1/auth/supplier/access-token");
}

TEST(UpdatesConfigTest, RejectsMissingSecret) {
    auto section = minimal_section();
    section.erase("client_secret");
    EXPECT_EQ(error_of(section), "updates.client_secret: is required");
}

TEST(UpdatesConfigTest, RejectsMaxDelayBelowInitialDelay) {
    auto section = minimal_section();
    section["retry"] = {{"initial_delay_ms", 5000}, {"max_delay_ms", 1000}};
    EXPECT_EQ(error_of(section),
              "updates.retry.max_delay_ms: must be at least initial_delay_ms (5000), got 1000");
}

TEST(UpdatesConfigTest, RejectsPlainHttpToRemoteHost) {
    auto section = minimal_section();
    section["base_url"] = "http://cvt.fibregateway.com/v1";
    EXPECT_NE(error_of(section).find("updates.base_url: must use https"), std::string::npos);
}

TEST(UpdatesConfigTest, AcceptsPlainHttpToLoopback) {
    auto section = minimal_section();
    section["base_url"] = "http://127.0.0.1:8080/v1";
    EXPECT_EQ(parse(section).kcis_url().to_string(), "http://127.0.0.1:8080/v1/kcis");
}

TEST(UpdatesConfigTest, RejectsMalformedBaseUrl) {
    auto section = minimal_section();
    section["base_url"] = "ftp://gateway/v1";
    EXPECT_NE(error_of(section).find("updates.base_url: URL 'ftp://gateway/v1'"),
              std::string::npos);
}

TEST(UpdatesConfigTest, RejectsUnknownKey) {
    auto section = minimal_section();
    section["retries"] = 3;
    EXPECT_NE(error_of(section).find("updates.retries"), std::string::npos);
}

}  // namespace
}  // namespace linetest::updates
