#include "http/server.hpp"

#include "core/log.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace linetest::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

class session_base {
public:
    virtual ~session_base() = default;
    /// Closes the connection if it is waiting for a request that has not started.
    virtual void close_if_idle() = 0;
};

}  // namespace

struct server::impl : std::enable_shared_from_this<server::impl> {
    impl(asio::io_context& io_context, server_config server_settings, request_handler on_request,
         error_responder responder)
        : io(io_context),
          config(std::move(server_settings)),
          handler(std::move(on_request)),
          errors(std::move(responder)),
          log(core::logger("http")) {}

    void accept(std::size_t index);
    void on_accept(std::size_t index, beast::error_code ec, tcp::socket socket);
    void register_session(const std::shared_ptr<session_base>& session);

    asio::io_context& io;
    server_config config;
    request_handler handler;
    error_responder errors;
    std::shared_ptr<spdlog::logger> log;
    std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
    // Null for plain listeners. Guarded by `tls_mutex`, because `reload_tls` swaps them while
    // the acceptors read them.
    std::mutex tls_mutex;
    std::vector<std::shared_ptr<asio::ssl::context>> tls_contexts;
    std::atomic<std::size_t> active{0};
    std::atomic<bool> stopping{false};
    std::atomic<std::uint64_t> next_connection_id{1};
    std::mutex sessions_mutex;
    std::vector<std::weak_ptr<session_base>> sessions;
};

namespace {

// Names of the verified client certificate: subject CN, then SAN DNS names and URIs.
std::vector<std::string> verified_client_identities(SSL* ssl) {
    std::vector<std::string> names;
    X509* certificate = SSL_get0_peer_certificate(ssl);
    if (certificate == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) {
        return names;
    }
    const auto push = [&](const ASN1_STRING* text) {
        if (text != nullptr && ASN1_STRING_length(text) > 0) {
            std::string value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                              static_cast<std::size_t>(ASN1_STRING_length(text)));
            // An embedded NUL would let "a.example\0.evil" match "a.example" after a cut.
            if (value.find('\0') == std::string::npos) {
                names.push_back(std::move(value));
            }
        }
    };
    const X509_NAME* subject = X509_get_subject_name(certificate);
    for (int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); i >= 0;
         i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) {
        push(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i)));
    }
    auto* alt_names = static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
    for (int i = 0; alt_names != nullptr && i < sk_GENERAL_NAME_num(alt_names); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(alt_names, i);
        if (name->type == GEN_DNS || name->type == GEN_URI) {
            push(name->d.ia5);
        }
    }
    GENERAL_NAMES_free(alt_names);
    return names;
}

template <class Stream>
class session final : public session_base, public std::enable_shared_from_this<session<Stream>> {
public:
    /// `context` keeps a TLS stream's context alive after a reload replaced it.
    template <class... Args>
    session(std::shared_ptr<server::impl> owner, peer_info peer,
            std::shared_ptr<asio::ssl::context> context, Args&&... stream_args)
        : context_(std::move(context)),
          stream_(std::forward<Args>(stream_args)...),
          server_(std::move(owner)),
          peer_(std::move(peer)) {
        ++server_->active;
    }

    ~session() override { --server_->active; }

    void start() {
        asio::dispatch(stream_.get_executor(),
                       beast::bind_front_handler(&session::on_start, this->shared_from_this()));
    }

    void close_if_idle() override {
        asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
            if (self->waiting_for_request_ && self->parser_ && !self->parser_->got_some()) {
                beast::error_code ignored;
                beast::get_lowest_layer(self->stream_).socket().shutdown(tcp::socket::shutdown_both,
                                                                         ignored);
                beast::get_lowest_layer(self->stream_).close();
            }
        });
    }

    /// Responds 503 to a connection over the cap and closes it.
    void reject_overloaded() {
        asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
            self->send(self->server_->errors.overloaded(), true);
        });
    }

