#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace linetest::http {

using request = boost::beast::http::request<boost::beast::http::string_body>;
using response = boost::beast::http::response<boost::beast::http::string_body>;

/// One address the daemon listens on.
struct listener_config {
    std::string address = "127.0.0.1";
    std::uint16_t port = 8443;  ///< 0 binds any free port; `server::local_endpoints` tells which.
    bool tls = false;
    std::string certificate_file;  ///< PEM chain, with `tls`.
    std::string private_key_file;  ///< PEM key, with `tls`.
    /// PEM CA bundle, with `tls`. When set, the handshake requires a client certificate that
    /// verifies against it, and fails without one.
    std::string client_ca_file;
};

/// Limits that bound what one client can make the server hold.
struct server_limits {
    std::size_t max_header_bytes = 8 * 1024;
    std::size_t max_body_bytes = 64 * 1024;
    /// Time to receive one whole request (headers and body) once it has started;
    /// it also bounds a slow client that trickles bytes.
    std::chrono::milliseconds read_timeout{10'000};
    /// Time a keep-alive connection may wait for its next request.
    std::chrono::milliseconds idle_timeout{30'000};
    std::chrono::milliseconds write_timeout{10'000};
    std::chrono::milliseconds tls_handshake_timeout{10'000};
    std::size_t max_connections = 512;
};

struct server_config {
    std::vector<listener_config> listeners;
    server_limits limits;
};

/// Connection details passed to the handler with each request.
struct peer_info {
    std::string remote_address;
    bool tls = false;
    std::uint64_t connection_id = 0;
    /// Subject CN, then SAN DNS names and URIs, of the client certificate the handshake
    /// verified against the listener's `client_ca_file`; empty without one.
    std::vector<std::string> client_identities;
};

/// Reason a request could not be read. The server responds 400 and closes the connection.
struct framing_failure {
    std::string message;  ///< Client-safe text, for example "request headers exceed 8192 bytes".
};

/// Produces the whole response for one request. Runs on a server I/O thread,
/// so it must not block for long. Exceptions are caught and turned into the
/// `internal_error` response.
using request_handler = std::function<response(const request&, const peer_info&)>;

/// Builds the responses the server sends on its own: for a request it could not
/// read (status 400), for a connection over the cap (503), and after a handler
/// exception (500). All use the daemon's error envelope.
struct error_responder {
    std::function<response(const framing_failure&)> malformed;
    std::function<response()> overloaded;
    std::function<response()> internal_error;
};

/// HTTP/1.1 server on Boost.Beast: plain and TLS listeners, keep-alive, header
/// and body limits, read/idle/write timeouts, a connection cap, and a graceful
/// stop that lets requests in flight finish.
class server {
public:
    server(boost::asio::io_context& io, server_config config, request_handler handler,
           error_responder errors);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Binds every listener and starts accepting. Throws `std::runtime_error`
    /// naming the address when a bind or a TLS file fails.
    void start();

    /// Bound endpoints, in listener order (useful with port 0).
    std::vector<boost::asio::ip::tcp::endpoint> local_endpoints() const;

    /// Stops accepting, closes idle keep-alive connections, and lets each request
    /// in flight finish with `Connection: close`. Returns at once; poll
    /// `active_connections` to wait for the drain.
    void stop();

    std::size_t active_connections() const noexcept;

    /// Reads every TLS listener's certificate, key and client CA files again and swaps in
    /// the new contexts: new connections use them, connections already open finish on the old
    /// ones. All or nothing: when any file fails, every listener keeps its context and the
    /// error (naming the file) is returned. Thread-safe.
    std::optional<std::string> reload_tls();

    struct impl;

private:
    std::shared_ptr<impl> impl_;
};

}  // namespace linetest::http
