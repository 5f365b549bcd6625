#include "contract/service_test_request.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace linetest::contract {
namespace {

using nlohmann::json;
using testing::AllOf;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::IsEmpty;
using testing::Not;

// The documented example request.
json valid_body() {
    return json{{"id", 23467},
                {"serviceId", "SI2345432345"},
                {"serviceSpecification", {{"id", "ftthl2r"}}},
                {"problemType", "STABILITY"}};
}

request_headers valid_headers() {
    return {"3e1f0b52-6c1d-4a8e-9f3b-7d2c1a0e5b44", "conv-20250314-0001", "ACME"};
}

std::vector<std::string> problems_for_text(std::string_view body,
                                           const request_headers& headers = valid_headers()) {
    return parse_service_test_request(body, headers).problems;
}

std::vector<std::string> problems_for(const json& body) { return problems_for_text(body.dump()); }

const std::string id_rule = "id must be a whole number from 1 to 9007199254740991";

TEST(ServiceTestRequestTest, AcceptsDocumentedExample) {
    const auto result = parse_service_test_request(valid_body().dump(), valid_headers());
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.value->request.id, 23467);
    EXPECT_EQ(result.value->request.service_id, "SI2345432345");
    EXPECT_EQ(result.value->request.specification_id, "ftthl2r");
    EXPECT_EQ(result.value->request.problem_type, "STABILITY");
    EXPECT_EQ(result.value->request.tenant, "ACME");
    EXPECT_EQ(result.value->request_id, "3e1f0b52-6c1d-4a8e-9f3b-7d2c1a0e5b44");
    EXPECT_EQ(result.value->conversation_id, "conv-20250314-0001");
    EXPECT_TRUE(result.value->request.supplier_reference.empty());
    EXPECT_TRUE(result.value->request.characteristics.empty());
    EXPECT_THAT(result.problems, IsEmpty());
}

TEST(ServiceTestRequestTest, FailureCarriesNoValue) {
    const auto result = parse_service_test_request("{}", valid_headers());
    EXPECT_FALSE(result.ok());
}

// Headers: every rule for each of the three headers.

enum class header { request_id, conversation_id, tenant };

struct header_case {
    header field;
    std::string name;
};

class HeaderRuleTest : public testing::TestWithParam<header_case> {
protected:
    std::vector<std::string> problems_with(std::optional<std::string_view> value) const {
        auto headers = valid_headers();
        switch (GetParam().field) {
            case header::request_id:
                headers.request_id = value;
                break;
            case header::conversation_id:
                headers.conversation_id = value;
                break;
            case header::tenant:
                headers.tenant = value;
                break;
        }
        return problems_for_text(valid_body().dump(), headers);
    }
};

TEST_P(HeaderRuleTest, RejectsMissingHeader) {
    EXPECT_THAT(problems_with(std::nullopt), ElementsAre(GetParam().name + " header is missing"));
}

TEST_P(HeaderRuleTest, RejectsEmptyHeader) {
    EXPECT_THAT(problems_with(""), ElementsAre(GetParam().name + " header is empty"));
}

TEST_P(HeaderRuleTest, RejectsHeaderLongerThan200Characters) {
    const std::string value(201, 'a');
    EXPECT_THAT(problems_with(value),
                ElementsAre(AllOf(HasSubstr(GetParam().name + " header must be at most 200"),
                                  HasSubstr("got 201"))));
}

TEST_P(HeaderRuleTest, AcceptsHeaderOf200Characters) {
    const std::string value(200, 'a');
    EXPECT_THAT(problems_with(value), IsEmpty());
}

TEST_P(HeaderRuleTest, RejectsNonPrintableHeader) {
    EXPECT_THAT(
        problems_with("abc\x01"),
        ElementsAre(GetParam().name + " header must contain printable ASCII characters only"));
}

TEST_P(HeaderRuleTest, RejectsNonAsciiHeader) {
    EXPECT_THAT(
        problems_with("caf\xC3\xA9"),
        ElementsAre(GetParam().name + " header must contain printable ASCII characters only"));
}

