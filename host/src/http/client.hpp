#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/assert/source_location.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace linetest::http {

/// An absolute `http://` or `https://` URL split into what a request needs.
struct url {
    std::string scheme;      ///< `http` or `https`, lower case.
    std::string host;        ///< Name or address; an IPv6 address without its brackets.
    std::uint16_t port = 0;  ///< Explicit port, or 80/443 from the scheme.
    std::string target;      ///< Path and query, at least `/`.

    bool tls() const noexcept { return scheme == "https"; }
    /// Returns the `Host` header value: the host, with `:port` unless it is the scheme default.
    std::string host_header() const;
    /// Returns the URL as text; `parse_url(to_string())` gives the same parts.
    std::string to_string() const;
};

/// Raised by `parse_url` for text that is not a usable absolute URL.
class url_error : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

/// Parses an absolute URL such as `https://gw.example:8443/v1/kcis?x=1`. User
/// info and fragments are rejected. Throws `url_error` whose message quotes the
/// text and names the problem.
url parse_url(std::string_view text);

/// Returns `base` with `path` appended, avoiding a doubled or missing `/`
/// between them. `base` must have no query.
url append_path(const url& base, std::string_view path);

/// Reason a call produced no response.
enum class client_errc {
    dns_failed = 1,      ///< The host name did not resolve.
    connection_refused,  ///< Nothing listens on the port.
    connect_failed,      ///< Another connect failure (unreachable network, reset).
    timed_out,           ///< The call did not finish within its timeout.
    tls_failed,          ///< The handshake failed, including certificate or host name checks.
    body_too_large,      ///< The response body exceeded `client_options::max_body_bytes`.
    protocol_error,      ///< The peer sent something that is not a valid HTTP/1.1 response.
    io_failed,           ///< A read or write failed after connecting.
};

const boost::system::error_category& client_category() noexcept;
boost::system::error_code make_error_code(client_errc value) noexcept;

struct client_error {
    boost::system::error_code code;  ///< A `client_errc`, comparable with `==`.
    std::string message;             ///< The URL, the step and the system's reason.
};

/// Lets `boost::system::result<T, client_error>::value()` throw on an error.
[[noreturn]] void throw_exception_from_error(const client_error& error,
                                             const boost::source_location& location);

struct client_request {
    boost::beast::http::verb method = boost::beast::http::verb::get;
    url target;
    /// Extra headers. `Host`, `Content-Length` and `User-Agent` are set by the client.
    boost::beast::http::fields headers;
    std::string body;
};

struct client_response {
    unsigned status = 0;
    boost::beast::http::fields headers;
    std::string body;
};

using client_result = boost::system::result<client_response, client_error>;

struct client_options {
    /// Bound on one whole call: resolve, connect, TLS handshake, write and read.
    std::chrono::milliseconds timeout{10'000};
    std::size_t max_body_bytes = 1024 * 1024;
    /// PEM file of trusted CA certificates for `https`. Empty uses the system's
    /// default verify paths (on Debian, `/etc/ssl/certs`).
    std::string ca_file;
    std::string user_agent = "linetestd";
    /// How long the connection of the last call stays open for the next call to
    /// the same scheme, host and port. Zero closes every connection after its call.
    std::chrono::milliseconds keep_alive_idle{4'000};
};

/// Synchronous HTTP/1.1 client for `http://` and `https://` URLs.
///
/// The connection of a call stays open for the next call to the same scheme,
/// host and port, unless the response closes it or `keep_alive_idle` passes
/// first. A run of calls to one server then saves a TCP and TLS handshake each.
/// When a reused connection fails before any byte of the response arrives (the
/// server closed it while idle), the request is sent once more on a new
/// connection. Send only requests that are safe to repeat: a KCI carries its
/// own id, and a token request can be repeated.
///
/// `https` uses TLS 1.2 or newer with SNI, peer verification and a host name
/// check. Network failures come back as a `client_error`, never as an exception.
///
/// A client is not thread-safe: give each thread its own.
class client {
public:
    /// Throws `std::runtime_error` naming the file when `options.ca_file` cannot be loaded.
    explicit client(client_options options = {});
    ~client();
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    /// Sends `request` and reads the whole response, within `options.timeout`.
    client_result send(const client_request& request);

    /// Like `send`, with a timeout for this call only.
    client_result send(const client_request& request, std::chrono::milliseconds timeout);

    const client_options& options() const noexcept { return options_; }

private:
    struct connection;

    /// Sends `request` on `open` and keeps `open` in `kept_` if the response allows
    /// it. Sets `repeatable` when the call failed before any response byte with
    /// time left, so that the request can go out again on a new connection.
    client_result send_on(std::unique_ptr<connection> open, const client_request& request,
                          std::chrono::steady_clock::time_point deadline, bool& repeatable);

    client_options options_;
    boost::asio::ssl::context tls_;
    /// The connection kept open after the last call, if any.
    std::unique_ptr<connection> kept_;
};

}  // namespace linetest::http

template <>
struct boost::system::is_error_code_enum<linetest::http::client_errc> : std::true_type {};
