#include "contract/created_response.hpp"

#include <gtest/gtest.h>

#include <linetest/sdk/types.hpp>
#include <nlohmann/json.hpp>

namespace linetest::contract {
namespace {

using nlohmann::json;

sdk::service_test_request accepted() {
    sdk::service_test_request request;
    request.id = 23467;
    request.supplier_reference = "ST-7KQ2M9";
    request.tenant = "ACME";
    request.service_id = "SI2345432345";
    request.specification_id = "ftthl2r";
    request.problem_type = "STABILITY";
    request.characteristics = {{"SERVICE_HAS_WORKED", "true"}};
    return request;
}

TEST(CreatedResponseTest, WritesDocumentedShapeInOrder) {
    EXPECT_EQ(created_response_body(accepted(), "FTTH Layer 2 Residential"),
              R"({"supplierReference":"ST-7KQ2M9","id":23467,"serviceId":"SI2345432345",)"
              R"("serviceSpecification":{"id":"ftthl2r","name":"FTTH Layer 2 Residential"},)"
              R"("problemType":"STABILITY"})");
}

TEST(CreatedResponseTest, WritesIdAsNumber) {
    const auto body = json::parse(created_response_body(accepted()));
    EXPECT_TRUE(body.at("id").is_number_integer());
}

TEST(CreatedResponseTest, OmitsEmptySpecificationName) {
    const auto body = json::parse(created_response_body(accepted()));
    EXPECT_FALSE(body.at("serviceSpecification").contains("name"));
}

TEST(CreatedResponseTest, OmitsEmptySupplierReference) {
    auto request = accepted();
    request.supplier_reference.clear();
    const auto body = json::parse(created_response_body(request));
    EXPECT_FALSE(body.contains("supplierReference"));
}

TEST(CreatedResponseTest, LeavesOutTenantAndCharacteristics) {
    const auto body = json::parse(created_response_body(accepted(), "x"));
    EXPECT_EQ(body.size(), 5U);
}

TEST(CreatedResponseTest, ReplacesInvalidUtf8InSpecificationName) {
    const auto body = json::parse(created_response_body(accepted(), "Fibre \xFF"));
    EXPECT_EQ(body.at("serviceSpecification").at("name"), "Fibre \xEF\xBF\xBD");
}

}  // namespace
}  // namespace linetest::contract
