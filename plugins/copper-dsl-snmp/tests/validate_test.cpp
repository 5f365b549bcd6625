#include "dsl_plugin.hpp"

#include <gtest/gtest.h>

namespace linetest::dsl {
namespace {

sdk::equipment_target valid_target() {
    sdk::equipment_target target;
    target.node = "192.0.2.20";
    target.profile = "vdsl2-rfc5650";
    target.attributes = {{"if_index", "1001"}, {"min_rate_ds_bps", "40000000"}};
    target.credentials = {{"community", "dslam/healthy"}};
    return target;
}

std::vector<std::string> validate(const sdk::equipment_target& target) {
    dsl_plugin plugin(sdk::plugin_setup{});
    sdk::service_test_request request;
    request.id = 1;
    request.problem_type = "SYNCHRONISATION";
    return plugin.validate(request, target);
}

TEST(DslValidateTest, AcceptsValidTarget) { EXPECT_TRUE(validate(valid_target()).empty()); }

TEST(DslValidateTest, AcceptsAdsl2WithV3) {
    auto target = valid_target();
    target.profile = "adsl2-rfc4706";
    target.credentials = {{"user", "tester"},
                          {"auth_protocol", "SHA"},
                          {"auth_key", "authkey123"},
                          {"priv_protocol", "AES"},
                          {"priv_key", "privkey123"}};
    EXPECT_TRUE(validate(target).empty());
}

TEST(DslValidateTest, RejectsMissingNode) {
    auto target = valid_target();
    target.node.clear();
    EXPECT_EQ(validate(target).size(), 1U);
}

TEST(DslValidateTest, RejectsMissingIfIndex) {
    auto target = valid_target();
    target.attributes.erase("if_index");
    EXPECT_EQ(validate(target).size(), 1U);
}

TEST(DslValidateTest, RejectsGponProfile) {
    auto target = valid_target();
    target.profile = "huawei-ma5800";
    EXPECT_EQ(validate(target).size(), 1U);
}

TEST(DslValidateTest, RejectsBadMinimumRate) {
    auto target = valid_target();
    target.attributes["min_rate_ds_bps"] = "fast";
    EXPECT_EQ(validate(target).size(), 1U);
}

TEST(DslValidateTest, RejectsMissingCredentials) {
    auto target = valid_target();
    target.credentials.clear();
    EXPECT_EQ(validate(target).size(), 1U);
}

TEST(DslValidateTest, RejectsShortAuthKey) {
    auto target = valid_target();
    target.credentials = {{"user", "tester"}, {"auth_protocol", "MD5"}, {"auth_key", "short"}};
    EXPECT_EQ(validate(target).size(), 1U);
}

TEST(DslValidateTest, RejectsPrivWithoutAuth) {
    auto target = valid_target();
    target.credentials = {{"user", "tester"}, {"priv_protocol", "AES"}, {"priv_key", "privkey123"}};
    EXPECT_EQ(validate(target).size(), 1U);
}

TEST(DslValidateTest, ReasonsNameNoAddressIndexOrSecret) {
    auto target = valid_target();
    target.profile = "other-profile";
    target.attributes["if_index"] = "99999999999";
    target.credentials = {{"user", "tester"}, {"auth_protocol", "SHA"}, {"auth_key", "secret"}};
    auto reasons = validate(target);
    EXPECT_EQ(reasons.size(), 2U);
    for (const auto& reason : reasons) {
        EXPECT_EQ(reason.find("192.0.2.20"), std::string::npos) << reason;
        EXPECT_EQ(reason.find("99999999999"), std::string::npos) << reason;
        EXPECT_EQ(reason.find("other-profile"), std::string::npos) << reason;
        EXPECT_EQ(reason.find("secret"), std::string::npos) << reason;
    }
}

TEST(DslPluginTest, RejectsInvalidConfig) {
    sdk::plugin_setup setup;
    setup.config = nlohmann::json{{"counter_delta_ms", "2s"}};
    EXPECT_THROW(dsl_plugin{setup}, std::invalid_argument);
}

TEST(DslPluginTest, ReportsNameAndVersion) {
    dsl_plugin plugin(sdk::plugin_setup{});
    EXPECT_EQ(plugin.info().name, "copper-dsl-snmp");
    EXPECT_FALSE(plugin.info().version.empty());
}

}  // namespace
}  // namespace linetest::dsl