private:
    static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

    const server_limits& limits() const { return server_->config.limits; }

    void on_start() {
        if constexpr (is_tls) {
            beast::get_lowest_layer(stream_).expires_after(limits().tls_handshake_timeout);
            stream_.async_handshake(
                asio::ssl::stream_base::server,
                beast::bind_front_handler(&session::on_handshake, this->shared_from_this()));
        } else {
            do_read(limits().read_timeout);
        }
    }

    void on_handshake(beast::error_code ec) {
        if (ec) {
            server_->log->debug("TLS handshake failed: {} remote={} connection_id={}",
                                ec.message(), peer_.remote_address, peer_.connection_id);
            return;
        }
        if constexpr (is_tls) {
            peer_.client_identities = verified_client_identities(stream_.native_handle());
        }
        do_read(limits().read_timeout);
    }

    void do_read(std::chrono::milliseconds timeout) {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(limits().max_header_bytes));
        parser_->body_limit(limits().max_body_bytes);
        waiting_for_request_ = true;
        beast::get_lowest_layer(stream_).expires_after(timeout);
        bhttp::async_read_header(
            stream_, buffer_, *parser_,
            beast::bind_front_handler(&session::on_read_header, this->shared_from_this()));
    }

    void on_read_header(beast::error_code ec, std::size_t) {
        waiting_for_request_ = false;
        if (ec) {
            return on_read_failure(ec);
        }
        // The deadline now covers the rest of the request, however long the
        // connection sat idle before it began.
        beast::get_lowest_layer(stream_).expires_after(limits().read_timeout);
        const auto& header = parser_->get();
        if (beast::iequals(header[bhttp::field::expect], "100-continue") && !parser_->is_done()) {
            auto interim = std::make_shared<bhttp::response<bhttp::empty_body>>(
                bhttp::status::continue_, header.version());
            bhttp::async_write(stream_, *interim,
                               [self = this->shared_from_this(), interim](beast::error_code write_ec,
                                                                          std::size_t) {
                                   if (write_ec) {
                                       return self->on_read_failure(write_ec);
                                   }
                                   self->read_body();
                               });
            return;
        }
        read_body();
    }

    void read_body() {
        bhttp::async_read(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&session::on_read, this->shared_from_this()));
    }

    void on_read_failure(beast::error_code ec) {
        if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
            ec == asio::error::connection_reset || ec == asio::error::eof ||
            ec == asio::ssl::error::stream_truncated) {
            return do_close();
        }
        if (ec == beast::error::timeout) {
            server_->log->debug("closing connection after read timeout remote={} connection_id={}",
                                peer_.remote_address, peer_.connection_id);
            return do_close();
        }
        framing_failure failure;
        if (ec == bhttp::error::header_limit) {
            failure.message = "request headers exceed " +
                              std::to_string(limits().max_header_bytes) + " bytes";
        } else if (ec == bhttp::error::body_limit) {
            failure.message =
                "request body exceeds " + std::to_string(limits().max_body_bytes) + " bytes";
        } else {
            failure.message = "malformed HTTP request: " + ec.message();
        }
        server_->log->info("rejecting unreadable request: {} remote={} connection_id={}",
                           failure.message, peer_.remote_address, peer_.connection_id);
        send(server_->errors.malformed(failure), true);
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec) {
            return on_read_failure(ec);
        }
        const request& req = parser_->get();
        response res;
        try {
            res = server_->handler(req, peer_);
        } catch (const std::exception& e) {
            server_->log->error("request handler failed: {} target={} connection_id={}", e.what(),
                                std::string(req.target()), peer_.connection_id);
            res = server_->errors.internal_error();
        }
        res.version(req.version());
        // Decided after the handler, so that a response finished during a drain
        // carries Connection: close.
        const bool close = !req.keep_alive() || server_->stopping.load();
        send(std::move(res), close);
    }

    void send(response res, bool close) {
        res.keep_alive(!close);
        res.prepare_payload();
        auto message = std::make_shared<response>(std::move(res));
        beast::get_lowest_layer(stream_).expires_after(limits().write_timeout);
        bhttp::async_write(stream_, *message,
                           [self = this->shared_from_this(), message, close](beast::error_code ec,
                                                                             std::size_t) {
                               self->on_write(ec, close);
                           });
    }

    void on_write(beast::error_code ec, bool close) {
        if (ec) {
            server_->log->debug("write failed: {} connection_id={}", ec.message(),
                                peer_.connection_id);
            return do_close();
        }
        if (close || server_->stopping.load()) {
            return do_close();
        }
        do_read(limits().idle_timeout);
    }

    void do_close() {
        if constexpr (is_tls) {
            beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
            stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
                beast::get_lowest_layer(self->stream_).close();
            });
        } else {
            beast::error_code ignored;
            stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
            stream_.close();
        }
    }

    std::shared_ptr<asio::ssl::context> context_;
    Stream stream_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    std::shared_ptr<server::impl> server_;
    peer_info peer_;
    bool waiting_for_request_ = false;
};

}  // namespace

