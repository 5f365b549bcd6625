#include "plugin_daemon.hpp"

#include <linetest/test_support/free_port.hpp>
#include <linetest/test_support/wait.hpp>

#include <boost/beast/http/verb.hpp>

#include <csignal>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace linetest::sdk_consumer {

namespace {

namespace bhttp = boost::beast::http;
namespace ts = test_support;
using json = nlohmann::json;
using std::chrono::milliseconds;

constexpr milliseconds peer_startup_timeout{20000};
constexpr milliseconds daemon_ready_timeout{20000};
constexpr milliseconds reload_timeout{10000};
constexpr milliseconds poll_interval{50};

std::string random_hex(std::size_t bytes) {
    std::random_device random;
    std::ostringstream out;
    for (std::size_t i = 0; i < bytes; ++i) {
        out << std::hex << ((random() & 0xf0U) >> 4U) << (random() & 0x0fU);
    }
    return out.str();
}

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out) {
        throw std::runtime_error("cannot write " + path.string());
    }
}

std::size_t occurrences(const std::string& text, std::string_view needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++count;
    }
    return count;
}

}  // namespace

plugin_daemon::plugin_daemon(std::vector<service_line> services) : dir_("plugin-daemon") {
    ts::oauth_server_options oauth_options;
    oauth_options.audience = "linetestd";
    oauth_options.client_id = std::string(client_id);
    oauth_.emplace(ts::start_oauth_server(dir_.path(), oauth_options, peer_startup_timeout));

    gateway_secret_ = random_hex(16);
    ts::gateway_standin_options gateway_options;
    gateway_options.client_id = "linetest-supplier";
    gateway_options.client_secret = gateway_secret_;
    gateway_.emplace(ts::start_gateway_standin(dir_.path(), gateway_options, peer_startup_timeout));

    json inventory = json::array();
    for (const auto& line : services) {
        inventory.push_back({
            {"serviceId", line.service_id},
            {"tenant", tenant},
            {"specification", {{"id", line.specification_id}, {"name", line.specification_id}}},
            {"state", "active"},
            {"equipment",
             {{"node", "127.0.0.1:9"},
              {"profile", "test"},
              {"credentials", "none"},
              {"attributes", json::object()}}},
        });
    }
    write_file(dir_.path() / "inventory.json", json{{"services", inventory}}.dump(2));
    daemon_port_ = ts::free_tcp_port();
    config_file_ = dir_.path() / "linetestd.json";
    log_file_ = dir_.path() / "linetestd.log";
}

plugin_daemon::~plugin_daemon() {
    if (daemon_ && daemon_->running()) {
        daemon_->terminate(std::chrono::seconds(5));
    }
}

void plugin_daemon::write_config(const json& plugins) const {
    const json config = {
        {"listen", json::array({{{"address", "127.0.0.1"}, {"port", daemon_port_}}})},
        {"auth",
         {{"mode", "bearer"},
          {"bearer",
           {{"issuer", oauth_->issuer},
            {"audience", "linetestd"},
            {"jwks_url", oauth_->jwks_uri},
            {"required_scope", "service-tests"}}},
          {"clients", json::array({{{"id", client_id}, {"tenants", json::array({tenant})}}})}}},
        {"store", {{"path", "linetest.db"}}},
        {"inventory", {{"file", "inventory.json"}}},
        {"equipment_credentials", {{"none", {{"community", "public"}}}}},
        {"plugins", plugins},
        {"executor", {{"workers", 2}, {"on_restart", "fail"}}},
        {"updates",
         {{"base_url", gateway_->updates_base},
          {"client_id", "linetest-supplier"},
          {"client_secret", gateway_secret_},
          {"retry", {{"initial_delay_ms", 100}, {"max_delay_ms", 400}}}}},
        {"shutdown", {{"drain_timeout_ms", 2000}}},
        {"logging", {{"level", "info"}, {"target", "stderr"}}},
    };
    // Written to a new file and renamed, so a reload never reads half a config.
    const auto staging = config_file_.string() + ".new";
    write_file(staging, config.dump(2));
    std::filesystem::permissions(staging, std::filesystem::perms::owner_read |
                                              std::filesystem::perms::owner_write);
    std::filesystem::rename(staging, config_file_);
}

