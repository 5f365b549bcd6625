// Each GPON scenario end to end: POST /service-tests to the real daemon, the GPON plugin reads
// the simulated OLT, and the result KCI reaches the gateway stand-in with the outcome, the
// measurements and the correlation headers.

#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>

#include "daemon_fixture.hpp"

namespace linetest::integration {
namespace {

using nlohmann::json;

constexpr std::chrono::seconds kci_timeout{15};

struct expected_outcome {
    scenario line;
    std::string name;
    std::int64_t test_id;
    std::string test_result;
    std::string code;
    /// A measurement the KCI must carry, with its unit; none when the OLT sends no response.
    std::optional<std::pair<std::string, std::string>> measurement;
};

void PrintTo(const expected_outcome& outcome, std::ostream* out) { *out << outcome.name; }

bool is_uuid(const std::string& text) {
    static const std::regex pattern(
        "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
    return std::regex_match(text, pattern);
}

class GponScenarioTest : public ::testing::TestWithParam<expected_outcome> {
protected:
    static void SetUpTestSuite() {
        if (skip_reason()) {
            return;
        }
        try {
            daemon = std::make_unique<daemon_fixture>();
        } catch (const std::exception& e) {
            start_error = e.what();
        }
    }

    static void TearDownTestSuite() { daemon.reset(); }

    void SetUp() override {
        if (const auto why = skip_reason()) {
            GTEST_SKIP() << *why;
        }
        ASSERT_TRUE(daemon) << "the integration fixture did not start: " << start_error;
    }

    void TearDown() override {
        if (HasFailure() && daemon) {
            std::cerr << "linetestd log (end):\n" << daemon->daemon_log_tail() << '\n';
        }
    }

    static inline std::unique_ptr<daemon_fixture> daemon;
    static inline std::string start_error;
};

TEST_P(GponScenarioTest, ResultKciCarriesOutcome) {
    const auto& expected = GetParam();
    const std::string request_id = "req-" + expected.name;
    const std::string conversation_id = "conv-" + expected.name;

    const auto response =
        daemon->post_test(daemon_fixture::test_body(expected.test_id, expected.line),
                          {{"X-Request-ID", request_id}, {"X-Conversation-ID", conversation_id}});
    ASSERT_EQ(response.status, 201u) << response.body;

    const auto kci = daemon->wait_for_completed_kci(expected.test_id, kci_timeout);
    ASSERT_TRUE(kci) << "no COMPLETED KCI for test " << expected.test_id << " within "
                     << kci_timeout.count()
                     << " s; attempts: " << daemon->kcis_for(expected.test_id).dump();
    const auto& body = (*kci)["body"];
    const auto outcome = body.value("/serviceTest/result/testOutcome"_json_pointer, json());
    EXPECT_EQ(outcome.value("testResult", ""), expected.test_result) << body.dump();
    EXPECT_EQ(outcome.value("code", ""), expected.code) << body.dump();

    const auto measures = body.value("/serviceTest/result/testMeasures"_json_pointer, json());
    ASSERT_TRUE(measures.is_array()) << body.dump();
    if (expected.measurement) {
        const auto& [metric, unit] = *expected.measurement;
        std::optional<std::string> found_unit;
        for (const auto& measure : measures) {
            if (measure.value("metricName", "") == metric) {
                found_unit = measure.value("unitOfMeasure", "(none)");
            }
        }
        ASSERT_TRUE(found_unit) << "no " << metric << " measurement: " << measures.dump();
        EXPECT_EQ(*found_unit, unit) << measures.dump();
    }

    const auto& headers = (*kci)["headers"];
    EXPECT_EQ(headers.value("x-conversation-id", ""), conversation_id) << headers.dump();
    const std::string kci_request_id = headers.value("x-request-id", "");
    EXPECT_TRUE(is_uuid(kci_request_id)) << "X-Request-ID of the KCI: " << kci_request_id;
    EXPECT_NE(kci_request_id, request_id) << "the KCI reuses the POST's X-Request-ID";
}

INSTANTIATE_TEST_SUITE_P(
    Scenarios,
    GponScenarioTest,
    ::testing::Values(expected_outcome{scenario::healthy, "healthy", 2001, "GREEN", "SERVICE_OK",
                                       std::pair{"ont_rx_power", "dBm"}},
                      expected_outcome{scenario::los, "los", 2002, "RED", "NO_SYNC_LOS",
                                       std::pair{"olt_up_time", "s"}},
                      expected_outcome{scenario::dyinggasp, "dyinggasp", 2003, "RED",
                                       "CPE_POWERED_OFF", std::pair{"olt_up_time", "s"}},
                      expected_outcome{scenario::lowrx, "lowrx", 2004, "RED", "OPTICAL_RX_LOW",
                                       std::pair{"ont_rx_power", "dBm"}},
                      expected_outcome{scenario::marginalrx, "marginalrx", 2005, "AMBER",
                                       "OPTICAL_MARGINAL", std::pair{"ont_rx_power", "dBm"}},
                      expected_outcome{scenario::unreachable, "unreachable", 2006, "UNAVAILABLE",
                                       "EQUIPMENT_UNREACHABLE", std::nullopt}),
    [](const ::testing::TestParamInfo<expected_outcome>& param_info) {
        return param_info.param.name;
    });

}  // namespace
}  // namespace linetest::integration
