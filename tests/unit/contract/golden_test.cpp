#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "contract/created_response.hpp"
#include "contract/error_envelope.hpp"
#include "contract/service_test_request.hpp"

namespace linetest::contract {
namespace {

using nlohmann::json;

const std::filesystem::path golden_dir = LINETEST_CONTRACT_GOLDEN_DIR;

json read_json(const std::filesystem::path& path) {
    std::ifstream in(path);
    return json::parse(in);
}

std::vector<std::string> golden_cases() {
    std::vector<std::string> cases;
    for (const auto& entry : std::filesystem::directory_iterator(golden_dir)) {
        const std::string name = entry.path().filename().string();
        const std::string suffix = ".request.json";
        if (name.size() > suffix.size() && name.ends_with(suffix)) {
            cases.push_back(name.substr(0, name.size() - suffix.size()));
        }
    }
    std::sort(cases.begin(), cases.end());
    return cases;
}

std::optional<std::string_view> header(const json& headers, const std::string& name) {
    const auto found = headers.find(name);
    if (found == headers.end()) {
        return std::nullopt;
    }
    return std::string_view(found->get_ref<const std::string&>());
}

// Builds what the daemon would send for the golden request, minus transport.
json respond(const json& request, const json& expected) {
    const json& headers = request.at("headers");
    const request_headers parsed_headers{header(headers, "X-Request-ID"),
                                         header(headers, "X-Conversation-ID"),
                                         header(headers, "Tenant")};
    auto result = parse_service_test_request(request.at("body").get<std::string>(), parsed_headers);
    if (!result.ok()) {
        const auto reply = make_error_reply(failure_kind::malformed_request, result.problems);
        return {{"status", reply.status}, {"body", json::parse(reply.body)}};
    }
    auto accepted = result.value->request;
    accepted.supplier_reference =
        expected.at("body").value("supplierReference", std::string("ST-MISSING"));
    return {{"status", 201}, {"body", json::parse(created_response_body(accepted))}};
}

class GoldenContractTest : public testing::TestWithParam<std::string> {};

TEST_P(GoldenContractTest, MatchesExpectedResponse) {
    const json request = read_json(golden_dir / (GetParam() + ".request.json"));
    const json expected = read_json(golden_dir / (GetParam() + ".response.json"));
    json actual = respond(request, expected);
    if (actual.at("status") != 201) {
        ASSERT_TRUE(actual.at("body").contains("uuid"));
        actual["body"].erase("uuid");
    }
    EXPECT_EQ(actual, expected) << "actual: " << actual.dump(2);
}

TEST(GoldenContractSetTest, FindsGoldenCases) {
    EXPECT_GE(golden_cases().size(), 6U) << golden_dir;
}

INSTANTIATE_TEST_SUITE_P(Files,
                         GoldenContractTest,
                         testing::ValuesIn(golden_cases()),
                         [](const testing::TestParamInfo<std::string>& test) {
                             std::string name;
                             for (const char c : test.param) {
                                 name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                             }
                             return "Case" + name;
                         });

}  // namespace
}  // namespace linetest::contract