INSTANTIATE_TEST_SUITE_P(AllHeaders,
                         HeaderRuleTest,
                         testing::Values(header_case{header::request_id, "X-Request-ID"},
                                         header_case{header::conversation_id, "X-Conversation-ID"},
                                         header_case{header::tenant, "Tenant"}),
                         [](const testing::TestParamInfo<header_case>& test) {
                             switch (test.param.field) {
                                 case header::request_id:
                                     return std::string("RequestId");
                                 case header::conversation_id:
                                     return std::string("ConversationId");
                                 case header::tenant:
                                     break;
                             }
                             return std::string("Tenant");
                         });

// Body syntax.

TEST(ServiceTestRequestTest, RejectsEmptyBody) {
    EXPECT_THAT(problems_for_text(""), ElementsAre("request body is empty; send a JSON object"));
}

TEST(ServiceTestRequestTest, RejectsJsonSyntaxError) {
    EXPECT_THAT(problems_for_text("{\"id\": 23467,\n \"serviceId\" \"SI1\"}"),
                ElementsAre("request body is not valid JSON: syntax error near line 2, column 18"));
}

TEST(ServiceTestRequestTest, RejectsTrailingContentAfterObject) {
    EXPECT_THAT(problems_for_text(valid_body().dump() + " {}"),
                ElementsAre(HasSubstr("request body is not valid JSON")));
}

TEST(ServiceTestRequestTest, RejectsNumberOverflow) {
    EXPECT_THAT(problems_for_text(R"({"id": 1e400})"),
                ElementsAre("request body is not valid JSON: a number is out of range"));
}

TEST(ServiceTestRequestTest, RejectsTopLevelArray) {
    EXPECT_THAT(problems_for_text("[1, 2]"),
                ElementsAre("request body must be a JSON object; got an array"));
}

TEST(ServiceTestRequestTest, RejectsTopLevelString) {
    EXPECT_THAT(problems_for_text("\"hello\""),
                ElementsAre("request body must be a JSON object; got \"hello\""));
}

TEST(ServiceTestRequestTest, RejectsDuplicateTopLevelKey) {
    EXPECT_THAT(problems_for_text(R"({"id": 1, "serviceId": "A", "id": 2})"),
                ElementsAre("request body repeats the key \"id\" within one object; "
                            "send each key once"));
}

TEST(ServiceTestRequestTest, RejectsDuplicateNestedKey) {
    const std::string body =
        R"({"id": 1, "serviceId": "A", "serviceSpecification": {"id": "x", "id": "y"},)"
        R"( "problemType": "CPE"})";
    EXPECT_THAT(problems_for_text(body), ElementsAre(HasSubstr("repeats the key \"id\"")));
}

TEST(ServiceTestRequestTest, RejectsDuplicateKeyInsideArrayEntry) {
    const std::string body =
        R"({"id": 1, "serviceId": "A", "serviceSpecification": {"id": "x"},)"
        R"( "problemType": "CPE", "characteristics": [{"name": "A", "value": "1", "value": "2"}]})";
    EXPECT_THAT(problems_for_text(body), ElementsAre(HasSubstr("repeats the key \"value\"")));
}

TEST(ServiceTestRequestTest, AcceptsSameKeyInSiblingObjects) {
    auto body = valid_body();
    body["characteristics"] =
        json::array({{{"name", "A"}, {"value", "1"}}, {{"name", "B"}, {"value", "2"}}});
    EXPECT_THAT(problems_for(body), IsEmpty());
}

// Wraps `levels` arrays around a number, as the value of an unknown field.
std::string body_with_nesting(std::size_t levels) {
    std::string nested = std::string(levels, '[') + "1" + std::string(levels, ']');
    auto text = valid_body().dump();
    text.pop_back();
    return text + ",\"deep\":" + nested + "}";
}

TEST(ServiceTestRequestTest, AcceptsNestingOf32Levels) {
    // The top-level object is level 1, so 31 arrays inside it reach the limit exactly.
    EXPECT_THAT(problems_for_text(body_with_nesting(31)), IsEmpty());
}

TEST(ServiceTestRequestTest, RejectsNestingDeeperThan32Levels) {
    EXPECT_THAT(problems_for_text(body_with_nesting(32)),
                ElementsAre("request body nests objects or arrays deeper than 32 levels"));
}

TEST(ServiceTestRequestTest, RejectsVeryDeepNestingWithoutCrashing) {
    EXPECT_THAT(problems_for_text(body_with_nesting(100000)),
                ElementsAre(HasSubstr("deeper than 32 levels")));
}

