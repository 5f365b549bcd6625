#include "linetest/test_support/peer_paths.hpp"

#include <gtest/gtest.h>

#include "linetest/test_support/wait.hpp"

#include <boost/beast/http/verb.hpp>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include <unistd.h>

#ifndef LINETEST_PEERS_DIR
#error "LINETEST_PEERS_DIR must name the tests/peers folder; tests/support/CMakeLists.txt sets it"
#endif

namespace linetest::test_support {

namespace {

namespace http = boost::beast::http;

constexpr std::size_t log_tail_lines = 30;

// Numbers the files of each peer started by this test process, so that two peers of one kind
// can share a work directory.
std::atomic<int> peer_counter{0};

std::optional<std::filesystem::path> find_in_path(std::string_view name) {
    const char* path = std::getenv("PATH");
    if (path == nullptr) {
        return std::nullopt;
    }
    std::istringstream folders{std::string(path)};
    std::string folder;
    while (std::getline(folders, folder, ':')) {
        if (folder.empty()) {
            continue;
        }
        std::filesystem::path candidate = std::filesystem::path(folder) / name;
        if (::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
    }
    return std::nullopt;
}

std::filesystem::path require_node() {
    if (auto reason = peers_unavailable_reason()) {
        throw std::runtime_error(*reason);
    }
    return *node_executable();
}

[[noreturn]] void fail_start(const std::string& peer,
                             child_process& process,
                             const std::string& reason) {
    std::string message = peer + " did not start: " + reason +
                          "\ncommand: " + process.command_line() + "\nlast lines of " +
                          process.log_file().string() + ":\n" + process.log_tail(log_tail_lines);
    throw std::runtime_error(message);
}

// Waits for `file` to hold content that `parse` accepts, failing fast when the peer exits.
template <typename Parse>
void wait_for_report(const std::string& peer,
                     child_process& process,
                     const std::filesystem::path& file,
                     std::chrono::milliseconds timeout,
                     Parse parse) {
    bool exited = false;
    std::string last_error;
    bool ready = poll_until(
        [&] {
            if (!process.running()) {
                exited = true;
                return true;
            }
            if (!wait_for_file(file, std::chrono::milliseconds(0))) {
                return false;
            }
            try {
                parse(read_text_file(file));
                return true;
            } catch (const std::exception& error) {
                // The peer may still be writing the file, so try again until the deadline.
                last_error = error.what();
                return false;
            }
        },
        timeout);
    if (exited) {
        fail_start(peer, process, "it exited with " + process.wait_exit({})->describe());
    }
    if (!ready) {
        std::string reason =
            "no valid " + file.string() + " within " + std::to_string(timeout.count()) + " ms";
        if (!last_error.empty()) {
            reason += " (last parse error: " + last_error + ")";
        }
        fail_start(peer, process, reason);
    }
}

std::uint16_t checked_port(long long value, const std::filesystem::path& file) {
    if (value <= 0 || value > 65535) {
        throw std::runtime_error("port " + std::to_string(value) + " in " + file.string() +
                                 " is outside 1..65535");
    }
    return static_cast<std::uint16_t>(value);
}

// Encodes HTTP Basic credentials (RFC 7617), the only base64 this library needs.
std::string base64_encode(std::string_view input) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < input.size(); i += 3) {
        auto n = static_cast<std::uint32_t>(static_cast<unsigned char>(input[i])) << 16 |
                 static_cast<std::uint32_t>(static_cast<unsigned char>(input[i + 1])) << 8 |
                 static_cast<unsigned char>(input[i + 2]);
        out += alphabet[n >> 18 & 63];
        out += alphabet[n >> 12 & 63];
        out += alphabet[n >> 6 & 63];
        out += alphabet[n & 63];
    }
    std::size_t rest = input.size() - i;
    if (rest > 0) {
        std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(input[i])) << 16;
        if (rest == 2) {
            n |= static_cast<std::uint32_t>(static_cast<unsigned char>(input[i + 1])) << 8;
        }
        out += alphabet[n >> 18 & 63];
        out += alphabet[n >> 12 & 63];
        out += rest == 2 ? alphabet[n >> 6 & 63] : '=';
        out += '=';
    }
    return out;
}

void expect_success(const http_response& response, const std::string& request_line) {
    if (response.status < 200 || response.status > 299) {
        throw std::runtime_error(request_line + " returned HTTP " +
                                 std::to_string(response.status) + ": " + response.body);
    }
}

}  // namespace