void server::impl::register_session(const std::shared_ptr<session_base>& session) {
    const std::lock_guard lock(sessions_mutex);
    std::erase_if(sessions, [](const auto& weak) { return weak.expired(); });
    sessions.push_back(session);
}

void server::impl::accept(std::size_t index) {
    acceptors[index]->async_accept(
        asio::make_strand(io),
        [self = shared_from_this(), index](beast::error_code ec, tcp::socket socket) {
            self->on_accept(index, ec, std::move(socket));
        });
}

void server::impl::on_accept(std::size_t index, beast::error_code ec, tcp::socket socket) {
    if (stopping.load()) {
        return;
    }
    if (ec) {
        if (ec != asio::error::operation_aborted) {
            log->warn("accept failed on {}: {}", config.listeners[index].address, ec.message());
            accept(index);
        }
        return;
    }
    peer_info peer;
    beast::error_code endpoint_ec;
    const auto remote = socket.remote_endpoint(endpoint_ec);
    peer.remote_address = endpoint_ec ? "unknown" : remote.address().to_string();
    peer.connection_id = next_connection_id++;
    const bool over_cap = active.load() >= config.limits.max_connections;
    if (over_cap) {
        log->warn("connection cap of {} reached, answering 503 remote={}",
                  config.limits.max_connections, peer.remote_address);
    }
    std::shared_ptr<asio::ssl::context> context;
    {
        const std::lock_guard lock(tls_mutex);
        context = tls_contexts[index];
    }
    if (context) {
        peer.tls = true;
        if (over_cap) {
            // A TLS client cannot read a 503 before the handshake, so the connection is just closed.
            socket.close(endpoint_ec);
        } else {
            auto created = std::make_shared<session<beast::ssl_stream<beast::tcp_stream>>>(
                shared_from_this(), peer, context, std::move(socket), *context);
            register_session(created);
            created->start();
        }
    } else {
        auto created = std::make_shared<session<beast::tcp_stream>>(shared_from_this(), peer,
                                                                    nullptr, std::move(socket));
        if (over_cap) {
            created->reject_overloaded();
        } else {
            register_session(created);
            created->start();
        }
    }
    accept(index);
}

namespace {

// Weak but working settings are accepted, so an expiring certificate does not stop the
// daemon, but they are logged at every start and reload.
void warn_about_weak_settings(asio::ssl::context& context, const listener_config& listener) {
    const auto log = core::logger("http");
    constexpr int min_rsa_bits = 2048;
    constexpr int expiry_warning_days = 30;
    if (const EVP_PKEY* key = SSL_CTX_get0_privatekey(context.native_handle());
        key != nullptr && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA &&
        EVP_PKEY_get_bits(key) < min_rsa_bits) {
        log->warn("TLS key '{}' is RSA with {} bits; use at least {} bits",
                  listener.private_key_file, EVP_PKEY_get_bits(key), min_rsa_bits);
    }
    if (X509* certificate = SSL_CTX_get0_certificate(context.native_handle())) {
        int days = 0;
        int seconds = 0;
        if (ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(certificate)) == 1 &&
            days < expiry_warning_days) {
            log->warn("TLS certificate '{}' {} in {} days; renew it and send SIGHUP to reload",
                      listener.certificate_file, days < 0 || seconds < 0 ? "expired" : "expires",
                      days);
        }
    }
}