TEST(ServiceTestRequestTest, RejectsInvalidUtf8InString) {
    EXPECT_THAT(problems_for_text("{\"serviceId\": \"SI\xFF\"}"),
                ElementsAre("request body is not valid UTF-8 (first invalid byte at offset 17)"));
}

TEST(ServiceTestRequestTest, RejectsOverlongUtf8) {
    // C0 AF is an overlong encoding of '/'.
    EXPECT_THAT(problems_for_text("{\"serviceId\": \"\xC0\xAF\"}"),
                ElementsAre(HasSubstr("request body is not valid UTF-8")));
}

TEST(ServiceTestRequestTest, RejectsEncodedSurrogate) {
    // ED A0 80 encodes U+D800, which UTF-8 forbids.
    EXPECT_THAT(problems_for_text("{\"serviceId\": \"\xED\xA0\x80\"}"),
                ElementsAre(HasSubstr("request body is not valid UTF-8")));
}

TEST(ServiceTestRequestTest, RejectsLoneSurrogateEscape) {
    auto text = valid_body().dump();
    text.replace(text.find("SI2345432345"), 12, "\\ud800");
    EXPECT_THAT(problems_for_text(text), ElementsAre(HasSubstr("request body is not valid JSON")));
}

TEST(ServiceTestRequestTest, IgnoresUnknownFields) {
    auto body = valid_body();
    body["priority"] = "HIGH";
    body["serviceSpecification"]["version"] = 3;
    EXPECT_THAT(problems_for(body), IsEmpty());
}

// id

TEST(ServiceTestRequestTest, RejectsMissingId) {
    auto body = valid_body();
    body.erase("id");
    EXPECT_THAT(problems_for(body), ElementsAre("id is missing"));
}

TEST(ServiceTestRequestTest, RejectsStringId) {
    auto body = valid_body();
    body["id"] = "23467";
    EXPECT_THAT(problems_for(body),
                ElementsAre(AllOf(HasSubstr(id_rule), HasSubstr("got \"23467\""))));
}

TEST(ServiceTestRequestTest, RejectsFractionalId) {
    EXPECT_THAT(problems_for_text(R"({"id": 1.5, "serviceId": "A",)"
                                  R"( "serviceSpecification": {"id": "x"}, "problemType": "CPE"})"),
                ElementsAre(AllOf(HasSubstr(id_rule), HasSubstr("got \"1.5\""))));
}

TEST(ServiceTestRequestTest, RejectsWholeNumberWrittenAsFloat) {
    EXPECT_THAT(problems_for_text(R"({"id": 1.0, "serviceId": "A",)"
                                  R"( "serviceSpecification": {"id": "x"}, "problemType": "CPE"})"),
                ElementsAre(AllOf(HasSubstr(id_rule), HasSubstr("got \"1.0\""))));
}

TEST(ServiceTestRequestTest, RejectsIdWithExponent) {
    EXPECT_THAT(problems_for_text(R"({"id": 1e3, "serviceId": "A",)"
                                  R"( "serviceSpecification": {"id": "x"}, "problemType": "CPE"})"),
                ElementsAre(HasSubstr(id_rule)));
}

TEST(ServiceTestRequestTest, RejectsZeroId) {
    auto body = valid_body();
    body["id"] = 0;
    EXPECT_THAT(problems_for(body), ElementsAre(AllOf(HasSubstr(id_rule), HasSubstr("got \"0\""))));
}

TEST(ServiceTestRequestTest, RejectsNegativeId) {
    auto body = valid_body();
    body["id"] = -5;
    EXPECT_THAT(problems_for(body),
                ElementsAre(AllOf(HasSubstr(id_rule), HasSubstr("got \"-5\""))));
}

TEST(ServiceTestRequestTest, RejectsIdOfTwoToThe53) {
    auto body = valid_body();
    body["id"] = 9007199254740992ULL;
    EXPECT_THAT(problems_for(body), ElementsAre(HasSubstr(id_rule)));
}

TEST(ServiceTestRequestTest, AcceptsIdOfTwoToThe53MinusOne) {
    auto body = valid_body();
    body["id"] = 9007199254740991ULL;
    const auto result = parse_service_test_request(body.dump(), valid_headers());
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.value->request.id, 9007199254740991LL);
}