std::filesystem::path peers_dir() { return std::filesystem::path(LINETEST_PEERS_DIR); }

std::optional<std::filesystem::path> node_executable() {
    const char* configured = std::getenv("LINETEST_NODE");
    if (configured != nullptr && *configured != '\0') {
        if (::access(configured, X_OK) != 0) {
            return std::nullopt;
        }
        return std::filesystem::path(configured);
    }
    if (auto node = find_in_path("node")) {
        return node;
    }
    return find_in_path("nodejs");
}

namespace {

std::optional<std::string> find_unavailable_reason() {
    if (!node_executable()) {
        const char* configured = std::getenv("LINETEST_NODE");
        if (configured != nullptr && *configured != '\0') {
            return "LINETEST_NODE='" + std::string(configured) +
                   "' is not an executable file; point it at node or unset it";
        }
        return std::string(
            "Node.js not found: set LINETEST_NODE or put node on PATH "
            "(scripts/setup.sh installs it)");
    }
    auto module_dir = peers_dir() / "node_modules" / "oauth2-mock-server";
    std::error_code ec;
    if (!std::filesystem::is_directory(module_dir, ec)) {
        return module_dir.string() + " is missing: run 'bash scripts/setup.sh' (or 'npm ci' in " +
               peers_dir().string() + ")";
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> peers_unavailable_reason() {
    auto reason = find_unavailable_reason();
    // In CI the setup script must have installed the peers, so a missing peer is a failure
    // there rather than a skip that would hide a broken setup.
    const char* ci = std::getenv("CI");
    if (reason && ci != nullptr && std::string_view(ci) == "true") {
        ADD_FAILURE() << "CI=true but the Node test peers are unavailable: " << *reason;
    }
    return reason;
}

std::string oauth_server::client_credentials_token(const std::string& client_id,
                                                   const std::string& client_secret) const {
    http_test_client client("127.0.0.1", port);
    auto response = client.request(
        http::verb::post, "/token",
        {{"Content-Type", "application/x-www-form-urlencoded"},
         {"Authorization", "Basic " + base64_encode(client_id + ":" + client_secret)}},
        "grant_type=client_credentials");
    if (response.status != 200) {
        throw std::runtime_error("token request to " + token_endpoint + " returned HTTP " +
                                 std::to_string(response.status) + ": " + response.body);
    }
    auto body = nlohmann::json::parse(response.body, nullptr, false);
    if (body.is_discarded() || !body.contains("access_token") ||
        !body["access_token"].is_string()) {
        throw std::runtime_error("token response from " + token_endpoint +
                                 " has no string access_token");
    }
    return body["access_token"].get<std::string>();
}

oauth_server start_oauth_server(const std::filesystem::path& work_dir,
                                const oauth_server_options& options,
                                std::chrono::milliseconds startup_timeout) {
    auto node = require_node();
    std::string stem = "oauth_server-" + std::to_string(++peer_counter);
    auto info_file = work_dir / (stem + ".json");

    child_process_options spawn;
    spawn.program = node;
    spawn.args = {(peers_dir() / "oauth_server.mjs").string(),
                  "--port",
                  std::to_string(options.port),
                  "--info-file",
                  info_file.string(),
                  "--scope",
                  options.scope};
    if (!options.audience.empty()) {
        spawn.args.insert(spawn.args.end(), {"--audience", options.audience});
    }
    if (!options.client_id.empty()) {
        spawn.args.insert(spawn.args.end(), {"--client-id", options.client_id});
    }
    if (options.es256) {
        spawn.args.emplace_back("--es256");
    }
    if (options.token_ttl_seconds) {
        // One argument: node's parseArgs rejects a separate value that starts with '-', as a
        // negative TTL (already expired tokens) does.
        spawn.args.push_back("--token-ttl=" + std::to_string(*options.token_ttl_seconds));
    }
    spawn.working_dir = peers_dir();
    spawn.log_file = work_dir / (stem + ".log");

    oauth_server server{child_process(std::move(spawn)), 0, {}, {}, {}};
    wait_for_report("oauth_server.mjs", server.process, info_file, startup_timeout,
                    [&](const std::string& text) {
                        auto info = nlohmann::json::parse(text);
                        server.port = checked_port(info.at("port").get<long long>(), info_file);
                        server.issuer = info.at("issuer").get<std::string>();
                        server.jwks_uri = info.at("jwks_uri").get<std::string>();
                        server.token_endpoint = info.at("token_endpoint").get<std::string>();
                    });
    return server;
}

namespace {

void post_control(const gateway_standin& standin,
                  const std::string& target,
                  const nlohmann::json* script) {
    http_headers headers;
    std::string body;
    if (script != nullptr) {
        headers.emplace_back("Content-Type", "application/json");
        body = script->dump();
    }
    auto response = standin.client().request(http::verb::post, target, headers, std::move(body));
    expect_success(response, "POST " + standin.base_url + target);
}

nlohmann::json get_control_json(const gateway_standin& standin, const std::string& target) {
    auto response = standin.client().request(http::verb::get, target);
    if (response.status != 200) {
        throw std::runtime_error("GET " + standin.base_url + target + " returned HTTP " +
                                 std::to_string(response.status) + ": " + response.body);
    }
    auto body = nlohmann::json::parse(response.body, nullptr, false);
    if (body.is_discarded()) {
        throw std::runtime_error("GET " + standin.base_url + target +
                                 " returned a body that is not JSON: " + response.body);
    }
    return body;
}

}  // namespace

void gateway_standin::script_kcis(const nlohmann::json& script) const {
    post_control(*this, "/control/kcis-script", &script);
}

void gateway_standin::script_tokens(const nlohmann::json& script) const {
    post_control(*this, "/control/token-script", &script);
}

void gateway_standin::revoke_tokens() const {
    post_control(*this, "/control/revoke-tokens", nullptr);
}

nlohmann::json gateway_standin::kcis() const { return get_control_json(*this, "/control/kcis"); }

nlohmann::json gateway_standin::stats() const { return get_control_json(*this, "/control/stats"); }

void gateway_standin::reset() const { post_control(*this, "/control/reset", nullptr); }

gateway_standin start_gateway_standin(const std::filesystem::path& work_dir,
                                      const gateway_standin_options& options,
                                      std::chrono::milliseconds startup_timeout) {
    auto node = require_node();
    std::string stem = "gateway_standin-" + std::to_string(++peer_counter);
    auto port_file = work_dir / (stem + ".port");

    child_process_options spawn;
    spawn.program = node;
    spawn.args = {(peers_dir() / "gateway_standin.mjs").string(),
                  "--port",
                  std::to_string(options.port),
                  "--port-file",
                  port_file.string(),
                  "--client-id",
                  options.client_id,
                  "--client-secret",
                  options.client_secret};
    if (options.log_kcis) {
        spawn.args.emplace_back("--log-kcis");
    }
    if (options.token_ttl_seconds) {
        spawn.args.insert(spawn.args.end(),
                          {"--token-ttl", std::to_string(*options.token_ttl_seconds)});
    }
    if (options.expires_in_string) {
        spawn.args.emplace_back("--expires-in-string");
    }
    spawn.working_dir = peers_dir();
    spawn.log_file = work_dir / (stem + ".log");

    gateway_standin standin{child_process(std::move(spawn)), 0, {}, {}, {}};
    // The port file contains the bare port number; a JSON object with "port" is accepted as well.
    wait_for_report("gateway_standin.mjs", standin.process, port_file, startup_timeout,
                    [&](const std::string& text) {
                        auto first = text.find_first_not_of(" \t\r\n");
                        if (first != std::string::npos && text[first] == '{') {
                            auto info = nlohmann::json::parse(text);
                            standin.port =
                                checked_port(info.at("port").get<long long>(), port_file);
                            return;
                        }
                        std::size_t used = 0;
                        long long value = std::stoll(text, &used);
                        if (text.find_first_not_of(" \t\r\n", used) != std::string::npos) {
                            throw std::runtime_error("unexpected text after the port");
                        }
                        standin.port = checked_port(value, port_file);
                    });
    standin.base_url = "http://127.0.0.1:" + std::to_string(standin.port);
    standin.updates_base = standin.base_url + "/v1";
    standin.token_endpoint = standin.base_url + "/v1/auth/supplier/access-token";
    if (!wait_for_tcp_port("127.0.0.1", standin.port, startup_timeout)) {
        fail_start("gateway_standin.mjs", standin.process,
                   "port " + std::to_string(standin.port) + " accepts no connection");
    }
    return standin;
}

}  // namespace linetest::test_support
