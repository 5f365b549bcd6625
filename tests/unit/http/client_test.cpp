#include "http/client.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "core/random.hpp"

namespace linetest::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

/// A self-signed certificate and key made at test time, as PEM text.
struct test_certificate {
    std::string certificate_pem;
    std::string key_pem;
};

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(size));
}

/// Makes a P-256 certificate valid for one day whose subjectAltName is `san`,
/// for example `IP:127.0.0.1`. It is its own CA, so it can be the client's trust anchor.
test_certificate make_certificate(const char* san) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("linetest test"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
    for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, san},
                                     std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
        X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
        X509_add_ext(cert, extension, -1);
        X509_EXTENSION_free(extension);
    }
    X509_sign(cert, key, EVP_sha256());

    test_certificate out;
    BIO* cert_bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(cert_bio, cert);
    out.certificate_pem = bio_text(cert_bio);
    BIO_free(cert_bio);
    BIO* key_bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    out.key_pem = bio_text(key_bio);
    BIO_free(key_bio);
    X509_free(cert);
    EVP_PKEY_free(key);
    return out;
}

/// A one-thread HTTP/1.1 server on 127.0.0.1 that sends the same response to
/// every request and keeps the last request it read. With a certificate it
/// speaks TLS. Handshake and read failures drop the connection and are counted.
/// It serves up to `requests_per_connection` requests on a connection (0: until
/// the client closes it) and then closes it without a `Connection: close`, as a
/// server ending an idle keep-alive connection does. A client kept open blocks
/// the server's only thread, so declare the client after the server.
class test_server {
public:
    explicit test_server(bhttp::response<bhttp::string_body> response,
                         const test_certificate* certificate = nullptr,
                         int requests_per_connection = 1)
        : response_(std::move(response)),
          requests_per_connection_(requests_per_connection),
          tls_(asio::ssl::context::tls_server),
          acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        if (certificate != nullptr) {
            use_tls_ = true;
            tls_.use_certificate_chain(asio::buffer(certificate->certificate_pem));
            tls_.use_private_key(asio::buffer(certificate->key_pem), asio::ssl::context::pem);
        }
        thread_ = std::thread([this] { serve(); });
    }

    ~test_server() {
        stopping_ = true;
        // Wakes the blocking accept so that the thread reads the flag.
        asio::io_context io;
        tcp::socket waker(io);
        boost::system::error_code ignored;
        waker.connect(acceptor_.local_endpoint(), ignored);
        thread_.join();
    }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

    std::optional<bhttp::request<bhttp::string_body>> last_request() {
        const std::lock_guard lock(mutex_);
        return last_request_;
    }

    int failed_connections() const { return failed_connections_; }
    int accepted_connections() const { return accepted_connections_; }
    int requests() const { return requests_; }

private:
    void serve() {
        while (!stopping_) {
            tcp::socket socket(io_);
            boost::system::error_code ec;
            acceptor_.accept(socket, ec);
            if (ec || stopping_) {
                continue;
            }
            ++accepted_connections_;
            try {
                if (use_tls_) {
                    asio::ssl::stream<tcp::socket> stream(std::move(socket), tls_);
                    stream.handshake(asio::ssl::stream_base::server);
                    exchange(stream);
                } else {
                    exchange(socket);
                }
            } catch (const std::exception&) {
                ++failed_connections_;
            }
        }
    }

    template <class Stream>
    void exchange(Stream& stream) {
        boost::beast::flat_buffer buffer;
        for (int served = 0; requests_per_connection_ == 0 || served < requests_per_connection_;
             ++served) {
            bhttp::request<bhttp::string_body> request;
            boost::system::error_code ec;
            bhttp::read(stream, buffer, request, ec);
            if (ec && served > 0) {
                return;  // the client closed a connection it had kept open
            }
            if (ec) {
                throw boost::system::system_error(ec);
            }
            {
                const std::lock_guard lock(mutex_);
                last_request_ = request;
            }
            ++requests_;
            auto response = response_;
            response.prepare_payload();
            bhttp::write(stream, response);
        }
    }

    bhttp::response<bhttp::string_body> response_;
    int requests_per_connection_;
    asio::io_context io_;
    asio::ssl::context tls_;
    bool use_tls_ = false;
    tcp::acceptor acceptor_;
    std::atomic<bool> stopping_{false};
    std::atomic<int> failed_connections_{0};
    std::atomic<int> accepted_connections_{0};
    std::atomic<int> requests_{0};
    std::mutex mutex_;
    std::optional<bhttp::request<bhttp::string_body>> last_request_;
    std::thread thread_;
};