std::optional<ts::exit_status> plugin_daemon::start(const json& plugins) {
    write_config(plugins);
    ts::child_process_options process;
    process.program = LINETEST_DAEMON_PATH;
    process.args = {"--config", config_file_.string()};
    process.working_dir = dir_.path();
    process.log_file = log_file_;
    daemon_.emplace(std::move(process));

    std::optional<ts::exit_status> exit;
    const auto client = ts::http_test_client("127.0.0.1", daemon_port_);
    const bool settled = ts::poll_until(
        [&] {
            if (!daemon_->running()) {
                exit = daemon_->wait_exit(milliseconds(0));
                return true;
            }
            try {
                return client.request(bhttp::verb::get, "/health/ready").status == 200;
            } catch (const std::exception&) {
                return false;
            }
        },
        daemon_ready_timeout, poll_interval);
    if (!settled) {
        throw std::runtime_error("linetestd did not become ready; log:\n" + daemon_->log_tail());
    }
    return exit;
}

bool plugin_daemon::reload(const json& plugins) {
    const auto log = daemon_log();
    const auto done_before = occurrences(log, "plugins reloaded generation=");
    const auto failed_before = occurrences(log, "plugin reload failed");
    write_config(plugins);
    ::kill(daemon_->pid(), SIGHUP);
    bool reloaded = false;
    ts::poll_until(
        [&] {
            const auto now = daemon_log();
            reloaded = occurrences(now, "plugins reloaded generation=") > done_before;
            return reloaded || occurrences(now, "plugin reload failed") > failed_before;
        },
        reload_timeout, poll_interval);
    return reloaded;
}

ts::http_response plugin_daemon::post_test(std::int64_t id, const service_line& line,
                                           std::string_view problem_type) {
    const auto token = oauth_->client_credentials_token(std::string(client_id), "unused");
    const json body = {
        {"id", id},
        {"serviceId", line.service_id},
        {"serviceSpecification", {{"id", line.specification_id}}},
        {"problemType", problem_type},
    };
    const ts::http_headers headers{
        {"Authorization", "Bearer " + token},
        {"Content-Type", "application/json"},
        {"X-Request-ID", random_hex(8)},
        {"X-Conversation-ID", random_hex(8)},
        {"Tenant", std::string(tenant)},
    };
    return ts::http_test_client("127.0.0.1", daemon_port_)
        .request(bhttp::verb::post, "/service-tests", headers, body.dump());
}

ts::http_response plugin_daemon::get(std::string_view target) const {
    return ts::http_test_client("127.0.0.1", daemon_port_).request(bhttp::verb::get, target);
}

std::optional<json> plugin_daemon::wait_for_result_kci(std::int64_t id,
                                                       milliseconds timeout) const {
    std::optional<json> found;
    ts::poll_until(
        [&] {
            for (const auto& attempt : gateway_->kcis()) {
                const auto& body = attempt["body"];
                if (attempt.value("status", 0) == 204 && body.is_object() &&
                    body.contains("serviceTest") &&
                    body["serviceTest"].value("id", std::int64_t{0}) == id &&
                    body["serviceTest"].value("status", "") == "COMPLETED") {
                    found = body;
                    return true;
                }
            }
            return false;
        },
        timeout, poll_interval);
    return found;
}

bool plugin_daemon::wait_for_log(std::string_view text, milliseconds timeout,
                                 std::size_t count) const {
    return ts::poll_until([&] { return occurrences(daemon_log(), text) >= count; }, timeout,
                          poll_interval);
}

std::string plugin_daemon::daemon_log() const {
    std::ifstream in(log_file_);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

bool plugin_daemon::daemon_running() { return daemon_ && daemon_->running(); }

}  // namespace linetest::sdk_consumer
