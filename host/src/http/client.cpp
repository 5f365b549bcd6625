#include "http/client.hpp"

#include "core/log.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/throw_exception.hpp>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <utility>

namespace linetest::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

class client_category_impl : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "linetest.http.client"; }

    std::string message(int value) const override {
        switch (static_cast<client_errc>(value)) {
            case client_errc::dns_failed:
                return "host name did not resolve";
            case client_errc::connection_refused:
                return "connection refused";
            case client_errc::connect_failed:
                return "connect failed";
            case client_errc::timed_out:
                return "timed out";
            case client_errc::tls_failed:
                return "TLS handshake failed";
            case client_errc::body_too_large:
                return "response body too large";
            case client_errc::protocol_error:
                return "invalid HTTP response";
            case client_errc::io_failed:
                return "read or write failed";
        }
        return "unknown client error";
    }
};

std::string to_lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

[[noreturn]] void fail_url(std::string_view text, const std::string& problem) {
    throw url_error("URL '" + std::string(text) + "': " + problem);
}

bool has_control_or_space(std::string_view text) {
    return std::any_of(text.begin(), text.end(),
                       [](unsigned char c) { return c <= 0x20 || c == 0x7f; });
}

bool is_ip_address(const std::string& host) {
    error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

std::string format_host(const std::string& host) {
    return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

std::uint16_t default_port(const std::string& scheme) { return scheme == "https" ? 443 : 80; }

/// Runs `io` until the operation started before it completes. Each step of a
/// call is one asynchronous operation so that `tcp_stream`'s expiry applies:
/// Beast's synchronous operations ignore it.
void run_step(asio::io_context& io) {
    io.restart();
    io.run();
}

client_error make_failure(client_errc kind,
                          const client_request& request,
                          std::string_view step,
                          const error_code& cause) {
    std::string message =
        std::string(bhttp::to_string(request.method)) + " " + request.target.to_string() + ": " +
        client_category().message(static_cast<int>(kind)) + " while " + std::string(step);
    if (cause) {
        message += ": " + cause.message();
    }
    return client_error{make_error_code(kind), std::move(message)};
}

bool expired(const error_code& ec, steady::time_point deadline) {
    return ec == beast::error::timeout || ec == asio::error::timed_out || steady::now() >= deadline;
}

/// Facts about the connection that `exchange` reports besides the response.
struct exchange_state {
    bool response_started = false;  ///< Some byte of a response arrived.
    bool keep_alive = false;        ///< The response leaves the connection open.
};

template <class Stream>
client_result exchange(asio::io_context& io,
                       Stream& stream,
                       beast::tcp_stream& tcp_layer,
                       const client_request& request,
                       bhttp::request<bhttp::string_body>& message,
                       std::size_t max_body_bytes,
                       steady::time_point deadline,
                       exchange_state& state) {
    error_code ec = asio::error::would_block;
    tcp_layer.expires_at(deadline);
    bhttp::async_write(stream, message, [&](error_code result, std::size_t) { ec = result; });
    run_step(io);
    if (ec) {
        auto kind = expired(ec, deadline) ? client_errc::timed_out : client_errc::io_failed;
        return make_failure(kind, request, "sending the request", ec);
    }

    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(max_body_bytes);
    ec = asio::error::would_block;
    tcp_layer.expires_at(deadline);
    bhttp::async_read(stream, buffer, parser, [&](error_code result, std::size_t) { ec = result; });
    run_step(io);
    state.response_started = parser.got_some() || buffer.size() > 0;
    if (ec == bhttp::error::body_limit) {
        return make_failure(
            client_errc::body_too_large, request,
            "reading a body over the limit of " + std::to_string(max_body_bytes) + " bytes", {});
    }
    if (ec) {
        client_errc kind = client_errc::io_failed;
        if (expired(ec, deadline)) {
            kind = client_errc::timed_out;
        } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) {
            kind = client_errc::protocol_error;
        }
        return make_failure(kind, request, "reading the response", ec);
    }

    auto response = parser.release();
    state.keep_alive = response.keep_alive();
    client_response out;
    out.status = response.result_int();
    out.headers = static_cast<const bhttp::fields&>(response.base());
    out.body = std::move(response.body());
    return out;
}

}  // namespace

const boost::system::error_category& client_category() noexcept {
    static const client_category_impl category;
    return category;
}

boost::system::error_code make_error_code(client_errc value) noexcept {
    return {static_cast<int>(value), client_category()};
}

void throw_exception_from_error(const client_error& error, const boost::source_location& location) {
    boost::throw_exception(boost::system::system_error(error.code, error.message), location);
}

std::string url::host_header() const {
    std::string out = format_host(host);
    if (port != default_port(scheme)) {
        out += ":" + std::to_string(port);
    }
    return out;
}

std::string url::to_string() const { return scheme + "://" + host_header() + target; }

