#include "linetest/test_support/wait.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace linetest::test_support {

bool poll_until(const std::function<bool()>& predicate,
                std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (predicate()) {
            return true;
        }
        std::this_thread::sleep_for(interval);
    }
    return predicate();
}

bool wait_for_file(const std::filesystem::path& path, std::chrono::milliseconds timeout) {
    return poll_until(
        [&] {
            std::error_code ec;
            return std::filesystem::is_regular_file(path, ec) &&
                   std::filesystem::file_size(path, ec) > 0 && !ec;
        },
        timeout);
}

bool wait_for_tcp_port(const std::string& host,
                       std::uint16_t port,
                       std::chrono::milliseconds timeout) {
    boost::system::error_code parse_error;
    auto address = boost::asio::ip::make_address(host, parse_error);
    if (parse_error) {
        throw std::invalid_argument("wait_for_tcp_port: '" + host +
                                    "' is not a numeric address; use 127.0.0.1 or ::1");
    }
    boost::asio::io_context io;
    boost::asio::ip::tcp::endpoint endpoint(address, port);
    // Tests connect only to loopback, where a connect succeeds or is refused at once, so the
    // blocking connect needs no deadline of its own.
    return poll_until(
        [&] {
            boost::asio::ip::tcp::socket socket(io);
            boost::system::error_code ec;
            socket.connect(endpoint, ec);
            return !ec;
        },
        timeout);
}

std::string read_text_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path.string() + ": file missing or unreadable");
    }
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

}  // namespace linetest::test_support
