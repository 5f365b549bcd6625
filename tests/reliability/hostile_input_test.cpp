// Hostile HTTP framing and hostile JSON against the real daemon, written as raw bytes on a
// socket. Every row must end in a 400 with the error envelope, or in a closed connection where
// the framing itself is broken. Afterwards the daemon must still serve GET /health/live, and
// the store's tests table must be unchanged.
//
// One daemon serves the whole suite, because each start costs several seconds of peer start-up
// and the rows do not change the daemon's state when they pass.

#include "daemon_fixture.hpp"

#include <linetest/test_support/http_test_client.hpp>

#include <boost/beast/http/verb.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <sqlite3.h>

namespace linetest::reliability {
namespace {

using integration::daemon_fixture;
using integration::scenario;
using nlohmann::json;

// Bounds every raw exchange, so a daemon that waits for bytes that never come fails the test
// instead of hanging it. It is shorter than the daemon's 10 s read timeout, so a daemon that
// waits for that timeout shows up as a missing response.
constexpr std::chrono::milliseconds raw_timeout{5000};

/// One response parsed from the raw bytes the daemon sent.
struct raw_response {
    unsigned status = 0;
    std::string head;  ///< Status line and header fields, for messages.
    std::string body;
};

std::optional<std::size_t> content_length_of(std::string_view head) {
    std::string lower(head);
    for (auto& c : lower) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    const auto at = lower.find("\r\ncontent-length:");
    if (at == std::string::npos) {
        return std::nullopt;
    }
    return std::stoul(lower.substr(at + 17));
}

// Splits what the daemon sent into responses. Stops at the first incomplete one, so a torn
// response counts as missing rather than wrong.
std::vector<raw_response> parse_responses(std::string_view bytes) {
    std::vector<raw_response> responses;
    while (bytes.starts_with("HTTP/1.1 ")) {
        const auto end_of_head = bytes.find("\r\n\r\n");
        if (end_of_head == std::string_view::npos || bytes.size() < 12) {
            break;
        }
        raw_response response;
        response.head = std::string(bytes.substr(0, end_of_head));
        response.status = static_cast<unsigned>(std::stoul(std::string(bytes.substr(9, 3))));
        bytes.remove_prefix(end_of_head + 4);
        const auto length = content_length_of(response.head).value_or(0);
        if (bytes.size() < length) {
            break;
        }
        response.body = std::string(bytes.substr(0, length));
        bytes.remove_prefix(length);
        responses.push_back(std::move(response));
    }
    return responses;
}

std::string envelope_code(const raw_response& response) {
    const auto body = json::parse(response.body, nullptr, false);
    return body.is_object() ? body.value("code", "") : "";
}

bool has_envelope_uuid(const raw_response& response) {
    const auto body = json::parse(response.body, nullptr, false);
    return body.is_object() && body.contains("uuid") && body["uuid"].is_string() &&
           body.contains("messages") && body["messages"].is_array();
}

class HostileInputTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (integration::skip_reason()) {
            return;
        }
        // GoogleTest runs the suite on the main thread, which outlives the fixture's children.
        daemon_ = new daemon_fixture();
    }

    static void TearDownTestSuite() {
        delete daemon_;
        daemon_ = nullptr;
    }

    void SetUp() override {
        if (const auto why = integration::skip_reason()) {
            GTEST_SKIP() << *why;
        }
        ASSERT_NE(daemon_, nullptr);
        tests_before_ = count_tests();
    }

    void TearDown() override {
        if (HasFailure() && daemon_ != nullptr) {
            std::cerr << "linetestd log (end):\n" << daemon_->daemon_log_tail(40) << '\n';
        }
    }

    /// Builds the head of a POST /service-tests with a valid token. `extra` goes before the
    /// closing blank line, and Content-Length is sent only when `content_length` is set.
    static std::string post_head(std::string_view extra,
                                 std::optional<std::size_t> content_length,
                                 std::string_view content_type = "application/json") {
        std::string head = "POST /service-tests HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        head += "Authorization: Bearer " + daemon_->token() + "\r\n";
        head += "Tenant: " + std::string(daemon_fixture::tenant) + "\r\n";
        head += "X-Request-ID: 6a1f3c2e-0d4b-4e8a-9f61-2b7c5d8e9a10\r\n";
        head += "X-Conversation-ID: 0b2e4d6f-8a1c-4e3b-9d5f-7c9e1a3b5d70\r\n";
        head += "Content-Type: " + std::string(content_type) + "\r\n";
        if (content_length) {
            head += "Content-Length: " + std::to_string(*content_length) + "\r\n";
        }
        head += extra;
        head += "Connection: close\r\n\r\n";
        return head;
    }

    /// Builds a POST with `body` framed by Content-Length.
    static std::string post(std::string_view body,
                            std::string_view content_type = "application/json") {
        return post_head("", body.size(), content_type) + std::string(body);
    }

