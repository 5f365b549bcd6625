#include "linetest/test_support/http_test_client.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <array>
#include <stdexcept>

namespace linetest::test_support {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// Large enough for any body the daemon or a peer sends in a test.
constexpr std::uint64_t body_limit = 64 * 1024 * 1024;

bool has_header(const http_headers& headers, std::string_view name) {
    for (const auto& field : headers) {
        if (beast::iequals(field.first, name)) {
            return true;
        }
    }
    return false;
}

// Runs the io_context until the pending operation completes. The tcp_stream deadline set before
// the first operation turns a stall into beast::error::timeout.
void run_pending(asio::io_context& io) {
    io.restart();
    io.run();
}

class connection {
public:
    connection(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout)
        : stream_(io_),
          where_(host + ":" + std::to_string(port)) {
        boost::system::error_code parse_error;
        auto address = asio::ip::make_address(host, parse_error);
        if (parse_error) {
            throw std::invalid_argument("http_test_client: '" + host +
                                        "' is not a numeric address; use 127.0.0.1 or ::1");
        }
        stream_.expires_after(timeout);
        boost::system::error_code ec;
        stream_.async_connect(asio::ip::tcp::endpoint(address, port),
                              [&](boost::system::error_code result) { ec = result; });
        run_pending(io_);
        check(ec, "connect to");
    }

    void check(const boost::system::error_code& ec, const std::string& step) const {
        if (ec) {
            throw std::runtime_error("http_test_client: " + step + " " + where_ +
                                     " failed: " + ec.message());
        }
    }

    asio::io_context io_;
    beast::tcp_stream stream_;
    std::string where_;
};

}  // namespace

std::string http_response::header(std::string_view name) const {
    for (const auto& field : headers) {
        if (beast::iequals(field.first, name)) {
            return field.second;
        }
    }
    return {};
}

http_test_client::http_test_client(std::string host,
                                   std::uint16_t port,
                                   std::chrono::milliseconds timeout)
    : host_(std::move(host)),
      port_(port),
      timeout_(timeout) {}

http_response http_test_client::request(http::verb method,
                                        std::string_view target,
                                        const http_headers& headers,
                                        std::string body) const {
    connection conn(host_, port_, timeout_);
    std::string request_line =
        std::string(http::to_string(method)) + " " + std::string(target) + " on";

    http::request<http::string_body> req(method, target, 11);
    for (const auto& [name, value] : headers) {
        req.insert(name, value);
    }
    if (!has_header(headers, "Host")) {
        req.set(http::field::host, host_ + ":" + std::to_string(port_));
    }
    if (!has_header(headers, "Connection")) {
        req.set(http::field::connection, "close");
    }
    req.body() = std::move(body);
    if (!has_header(headers, "Content-Length") && !has_header(headers, "Transfer-Encoding")) {
        req.prepare_payload();
    }

    boost::system::error_code ec;
    http::async_write(conn.stream_, req,
                      [&](boost::system::error_code result, std::size_t) { ec = result; });
    run_pending(conn.io_);
    conn.check(ec, "writing " + request_line);

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(body_limit);
    http::async_read(conn.stream_, buffer, parser,
                     [&](boost::system::error_code result, std::size_t) { ec = result; });
    run_pending(conn.io_);
    conn.check(ec, "reading the response to " + request_line);

    const auto& res = parser.get();
    http_response result;
    result.status = res.result_int();
    for (const auto& field : res) {
        result.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    result.body = res.body();

    boost::system::error_code ignored;
    conn.stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    return result;
}

std::string http_test_client::send_raw(std::string_view bytes) const {
    connection conn(host_, port_, timeout_);

    boost::system::error_code ec;
    asio::async_write(conn.stream_, asio::buffer(bytes.data(), bytes.size()),
                      [&](boost::system::error_code result, std::size_t) { ec = result; });
    run_pending(conn.io_);
    conn.check(ec, "writing raw bytes to");

    std::string received;
    std::array<char, 4096> chunk{};
    for (;;) {
        std::size_t count = 0;
        conn.stream_.async_read_some(asio::buffer(chunk),
                                     [&](boost::system::error_code result, std::size_t n) {
                                         ec = result;
                                         count = n;
                                     });
        run_pending(conn.io_);
        received.append(chunk.data(), count);
        // End of stream, a reset and the deadline all end the exchange. The caller checks what
        // arrived, so none of them is an error here.
        if (ec) {
            break;
        }
    }
    return received;
}

}  // namespace linetest::test_support