url parse_url(std::string_view text) {
    const auto scheme_end = text.find("://");
    if (scheme_end == std::string_view::npos) {
        fail_url(text, "expected an absolute URL such as https://host/path");
    }
    url out;
    out.scheme = to_lower(text.substr(0, scheme_end));
    if (out.scheme != "http" && out.scheme != "https") {
        fail_url(text, "scheme must be http or https, got '" + out.scheme + "'");
    }
    if (has_control_or_space(text)) {
        fail_url(text, "contains a space or control character; percent-encode it");
    }
    if (text.find('#') != std::string_view::npos) {
        fail_url(text, "a fragment (#...) is not allowed");
    }
    const auto rest = text.substr(scheme_end + 3);
    const auto authority_end = rest.find_first_of("/?");
    const auto authority = rest.substr(0, authority_end);
    if (authority.find('@') != std::string_view::npos) {
        fail_url(text,
                 "user information (user@host) is not supported; pass credentials "
                 "in their own settings");
    }

    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            fail_url(text, "IPv6 address is missing its closing ']'");
        }
        out.host = std::string(authority.substr(1, close - 1));
        const auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                fail_url(text, "expected ':port' after the IPv6 address");
            }
            port_text = after.substr(1);
            if (port_text.empty()) {
                fail_url(text, "port after ':' is empty");
            }
        }
        if (!is_ip_address(out.host)) {
            fail_url(text, "'" + out.host + "' is not an IPv6 address");
        }
    } else {
        const auto colon = authority.find(':');
        if (colon != std::string_view::npos) {
            if (authority.find(':', colon + 1) != std::string_view::npos) {
                fail_url(text, "an IPv6 host must be written in brackets, as [::1]");
            }
            port_text = authority.substr(colon + 1);
            if (port_text.empty()) {
                fail_url(text, "port after ':' is empty");
            }
        }
        out.host = to_lower(authority.substr(0, colon));
    }
    if (out.host.empty()) {
        fail_url(text, "host is empty");
    }

    out.port = default_port(out.scheme);
    if (!port_text.empty()) {
        unsigned value = 0;
        const auto* end = port_text.data() + port_text.size();
        const auto [ptr, ec] = std::from_chars(port_text.data(), end, value);
        if (ec != std::errc{} || ptr != end || value == 0 || value > 65535) {
            fail_url(text,
                     "port must be a number from 1 to 65535, got '" + std::string(port_text) + "'");
        }
        out.port = static_cast<std::uint16_t>(value);
    }

    out.target =
        authority_end == std::string_view::npos ? "" : std::string(rest.substr(authority_end));
    if (out.target.empty() || out.target.front() == '?') {
        out.target.insert(0, "/");
    }
    return out;
}

url append_path(const url& base, std::string_view path) {
    if (base.target.find('?') != std::string::npos) {
        throw url_error("URL '" + base.to_string() +
                        "': a base URL must not have a query; remove the '?...' part");
    }
    url out = base;
    const bool base_slash = !out.target.empty() && out.target.back() == '/';
    const bool path_slash = !path.empty() && path.front() == '/';
    if (base_slash && path_slash) {
        path.remove_prefix(1);
    } else if (!base_slash && !path_slash) {
        out.target += '/';
    }
    out.target += path;
    return out;
}

client::client(client_options options)
    : options_(std::move(options)),
      tls_(asio::ssl::context::tls_client) {
    // TLS 1.0 and 1.1 are deprecated (RFC 8996).
    if (SSL_CTX_set_min_proto_version(tls_.native_handle(), TLS1_2_VERSION) != 1) {
        throw std::runtime_error("http client: cannot set the minimum TLS version to 1.2");
    }
    error_code ec;
    if (options_.ca_file.empty()) {
        tls_.set_default_verify_paths(ec);
        if (ec) {
            throw std::runtime_error("http client: cannot load the system CA certificates: " +
                                     ec.message() + "; set ca_file to a PEM bundle");
        }
    } else {
        tls_.load_verify_file(options_.ca_file, ec);
        if (ec) {
            throw std::runtime_error("http client: cannot load ca_file '" + options_.ca_file +
                                     "': " + ec.message() +
                                     "; it must be a readable PEM file of CA certificates");
        }
    }
    tls_.set_verify_mode(asio::ssl::verify_peer);
}

client_result client::send(const client_request& request) {
    return send(request, options_.timeout);
}

/// A connection and the I/O context its operations run on.
struct client::connection {
    explicit connection(asio::ssl::context& tls_context)
        : stream(io, tls_context) {}

    asio::io_context io;
    beast::ssl_stream<beast::tcp_stream> stream;
    std::string origin;  ///< `scheme://host[:port]` of the calls it serves.
    bool tls = false;
    steady::time_point idle_since;
};

client::~client() = default;

namespace {

std::string origin_of(const url& target) { return target.scheme + "://" + target.host_header(); }

}  // namespace