bhttp::response<bhttp::string_body> make_response(bhttp::status status, std::string body) {
    bhttp::response<bhttp::string_body> response{status, 11};
    response.set(bhttp::field::content_type, "application/json");
    response.set("X-Test", "yes");
    response.body() = std::move(body);
    return response;
}

client_request post_to(const std::string& url, std::string body = "{}") {
    client_request request;
    request.method = bhttp::verb::post;
    request.target = parse_url(url);
    request.headers.set(bhttp::field::content_type, "application/json");
    request.headers.set("X-Request-ID", "request-1");
    request.body = std::move(body);
    return request;
}

std::string local_url(std::uint16_t port, const char* scheme = "http") {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port) + "/v1/kcis";
}

/// Writes text to a new file in a fresh temporary directory and removes both at scope end.
class temporary_file {
public:
    explicit temporary_file(const std::string& text)
        : directory_(std::filesystem::temp_directory_path() /
                     ("linetest-client-" + core::random_uuid())) {
        std::filesystem::create_directories(directory_);
        std::ofstream(path()) << text;
    }
    ~temporary_file() {
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
    }
    std::string path() const { return (directory_ / "file.pem").string(); }

private:
    std::filesystem::path directory_;
};

TEST(HttpClientTest, ReturnsStatusHeadersAndBody) {
    test_server server(make_response(bhttp::status::created, R"({"ok":true})"));
    client http_client;

    const auto result = http_client.send(post_to(local_url(server.port())));

    ASSERT_TRUE(result.has_value()) << result.error().message;
    EXPECT_EQ(result->status, 201u);
    EXPECT_EQ(result->body, R"({"ok":true})");
    EXPECT_EQ(result->headers["X-Test"], "yes");
}

TEST(HttpClientTest, SendsMethodTargetHeadersAndBody) {
    test_server server(make_response(bhttp::status::no_content, ""));
    client http_client;

    const auto result = http_client.send(post_to(local_url(server.port()), R"({"id":"k1"})"));

    ASSERT_TRUE(result.has_value()) << result.error().message;
    const auto request = server.last_request();
    ASSERT_TRUE(request.has_value());
    EXPECT_EQ(request->method(), bhttp::verb::post);
    EXPECT_EQ(request->target(), "/v1/kcis");
    EXPECT_EQ(request->body(), R"({"id":"k1"})");
    EXPECT_EQ((*request)["X-Request-ID"], "request-1");
    EXPECT_EQ((*request)[bhttp::field::host], "127.0.0.1:" + std::to_string(server.port()));
}

TEST(HttpClientTest, ReusesConnectionForSameServer) {
    test_server server(make_response(bhttp::status::no_content, ""), nullptr, 0);
    client http_client;

    for (int i = 0; i < 3; ++i) {
        const auto result = http_client.send(post_to(local_url(server.port())));
        ASSERT_TRUE(result.has_value()) << "call " << i << ": " << result.error().message;
        EXPECT_EQ(result->status, 204u) << "call " << i;
    }

    EXPECT_EQ(server.requests(), 3);
    EXPECT_EQ(server.accepted_connections(), 1);
    EXPECT_EQ(server.last_request()->count(bhttp::field::connection), 0u);
}

