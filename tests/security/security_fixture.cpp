#include "security_fixture.hpp"

#include "linetest/test_support/free_port.hpp"
#include "linetest/test_support/wait.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <sys/socket.h>
#include <sys/time.h>

namespace linetest::security_tests {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ts = test_support;
using json = nlohmann::json;

namespace {

constexpr int services_per_tenant = 100;

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) {
        throw std::runtime_error("cannot write " + path.string());
    }
}

std::shared_ptr<EVP_PKEY> new_key(int rsa_bits) {
    EVP_PKEY* key = rsa_bits > 0 ? EVP_RSA_gen(static_cast<unsigned>(rsa_bits))
                                 : EVP_EC_gen("P-256");
    if (key == nullptr) {
        throw std::runtime_error("OpenSSL could not generate a test key");
    }
    return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

void add_extension(X509* certificate, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
    if (extension == nullptr || X509_add_ext(certificate, extension, -1) != 1) {
        throw std::runtime_error("OpenSSL could not add extension " + value);
    }
    X509_EXTENSION_free(extension);
}

std::string pem_of(X509* certificate) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, certificate);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(size));
    BIO_free(bio);
    return out;
}

std::string pem_of(EVP_PKEY* key) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(size));
    BIO_free(bio);
    return out;
}

std::int64_t next_test_id() {
    static std::atomic<std::int64_t> next{[] {
        std::random_device device;
        return static_cast<std::int64_t>(device() % 1'000'000) * 1000 + 1;
    }()};
    return next++;
}

}  // namespace

issued_certificate issue_certificate(const certificate_request& request,
                                     const issued_certificate* issuer,
                                     const std::filesystem::path& dir,
                                     const std::string& stem) {
    issued_certificate out;
    out.key = new_key(request.rsa_bits);
    out.certificate = std::shared_ptr<X509>(X509_new(), X509_free);
    X509* certificate = out.certificate.get();
    X509_set_version(certificate, 2);
    static std::atomic<long> serial{1};
    ASN1_INTEGER_set(X509_get_serialNumber(certificate), serial++);
    X509_gmtime_adj(X509_getm_notBefore(certificate), request.not_before_offset);
    X509_gmtime_adj(X509_getm_notAfter(certificate), request.not_after_offset);
    X509_set_pubkey(certificate, out.key.get());
    X509_NAME* name = X509_get_subject_name(certificate);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(request.common_name.c_str()),
                               -1, -1, 0);
    X509* issuer_certificate = issuer != nullptr ? issuer->certificate.get() : certificate;
    X509_set_issuer_name(certificate, X509_get_subject_name(issuer_certificate));
    add_extension(certificate, issuer_certificate, NID_basic_constraints,
                  request.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add_extension(certificate, issuer_certificate, NID_key_usage,
                  request.ca ? "critical,keyCertSign,cRLSign"
                             : "critical,digitalSignature,keyEncipherment");
    if (!request.ca) {
        add_extension(certificate, issuer_certificate, NID_ext_key_usage,
                      "serverAuth,clientAuth");
    }
    std::string alt_names;
    for (const auto& dns : request.dns_names) {
        alt_names += (alt_names.empty() ? "DNS:" : ",DNS:") + dns;
    }
    for (const auto& ip : request.ip_addresses) {
        alt_names += (alt_names.empty() ? "IP:" : ",IP:") + ip;
    }
    if (!alt_names.empty()) {
        add_extension(certificate, issuer_certificate, NID_subject_alt_name, alt_names);
    }
    EVP_PKEY* signing_key = issuer != nullptr ? issuer->key.get() : out.key.get();
    if (X509_sign(certificate, signing_key, EVP_sha256()) <= 0) {
        throw std::runtime_error("OpenSSL could not sign the test certificate " + stem);
    }
    out.certificate_file = dir / (stem + ".crt");
    out.key_file = dir / (stem + ".key");
    write_file(out.certificate_file, pem_of(certificate));
    write_file(out.key_file, pem_of(out.key.get()));
    return out;
}