client_result client::send(const client_request& request, std::chrono::milliseconds timeout) {
    const auto deadline = steady::now() + timeout;
    const url& target = request.target;
    const auto origin = origin_of(target);

    if (kept_ && (kept_->origin != origin ||
                  steady::now() - kept_->idle_since > options_.keep_alive_idle)) {
        kept_.reset();
    }
    if (kept_) {
        bool repeatable = false;
        auto result = send_on(std::move(kept_), request, deadline, repeatable);
        if (result || !repeatable) {
            return result;
        }
        // The server closed the idle connection before reading this request, which is expected
        // now and then, so the request goes out again on a new connection.
        core::logger("http")->debug("kept connection failed, sending again on a new one: {} "
                                    "request_id={}",
                                    result.error().message, request.headers["X-Request-ID"]);
    }

    auto fresh = std::make_unique<connection>(tls_);
    fresh->origin = origin;
    fresh->tls = target.tls();
    asio::io_context& io = fresh->io;

    error_code ec = asio::error::would_block;
    tcp::resolver::results_type endpoints;
    bool resolve_timed_out = false;
    {
        // Scoped so that the resolver and its timer are gone before `fresh`, and with it
        // `io`, may be destroyed in send_on.
        tcp::resolver resolver(io);
        asio::steady_timer resolve_timer(io);
        // The resolver has no expiry of its own, so a timer cancels it.
        resolve_timer.expires_at(deadline);
        resolve_timer.async_wait([&](error_code timer_ec) {
            if (!timer_ec) {
                resolve_timed_out = true;
                resolver.cancel();
            }
        });
        resolver.async_resolve(target.host, std::to_string(target.port),
                               [&](error_code result, tcp::resolver::results_type found) {
                                   ec = result;
                                   endpoints = std::move(found);
                                   resolve_timer.cancel();
                               });
        run_step(io);
    }
    if (resolve_timed_out) {
        return make_failure(client_errc::timed_out, request, "resolving " + target.host, {});
    }
    if (ec) {
        return make_failure(client_errc::dns_failed, request, "resolving " + target.host, ec);
    }

    auto& stream = fresh->stream;
    beast::tcp_stream& tcp_layer = beast::get_lowest_layer(stream);
    ec = asio::error::would_block;
    tcp_layer.expires_at(deadline);
    tcp_layer.async_connect(endpoints,
                            [&](error_code result, const tcp::endpoint&) { ec = result; });
    run_step(io);
    if (ec) {
        client_errc kind = client_errc::connect_failed;
        if (expired(ec, deadline)) {
            kind = client_errc::timed_out;
        } else if (ec == asio::error::connection_refused) {
            kind = client_errc::connection_refused;
        }
        return make_failure(kind, request, "connecting", ec);
    }

    if (target.tls()) {
        // SNI carries names only (RFC 6066 section 3); the certificate check covers addresses too.
        if (!is_ip_address(target.host) &&
            SSL_set_tlsext_host_name(stream.native_handle(), target.host.c_str()) != 1) {
            return make_failure(client_errc::tls_failed, request, "setting the SNI host name",
                                {});
        }
        stream.set_verify_callback(asio::ssl::host_name_verification(target.host));
        ec = asio::error::would_block;
        tcp_layer.expires_at(deadline);
        stream.async_handshake(asio::ssl::stream_base::client,
                               [&](error_code result) { ec = result; });
        run_step(io);
        if (ec) {
            auto kind = expired(ec, deadline) ? client_errc::timed_out : client_errc::tls_failed;
            return make_failure(kind, request, "handshaking with " + target.host, ec);
        }
    }

    bool repeatable = false;
    return send_on(std::move(fresh), request, deadline, repeatable);
}

client_result client::send_on(std::unique_ptr<connection> open,
                              const client_request& request,
                              steady::time_point deadline,
                              bool& repeatable) {
    const bool keep = options_.keep_alive_idle.count() > 0;
    bhttp::request<bhttp::string_body> message{request.method, request.target.target, 11};
    for (const auto& field : request.headers) {
        message.insert(field.name_string(), field.value());
    }
    message.set(bhttp::field::host, request.target.host_header());
    message.set(bhttp::field::user_agent, options_.user_agent);
    if (!keep) {
        message.set(bhttp::field::connection, "close");
    }
    message.body() = request.body;
    message.prepare_payload();

    // No TLS close_notify is sent when a connection is dropped: each response is
    // complete by its framing, which is all the server relies on.
    exchange_state state;
    beast::tcp_stream& tcp_layer = beast::get_lowest_layer(open->stream);
    auto result = open->tls ? exchange(open->io, open->stream, tcp_layer, request, message,
                                       options_.max_body_bytes, deadline, state)
                            : exchange(open->io, tcp_layer, tcp_layer, request, message,
                                       options_.max_body_bytes, deadline, state);
    repeatable = !result && !state.response_started && steady::now() < deadline;
    if (result && keep && state.keep_alive) {
        open->idle_since = steady::now();
        kept_ = std::move(open);
    }
    return result;
}

}  // namespace linetest::http