TEST(HttpClientTest, ResendsWhenServerClosedKeptConnection) {
    // One request per connection: the server closes each connection after its
    // response, so the client finds the kept connection closed on its next call.
    test_server server(make_response(bhttp::status::no_content, ""), nullptr, 1);
    client http_client;

    const auto first = http_client.send(post_to(local_url(server.port())));
    const auto second = http_client.send(post_to(local_url(server.port())));

    ASSERT_TRUE(first.has_value()) << first.error().message;
    ASSERT_TRUE(second.has_value()) << second.error().message;
    EXPECT_EQ(server.requests(), 2);
    EXPECT_EQ(server.accepted_connections(), 2);
}

TEST(HttpClientTest, OpensNewConnectionAfterIdleLimit) {
    test_server server(make_response(bhttp::status::no_content, ""), nullptr, 0);
    client_options options;
    options.keep_alive_idle = 50ms;
    client http_client(options);

    ASSERT_TRUE(http_client.send(post_to(local_url(server.port()))).has_value());
    std::this_thread::sleep_for(150ms);
    ASSERT_TRUE(http_client.send(post_to(local_url(server.port()))).has_value());

    EXPECT_EQ(server.requests(), 2);
    EXPECT_EQ(server.accepted_connections(), 2);
}

TEST(HttpClientTest, ZeroIdleClosesEveryConnection) {
    test_server server(make_response(bhttp::status::no_content, ""), nullptr, 0);
    client_options options;
    options.keep_alive_idle = 0ms;
    client http_client(options);

    ASSERT_TRUE(http_client.send(post_to(local_url(server.port()))).has_value());
    ASSERT_TRUE(http_client.send(post_to(local_url(server.port()))).has_value());

    EXPECT_EQ(server.accepted_connections(), 2);
    EXPECT_EQ((*server.last_request())[bhttp::field::connection], "close");
}

TEST(HttpClientTest, TimesOutWhenServerNeverAnswers) {
    // A listening socket that never accepts: the kernel completes the connect,
    // and the response never comes.
    asio::io_context io;
    tcp::acceptor silent(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client http_client;

    const auto result = http_client.send(post_to(local_url(silent.local_endpoint().port())), 200ms);

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, client_errc::timed_out) << result.error().message;
}

TEST(HttpClientTest, ReportsRefusedConnection) {
    std::uint16_t port = 0;
    {
        asio::io_context io;
        tcp::acceptor closed(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        port = closed.local_endpoint().port();
    }
    client http_client;

    const auto result = http_client.send(post_to(local_url(port)));

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, client_errc::connection_refused) << result.error().message;
    EXPECT_NE(result.error().message.find(local_url(port)), std::string::npos);
}

TEST(HttpClientTest, RejectsBodyOverLimit) {
    test_server server(make_response(bhttp::status::ok, std::string(4096, 'x')));
    client_options options;
    options.max_body_bytes = 1024;
    client http_client(options);

    const auto result = http_client.send(post_to(local_url(server.port())));

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, client_errc::body_too_large) << result.error().message;
}

TEST(HttpClientTest, AcceptsBodyAtLimit) {
    test_server server(make_response(bhttp::status::ok, std::string(1024, 'x')));
    client_options options;
    options.max_body_bytes = 1024;
    client http_client(options);

    const auto result = http_client.send(post_to(local_url(server.port())));

    ASSERT_TRUE(result.has_value()) << result.error().message;
    EXPECT_EQ(result->body.size(), 1024u);
}

TEST(HttpClientTest, VerifiesServerAgainstConfiguredCa) {
    const auto certificate = make_certificate("IP:127.0.0.1");
    test_server server(make_response(bhttp::status::ok, "secure"), &certificate);
    temporary_file ca(certificate.certificate_pem);
    client_options options;
    options.ca_file = ca.path();
    client http_client(options);

    const auto result = http_client.send(post_to(local_url(server.port(), "https")));

    ASSERT_TRUE(result.has_value()) << result.error().message;
    EXPECT_EQ(result->body, "secure");
}

