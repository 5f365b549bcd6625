#include "http/server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace linetest::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

listener_config loopback_listener(std::uint16_t port) {
    listener_config listener;
    listener.address = "127.0.0.1";
    listener.port = port;
    return listener;
}

response text_response(bhttp::status status, std::string body) {
    response res{status, 11};
    res.set(bhttp::field::content_type, "text/plain");
    res.body() = std::move(body);
    return res;
}

/// A real server on 127.0.0.1 with small limits, driven by raw sockets so that
/// each test controls exactly which bytes arrive and when.
class ServerTest : public ::testing::Test {
protected:
    void start(server_limits limits = small_limits(),
               request_handler handler = echo_handler()) {
        server_config config;
        config.listeners.push_back(loopback_listener(0));
        config.limits = limits;
        error_responder errors;
        errors.malformed = [](const framing_failure& failure) {
            return text_response(bhttp::status::bad_request, "malformed: " + failure.message);
        };
        errors.overloaded = [] {
            return text_response(bhttp::status::service_unavailable, "overloaded");
        };
        errors.internal_error = [] {
            return text_response(bhttp::status::internal_server_error, "internal");
        };
        server_ = std::make_unique<server>(io_, config, std::move(handler), errors);
        server_->start();
        port_ = server_->local_endpoints().at(0).port();
        for (int i = 0; i < 2; ++i) {
            threads_.emplace_back([this] { io_.run(); });
        }
    }

    void TearDown() override {
        if (server_) {
            server_->stop();
        }
        work_.reset();
        io_.stop();
        for (auto& thread : threads_) {
            thread.join();
        }
    }

    static server_limits small_limits() {
        server_limits limits;
        limits.max_header_bytes = 1024;
        limits.max_body_bytes = 256;
        limits.read_timeout = 500ms;
        limits.idle_timeout = 500ms;
        limits.write_timeout = 1s;
        limits.max_connections = 4;
        return limits;
    }

    static request_handler echo_handler() {
        return [](const request& req, const peer_info&) {
            return text_response(bhttp::status::ok,
                                 std::string(req.target()) + "|" + req.body());
        };
    }

    tcp::socket connect() {
        tcp::socket socket(client_io_);
        socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
        return socket;
    }

    /// Reads until the peer closes or `timeout` passes; returns everything read.
    static std::string read_all(tcp::socket& socket, std::chrono::milliseconds timeout = 3s) {
        std::string out;
        const auto until = std::chrono::steady_clock::now() + timeout;
        socket.non_blocking(true);
        char buffer[4096];
        while (std::chrono::steady_clock::now() < until) {
            boost::system::error_code ec;
            const auto n = socket.read_some(asio::buffer(buffer), ec);
            if (ec == asio::error::would_block) {
                std::this_thread::sleep_for(5ms);
                continue;
            }
            if (ec) {
                break;
            }
            out.append(buffer, n);
        }
        return out;
    }

    /// Reads one HTTP response from a keep-alive connection.
    static bhttp::response<bhttp::string_body> read_response(tcp::socket& socket,
                                                             boost::beast::flat_buffer& buffer) {
        bhttp::response<bhttp::string_body> res;
        bhttp::read(socket, buffer, res);
        return res;
    }

    static void write(tcp::socket& socket, std::string_view bytes) {
        asio::write(socket, asio::buffer(bytes.data(), bytes.size()));
    }

    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
    asio::io_context client_io_;
    std::unique_ptr<server> server_;
    std::vector<std::thread> threads_;
    std::uint16_t port_ = 0;
};

