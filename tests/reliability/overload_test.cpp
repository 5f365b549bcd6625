// Overload of the real daemon: a full executor queue, the connection cap, a slowloris client and
// a bounded request flood. The daemon is restarted once with small limits (one worker, a queue
// of one, a cap of 8 connections, a 2 s read timeout) written into the fixture's config file.

#include "daemon_fixture.hpp"

#include <linetest/test_support/http_test_client.hpp>
#include <linetest/test_support/wait.hpp>

#include <boost/beast/http/verb.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace linetest::reliability {
namespace {

using integration::daemon_fixture;
using integration::scenario;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using bverb = boost::beast::http::verb;

constexpr int max_connections = 8;
constexpr milliseconds read_timeout{2000};

// Stated RSS bound for the flood. The daemon measured 17-19 MiB before and after floods of
// 1500 and 5000 requests on a 2-core Debian 12 machine (RelWithDebInfo). The bound leaves room
// for allocator slack and fails on a leak of about 10 KiB per request.
constexpr std::int64_t rss_bound_kib = 64 * 1024;
// Under AddressSanitizer (this test and the daemon are built alike) the daemon starts above
// 300 MiB and freed memory stays in ASan's quarantine, so RSS does not show a leak there.
// LeakSanitizer checks the daemon when it stops instead, and scripts/sanitize.sh fails on
// the report it writes.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool rss_bound_applies = false;
#else
constexpr bool rss_bound_applies = true;
#endif
constexpr int flood_requests = 5000;
constexpr seconds flood_budget{40};

/// A TCP connection to 127.0.0.1 through plain POSIX calls, closed by the destructor.
class raw_socket {
public:
    explicit raw_socket(std::uint16_t port)
        : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<const sockaddr*>(&address),
                                           sizeof(address)) == 0;
    }
    ~raw_socket() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    raw_socket(const raw_socket&) = delete;
    raw_socket& operator=(const raw_socket&) = delete;

    bool connected() const { return connected_; }

    /// Sends `bytes`; returns false when the peer has closed or reset the connection.
    bool send_text(std::string_view bytes) {
        return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
               static_cast<ssize_t>(bytes.size());
    }

    /// Returns true when the peer has closed or reset the connection, without blocking.
    bool peer_closed() {
        char byte = 0;
        const auto received = ::recv(fd_, &byte, 1, MSG_DONTWAIT | MSG_PEEK);
        return received == 0 || (received < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
    }

private:
    int fd_;
    bool connected_ = false;
};

std::optional<std::int64_t> metric(const std::string& text, const std::string& name) {
    const auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) {
        return std::nullopt;
    }
    return std::stoll(text.substr(at + name.size() + 2));
}

// Finds the daemon's pid by the config path on its command line, since the fixture does not
// expose it.
std::optional<int> daemon_pid(const std::filesystem::path& config_file) {
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const auto name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        std::ifstream in(entry.path() / "cmdline", std::ios::binary);
        const std::string cmdline((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
        if (cmdline.find("linetestd") != std::string::npos &&
            cmdline.find(config_file.string()) != std::string::npos) {
            return std::stoi(name);
        }
    }
    return std::nullopt;
}

std::optional<std::int64_t> rss_kib(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.starts_with("VmRSS:")) {
            return std::stoll(line.substr(6));
        }
    }
    return std::nullopt;
}

class OverloadTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (integration::skip_reason()) {
            return;
        }
        integration::daemon_fixture_options options;
        options.with_slow_agent = true;
        daemon_ = new daemon_fixture(options);
        daemon_->kill_daemon_hard();
        const auto file = config_file();
        auto config = json::parse(std::ifstream(file));
        config["executor"]["workers"] = 1;
        config["executor"]["queue_capacity"] = 1;
        config["http"] = {{"max_connections", max_connections},
                          {"read_timeout_ms", read_timeout.count()}};
        std::ofstream(file, std::ios::trunc) << config.dump(2);
        daemon_->restart_daemon();
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
    }

    void TearDown() override {
        if (HasFailure() && daemon_ != nullptr) {
            std::cerr << "linetestd log (end):\n" << daemon_->daemon_log_tail(40) << '\n';
        }
    }

    static std::filesystem::path config_file() { return daemon_->work_dir() / "linetestd.json"; }

    static std::string metrics_text() {
        return daemon_->daemon_client().request(bverb::get, "/metrics").body;
    }

    static bool daemon_is_live() {
        try {
            return daemon_->daemon_client().request(bverb::get, "/health/live").status == 200;
        } catch (const std::exception&) {
            return false;
        }
    }

    static daemon_fixture* daemon_;
};

daemon_fixture* OverloadTest::daemon_ = nullptr;