std::shared_ptr<asio::ssl::context> make_tls_context(const listener_config& listener) {
    auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                         asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use |
                         SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                         SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    // TLS 1.2 suites limited to forward-secret AEAD ciphers; TLS 1.3 keeps OpenSSL's defaults.
    SSL_CTX_set_cipher_list(context->native_handle(),
                            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                            "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                            "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
    beast::error_code ec;
    context->use_certificate_chain_file(listener.certificate_file, ec);
    if (ec) {
        throw std::runtime_error("cannot load TLS certificate chain '" +
                                 listener.certificate_file + "': " + ec.message());
    }
    context->use_private_key_file(listener.private_key_file, asio::ssl::context::pem, ec);
    if (ec) {
        throw std::runtime_error("cannot load TLS private key '" + listener.private_key_file +
                                 "': " + ec.message());
    }
    if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
        throw std::runtime_error("TLS private key '" + listener.private_key_file +
                                 "' does not match the certificate '" +
                                 listener.certificate_file + "'");
    }
    if (!listener.client_ca_file.empty()) {
        context->load_verify_file(listener.client_ca_file, ec);
        if (ec) {
            throw std::runtime_error("cannot load TLS client CA file '" +
                                     listener.client_ca_file + "': " + ec.message());
        }
        // Names the accepted CAs in the CertificateRequest, so clients pick the right one.
        STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(listener.client_ca_file.c_str());
        if (names != nullptr) {
            SSL_CTX_set_client_CA_list(context->native_handle(), names);
        }
        context->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
        context->set_verify_depth(4);
    }
    warn_about_weak_settings(*context, listener);
    return context;
}

}  // namespace

server::server(asio::io_context& io, server_config config, request_handler handler,
               error_responder errors)
    : impl_(std::make_shared<impl>(io, std::move(config), std::move(handler), std::move(errors))) {}

server::~server() {
    stop();
}

void server::start() {
    for (const auto& listener : impl_->config.listeners) {
        beast::error_code ec;
        const auto address = asio::ip::make_address(listener.address, ec);
        if (ec) {
            throw std::runtime_error("invalid listen address '" + listener.address +
                                     "': " + ec.message());
        }
        const tcp::endpoint endpoint(address, listener.port);
        auto acceptor = std::make_unique<tcp::acceptor>(asio::make_strand(impl_->io));
        acceptor->open(endpoint.protocol(), ec);
        if (!ec) {
            acceptor->set_option(asio::socket_base::reuse_address(true), ec);
        }
        if (!ec) {
            acceptor->bind(endpoint, ec);
        }
        if (!ec) {
            acceptor->listen(asio::socket_base::max_listen_connections, ec);
        }
        if (ec) {
            throw std::runtime_error("cannot listen on " + listener.address + ":" +
                                     std::to_string(listener.port) + ": " + ec.message());
        }
        auto context = listener.tls ? make_tls_context(listener) : nullptr;
        {
            const std::lock_guard lock(impl_->tls_mutex);
            impl_->tls_contexts.push_back(std::move(context));
        }
        impl_->acceptors.push_back(std::move(acceptor));
    }
    for (std::size_t i = 0; i < impl_->acceptors.size(); ++i) {
        const auto bound = impl_->acceptors[i]->local_endpoint();
        impl_->log->info("listening on {}:{}{}", bound.address().to_string(), bound.port(),
                         impl_->tls_contexts[i] ? " (TLS)" : "");
        impl_->accept(i);
    }
}

std::vector<tcp::endpoint> server::local_endpoints() const {
    std::vector<tcp::endpoint> endpoints;
    for (const auto& acceptor : impl_->acceptors) {
        beast::error_code ec;
        endpoints.push_back(acceptor->local_endpoint(ec));
    }
    return endpoints;
}

void server::stop() {
    if (impl_->stopping.exchange(true)) {
        return;
    }
    for (auto& acceptor : impl_->acceptors) {
        asio::post(acceptor->get_executor(), [self = impl_, raw = acceptor.get()] {
            beast::error_code ignored;
            raw->close(ignored);
        });
    }
    const std::lock_guard lock(impl_->sessions_mutex);
    for (const auto& weak : impl_->sessions) {
        if (auto live = weak.lock()) {
            live->close_if_idle();
        }
    }
}

std::optional<std::string> server::reload_tls() {
    std::vector<std::shared_ptr<asio::ssl::context>> fresh;
    try {
        for (const auto& listener : impl_->config.listeners) {
            fresh.push_back(listener.tls ? make_tls_context(listener) : nullptr);
        }
    } catch (const std::exception& e) {
        impl_->log->error("TLS reload failed, keeping the current certificates: {}", e.what());
        return std::string(e.what());
    }
    const std::lock_guard lock(impl_->tls_mutex);
    if (impl_->tls_contexts.size() != fresh.size()) {
        return std::string("the server has not started; nothing to reload");
    }
    impl_->tls_contexts = std::move(fresh);
    impl_->log->info("reloaded TLS certificates, keys and client CAs");
    return std::nullopt;
}

std::size_t server::active_connections() const noexcept {
    return impl_->active.load();
}

}  // namespace linetest::http