TEST(ServiceTestRequestTest, RejectsIdBeyondUnsigned64Bits) {
    EXPECT_THAT(problems_for_text(R"({"id": 18446744073709551616, "serviceId": "A",)"
                                  R"( "serviceSpecification": {"id": "x"}, "problemType": "CPE"})"),
                ElementsAre(HasSubstr(id_rule)));
}

TEST(ServiceTestRequestTest, RejectsBooleanId) {
    auto body = valid_body();
    body["id"] = true;
    EXPECT_THAT(problems_for(body),
                ElementsAre(AllOf(HasSubstr(id_rule), HasSubstr("got \"true\""))));
}

TEST(ServiceTestRequestTest, RejectsNullId) {
    auto body = valid_body();
    body["id"] = nullptr;
    EXPECT_THAT(problems_for(body), ElementsAre(HasSubstr(id_rule)));
}

// serviceId

TEST(ServiceTestRequestTest, RejectsMissingServiceId) {
    auto body = valid_body();
    body.erase("serviceId");
    EXPECT_THAT(problems_for(body), ElementsAre("serviceId is missing"));
}

TEST(ServiceTestRequestTest, RejectsEmptyServiceId) {
    auto body = valid_body();
    body["serviceId"] = "";
    EXPECT_THAT(problems_for(body), ElementsAre("serviceId must not be empty"));
}

TEST(ServiceTestRequestTest, RejectsServiceIdOf51Characters) {
    auto body = valid_body();
    body["serviceId"] = std::string(51, 'S');
    EXPECT_THAT(problems_for(body),
                ElementsAre("serviceId must be 1 to 50 characters long; got 51 characters"));
}

TEST(ServiceTestRequestTest, AcceptsServiceIdOf50Characters) {
    auto body = valid_body();
    body["serviceId"] = std::string(50, 'S');
    EXPECT_THAT(problems_for(body), IsEmpty());
}

TEST(ServiceTestRequestTest, CountsServiceIdInCodePoints) {
    std::string fifty_e_acute;
    for (int i = 0; i < 50; ++i) {
        fifty_e_acute += "\xC3\xA9";
    }
    auto body = valid_body();
    body["serviceId"] = fifty_e_acute;
    EXPECT_THAT(problems_for(body), IsEmpty());
}

TEST(ServiceTestRequestTest, RejectsNumericServiceId) {
    auto body = valid_body();
    body["serviceId"] = 2345432345;
    EXPECT_THAT(
        problems_for(body),
        ElementsAre("serviceId must be a string of 1 to 50 characters; got \"2345432345\""));
}

TEST(ServiceTestRequestTest, RejectsControlCharacterInServiceId) {
    auto body = valid_body();
    body["serviceId"] = "SI1\nforged log line";
    EXPECT_THAT(problems_for(body), ElementsAre("serviceId must not contain control characters; "
                                                "got \"SI1\\u000Aforged log line\""));
}

// serviceSpecification

TEST(ServiceTestRequestTest, RejectsMissingServiceSpecification) {
    auto body = valid_body();
    body.erase("serviceSpecification");
    EXPECT_THAT(problems_for(body), ElementsAre("serviceSpecification is missing"));
}

TEST(ServiceTestRequestTest, RejectsServiceSpecificationThatIsNotAnObject) {
    auto body = valid_body();
    body["serviceSpecification"] = "ftthl2r";
    EXPECT_THAT(problems_for(body),
                ElementsAre("serviceSpecification must be an object with a string id; "
                            "got \"ftthl2r\""));
}

TEST(ServiceTestRequestTest, RejectsMissingServiceSpecificationId) {
    auto body = valid_body();
    body["serviceSpecification"] = {{"name", "Fibre 900"}};
    EXPECT_THAT(problems_for(body), ElementsAre("serviceSpecification.id is missing"));
}

TEST(ServiceTestRequestTest, RejectsEmptyServiceSpecificationId) {
    auto body = valid_body();
    body["serviceSpecification"]["id"] = "";
    EXPECT_THAT(problems_for(body), ElementsAre("serviceSpecification.id must not be empty"));
}

TEST(ServiceTestRequestTest, RejectsServiceSpecificationIdOf101Characters) {
    auto body = valid_body();
    body["serviceSpecification"]["id"] = std::string(101, 'f');
    EXPECT_THAT(problems_for(body),
                ElementsAre("serviceSpecification.id must be 1 to 100 characters long; "
                            "got 101 characters"));
}

