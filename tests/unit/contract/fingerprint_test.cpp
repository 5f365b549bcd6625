#include <gtest/gtest.h>

#include <linetest/sdk/types.hpp>

#include "contract/service_test_request.hpp"

namespace linetest::contract {
namespace {

sdk::service_test_request example() {
    sdk::service_test_request request;
    request.id = 23467;
    request.tenant = "ACME";
    request.service_id = "SI2345432345";
    request.specification_id = "ftthl2r";
    request.problem_type = "STABILITY";
    request.characteristics = {{"SERVICE_HAS_WORKED", "true"}, {"EQUIPMENT_TYPE", "ONT"}};
    return request;
}

TEST(FingerprintTest, EqualForEqualRequests) {
    EXPECT_EQ(fingerprint(example()), fingerprint(example()));
}

TEST(FingerprintTest, PinsTheStoredText) {
    // Fingerprints are stored with accepted tests; changing this text breaks replay detection
    // for tests accepted before an upgrade.
    EXPECT_EQ(fingerprint(example()),
              "service-test-v1;id=23467;serviceId=12:SI2345432345;"
              "serviceSpecification.id=7:ftthl2r;problemType=9:STABILITY;characteristics=2;"
              "name=18:SERVICE_HAS_WORKED;value=4:true;name=14:EQUIPMENT_TYPE;value=3:ONT;");
}

TEST(FingerprintTest, DiffersByTestId) {
    auto other = example();
    other.id = 23468;
    EXPECT_NE(fingerprint(example()), fingerprint(other));
}

TEST(FingerprintTest, DiffersByServiceId) {
    auto other = example();
    other.service_id = "SI2345432346";
    EXPECT_NE(fingerprint(example()), fingerprint(other));
}

TEST(FingerprintTest, DiffersBySpecificationId) {
    auto other = example();
    other.specification_id = "ftthl2r-b";
    EXPECT_NE(fingerprint(example()), fingerprint(other));
}

TEST(FingerprintTest, DiffersByProblemType) {
    auto other = example();
    other.problem_type = "OUTAGE";
    EXPECT_NE(fingerprint(example()), fingerprint(other));
}

TEST(FingerprintTest, DiffersByCharacteristicOrder) {
    auto other = example();
    std::swap(other.characteristics[0], other.characteristics[1]);
    EXPECT_NE(fingerprint(example()), fingerprint(other));
}

TEST(FingerprintTest, DiffersByCharacteristicValue) {
    auto other = example();
    other.characteristics[0].value = "false";
    EXPECT_NE(fingerprint(example()), fingerprint(other));
}

TEST(FingerprintTest, DiffersByMissingCharacteristic) {
    auto other = example();
    other.characteristics.pop_back();
    EXPECT_NE(fingerprint(example()), fingerprint(other));
}

TEST(FingerprintTest, DiffersWhenTextMovesAcrossFieldBoundaries) {
    auto first = example();
    first.characteristics = {{"ab", "c"}};
    auto second = example();
    second.characteristics = {{"a", "bc"}};
    EXPECT_NE(fingerprint(first), fingerprint(second));
}

TEST(FingerprintTest, DiffersWhenValueImitatesSeparators) {
    auto first = example();
    first.characteristics = {{"A", "1;name=1:B;value=1:2"}};
    auto second = example();
    second.characteristics = {{"A", "1"}, {"B", "2"}};
    EXPECT_NE(fingerprint(first), fingerprint(second));
}

TEST(FingerprintTest, IgnoresTenantAndSupplierReference) {
    auto other = example();
    other.tenant = "OTHER";
    other.supplier_reference = "ST-2025-000917";
    EXPECT_EQ(fingerprint(example()), fingerprint(other));
}

}  // namespace
}  // namespace linetest::contract