tls_exchange https_post(std::uint16_t port,
                        const tls_client_settings& settings,
                        const ts::http_headers& headers,
                        const std::string& body) {
    tls_exchange out;
    try {
        asio::io_context io;
        asio::ssl::context context(asio::ssl::context::tls_client);
        context.set_verify_mode(asio::ssl::verify_peer);
        context.load_verify_file(settings.server_ca_file.string());
        if (!settings.client_certificate_file.empty()) {
            context.use_certificate_chain_file(settings.client_certificate_file.string());
            context.use_private_key_file(settings.client_key_file.string(),
                                         asio::ssl::context::pem);
        }
        asio::ssl::stream<asio::ip::tcp::socket> stream(io, context);
        stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
        // Blocking calls below; the timeout keeps a stuck daemon from hanging the test.
        const timeval timeout{10, 0};
        setsockopt(stream.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout,
                   sizeof timeout);
        stream.handshake(asio::ssl::stream_base::client);

        beast::http::request<beast::http::string_body> request(beast::http::verb::post,
                                                               "/service-tests", 11);
        request.set(beast::http::field::host, "127.0.0.1");
        request.set(beast::http::field::connection, "close");
        for (const auto& [name, value] : headers) {
            request.insert(name, value);
        }
        request.body() = body;
        request.prepare_payload();
        beast::http::write(stream, request);
        beast::flat_buffer buffer;
        beast::http::response<beast::http::string_body> response;
        beast::http::read(stream, buffer, response);
        out.status = response.result_int();
        out.body = response.body();
    } catch (const std::exception& e) {
        out.error = e.what();
    }
    return out;
}

file_server::file_server(const std::filesystem::path& work_dir, std::filesystem::path file) {
    const auto script = work_dir / "file_server.mjs";
    write_file(script,
               "import http from 'node:http';\n"
               "import fs from 'node:fs';\n"
               "const [file, port] = process.argv.slice(2);\n"
               "http.createServer((req, res) => {\n"
               "  try {\n"
               "    const body = fs.readFileSync(file);\n"
               "    res.writeHead(200, {'content-type': 'application/json'});\n"
               "    res.end(body);\n"
               "  } catch (error) {\n"
               "    res.writeHead(503);\n"
               "    res.end();\n"
               "  }\n"
               "}).listen(Number(port), '127.0.0.1');\n");
    const auto node = ts::node_executable();
    if (!node) {
        throw std::runtime_error("node is not installed; run scripts/setup.sh");
    }
    port_ = ts::free_tcp_port();
    ts::child_process_options options;
    options.program = *node;
    options.args = {script.string(), std::move(file).string(), std::to_string(port_)};
    options.log_file = work_dir / "file_server.log";
    process_.emplace(std::move(options));
    if (!ts::wait_for_tcp_port("127.0.0.1", port_, std::chrono::seconds(10))) {
        throw std::runtime_error("file server did not listen: " + process_->log_tail());
    }
}