TEST(HttpClientTest, ReusesTlsConnection) {
    const auto certificate = make_certificate("IP:127.0.0.1");
    test_server server(make_response(bhttp::status::ok, "secure"), &certificate, 0);
    temporary_file ca(certificate.certificate_pem);
    client_options options;
    options.ca_file = ca.path();
    client http_client(options);

    const auto first = http_client.send(post_to(local_url(server.port(), "https")));
    const auto second = http_client.send(post_to(local_url(server.port(), "https")));

    ASSERT_TRUE(first.has_value()) << first.error().message;
    ASSERT_TRUE(second.has_value()) << second.error().message;
    EXPECT_EQ(second->body, "secure");
    EXPECT_EQ(server.accepted_connections(), 1);
}

TEST(HttpClientTest, RejectsServerNotSignedByTrustedCa) {
    const auto certificate = make_certificate("IP:127.0.0.1");
    test_server server(make_response(bhttp::status::ok, "secure"), &certificate);
    client http_client;

    const auto result = http_client.send(post_to(local_url(server.port(), "https")));

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, client_errc::tls_failed) << result.error().message;
}

TEST(HttpClientTest, RejectsCertificateForAnotherHost) {
    const auto certificate = make_certificate("DNS:gateway.example");
    test_server server(make_response(bhttp::status::ok, "secure"), &certificate);
    temporary_file ca(certificate.certificate_pem);
    client_options options;
    options.ca_file = ca.path();
    client http_client(options);

    const auto result = http_client.send(post_to(local_url(server.port(), "https")));

    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, client_errc::tls_failed) << result.error().message;
}

TEST(HttpClientTest, RejectsUnreadableCaFile) {
    client_options options;
    options.ca_file = "/nonexistent/linetest-ca.pem";
    EXPECT_THROW(client{options}, std::runtime_error);
}

TEST(UrlTest, ParsesHttpsWithDefaultPort) {
    const auto url = parse_url("HTTPS://Gateway.Example/v1");
    EXPECT_EQ(url.scheme, "https");
    EXPECT_EQ(url.host, "gateway.example");
    EXPECT_EQ(url.port, 443);
    EXPECT_EQ(url.target, "/v1");
    EXPECT_EQ(url.host_header(), "gateway.example");
}

TEST(UrlTest, ParsesBracketedIpv6WithPort) {
    const auto url = parse_url("http://[::1]:8080?x=1");
    EXPECT_EQ(url.host, "::1");
    EXPECT_EQ(url.port, 8080);
    EXPECT_EQ(url.target, "/?x=1");
    EXPECT_EQ(url.to_string(), "http://[::1]:8080/?x=1");
}

TEST(UrlTest, RejectsUnsupportedScheme) { EXPECT_THROW(parse_url("ftp://gateway/v1"), url_error); }

TEST(UrlTest, RejectsUserInformation) {
    EXPECT_THROW(parse_url("https://user:pass@gateway/v1"), url_error);
}

TEST(UrlTest, RejectsPortOutOfRange) {
    EXPECT_THROW(parse_url("https://gateway:70000/v1"), url_error);
}

TEST(UrlTest, RejectsMissingHost) { EXPECT_THROW(parse_url("https:///v1"), url_error); }

TEST(UrlTest, RejectsRelativeUrl) { EXPECT_THROW(parse_url("/v1/kcis"), url_error); }

TEST(UrlTest, NamesTheUrlInErrors) {
    try {
        parse_url("https://gateway:abc/v1");
        FAIL() << "expected url_error";
    } catch (const url_error& error) {
        EXPECT_STREQ(
            error.what(),
            "URL 'https://gateway:abc/v1': port must be a number from 1 to 65535, got 'abc'");
    }
}

TEST(UrlTest, AppendsPathWithOneSlash) {
    EXPECT_EQ(append_path(parse_url("https://g/v1"), "kcis").target, "/v1/kcis");
    EXPECT_EQ(append_path(parse_url("https://g/v1/"), "/kcis").target, "/v1/kcis");
    EXPECT_EQ(append_path(parse_url("https://g"), "kcis").target, "/kcis");
}

}  // namespace
}  // namespace linetest::http
