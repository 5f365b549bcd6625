#include "contract/error_envelope.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "core/log.hpp"

namespace linetest::contract {
namespace {

using nlohmann::json;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::Not;

struct mapping_case {
    failure_kind kind;
    unsigned status;
    std::string code;
    bool retryable;
};

void PrintTo(const mapping_case& value, std::ostream* out) {
    *out << value.code << ' ' << value.status;
}

class ErrorTableTest : public testing::TestWithParam<mapping_case> {};

TEST_P(ErrorTableTest, MapsKindToStatus) {
    EXPECT_EQ(describe(GetParam().kind).status, GetParam().status);
}

TEST_P(ErrorTableTest, MapsKindToCode) {
    EXPECT_EQ(describe(GetParam().kind).code, GetParam().code);
}

TEST_P(ErrorTableTest, MapsKindToRetryAdvice) {
    EXPECT_EQ(describe(GetParam().kind).retryable, GetParam().retryable);
}

TEST_P(ErrorTableTest, ReplyCarriesStatusAndCode) {
    const auto reply = make_error_reply(GetParam().kind, {"a reason"});
    EXPECT_EQ(reply.status, GetParam().status);
    EXPECT_EQ(reply.code, GetParam().code);
    EXPECT_EQ(json::parse(reply.body).at("code"), GetParam().code);
}

INSTANTIATE_TEST_SUITE_P(
    AllKinds,
    ErrorTableTest,
    testing::Values(mapping_case{failure_kind::malformed_request, 400, "MALFORMED_REQUEST", false},
                    mapping_case{failure_kind::not_authorised, 401, "NOT_AUTHORISED", false},
                    mapping_case{failure_kind::forbidden, 403, "NOT_AUTHORISED", false},
                    mapping_case{failure_kind::invalid_request, 422, "INVALID_REQUEST", false},
                    mapping_case{failure_kind::not_found, 404, "NOT_FOUND", false},
                    mapping_case{failure_kind::method_not_allowed, 405, "MALFORMED_REQUEST", false},
                    mapping_case{failure_kind::unsupported_media_type, 400, "MALFORMED_REQUEST",
                                 false},
                    mapping_case{failure_kind::payload_too_large, 400, "MALFORMED_REQUEST", false},
                    mapping_case{failure_kind::not_implemented, 501, "NOT_IMPLEMENTED", false},
                    mapping_case{failure_kind::unavailable, 503, "SUPPLIER_FAULT", true},
                    mapping_case{failure_kind::internal, 500, "SUPPLIER_FAULT", true}));

TEST(ErrorEnvelopeTest, BodyHasExactlyUuidCodeAndMessages) {
    const auto body = json::parse(make_error_reply(failure_kind::invalid_request, {"x"}).body);
    ASSERT_TRUE(body.is_object());
    EXPECT_EQ(body.size(), 3U);
    EXPECT_TRUE(body.at("uuid").is_string());
    EXPECT_TRUE(body.at("code").is_string());
    EXPECT_TRUE(body.at("messages").is_array());
}

TEST(ErrorEnvelopeTest, BodyCarriesEveryMessageInOrder) {
    const auto reply = make_error_reply(failure_kind::malformed_request,
                                        {"id is missing", "serviceId is missing"});
    EXPECT_EQ(json::parse(reply.body).at("messages"),
              json::array({"id is missing", "serviceId is missing"}));
}

TEST(ErrorEnvelopeTest, UuidIsLowerCaseVersion4) {
    const auto reply = make_error_reply(failure_kind::malformed_request, {"x"});
    const std::regex version4(
        "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
    EXPECT_TRUE(std::regex_match(reply.uuid, version4)) << reply.uuid;
}

TEST(ErrorEnvelopeTest, BodyUuidMatchesReplyUuid) {
    const auto reply = make_error_reply(failure_kind::malformed_request, {"x"});
    EXPECT_EQ(json::parse(reply.body).at("uuid"), reply.uuid);
}

TEST(ErrorEnvelopeTest, EveryReplyGetsAFreshUuid) {
    EXPECT_NE(make_error_reply(failure_kind::invalid_request).uuid,
              make_error_reply(failure_kind::invalid_request).uuid);
}

TEST(ErrorEnvelopeTest, UsesFixedMessageWhenNoneGiven) {
    const auto reply = make_error_reply(failure_kind::unsupported_media_type);
    EXPECT_THAT(reply.messages, ElementsAre("Content-Type must be application/json"));
}

TEST(ErrorEnvelopeTest, InternalErrorHidesCallerMessages) {
    const auto reply = make_error_reply(failure_kind::internal,
                                        {"sqlite3_step: database disk image is malformed"});
    EXPECT_THAT(reply.body, Not(HasSubstr("sqlite")));
}

TEST(ErrorEnvelopeTest, UnavailableHidesCallerMessages) {
    const auto reply = make_error_reply(failure_kind::unavailable, {"queue full at /var/lib/x"});
    EXPECT_THAT(reply.messages,
                ElementsAre("The service test system is temporarily unavailable; try again later"));
}

TEST(ErrorEnvelopeTest, InvalidRequestKeepsCallerMessages) {
    const auto reply =
        make_error_reply(failure_kind::invalid_request, {"Service SI1 is not active"});
    EXPECT_THAT(reply.messages, ElementsAre("Service SI1 is not active"));
}

TEST(ErrorEnvelopeTest, ReplacesInvalidUtf8InMessages) {
    const auto reply = make_error_reply(failure_kind::invalid_request, {"port \xFF down"});
    EXPECT_THAT(reply.messages, ElementsAre("port \xEF\xBF\xBD down"));
}

TEST(ErrorEnvelopeTest, TreatsValueInitialisedKindAsInternal) {
    const auto reply = make_error_reply(failure_kind{}, {"detail"});
    EXPECT_EQ(reply.status, 500U);
    EXPECT_EQ(reply.kind, failure_kind::internal);
}

class ErrorLogTest : public testing::Test {
protected:
    void SetUp() override {
        logger_ = core::logger("contract");
        sink_ = std::make_shared<spdlog::sinks::ostream_sink_st>(output_);
        sink_->set_pattern("%l %v");
        logger_->sinks().push_back(sink_);
        previous_level_ = logger_->level();
        logger_->set_level(spdlog::level::trace);
    }

    void TearDown() override {
        auto& sinks = logger_->sinks();
        sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
        logger_->set_level(previous_level_);
    }

    std::shared_ptr<spdlog::logger> logger_;
    std::shared_ptr<spdlog::sinks::ostream_sink_st> sink_;
    std::ostringstream output_;
    spdlog::level::level_enum previous_level_ = spdlog::level::info;
};

TEST_F(ErrorLogTest, LogsUuidAndCorrelationIds) {
    const auto reply = make_error_reply(failure_kind::invalid_request, {"x"});
    log_error_reply(reply, "service not active", "req-7", "conv-9");
    EXPECT_THAT(output_.str(), HasSubstr("answered 422 INVALID_REQUEST: service not active uuid=" +
                                         reply.uuid + " request_id=req-7 conversation_id=conv-9"));
}

TEST_F(ErrorLogTest, LogsInternalErrorAtErrorLevel) {
    log_error_reply(make_error_reply(failure_kind::internal), "store threw", "r", "c");
    EXPECT_THAT(output_.str(), testing::StartsWith("error "));
}

TEST_F(ErrorLogTest, LogsNotFoundAtDebugLevel) {
    log_error_reply(make_error_reply(failure_kind::not_found), "GET /", "r", "c");
    EXPECT_THAT(output_.str(), testing::StartsWith("debug "));
}

}  // namespace
}  // namespace linetest::contract
