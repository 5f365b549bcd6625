#include "ont_location.hpp"

#include <gtest/gtest.h>

namespace linetest::gpon {
namespace {

TEST(HuaweiIfIndexTest, Slot1Port1) { EXPECT_EQ(huawei_port_if_index(1, 1), 4194312448U); }

TEST(HuaweiIfIndexTest, RejectsPortBeyond31) {
    EXPECT_FALSE(huawei_port_if_index(1, 32).has_value());
}

TEST(HuaweiIfIndexTest, RejectsSlotBeyond32Bits) {
    EXPECT_FALSE(huawei_port_if_index(20000, 0).has_value());
}

TEST(ResolveOntLocationTest, ReadsPortIfIndexAbove2To31) {
    auto result = resolve_ont_location({{"port_if_index", "4194312448"}, {"ont_id", "5"}});
    ASSERT_TRUE(result.location.has_value()) << result.error;
    EXPECT_EQ(result.location->port_if_index, 4194312448U);
    EXPECT_EQ(result.location->ont_id, 5U);
}

TEST(ResolveOntLocationTest, ComputesFromFrameSlotPort) {
    auto result =
        resolve_ont_location({{"frame", "0"}, {"slot", "1"}, {"port", "1"}, {"ont_id", "5"}});
    ASSERT_TRUE(result.location.has_value()) << result.error;
    EXPECT_EQ(result.location->port_if_index, 4194312448U);
}

TEST(ResolveOntLocationTest, RejectsNonZeroFrame) {
    auto result =
        resolve_ont_location({{"frame", "1"}, {"slot", "1"}, {"port", "1"}, {"ont_id", "5"}});
    EXPECT_FALSE(result.location.has_value());
}

TEST(ResolveOntLocationTest, RejectsMissingOntId) {
    auto result = resolve_ont_location({{"port_if_index", "4194312448"}});
    EXPECT_FALSE(result.location.has_value());
    EXPECT_NE(result.error.find("ont_id"), std::string::npos);
}

TEST(ResolveOntLocationTest, RejectsNegativeIfIndex) {
    auto result = resolve_ont_location({{"port_if_index", "-100"}, {"ont_id", "5"}});
    EXPECT_FALSE(result.location.has_value());
}

TEST(ResolveOntLocationTest, RejectsIfIndexBeyond32Bits) {
    auto result = resolve_ont_location({{"port_if_index", "4294967296"}, {"ont_id", "5"}});
    EXPECT_FALSE(result.location.has_value());
}

TEST(ResolveOntLocationTest, RejectsSlotWithoutPort) {
    auto result = resolve_ont_location({{"slot", "1"}, {"ont_id", "5"}});
    EXPECT_FALSE(result.location.has_value());
}

TEST(ResolveOntLocationTest, ZteReadsPonIfIndex) {
    auto result =
        resolve_ont_location({{"pon_if_index", "268566528"}, {"ont_id", "5"}}, olt_vendor::zte);
    ASSERT_TRUE(result.location.has_value()) << result.error;
    EXPECT_EQ(result.location->port_if_index, 268566528U);
    EXPECT_EQ(result.location->ont_id, 5U);
}

TEST(ResolveOntLocationTest, ZteIgnoresHuaweiSlotAndPort) {
    auto result =
        resolve_ont_location({{"slot", "1"}, {"port", "1"}, {"ont_id", "5"}}, olt_vendor::zte);
    EXPECT_FALSE(result.location.has_value());
    EXPECT_NE(result.error.find("pon_if_index"), std::string::npos);
}

TEST(ResolveOntLocationTest, ZteRejectsNonNumericPonIfIndex) {
    auto result = resolve_ont_location({{"pon_if_index", "gpon-olt_1/3/1"}, {"ont_id", "5"}},
                                       olt_vendor::zte);
    EXPECT_FALSE(result.location.has_value());
}

TEST(VendorForProfileTest, MapsZteProfiles) {
    EXPECT_EQ(vendor_for_profile("zte-c300"), olt_vendor::zte);
    EXPECT_EQ(vendor_for_profile("zte-c320"), olt_vendor::zte);
}

TEST(VendorForProfileTest, MapsHuaweiProfiles) {
    EXPECT_EQ(vendor_for_profile("huawei-ma5800"), olt_vendor::huawei);
}

TEST(VendorForProfileTest, RejectsOtherProfile) {
    EXPECT_FALSE(vendor_for_profile("zte-c600").has_value());
}

}  // namespace
}  // namespace linetest::gpon