    static std::vector<raw_response> exchange(std::string_view bytes) {
        const test_support::http_test_client client("127.0.0.1", daemon_->daemon_client().port(),
                                                    raw_timeout);
        return parse_responses(client.send_raw(bytes));
    }

    static bool daemon_is_live() {
        try {
            const auto live =
                daemon_->daemon_client().request(boost::beast::http::verb::get, "/health/live");
            return live.status == 200;
        } catch (const std::exception&) {
            return false;
        }
    }

    /// Counts the rows of the store's tests table through a separate read-only handle.
    static std::int64_t count_tests() {
        sqlite3* db = nullptr;
        const auto path = daemon_->store_file().string();
        if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
            sqlite3_close(db);
            throw std::runtime_error("cannot open the daemon's store " + path);
        }
        const std::unique_ptr<sqlite3, decltype(&sqlite3_close)> owner(db, &sqlite3_close);
        sqlite3_busy_timeout(db, 2000);
        sqlite3_stmt* statement = nullptr;
        if (sqlite3_prepare_v2(db, "SELECT count(*) FROM tests", -1, &statement, nullptr) !=
            SQLITE_OK) {
            throw std::runtime_error(std::string("cannot query the store: ") + sqlite3_errmsg(db));
        }
        std::int64_t count = -1;
        if (sqlite3_step(statement) == SQLITE_ROW) {
            count = sqlite3_column_int64(statement, 0);
        }
        sqlite3_finalize(statement);
        return count;
    }

    /// Checks what every row shares: one 400 MALFORMED_REQUEST envelope, a live daemon and an
    /// unchanged tests table.
    void expect_rejected(const std::vector<raw_response>& responses) {
        ASSERT_EQ(responses.size(), 1u) << "expected exactly one response";
        EXPECT_EQ(responses[0].status, 400u) << responses[0].head << "\n" << responses[0].body;
        EXPECT_EQ(envelope_code(responses[0]), "MALFORMED_REQUEST") << responses[0].body;
        EXPECT_TRUE(has_envelope_uuid(responses[0])) << responses[0].body;
        expect_survived();
    }

    /// Checks a row where closing without a response is as good as a 400, because the server
    /// closes with unread bytes and the kernel may then reset the connection before the client
    /// reads the 400. Any response must be a 400 envelope, and the daemon must stay live.
    void expect_rejected_or_closed(const std::vector<raw_response>& responses) {
        ASSERT_LE(responses.size(), 1u);
        if (!responses.empty()) {
            EXPECT_EQ(responses[0].status, 400u) << responses[0].head << "\n" << responses[0].body;
            EXPECT_EQ(envelope_code(responses[0]), "MALFORMED_REQUEST") << responses[0].body;
        }
        expect_survived();
    }

    void expect_survived() {
        EXPECT_TRUE(daemon_->daemon_running()) << "linetestd exited";
        EXPECT_TRUE(daemon_is_live()) << "linetestd no longer answers GET /health/live";
        EXPECT_EQ(count_tests(), tests_before_) << "a hostile request reached the tests table";
    }

    static std::string valid_body(std::int64_t id) {
        return daemon_fixture::test_body(id, scenario::healthy).dump();
    }

    static daemon_fixture* daemon_;
    std::int64_t tests_before_ = 0;
};

daemon_fixture* HostileInputTest::daemon_ = nullptr;

TEST_F(HostileInputTest, ContentLengthWithChunkedIsRejected) {
    const auto body = valid_body(7101);
    std::string chunked = "10\r\n" + body.substr(0, 16) + "\r\n0\r\n\r\n";
    const auto responses =
        exchange(post_head("Transfer-Encoding: chunked\r\n", body.size()) + chunked);
    expect_rejected(responses);
}

TEST_F(HostileInputTest, TwoDifferentContentLengthsAreRejected) {
    const auto body = valid_body(7102);
    const auto responses = exchange(
        post_head("Content-Length: " + std::to_string(body.size() - 5) + "\r\n", body.size()) +
        body);
    expect_rejected(responses);
}

TEST_F(HostileInputTest, ChunkedBodyWithBadSizeIsRejected) {
    const auto responses = exchange(post_head("Transfer-Encoding: chunked\r\n", std::nullopt) +
                                    "zz\r\n{}\r\n0\r\n\r\n");
    expect_rejected(responses);
}

TEST_F(HostileInputTest, ExpectContinueOversizedGetsNoContinue) {
    // The daemon must reject the declared length before inviting the client to send the body.
    const auto responses =
        exchange(post_head("Expect: 100-continue\r\n", std::size_t{10} * 1024 * 1024));
    ASSERT_FALSE(responses.empty()) << "no answer to an oversized Expect: 100-continue request";
    EXPECT_NE(responses[0].status, 100u) << "the daemon invited a body it will refuse";
    expect_rejected(responses);
}