TEST(ServiceTestRequestTest, IgnoresServiceSpecificationName) {
    auto body = valid_body();
    body["serviceSpecification"]["name"] = 42;
    EXPECT_THAT(problems_for(body), IsEmpty());
}

// problemType

TEST(ServiceTestRequestTest, RejectsMissingProblemType) {
    auto body = valid_body();
    body.erase("problemType");
    EXPECT_THAT(problems_for(body), ElementsAre("problemType is missing"));
}

TEST(ServiceTestRequestTest, RejectsUnknownProblemType) {
    auto body = valid_body();
    body["problemType"] = "SLOW";
    EXPECT_THAT(problems_for(body),
                ElementsAre("problemType must be one of OUTAGE, PERFORMANCE, STABILITY, "
                            "SYNCHRONISATION, CUSTOMER, CPE; got \"SLOW\""));
}

TEST(ServiceTestRequestTest, RejectsLowerCaseProblemType) {
    auto body = valid_body();
    body["problemType"] = "stability";
    EXPECT_THAT(problems_for(body), ElementsAre(HasSubstr("got \"stability\"")));
}

TEST(ServiceTestRequestTest, RejectsTooShortProblemType) {
    auto body = valid_body();
    body["problemType"] = "OUT";
    EXPECT_THAT(problems_for(body), ElementsAre(HasSubstr("problemType must be one of")));
}

TEST(ServiceTestRequestTest, RejectsPatternMatchingProblemTypeOutsideEnum) {
    auto body = valid_body();
    body["problemType"] = "NO_SUCH_PROBLEM";
    EXPECT_THAT(problems_for(body), ElementsAre(HasSubstr("problemType must be one of")));
}

TEST(ServiceTestRequestTest, RejectsNumericProblemType) {
    auto body = valid_body();
    body["problemType"] = 3;
    EXPECT_THAT(problems_for(body), ElementsAre(HasSubstr("got \"3\"")));
}

TEST(ServiceTestRequestTest, AcceptsEveryDocumentedProblemType) {
    // CPE is shorter than the published pattern's five-character minimum, and the enum wins.
    for (const char* type :
         {"OUTAGE", "PERFORMANCE", "STABILITY", "SYNCHRONISATION", "CUSTOMER", "CPE"}) {
        auto body = valid_body();
        body["problemType"] = type;
        EXPECT_THAT(problems_for(body), IsEmpty()) << type;
    }
}

// characteristics

TEST(ServiceTestRequestTest, KeepsCharacteristicsInOrder) {
    auto body = valid_body();
    body["characteristics"] =
        json::array({{{"name", "SERVICE_HAS_WORKED"}, {"value", "true"}},
                     {{"name", "SERVICE_LAST_WORKED"}, {"value", "2025-03-14T09:00:00Z"}},
                     {{"name", "EQUIPMENT_TYPE"}, {"value", ""}}});
    const auto result = parse_service_test_request(body.dump(), valid_headers());
    ASSERT_TRUE(result.ok());
    const auto& list = result.value->request.characteristics;
    ASSERT_EQ(list.size(), 3U);
    EXPECT_EQ(list[0].name, "SERVICE_HAS_WORKED");
    EXPECT_EQ(list[0].value, "true");
    EXPECT_EQ(list[1].name, "SERVICE_LAST_WORKED");
    EXPECT_EQ(list[2].value, "");
}

TEST(ServiceTestRequestTest, TreatsNullCharacteristicsAsAbsent) {
    auto body = valid_body();
    body["characteristics"] = nullptr;
    EXPECT_THAT(problems_for(body), IsEmpty());
}

TEST(ServiceTestRequestTest, RejectsCharacteristicsThatAreNotAnArray) {
    auto body = valid_body();
    body["characteristics"] = {{"SERVICE_HAS_WORKED", "true"}};
    EXPECT_THAT(problems_for(body),
                ElementsAre("characteristics must be an array of {name, value} objects; "
                            "got an object"));
}

TEST(ServiceTestRequestTest, RejectsCharacteristicThatIsNotAnObject) {
    auto body = valid_body();
    body["characteristics"] = json::array({"SERVICE_HAS_WORKED=true"});
    EXPECT_THAT(problems_for(body),
                ElementsAre(HasSubstr("characteristics[0] must be an object with string name "
                                      "and value")));
}

