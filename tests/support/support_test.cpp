#include "linetest/test_support/child_process.hpp"
#include "linetest/test_support/free_port.hpp"
#include "linetest/test_support/http_test_client.hpp"
#include "linetest/test_support/peer_paths.hpp"
#include "linetest/test_support/temp_dir.hpp"
#include "linetest/test_support/wait.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace linetest::test_support {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace http = boost::beast::http;

child_process start_shell(const temp_dir& dir, const std::string& script) {
    child_process_options options;
    options.program = "/bin/sh";
    options.args = {"-c", script};
    options.log_file = dir / "child.log";
    return child_process(std::move(options));
}

TEST(ChildProcessTest, ReportsExitCode) {
    temp_dir dir;
    auto child = start_shell(dir, "exit 3");

    auto status = child.wait_exit(30s);

    ASSERT_TRUE(status.has_value()) << child.log_tail();
    EXPECT_TRUE(status->exited);
    EXPECT_EQ(status->code, 3);
    EXPECT_FALSE(child.running());
}

TEST(ChildProcessTest, TerminateSendsSigterm) {
    temp_dir dir;
    auto child = start_shell(dir, "exec sleep 60");
    ASSERT_TRUE(child.running());

    auto status = child.terminate(30s);

    EXPECT_FALSE(status.exited);
    EXPECT_EQ(status.signal, SIGTERM) << status.describe();
    EXPECT_FALSE(child.running());
}

TEST(ChildProcessTest, TerminateEscalatesToSigkill) {
    temp_dir dir;
    // The marker file shows that the trap is in place before the test signals the shell.
    auto marker = dir / "trap-set";
    auto child =
        start_shell(dir, "trap '' TERM; : > '" + marker.string() + "'; while :; do sleep 1; done");
    ASSERT_TRUE(poll_until([&] { return std::filesystem::exists(marker); }, 30s))
        << child.log_tail();

    auto status = child.terminate(200ms);

    EXPECT_FALSE(status.exited);
    EXPECT_EQ(status.signal, SIGKILL) << status.describe();
}

TEST(ChildProcessTest, TerminateStopsWholeProcessGroup) {
    temp_dir dir;
    auto pid_file = dir / "grandchild.pid";
    auto child = start_shell(dir, "sleep 60 & echo $! > '" + pid_file.string() + "'; wait");
    ASSERT_TRUE(wait_for_file(pid_file, 30s)) << child.log_tail();
    pid_t grandchild = std::stoi(read_text_file(pid_file));
    ASSERT_EQ(::kill(grandchild, 0), 0) << "grandchild " << grandchild << " is not running";

    child.terminate(30s);

    // The orphaned grandchild is reaped by init (or a subreaper) after it dies, so wait for that.
    EXPECT_TRUE(poll_until([&] { return ::kill(grandchild, 0) != 0; }, 30s))
        << "grandchild " << grandchild << " survived terminate()";
}

TEST(ChildProcessTest, DestructorKillsChild) {
    temp_dir dir;
    pid_t pid = -1;
    {
        auto child = start_shell(dir, "exec sleep 60");
        pid = child.pid();
    }

    EXPECT_NE(::kill(pid, 0), 0) << "pid " << pid << " still exists after the destructor";
}

TEST(ChildProcessTest, LogCapturesStdoutAndStderr) {
    temp_dir dir;
    auto child = start_shell(dir, "echo to-stdout; echo to-stderr >&2");
    ASSERT_TRUE(child.wait_exit(30s).has_value());

    auto log = child.log_tail();

    EXPECT_NE(log.find("to-stdout"), std::string::npos) << log;
    EXPECT_NE(log.find("to-stderr"), std::string::npos) << log;
}

TEST(ChildProcessTest, LogTailKeepsLastLines) {
    temp_dir dir;
    auto child = start_shell(dir, "for i in 1 2 3 4 5; do echo line$i; done");
    ASSERT_TRUE(child.wait_exit(30s).has_value());

    EXPECT_EQ(child.log_tail(2), "line4\nline5\n");
}

TEST(ChildProcessTest, AppliesEnvironmentAndWorkingDir) {
    temp_dir dir;
    child_process_options options;
    options.program = "sh";  // a bare name, looked up in PATH
    options.args = {"-c", "echo \"$LINETEST_SUPPORT_PROBE|$(pwd -P)\""};
    options.env = {{"LINETEST_SUPPORT_PROBE", "probe-value"}};
    options.working_dir = dir.path();
    options.log_file = dir / "child.log";
    child_process child(std::move(options));
    ASSERT_TRUE(child.wait_exit(30s).has_value());

    auto expected = "probe-value|" + std::filesystem::canonical(dir.path()).string() + "\n";
    EXPECT_EQ(read_text_file(dir / "child.log"), expected);
}

TEST(ChildProcessTest, MissingProgramThrows) {
    temp_dir dir;
    child_process_options options;
    options.program = dir / "no-such-program";
    options.log_file = dir / "child.log";

    EXPECT_THROW(child_process{std::move(options)}, std::system_error);
}