TEST_F(HostileInputTest, ExpectContinueInvalidJsonGets400) {
    const std::string body = R"({"id": 7104,)";
    const auto responses = exchange(post_head("Expect: 100-continue\r\n", body.size()) + body);
    ASSERT_EQ(responses.size(), 2u) << "expected 100 Continue and a final response";
    EXPECT_EQ(responses[0].status, 100u) << responses[0].head;
    EXPECT_EQ(responses[1].status, 400u) << responses[1].head << "\n" << responses[1].body;
    EXPECT_EQ(envelope_code(responses[1]), "MALFORMED_REQUEST") << responses[1].body;
    expect_survived();
}

TEST_F(HostileInputTest, PipelinedRequestsGetOrderedResponses) {
    // A keep-alive probe, then a hostile POST, then a probe: all three in one write.
    const std::string probe =
        "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n";
    const std::string hostile_body = R"({"id": 7105, "id": 7106})";
    std::string hostile = post_head("", hostile_body.size()) + hostile_body;
    hostile.replace(hostile.find("Connection: close"), 17, "Connection: keep-alive");
    const std::string last =
        "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    const auto responses = exchange(probe + hostile + last);
    ASSERT_EQ(responses.size(), 3u) << "expected three responses on one connection";
    EXPECT_EQ(responses[0].status, 200u) << responses[0].head;
    EXPECT_EQ(responses[1].status, 400u) << responses[1].head << "\n" << responses[1].body;
    EXPECT_EQ(envelope_code(responses[1]), "MALFORMED_REQUEST") << responses[1].body;
    EXPECT_EQ(responses[2].status, 200u) << responses[2].head;
    expect_survived();
}

TEST_F(HostileInputTest, OversizedHeadersAreRejected) {
    const auto body = valid_body(7107);
    const std::string padding = "X-Padding: " + std::string(16 * 1024, 'a') + "\r\n";
    const auto responses = exchange(post_head(padding, body.size()) + body);
    expect_rejected_or_closed(responses);
}

TEST_F(HostileInputTest, OversizedBodyIsRejected) {
    // The declared length alone exceeds the limit; a few bytes of it follow.
    const auto responses =
        exchange(post_head("", std::size_t{1024} * 1024) + R"({"id": 7108, "serviceId": ")");
    expect_rejected(responses);
}

TEST_F(HostileInputTest, NonUtf8StringIsRejected) {
    auto body = daemon_fixture::test_body(7109, scenario::healthy);
    body["serviceId"] = "SI-HEALTHY";
    std::string text = body.dump();
    // Lone continuation byte and an overlong encoding of '/', inside the serviceId string.
    text.replace(text.find("SI-HEALTHY"), 10, "SI-\x80\xc0\xafHEALTHY");
    expect_rejected(exchange(post(text)));
}

TEST_F(HostileInputTest, DeeplyNestedJsonIsRejected) {
    constexpr std::size_t depth = 20'000;
    const std::string text = R"({"id": 7110, "characteristics": )" + std::string(depth, '[') +
                             std::string(depth, ']') + "}";
    expect_rejected(exchange(post(text)));
}

TEST_F(HostileInputTest, DuplicateKeysAreRejected) {
    const auto valid = valid_body(7111);
    // The second id would win in a last-key-wins parser; the request must not reach the store
    // under either.
    const std::string text = R"({"id": 7112, )" + valid.substr(1);
    expect_rejected(exchange(post(text)));
}

TEST_F(HostileInputTest, FloatIdIsRejected) {
    auto body = daemon_fixture::test_body(1, scenario::healthy);
    body["id"] = 7113.5;
    expect_rejected(exchange(post(body.dump())));
}

TEST_F(HostileInputTest, NegativeIdIsRejected) {
    auto body = daemon_fixture::test_body(1, scenario::healthy);
    body["id"] = -7114;
    expect_rejected(exchange(post(body.dump())));
}

TEST_F(HostileInputTest, StringIdIsRejected) {
    auto body = daemon_fixture::test_body(1, scenario::healthy);
    body["id"] = "7115";
    expect_rejected(exchange(post(body.dump())));
}

TEST_F(HostileInputTest, IdAbove2Pow53IsRejected) {
    auto body = daemon_fixture::test_body(1, scenario::healthy);
    body["id"] = std::uint64_t{1} << 53;
    expect_rejected(exchange(post(body.dump())));
}

TEST_F(HostileInputTest, EmptyBodyIsRejected) { expect_rejected(exchange(post(""))); }

TEST_F(HostileInputTest, WrongContentTypeIsRejected) {
    expect_rejected(exchange(post(valid_body(7116), "text/plain")));
}

TEST_F(HostileInputTest, ValidRequestIsStored) {
    // Shows that the checks above can tell a stored test from a rejected one, because the same
    // path with a valid body stores exactly one row.
    const auto responses = exchange(post(valid_body(7117)));
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].status, 201u) << responses[0].head << "\n" << responses[0].body;
    EXPECT_EQ(count_tests(), tests_before_ + 1);
}

}  // namespace
}  // namespace linetest::reliability
