#pragma once

#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace linetest::test_support {

/// Header fields in the order they were sent or received; names keep their case.
using http_headers = std::vector<std::pair<std::string, std::string>>;

/// A complete HTTP response as the test client received it.
struct http_response {
    unsigned status = 0;
    http_headers headers;
    std::string body;

    /// Returns the value of the first field named `name` (compared without case), or an empty
    /// string when there is none.
    std::string header(std::string_view name) const;
};

/// A plain-HTTP/1.1 client for tests, built on Boost.Beast. Each `request` opens a new
/// connection and closes it after the response, so one test's requests never share state.
/// HTTPS is not supported.
class http_test_client {
public:
    /// Targets `host`:`port`; `host` is a numeric address such as "127.0.0.1" or "::1".
    /// `timeout` bounds each call from connect to the last byte.
    http_test_client(std::string host,
                     std::uint16_t port,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

    /// Sends one request and returns the response. Adds `Host` and `Connection: close` unless
    /// `headers` has them, and sets `Content-Length` from `body` for methods that carry one.
    /// @throws std::runtime_error naming the address and target on connect, write or read
    ///         failure, on a response that does not parse, and on time-out.
    http_response request(boost::beast::http::verb method,
                          std::string_view target,
                          const http_headers& headers = {},
                          std::string body = {}) const;

    /// Writes `bytes` as they are on a new TCP connection, then returns everything the server
    /// sends until it closes the connection or the client's timeout (counted from connect)
    /// passes. A reset ends the read like a close. For malformed and hostile requests.
    /// @throws std::runtime_error when the connection cannot be made or the write fails.
    std::string send_raw(std::string_view bytes) const;

    const std::string& host() const { return host_; }
    std::uint16_t port() const { return port_; }

private:
    std::string host_;
    std::uint16_t port_;
    std::chrono::milliseconds timeout_;
};

}  // namespace linetest::test_support