TEST(ChildProcessTest, MissingWorkingDirThrows) {
    temp_dir dir;
    child_process_options options;
    options.program = "/bin/true";
    options.working_dir = dir / "no-such-dir";
    options.log_file = dir / "child.log";

    EXPECT_THROW(child_process{std::move(options)}, std::system_error);
}

TEST(ChildProcessTest, ChildDiesWhenTestProcessDies) {
    temp_dir dir;
    auto pid_file = dir / "child.pid";
    // A forked copy of this test process starts the child and exits without running
    // destructors, as an aborted test would.
    pid_t test_copy = ::fork();
    ASSERT_GE(test_copy, 0);
    if (test_copy == 0) {
        auto child = start_shell(dir, "exec sleep 60");
        std::ofstream(pid_file) << child.pid() << '\n';
        ::_exit(0);
    }
    int raw = 0;
    ASSERT_EQ(::waitpid(test_copy, &raw, 0), test_copy);
    ASSERT_TRUE(wait_for_file(pid_file, 30s));
    pid_t orphan = std::stoi(read_text_file(pid_file));

    EXPECT_TRUE(poll_until([&] { return ::kill(orphan, 0) != 0; }, 30s))
        << "child " << orphan << " survived the death of the process that started it";
}

TEST(WaitTest, PollUntilReturnsFalseOnTimeout) {
    EXPECT_FALSE(poll_until([] { return false; }, 50ms, 10ms));
}

TEST(WaitTest, WaitForFileTimesOutWhenMissing) {
    temp_dir dir;

    EXPECT_FALSE(wait_for_file(dir / "never-written", 50ms));
}

TEST(WaitTest, TcpPortReachableOnlyWhileListening) {
    auto port = free_tcp_port();
    EXPECT_FALSE(wait_for_tcp_port("127.0.0.1", port, 50ms));

    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(
        io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));

    EXPECT_TRUE(wait_for_tcp_port("127.0.0.1", port, 30s));
}

TEST(FreePortTest, UdpPortCanBeBound) {
    auto port = free_udp_port();
    asio::io_context io;
    asio::ip::udp::socket socket(io);
    socket.open(asio::ip::udp::v4());
    boost::system::error_code ec;

    socket.bind(asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);

    EXPECT_FALSE(ec) << "port " << port << ": " << ec.message();
}

TEST(TempDirTest, RemovedByDestructor) {
    const char* keep = std::getenv("LINETEST_KEEP_TEST_DIRS");
    if (keep != nullptr && *keep != '\0') {
        GTEST_SKIP() << "LINETEST_KEEP_TEST_DIRS is set, so temp_dir keeps its directory";
    }
    std::filesystem::path path;
    {
        temp_dir dir("linetest-support");
        path = dir.path();
        std::ofstream(dir / "file") << "content";
        ASSERT_TRUE(std::filesystem::is_directory(path));
    }

    EXPECT_FALSE(std::filesystem::exists(path)) << path;
}

// Serves `connections` connections on 127.0.0.1, one at a time. A request that parses gets 200
// with "METHOD TARGET|X-Probe|body"; anything else gets 400 and a close.
class echo_server {
public:
    explicit echo_server(int connections)
        : acceptor_(io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
          thread_([this, connections] { serve(connections); }) {}
    ~echo_server() {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        thread_.join();
    }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

private:
    void serve(int connections) {
        for (int i = 0; i < connections; ++i) {
            asio::ip::tcp::socket socket(io_);
            boost::system::error_code ec;
            acceptor_.accept(socket, ec);
            if (ec) {
                return;
            }
            boost::beast::flat_buffer buffer;
            http::request<http::string_body> req;
            http::read(socket, buffer, req, ec);
            if (ec) {
                std::string reply =
                    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                asio::write(socket, asio::buffer(reply), ec);
                continue;
            }
            http::response<http::string_body> res(http::status::ok, 11);
            res.set("X-Echo", "yes");
            res.body() = std::string(req.method_string()) + " " + std::string(req.target()) + "|" +
                         std::string(req["X-Probe"]) + "|" + req.body();
            res.prepare_payload();
            http::write(socket, res, ec);
        }
    }

    asio::io_context io_;
    asio::ip::tcp::acceptor acceptor_;
    std::thread thread_;
};

TEST(HttpTestClientTest, SendsRequestAndReadsResponse) {
    echo_server server(1);
    http_test_client client("127.0.0.1", server.port());

    auto response =
        client.request(http::verb::post, "/service-tests", {{"X-Probe", "p1"}}, "{\"a\":1}");

    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(response.body, "POST /service-tests|p1|{\"a\":1}");
    EXPECT_EQ(response.header("x-echo"), "yes");
}

TEST(HttpTestClientTest, SendRawReturnsReplyToMalformedRequest) {
    echo_server server(1);
    http_test_client client("127.0.0.1", server.port());

    auto reply = client.send_raw("NOT-HTTP \x01\x02\r\n\r\n");

    EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
}

TEST(HttpTestClientTest, RequestToClosedPortThrows) {
    http_test_client client("127.0.0.1", free_tcp_port(), 5s);

    EXPECT_THROW(client.request(http::verb::get, "/"), std::runtime_error);
}

std::string base64url_decode(const std::string& input) {
    std::string out;
    std::uint32_t bits = 0;
    int count = 0;
    for (char c : input) {
        int value;
        if (c >= 'A' && c <= 'Z') {
            value = c - 'A';
        } else if (c >= 'a' && c <= 'z') {
            value = c - 'a' + 26;
        } else if (c >= '0' && c <= '9') {
            value = c - '0' + 52;
        } else if (c == '-') {
            value = 62;
        } else if (c == '_') {
            value = 63;
        } else {
            break;
        }
        bits = bits << 6 | static_cast<std::uint32_t>(value);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>(bits >> count & 0xff);
        }
    }
    return out;
}