TEST_F(OverloadTest, FullQueueReturns503) {
    // The slow test occupies the only worker, the healthy one fills the queue of one, and the
    // third finds no room.
    const auto running = daemon_->post_test(daemon_fixture::test_body(8201, scenario::slow));
    ASSERT_EQ(running.status, 201u) << running.body;
    ASSERT_TRUE(test_support::poll_until(
        [] { return metric(metrics_text(), "linetest_executor_running").value_or(0) == 1; },
        seconds(10)))
        << "the slow test never started";
    const auto queued = daemon_->post_test(daemon_fixture::test_body(8202, scenario::healthy));
    ASSERT_EQ(queued.status, 201u) << queued.body;

    const auto rejected = daemon_->post_test(daemon_fixture::test_body(8203, scenario::los));
    EXPECT_EQ(rejected.status, 503u) << rejected.body;
    const auto envelope = json::parse(rejected.body, nullptr, false);
    EXPECT_EQ(envelope.value("code", ""), "SUPPLIER_FAULT") << rejected.body;
    EXPECT_TRUE(envelope.contains("uuid")) << rejected.body;

    ASSERT_TRUE(daemon_->wait_until_idle(seconds(30))) << "the queued tests did not finish";
    // With the queue drained, the rejected request is accepted when sent again.
    const auto retried = daemon_->post_test(daemon_fixture::test_body(8203, scenario::los));
    EXPECT_EQ(retried.status, 201u) << retried.body;
    EXPECT_TRUE(daemon_->wait_until_idle(seconds(30)));

    // Three tests were stored and run, and every commit carries at least one write.
    const auto text = metrics_text();
    const auto commits = metric(text, "linetest_store_commits_total");
    const auto writes = metric(text, "linetest_store_writes_total");
    ASSERT_TRUE(commits.has_value()) << text;
    ASSERT_TRUE(writes.has_value()) << text;
    EXPECT_GE(*writes, 9);
    EXPECT_GE(*writes, *commits);
    EXPECT_GT(*commits, 0);
}

TEST_F(OverloadTest, ConnectionOverCapReturns503) {
    const auto port = daemon_->daemon_client().port();
    std::vector<std::unique_ptr<raw_socket>> idle;
    for (int i = 0; i < max_connections; ++i) {
        idle.push_back(std::make_unique<raw_socket>(port));
        ASSERT_TRUE(idle.back()->connected());
    }
    // The idle connections are accepted before this one, because the listen queue is FIFO.
    const test_support::http_test_client client("127.0.0.1", port, milliseconds(5000));
    const auto response = client.send_raw(
        "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(response.starts_with("HTTP/1.1 503")) << response;
    EXPECT_NE(response.find("SUPPLIER_FAULT"), std::string::npos) << response;

    idle.clear();
    EXPECT_TRUE(test_support::poll_until([] { return daemon_is_live(); }, seconds(10)))
        << "the daemon did not serve again after the idle connections closed";
}

TEST_F(OverloadTest, SlowlorisIsClosedAfterReadTimeout) {
    raw_socket slow(daemon_->daemon_client().port());
    ASSERT_TRUE(slow.connected());
    ASSERT_TRUE(slow.send_text("POST /service-tests HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
    // One header line every 200 ms, for at most four read timeouts.
    bool closed = false;
    const int max_lines = static_cast<int>(4 * read_timeout / milliseconds(200));
    for (int i = 0; i < max_lines && !closed; ++i) {
        std::this_thread::sleep_for(milliseconds(200));
        closed = slow.peer_closed() || !slow.send_text("X-Trickle: " + std::to_string(i) + "\r\n");
    }
    EXPECT_TRUE(closed) << "the daemon kept a trickling client for four read timeouts";
    EXPECT_TRUE(daemon_is_live());
}

TEST_F(OverloadTest, BoundedFloodKeepsRssUnderBound) {
    const auto pid = daemon_pid(config_file());
    ASSERT_TRUE(pid) << "cannot find the linetestd process";
    const auto before = rss_kib(*pid);
    ASSERT_TRUE(before);

    const auto port = daemon_->daemon_client().port();
    const test_support::http_test_client client("127.0.0.1", port, milliseconds(5000));
    const test_support::http_headers headers = {
        {"Authorization", "Bearer " + daemon_->token()},
        {"Content-Type", "application/json"},
        {"Tenant", std::string(daemon_fixture::tenant)},
        {"X-Request-ID", "7d0e8a3c-1b2f-4c5d-9e6f-0a1b2c3d4e5f"},
        {"X-Conversation-ID", "flood"},
    };
    // Rejected requests only: invalid JSON, so the flood exercises the whole request path up
    // to the parser without filling the store.
    const std::string body = R"({"id": 8301, "serviceId": )" + std::string(2000, ' ');
    std::int64_t peak = *before;
    int sent = 0;
    int bad_status = 0;
    int failed = 0;
    const auto started = std::chrono::steady_clock::now();
    while (sent < flood_requests && std::chrono::steady_clock::now() - started < flood_budget) {
        try {
            const auto response = sent % 2 == 0
                                      ? client.request(bverb::post, "/service-tests", headers, body)
                                      : client.request(bverb::get, "/health/live");
            if (response.status != (sent % 2 == 0 ? 400u : 200u)) {
                ++bad_status;
            }
        } catch (const std::exception&) {
            ++failed;
        }
        ++sent;
        if (sent % 100 == 0) {
            peak = std::max(peak, rss_kib(*pid).value_or(0));
        }
    }
    peak = std::max(peak, rss_kib(*pid).value_or(0));
    const auto elapsed =
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
    std::cout << "flood: requests=" << sent << " elapsed_ms=" << elapsed.count()
              << " rss_before_kib=" << *before << " rss_peak_kib=" << peak
              << " unexpected_status=" << bad_status << " transport_failures=" << failed << '\n';

    EXPECT_GT(sent, 0);
    EXPECT_EQ(bad_status, 0);
    EXPECT_EQ(failed, 0);
    if (rss_bound_applies) {
        EXPECT_LT(peak, rss_bound_kib);
    } else {
        std::cout << "flood: RSS bound not checked in an AddressSanitizer build\n";
    }
    EXPECT_TRUE(daemon_is_live());
}

}  // namespace
}  // namespace linetest::reliability
