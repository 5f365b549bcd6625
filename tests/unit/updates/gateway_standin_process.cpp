#include "gateway_standin_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/random.hpp"

extern char** environ;

namespace linetest::updates::testing {

namespace bhttp = boost::beast::http;

gateway_standin_process::gateway_standin_process(options opts)
    : options_(std::move(opts)),
      directory_(std::filesystem::temp_directory_path() /
                 ("linetest-standin-" + core::random_uuid())) {
    std::filesystem::create_directories(directory_);
    const auto port_file = (directory_ / "port").string();
    const auto log_file = (directory_ / "standin.log").string();

    std::vector<std::string> args = {LINETEST_NODE,     LINETEST_GATEWAY_STANDIN,
                                     "--port",          "0",
                                     "--port-file",     port_file,
                                     "--client-id",     options_.client_id,
                                     "--client-secret", options_.client_secret,
                                     "--token-ttl",     std::to_string(options_.token_ttl_seconds),
                                     "--log-kcis"};
    if (options_.expires_in_as_string) {
        args.emplace_back("--expires-in-string");
    }
    std::vector<char*> argv;
    for (auto& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
        throw std::runtime_error(std::string("cannot start node at ") + LINETEST_NODE + ": " +
                                 std::strerror(spawned));
    }

    // Bounded wait: 200 polls of 50 ms.
    for (int poll = 0; poll < 200; ++poll) {
        std::ifstream in(port_file);
        if (in >> port_ && port_ > 0) {
            return;
        }
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("gateway stand-in exited at start; see " + log_file);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("gateway stand-in wrote no port within 10 s; see " + log_file);
}

gateway_standin_process::~gateway_standin_process() {
    if (pid_ > 0) {
        kill(pid_, SIGTERM);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
}

std::string gateway_standin_process::base_url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

nlohmann::json gateway_standin_process::control(bhttp::verb method,
                                                const std::string& path,
                                                const std::string& body) {
    http::client_request request;
    request.method = method;
    request.target = http::parse_url("http://127.0.0.1:" + std::to_string(port_) + path);
    request.body = body;
    if (!body.empty()) {
        request.headers.set(bhttp::field::content_type, "application/json");
    }
    auto response = client_.send(request);
    if (!response) {
        throw std::runtime_error("stand-in control call failed: " + response.error().message);
    }
    if (response->status >= 300) {
        throw std::runtime_error("stand-in control " + path + " returned " +
                                 std::to_string(response->status) + ": " + response->body);
    }
    return response->body.empty() ? nlohmann::json() : nlohmann::json::parse(response->body);
}

void gateway_standin_process::script_kcis(const nlohmann::json& statuses) {
    control(bhttp::verb::post, "/control/kcis-script", statuses.dump());
}

void gateway_standin_process::script_tokens(const nlohmann::json& statuses) {
    control(bhttp::verb::post, "/control/token-script", statuses.dump());
}

void gateway_standin_process::revoke_tokens() {
    control(bhttp::verb::post, "/control/revoke-tokens", "");
}

nlohmann::json gateway_standin_process::kci_attempts() {
    return control(bhttp::verb::get, "/control/kcis", "");
}

nlohmann::json gateway_standin_process::stats() {
    return control(bhttp::verb::get, "/control/stats", "");
}

}  // namespace linetest::updates::testing