nlohmann::json jwt_part(const std::string& token, int index) {
    std::size_t start = 0;
    for (int i = 0; i < index; ++i) {
        start = token.find('.', start) + 1;
    }
    auto end = token.find('.', start);
    return nlohmann::json::parse(base64url_decode(token.substr(start, end - start)));
}

TEST(OAuthServerTest, IssuesTokenWithConfiguredClaims) {
    if (auto why = peers_unavailable_reason()) {
        GTEST_SKIP() << *why;
    }
    temp_dir dir;
    oauth_server_options options;
    options.audience = "linetest-daemon";
    options.scope = "service-tests kcis";
    auto server = start_oauth_server(dir.path(), options);

    auto token = server.client_credentials_token("gateway-client", "gateway-secret");
    auto header = jwt_part(token, 0);
    auto payload = jwt_part(token, 1);

    EXPECT_EQ(server.issuer, "http://127.0.0.1:" + std::to_string(server.port));
    EXPECT_EQ(header.value("alg", ""), "RS256");
    EXPECT_EQ(payload.value("iss", ""), server.issuer);
    EXPECT_EQ(payload.value("aud", ""), "linetest-daemon");
    EXPECT_EQ(payload.value("scope", ""), "service-tests kcis");
    EXPECT_EQ(payload.value("client_id", ""), "gateway-client");
    EXPECT_TRUE(payload.contains("exp"));
}

TEST(OAuthServerTest, PublishesBothKeysWithEs256) {
    if (auto why = peers_unavailable_reason()) {
        GTEST_SKIP() << *why;
    }
    temp_dir dir;
    oauth_server_options options;
    options.es256 = true;
    auto server = start_oauth_server(dir.path(), options);
    http_test_client client("127.0.0.1", server.port);

    auto response = client.request(http::verb::get, "/jwks");
    ASSERT_EQ(response.status, 200u) << response.body;
    auto keys = nlohmann::json::parse(response.body).at("keys");
    std::set<std::string> algorithms;
    for (const auto& key : keys) {
        algorithms.insert(key.value("alg", ""));
    }

    EXPECT_EQ(algorithms, (std::set<std::string>{"ES256", "RS256"}));
}

TEST(OAuthServerTest, ExitsCleanlyOnSigterm) {
    if (auto why = peers_unavailable_reason()) {
        GTEST_SKIP() << *why;
    }
    temp_dir dir;
    auto server = start_oauth_server(dir.path());

    auto status = server.process.terminate(30s);

    EXPECT_TRUE(status.exited) << status.describe() << "\n" << server.process.log_tail();
    EXPECT_EQ(status.code, 0);
}

TEST(GatewayStandinTest, ScriptedKciStatusesAreRecorded) {
    if (auto why = peers_unavailable_reason()) {
        GTEST_SKIP() << *why;
    }
    temp_dir dir;
    gateway_standin_options options;
    options.client_id = "supplier-a";
    options.client_secret = "secret-a";
    auto standin = start_gateway_standin(dir.path(), options);
    auto client = standin.client();
    auto token_response =
        client.request(http::verb::post, "/v1/auth/supplier/access-token",
                       {{"Content-Type", "application/x-www-form-urlencoded"}},
                       "grant_type=client_credentials&client_id=supplier-a&client_secret=secret-a");
    ASSERT_EQ(token_response.status, 200u) << token_response.body;
    auto token = nlohmann::json::parse(token_response.body).at("access_token").get<std::string>();
    standin.script_kcis(nlohmann::json::array({503}));
    http_headers kci_headers{{"Content-Type", "application/json"},
                             {"Authorization", "Bearer " + token},
                             {"X-Request-ID", "support-test-request"}};

    auto first = client.request(http::verb::post, "/v1/kcis", kci_headers, "{\"n\":1}");
    auto second = client.request(http::verb::post, "/v1/kcis", kci_headers, "{\"n\":2}");
    auto recorded = standin.kcis();
    standin.reset();
    auto after_reset = standin.kcis();

    EXPECT_EQ(standin.updates_base + "/kcis", standin.base_url + "/v1/kcis");
    EXPECT_EQ(first.status, 503u) << first.body;
    EXPECT_EQ(second.status, 204u) << second.body;
    ASSERT_TRUE(recorded.is_array()) << recorded.dump();
    EXPECT_EQ(recorded.size(), 2u) << recorded.dump();
    EXPECT_TRUE(after_reset.empty()) << after_reset.dump();
}

}  // namespace
}  // namespace linetest::test_support