daemon_process::daemon_process(const daemon_options& options) : dir_("linetest-security") {
    plain_port_ = ts::free_tcp_port();
    json listeners = json::array({{{"address", "127.0.0.1"}, {"port", plain_port_}}});
    if (options.server_certificate != nullptr) {
        tls_port_ = ts::free_tcp_port();
        listeners.push_back({{"address", "127.0.0.1"},
                             {"port", tls_port_},
                             {"tls", true},
                             {"certificate_file", options.server_certificate->certificate_file},
                             {"private_key_file", options.server_certificate->key_file}});
    }
    // Services for two tenants, enough that no request finds its service busy with a test.
    json services = json::array();
    const auto olt = "127.0.0.1:" + std::to_string(ts::free_udp_port());
    for (const std::string tenant : {"ACME", "OTHER"}) {
        for (int i = 0; i < services_per_tenant; ++i) {
            services.push_back(
                {{"serviceId", "SI-" + tenant + "-" + std::to_string(i)},
                 {"tenant", tenant},
                 {"specification", {{"id", "ftthl2r"}, {"name", "FTTH Layer 2 Retail"}}},
                 {"state", "active"},
                 {"equipment",
                  {{"node", olt},
                   {"profile", "huawei-ma5800"},
                   {"credentials", "olt-sec"},
                   {"attributes",
                    {{"port_if_index", "4194304000"}, {"ont_id", "5"}, {"optics_class", "B+"}}}}}});
        }
    }
    const json inventory = {{"services", services}};
    write_file(dir_ / "inventory.json", inventory.dump(2));
    const std::string updates_base =
        options.updates_base.empty()
            ? "http://127.0.0.1:" + std::to_string(ts::free_tcp_port()) + "/v1"
            : options.updates_base;
    const json config = {
        {"listen", listeners},
        {"http", {{"max_header_bytes", 65536}}},
        {"auth", options.auth},
        {"store", {{"path", "linetest.db"}}},
        {"inventory", {{"file", "inventory.json"}}},
        {"equipment_credentials", {{"olt-sec", {{"community", options.community}}}}},
        {"plugins",
         {{"directory", LINETEST_PLUGIN_DIR},
          {"instances",
           json::array({{{"name", "gpon"},
                         {"library", "ftth_gpon_snmp.so"},
                         {"specifications", json::array({"ftthl2r"})},
                         {"run_timeout_ms", 10000},
                         {"config", {{"timeout_ms", 500}, {"retries", 0}}}}})}}},
        {"executor", {{"workers", 1}}},
        {"updates",
         {{"base_url", updates_base},
          {"client_id", "linetest-supplier"},
          {"client_secret", options.updates_client_secret},
          {"retry", {{"initial_delay_ms", 200}, {"max_delay_ms", 1000}}}}},
        {"shutdown", {{"drain_timeout_ms", 1000}}},
        {"logging", {{"level", options.log_level}, {"target", "stderr"}}},
    };
    config_file_ = dir_ / "linetestd.json";
    write_file(config_file_, config.dump(2));
}

bool daemon_process::start() {
    ts::child_process_options options;
    options.program = LINETEST_DAEMON_PATH;
    options.args = {"--config", config_file_.string()};
    options.working_dir = dir_.path();
    options.log_file = dir_ / "linetestd.log";
    process_.emplace(std::move(options));
    return ts::poll_until(
        [&] {
            if (!process_->running()) {
                return true;
            }
            try {
                return plain_client()
                           .request(beast::http::verb::get, "/health/ready")
                           .status == 200;
            } catch (const std::exception&) {
                return false;
            }
        },
        std::chrono::seconds(20)) &&
           process_->running();
}

ts::http_test_client daemon_process::plain_client() const {
    return ts::http_test_client("127.0.0.1", plain_port_);
}

std::string daemon_process::log() const {
    std::ifstream in(dir_ / "linetestd.log", std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

ts::http_headers request_headers(const std::string& authorization, const std::string& tenant) {
    ts::http_headers headers = {{"Content-Type", "application/json"},
                                {"X-Request-ID", "7b0c4a52-2f1e-4c7d-9a55-0e3b2d1f6a01"},
                                {"X-Conversation-ID", "security-suite"},
                                {"Tenant", tenant}};
    if (!authorization.empty()) {
        headers.emplace_back("Authorization", authorization);
    }
    return headers;
}

std::string request_body(const std::string& tenant) {
    static std::atomic<int> next_service{0};
    const auto service = next_service++ % services_per_tenant;
    return json{{"id", next_test_id()},
                {"serviceId", "SI-" + tenant + "-" + std::to_string(service)},
                {"serviceSpecification", {{"id", "ftthl2r"}}},
                {"problemType", "STABILITY"}}
        .dump();
}

std::string envelope_mismatch(const std::string& body, const std::string& code) {
    const auto parsed = json::parse(body, nullptr, false);
    if (!parsed.is_object()) {
        return "body is not a JSON object: " + body;
    }
    if (parsed.value("code", "") != code) {
        return "code is not " + code + ": " + body;
    }
    const auto uuid = parsed.value("uuid", "");
    const bool uuid_shape = uuid.size() == 36 && uuid[8] == '-' && uuid[13] == '-' &&
                            uuid[18] == '-' && uuid[23] == '-';
    if (!uuid_shape) {
        return "uuid is not a UUID: " + body;
    }
    return {};
}

std::string tail(const std::string& log, std::size_t chars) {
    return log.size() <= chars ? log : log.substr(log.size() - chars);
}

}  // namespace linetest::security_tests
