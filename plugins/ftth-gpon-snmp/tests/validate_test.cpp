#include "gpon_plugin.hpp"

#include <gtest/gtest.h>

namespace linetest::gpon {
namespace {

sdk::equipment_target valid_target() {
    sdk::equipment_target target;
    target.node = "192.0.2.10";
    target.profile = "huawei-ma5800";
    target.attributes = {{"port_if_index", "4194312448"}, {"ont_id", "5"}};
    target.credentials = {{"community", "olt/healthy"}};
    return target;
}

std::vector<std::string> validate(const sdk::equipment_target& target) {
    gpon_plugin plugin(sdk::plugin_setup{});
    sdk::service_test_request request;
    request.id = 1;
    request.problem_type = "OUTAGE";
    return plugin.validate(request, target);
}

TEST(GponValidateTest, AcceptsValidTarget) { EXPECT_TRUE(validate(valid_target()).empty()); }

TEST(GponValidateTest, AcceptsMa5600tWithSlotAndPort) {
    auto target = valid_target();
    target.profile = "huawei-ma5600t";
    target.attributes = {{"slot", "1"}, {"port", "1"}, {"ont_id", "5"}, {"optics_class", "C+"}};
    EXPECT_TRUE(validate(target).empty());
}

TEST(GponValidateTest, AcceptsZteWithPonIfIndex) {
    auto target = valid_target();
    target.profile = "zte-c300";
    target.attributes = {{"pon_if_index", "268566528"}, {"ont_id", "5"}};
    EXPECT_TRUE(validate(target).empty());
}

TEST(GponValidateTest, RejectsZteWithoutPonIfIndex) {
    auto target = valid_target();
    target.profile = "zte-c320";
    EXPECT_EQ(validate(target).size(), 1U);
}

TEST(GponValidateTest, RejectsMissingNode) {
    auto target = valid_target();
    target.node.clear();
    EXPECT_EQ(validate(target).size(), 1U);
}

TEST(GponValidateTest, RejectsMissingLocation) {
    auto target = valid_target();
    target.attributes.erase("port_if_index");
    EXPECT_EQ(validate(target).size(), 1U);
}

TEST(GponValidateTest, RejectsUnknownProfile) {
    auto target = valid_target();
    target.profile = "nokia-isam";
    EXPECT_EQ(validate(target).size(), 1U);
}

TEST(GponValidateTest, RejectsUnknownOpticsClass) {
    auto target = valid_target();
    target.attributes["optics_class"] = "D+";
    EXPECT_EQ(validate(target).size(), 1U);
}

TEST(GponValidateTest, RejectsMissingCredentials) {
    auto target = valid_target();
    target.credentials.clear();
    EXPECT_EQ(validate(target).size(), 1U);
}

TEST(GponValidateTest, RejectsUnknownAuthProtocol) {
    auto target = valid_target();
    target.credentials = {
        {"user", "tester"}, {"auth_protocol", "SHA512"}, {"auth_key", "authkey123"}};
    EXPECT_EQ(validate(target).size(), 1U);
}

TEST(GponValidateTest, ReasonsNameNoAddressOrIndex) {
    auto target = valid_target();
    target.profile = "other";
    target.attributes["optics_class"] = "D+";
    target.attributes.erase("ont_id");
    for (const auto& reason : validate(target)) {
        EXPECT_EQ(reason.find("192.0.2.10"), std::string::npos) << reason;
        EXPECT_EQ(reason.find("4194312448"), std::string::npos) << reason;
        EXPECT_EQ(reason.find("other"), std::string::npos) << reason;
    }
}

TEST(GponPluginTest, RejectsInvalidConfig) {
    sdk::plugin_setup setup;
    setup.config = nlohmann::json{{"retries", -1}};
    EXPECT_THROW(gpon_plugin{setup}, std::invalid_argument);
}

}  // namespace
}  // namespace linetest::gpon