TEST(ServiceTestRequestTest, RejectsCharacteristicWithoutName) {
    auto body = valid_body();
    body["characteristics"] = json::array({{{"value", "true"}}});
    EXPECT_THAT(problems_for(body), ElementsAre("characteristics[0].name is missing"));
}

TEST(ServiceTestRequestTest, RejectsCharacteristicWithBooleanValue) {
    auto body = valid_body();
    body["characteristics"] = json::array({{{"name", "SERVICE_HAS_WORKED"}, {"value", true}}});
    EXPECT_THAT(problems_for(body),
                ElementsAre("characteristics[0].value must be a string of at most 1000 "
                            "characters; got \"true\""));
}

TEST(ServiceTestRequestTest, RejectsCharacteristicNameOf101Characters) {
    auto body = valid_body();
    body["characteristics"] = json::array({{{"name", std::string(101, 'N')}, {"value", "1"}}});
    EXPECT_THAT(problems_for(body),
                ElementsAre(HasSubstr("characteristics[0].name must be 1 to 100 characters")));
}

TEST(ServiceTestRequestTest, RejectsCharacteristicValueOf1001Characters) {
    auto body = valid_body();
    body["characteristics"] = json::array({{{"name", "N"}, {"value", std::string(1001, 'v')}}});
    EXPECT_THAT(problems_for(body),
                ElementsAre(HasSubstr("characteristics[0].value must be at most 1000 characters")));
}

TEST(ServiceTestRequestTest, RejectsMoreThan50Characteristics) {
    auto body = valid_body();
    body["characteristics"] = json::array();
    for (int i = 0; i < 51; ++i) {
        body["characteristics"].push_back({{"name", "N" + std::to_string(i)}, {"value", "v"}});
    }
    EXPECT_THAT(problems_for(body),
                ElementsAre("characteristics must have at most 50 entries; got 51"));
}

// Several problems, caps and echoes.

TEST(ServiceTestRequestTest, ReportsEveryProblemTogether) {
    auto body = valid_body();
    body["id"] = "x";
    body.erase("serviceId");
    body["problemType"] = "SLOW";
    auto headers = valid_headers();
    headers.tenant = std::nullopt;
    EXPECT_THAT(problems_for_text(body.dump(), headers),
                ElementsAre("Tenant header is missing", HasSubstr(id_rule), "serviceId is missing",
                            HasSubstr("problemType must be one of")));
}

TEST(ServiceTestRequestTest, ReportsHeaderProblemsWithSyntaxError) {
    auto headers = valid_headers();
    headers.request_id = "";
    EXPECT_THAT(problems_for_text("{", headers),
                ElementsAre("X-Request-ID header is empty", HasSubstr("not valid JSON")));
}

TEST(ServiceTestRequestTest, CapsTheNumberOfProblems) {
    auto body = valid_body();
    body["characteristics"] = json::array();
    for (int i = 0; i < 30; ++i) {
        body["characteristics"].push_back(json::object());
    }
    const auto problems = problems_for(body);
    ASSERT_EQ(problems.size(), 21U);
    EXPECT_EQ(problems.back(), "40 more problems not listed");
}

TEST(ServiceTestRequestTest, EscapesQuotesInEchoedValues) {
    auto body = valid_body();
    body["problemType"] = "A\"B\\C";
    EXPECT_THAT(problems_for(body), ElementsAre(HasSubstr(R"(got "A\"B\\C")")));
}

TEST(ServiceTestRequestTest, EscapesBidirectionalOverridesInEchoedValues) {
    auto body = valid_body();
    body["problemType"] = "CPE\xE2\x80\xAE";
    EXPECT_THAT(problems_for(body), ElementsAre(HasSubstr(R"(got "CPE\u202E")")));
}

TEST(ServiceTestRequestTest, TruncatesLongEchoedValues) {
    auto body = valid_body();
    body["problemType"] = std::string(500, 'Z');
    const auto problems = problems_for(body);
    ASSERT_EQ(problems.size(), 1U);
    EXPECT_THAT(problems[0], HasSubstr("\"" + std::string(60, 'Z') + "\" (first 60 of 500"));
    EXPECT_THAT(problems[0], Not(HasSubstr(std::string(61, 'Z'))));
}

}  // namespace
}  // namespace linetest::contract
