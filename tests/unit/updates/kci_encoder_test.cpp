#include "updates/kci_encoder.hpp"

#include <gtest/gtest.h>

#include "core/time.hpp"

namespace linetest::updates {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

clock::time_point at(const char* text) { return *core::parse_utc(text); }

store::test_record sample_test() {
    store::test_record test;
    test.id = 580113;
    test.supplier_reference = "ST-2025-000917";
    test.service_id = "LN-0042-7781";
    test.specification_id = "FTTP-900";
    test.specification_name = "Fibre 900";
    test.problem_type = "PERFORMANCE";
    return test;
}

sdk::report sample_report() {
    sdk::report report;
    report.result = sdk::test_result::red;
    report.code = "OPTICAL_RX_LOW";
    report.description = "Optical signal at the customer's ONT is too weak";
    report.supplier_text = "Clean or replace the drop fibre connector";
    sdk::measurement rx;
    rx.name = "ont_rx_power";
    rx.value = "-29.40";
    rx.unit = "dBm";
    rx.captured_at = at("2025-03-14T11:41:50.000Z");
    rx.rule_violation = true;
    rx.rule_severity = "WARNING";
    sdk::measurement distance;
    distance.name = "distance";
    distance.value = "2350";
    distance.unit = "m";
    report.measurements = {rx, distance};
    return report;
}

const kci_header result_header{"c0d4a6e2-91b3-4c5e-a7f8-0b1c2d3e4f50", 2,
                               at("2025-03-14T11:42:05.120Z")};
const clock::time_point completed_at = at("2025-03-14T11:42:05.000Z");

json encoded_result_kci(const store::test_record& test = sample_test(),
                        const sdk::report& report = sample_report()) {
    return json::parse(encode_result_kci(test, report, result_header, completed_at));
}

TEST(KciEncoderTest, WritesResultEnvelope) {
    const auto body = encoded_result_kci();
    EXPECT_EQ(body["id"], "c0d4a6e2-91b3-4c5e-a7f8-0b1c2d3e4f50");
    EXPECT_EQ(body["sequenceNumber"], 2);
    EXPECT_EQ(body["issuedOn"], "2025-03-14T11:42:05.120Z");
    EXPECT_EQ(body["reasonCode"], "UPDATE");
}

TEST(KciEncoderTest, WritesServiceTestEntity) {
    const auto entity = encoded_result_kci()["serviceTest"];
    EXPECT_EQ(entity["id"], 580113);
    EXPECT_EQ(entity["supplierReference"], "ST-2025-000917");
    EXPECT_EQ(entity["status"], "COMPLETED");
    EXPECT_EQ(entity["serviceId"], "LN-0042-7781");
    EXPECT_EQ(entity["serviceSpecification"], json({{"id", "FTTP-900"}, {"name", "Fibre 900"}}));
    EXPECT_EQ(entity["problemType"], "PERFORMANCE");
    EXPECT_FALSE(entity.contains("characteristics"));
}

TEST(KciEncoderTest, OmitsSpecificationNameWhenUnknown) {
    auto test = sample_test();
    test.specification_name.clear();
    const auto entity = encoded_result_kci(test)["serviceTest"];
    EXPECT_EQ(entity["serviceSpecification"], json({{"id", "FTTP-900"}}));
}

TEST(KciEncoderTest, SendsStoredCharacteristics) {
    auto test = sample_test();
    test.characteristics_json = R"([{"name":"SERVICE_HAS_WORKED","value":"true"}])";
    const auto entity = encoded_result_kci(test)["serviceTest"];
    EXPECT_EQ(entity["characteristics"], json::parse(test.characteristics_json));
}

TEST(KciEncoderTest, RejectsCharacteristicsThatAreNotAnArray) {
    auto test = sample_test();
    test.characteristics_json = R"({"name":"x"})";
    EXPECT_THROW(encoded_result_kci(test), std::invalid_argument);
}

TEST(KciEncoderTest, SetsTestValidityTwoHoursAfterCompletion) {
    const auto result = encoded_result_kci()["serviceTest"]["result"];
    EXPECT_EQ(result["testValidity"], "2025-03-14T13:42:05.000Z");
}

TEST(KciEncoderTest, EncodesMeasurements) {
    const auto measures = encoded_result_kci()["serviceTest"]["result"]["testMeasures"];
    ASSERT_EQ(measures.size(), 2u);
    EXPECT_EQ(measures[0], json({{"metricName", "ont_rx_power"},
                                 {"captureDateTime", "2025-03-14T11:41:50.000Z"},
                                 {"metricValue", "-29.40"},
                                 {"unitOfMeasure", "dBm"},
                                 {"ruleViolation", true},
                                 {"ruleSeverity", "WARNING"}}));
    EXPECT_EQ(measures[1]["ruleViolation"], false);
    EXPECT_FALSE(measures[1].contains("ruleSeverity"));
}

TEST(KciEncoderTest, UsesCompletionTimeForMeasurementWithoutTime) {
    const auto measures = encoded_result_kci()["serviceTest"]["result"]["testMeasures"];
    EXPECT_EQ(measures[1]["captureDateTime"], "2025-03-14T11:42:05.000Z");
}

TEST(KciEncoderTest, OmitsEmptyUnit) {
    auto report = sample_report();
    report.measurements[1].unit.clear();
    const auto measures =
        encoded_result_kci(sample_test(), report)["serviceTest"]["result"]["testMeasures"];
    EXPECT_FALSE(measures[1].contains("unitOfMeasure"));
}

TEST(KciEncoderTest, WritesOutcomeWithSupplierCodes) {
    const auto body = encoded_result_kci();
    const auto outcome = body["serviceTest"]["result"]["testOutcome"];
    EXPECT_EQ(outcome["testResult"], "RED");
    EXPECT_EQ(outcome["code"], "OPTICAL_RX_LOW");
    EXPECT_EQ(outcome["description"], "Optical signal at the customer's ONT is too weak");
    EXPECT_EQ(outcome["supplierCodes"], json::array({"OPTICAL_RX_LOW"}));
    EXPECT_EQ(outcome["supplierText"], "Clean or replace the drop fibre connector");
    EXPECT_EQ(body["supplierCodes"], json::array({"OPTICAL_RX_LOW"}));
}

TEST(KciEncoderTest, OmitsEmptySupplierText) {
    auto report = sample_report();
    report.supplier_text.clear();
    const auto outcome =
        encoded_result_kci(sample_test(), report)["serviceTest"]["result"]["testOutcome"];
    EXPECT_FALSE(outcome.contains("supplierText"));
}

TEST(KciEncoderTest, MapsKnownIncidentToGatewayCode) {
    EXPECT_EQ(gateway_outcome_code("KNOWN_INCIDENT"), "KNOWN_INCIDENT");
    EXPECT_TRUE(has_known_gateway_code("KNOWN_INCIDENT"));
}

TEST(KciEncoderTest, KeepsCodesWithoutGatewayEquivalent) {
    EXPECT_EQ(gateway_outcome_code("CPE_POWERED_OFF"), "CPE_POWERED_OFF");
    EXPECT_FALSE(has_known_gateway_code("CPE_POWERED_OFF"));
    EXPECT_EQ(gateway_outcome_code("VENDOR_SPECIFIC_17"), "VENDOR_SPECIFIC_17");
    EXPECT_FALSE(has_known_gateway_code("VENDOR_SPECIFIC_17"));
}

TEST(KciEncoderTest, RejectsReportWithoutResult) {
    auto report = sample_report();
    report.result = sdk::test_result::invalid;
    EXPECT_THROW(encode_result(report, completed_at), std::invalid_argument);
}

TEST(KciEncoderTest, RejectsReportWithoutCode) {
    auto report = sample_report();
    report.code.clear();
    EXPECT_THROW(encode_result(report, completed_at), std::invalid_argument);
}

TEST(KciEncoderTest, RejectsHeaderWithoutSequenceNumber) {
    kci_header header = result_header;
    header.sequence_number = 0;
    EXPECT_THROW(encode_result_kci(sample_test(), sample_report(), header, completed_at),
                 std::invalid_argument);
}

TEST(KciEncoderTest, EncodesAcceptedKciWithoutResult) {
    const kci_header header{"7a9e3b10-44c2-4f0d-9d61-2b8c7e5a1f93", 1,
                            at("2025-03-14T11:40:12.004Z")};
    const auto body = json::parse(encode_accepted_kci(sample_test(), header));
    EXPECT_EQ(body["reasonCode"], "COMMITTED");
    EXPECT_EQ(body["sequenceNumber"], 1);
    EXPECT_EQ(body["serviceTest"]["status"], "IN_PROGRESS");
    EXPECT_EQ(body["serviceTest"]["id"], 580113);
    EXPECT_FALSE(body["serviceTest"].contains("result"));
    EXPECT_FALSE(body.contains("supplierCodes"));
}

TEST(KciEncoderTest, DecodesEncodedResultKci) {
    const auto decoded =
        decode_kci(encode_result_kci(sample_test(), sample_report(), result_header, completed_at));
    EXPECT_EQ(decoded.id, result_header.id);
    EXPECT_EQ(decoded.sequence_number, 2);
    EXPECT_EQ(decoded.issued_on, result_header.issued_on);
    EXPECT_EQ(decoded.reason_code, "UPDATE");
    EXPECT_EQ(decoded.test_id, 580113);
    EXPECT_EQ(decoded.status, "COMPLETED");
    EXPECT_EQ(decoded.test_result, "RED");
    EXPECT_EQ(decoded.outcome_code, "OPTICAL_RX_LOW");
}

TEST(KciEncoderTest, DecodesEncodedAcceptedKci) {
    const kci_header header{"7a9e3b10-44c2-4f0d-9d61-2b8c7e5a1f93", 1, completed_at};
    const auto decoded = decode_kci(encode_accepted_kci(sample_test(), header));
    EXPECT_EQ(decoded.status, "IN_PROGRESS");
    EXPECT_FALSE(decoded.test_result.has_value());
}

TEST(KciEncoderTest, ReportsEveryMissingField) {
    auto body = encoded_result_kci();
    body.erase("id");
    body["serviceTest"].erase("result");
    body["serviceTest"]["status"] = "DONE";
    const auto problems = validate_kci(body);
    ASSERT_EQ(problems.size(), 2u);
    EXPECT_EQ(problems[0], "id: is required");
    EXPECT_EQ(problems[1], "serviceTest.status: unexpected value 'DONE'");
}

TEST(KciEncoderTest, ReportsResultWithoutOutcome) {
    auto body = encoded_result_kci();
    body["serviceTest"]["result"].erase("testOutcome");
    const auto problems = validate_kci(body);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0], "serviceTest.result.testOutcome: must be an object");
}

TEST(KciEncoderTest, DecodeRejectsInvalidBody) {
    EXPECT_THROW(decode_kci("{\"id\": 1}"), kci_format_error);
    EXPECT_THROW(decode_kci("not json"), kci_format_error);
}

}  // namespace
}  // namespace linetest::updates