TEST_F(ServerTest, AnswersTwoRequestsOnOneConnection) {
    start();
    auto socket = connect();
    boost::beast::flat_buffer buffer;
    write(socket, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
    const auto first = read_response(socket, buffer);
    write(socket, "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto second = read_response(socket, buffer);
    EXPECT_EQ(first.body(), "/a|abc");
    EXPECT_EQ(second.body(), "/b|");
    EXPECT_TRUE(second.keep_alive());
}

TEST_F(ServerTest, AnswersPipelinedRequestsInOrder) {
    start();
    auto socket = connect();
    boost::beast::flat_buffer buffer;
    write(socket, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(read_response(socket, buffer).body(), "/1|");
    EXPECT_EQ(read_response(socket, buffer).body(), "/2|");
}

TEST_F(ServerTest, OversizedHeadersGet400AndClose) {
    start();
    auto socket = connect();
    write(socket, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
    const auto reply = read_all(socket);
    EXPECT_NE(reply.find("400 Bad Request"), std::string::npos) << reply;
    EXPECT_NE(reply.find("request headers exceed 1024 bytes"), std::string::npos) << reply;
    EXPECT_NE(reply.find("Connection: close"), std::string::npos) << reply;
}

TEST_F(ServerTest, OversizedBodyGets400) {
    start();
    auto socket = connect();
    write(socket, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" +
                      std::string(1000, 'b'));
    const auto reply = read_all(socket);
    EXPECT_NE(reply.find("request body exceeds 256 bytes"), std::string::npos) << reply;
}

TEST_F(ServerTest, BadChunkSizeGets400) {
    start();
    auto socket = connect();
    write(socket,
          "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");
    const auto reply = read_all(socket);
    EXPECT_NE(reply.find("400 Bad Request"), std::string::npos) << reply;
}

TEST_F(ServerTest, ExpectContinueGetsInterimResponse) {
    start();
    auto socket = connect();
    write(socket,
          "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
    std::string interim(25, '\0');
    asio::read(socket, asio::buffer(interim.data(), interim.size()));
    EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
    write(socket, "ok");
    boost::beast::flat_buffer buffer;
    EXPECT_EQ(read_response(socket, buffer).body(), "/e|ok");
}

TEST_F(ServerTest, SlowClientIsDisconnectedAfterReadTimeout) {
    start();
    auto socket = connect();
    write(socket, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab");
    // The body never completes; the server must close within the read timeout (500 ms).
    const auto started = std::chrono::steady_clock::now();
    const auto reply = read_all(socket, 5s);
    const auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_TRUE(reply.empty()) << reply;
    EXPECT_LT(waited, 4s) << "the connection stayed open past the read timeout";
}

TEST_F(ServerTest, ConnectionOverCapGets503) {
    start();
    std::vector<tcp::socket> held;
    for (int i = 0; i < 4; ++i) {
        held.push_back(connect());
    }
    // Let the server accept the first four before the fifth arrives.
    std::this_thread::sleep_for(200ms);
    auto extra = connect();
    const auto reply = read_all(extra);
    EXPECT_NE(reply.find("503 Service Unavailable"), std::string::npos) << reply;
}

TEST_F(ServerTest, HandlerExceptionGets500) {
    start(small_limits(), [](const request&, const peer_info&) -> response {
        throw std::runtime_error("handler failed on purpose");
    });
    auto socket = connect();
    write(socket, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    boost::beast::flat_buffer buffer;
    const auto reply = read_response(socket, buffer);
    EXPECT_EQ(reply.result(), bhttp::status::internal_server_error);
    EXPECT_EQ(reply.body(), "internal");
}

TEST_F(ServerTest, StopLetsRequestInFlightFinish) {
    std::atomic<bool> entered{false};
    start(small_limits(), [&](const request&, const peer_info&) {
        entered = true;
        std::this_thread::sleep_for(300ms);
        return text_response(bhttp::status::ok, "finished");
    });
    auto socket = connect();
    write(socket, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    while (!entered) {
        std::this_thread::sleep_for(5ms);
    }
    server_->stop();
    const auto reply = read_all(socket);
    EXPECT_NE(reply.find("finished"), std::string::npos) << reply;
    EXPECT_NE(reply.find("Connection: close"), std::string::npos) << reply;
}

TEST_F(ServerTest, StopClosesIdleConnections) {
    start();
    auto socket = connect();
    boost::beast::flat_buffer buffer;
    write(socket, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    read_response(socket, buffer);
    server_->stop();
    const auto reply = read_all(socket, 2s);
    EXPECT_TRUE(reply.empty()) << reply;
    // Polls rather than asserting a time: the count drops once the session is gone.
    for (int i = 0; i < 100 && server_->active_connections() > 0; ++i) {
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(server_->active_connections(), 0u);
}

TEST_F(ServerTest, BindFailureNamesAddress) {
    start();
    server_config config;
    config.listeners.push_back(loopback_listener(port_));
    server second(io_, config, echo_handler(), error_responder{});
    try {
        second.start();
        FAIL() << "a second bind on the same port succeeded";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(port_)),
                  std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace linetest::http
