#include "daemon_fixture.hpp"

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <array>
#include <boost/beast/http/verb.hpp>
#include <cstring>
#include <fstream>
#include <linetest/test_support/free_port.hpp>
#include <linetest/test_support/wait.hpp>
#include <random>
#include <sstream>
#include <stdexcept>

namespace linetest::integration {

namespace bhttp = boost::beast::http;
namespace ts = linetest::test_support;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr milliseconds peer_startup_timeout{20000};
constexpr milliseconds daemon_ready_timeout{20000};
constexpr milliseconds poll_interval{50};

// Every scenario's .snmprec serves ONT 5 on this GPON port (frame 0, slot 1, port 1).
constexpr std::string_view port_if_index = "4194312448";
constexpr std::string_view ont_id = "5";
// Community of the slow agent's only data file, slow/olt.snmprec.
constexpr std::string_view slow_community = "slow/olt";
// sysUpTime.0, the object whose response the slow agent delays.
constexpr std::string_view sys_up_time_oid = "1.3.6.1.2.1.1.3.0";

struct scenario_row {
    scenario line;
    std::string_view name;
    /// SNMPv2c community; `olt/absent` has no data file, so snmpsimd sends no response to it.
    std::string_view community;
};

constexpr std::array<scenario_row, 7> scenario_table{{
    {scenario::healthy, "healthy", "olt/healthy"},
    {scenario::los, "los", "olt/los"},
    {scenario::dyinggasp, "dyinggasp", "olt/dyinggasp"},
    {scenario::lowrx, "lowrx", "olt/lowrx"},
    {scenario::marginalrx, "marginalrx", "olt/marginalrx"},
    {scenario::unreachable, "unreachable", "olt/absent"},
    {scenario::slow, "slow", slow_community},
}};

const scenario_row& row_of(scenario line) {
    for (const auto& row : scenario_table) {
        if (row.line == line) {
            return row;
        }
    }
    throw std::invalid_argument("unknown scenario " + std::to_string(static_cast<int>(line)));
}

std::string random_hex(std::size_t bytes) {
    std::random_device source;
    std::ostringstream out;
    out << std::hex;
    for (std::size_t i = 0; i < bytes; ++i) {
        const auto value = source() & 0xffU;
        out << (value >> 4) << (value & 0x0fU);
    }
    return out.str();
}

std::string uuid_text() {
    const std::string hex = random_hex(16);
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-4" + hex.substr(13, 3) + "-a" +
           hex.substr(17, 3) + "-" + hex.substr(20, 12);
}

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
        throw std::runtime_error("cannot write " + path.string());
    }
}

std::string base64url(const unsigned char* data, std::size_t size) {
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < size; i += 3) {
        const unsigned triple = (data[i] << 16U) | (data[i + 1] << 8U) | data[i + 2];
        out += alphabet[(triple >> 18U) & 63U];
        out += alphabet[(triple >> 12U) & 63U];
        out += alphabet[(triple >> 6U) & 63U];
        out += alphabet[triple & 63U];
    }
    if (i + 1 == size) {
        const unsigned triple = data[i] << 16U;
        out += alphabet[(triple >> 18U) & 63U];
        out += alphabet[(triple >> 12U) & 63U];
    } else if (i + 2 == size) {
        const unsigned triple = (data[i] << 16U) | (data[i + 1] << 8U);
        out += alphabet[(triple >> 18U) & 63U];
        out += alphabet[(triple >> 12U) & 63U];
        out += alphabet[(triple >> 6U) & 63U];
    }
    return out;
}

// Returns the healthy OLT's data with sysUpTime.0 served through snmpsim's delay variation.
std::string slow_snmprec() {
    const auto healthy = ts::read_text_file(std::filesystem::path(LINETEST_GPON_DATA_DIR) / "olt" /
                                            "healthy.snmprec");
    std::istringstream lines(healthy);
    std::string out;
    std::string line;
    bool replaced = false;
    while (std::getline(lines, line)) {
        if (line.rfind(std::string(sys_up_time_oid) + "|", 0) == 0) {
            // OID|TYPE|VALUE becomes OID|TYPE:delay|value=VALUE,wait=MS.
            const auto type_end = line.find('|', sys_up_time_oid.size() + 1);
            const auto type =
                line.substr(sys_up_time_oid.size() + 1, type_end - sys_up_time_oid.size() - 1);
            line = std::string(sys_up_time_oid) + "|" + type +
                   ":delay|value=" + line.substr(type_end + 1) +
                   ",wait=" + std::to_string(slow_answer_delay.count());
            replaced = true;
        }
        out += line + "\n";
    }
    if (!replaced) {
        throw std::runtime_error("healthy.snmprec has no sysUpTime.0 line to delay");
    }
    return out;
}

// Starts tests/peers/oauth_server.mjs with `--token-ttl=SECONDS`. start_oauth_server passes the
// value as a separate argument, which Node's parseArgs refuses for a negative number, so the
// fixture starts the server itself when it needs a lifetime.
ts::oauth_server start_oauth_server_with_ttl(const std::filesystem::path& dir, int ttl_seconds) {
    const auto node = ts::node_executable();
    if (!node) {
        throw std::runtime_error("no Node.js executable for the OAuth2 server");
    }
    const auto info_file = dir / "oauth_server-ttl.json";
    ts::child_process_options spawn;
    spawn.program = *node;
    spawn.args = {(ts::peers_dir() / "oauth_server.mjs").string(),
                  "--port",
                  "0",
                  "--info-file",
                  info_file.string(),
                  "--audience",
                  "linetestd",
                  "--client-id",
                  std::string(daemon_fixture::client_id),
                  "--token-ttl=" + std::to_string(ttl_seconds)};
    spawn.working_dir = ts::peers_dir();
    spawn.log_file = dir / "oauth_server-ttl.log";
    ts::child_process process(std::move(spawn));
    if (!ts::wait_for_file(info_file, peer_startup_timeout)) {
        throw std::runtime_error("oauth_server.mjs did not write " + info_file.string() +
                                 "; its log:\n" + process.log_tail());
    }
    const auto info = json::parse(ts::read_text_file(info_file));
    return ts::oauth_server{std::move(process), info.at("port").get<std::uint16_t>(),
                            info.at("issuer").get<std::string>(),
                            info.at("jwks_uri").get<std::string>(),
                            info.at("token_endpoint").get<std::string>()};
}

}  // namespace

std::optional<std::string> skip_reason() { return ts::peers_unavailable_reason(); }

struct daemon_fixture::peers {
    // Declared in the order of start; destroyed in reverse, the daemon first.
    ts::temp_dir dir{"linetest-integration"};
    std::optional<testkit::snmpsim_agent> olt;
    std::optional<testkit::snmpsim_agent> slow_olt;
    std::optional<ts::oauth_server> oauth;
    std::optional<ts::gateway_standin> gateway;
    std::uint16_t daemon_port = 0;
    std::filesystem::path config_file;
    std::filesystem::path log_file;
    std::optional<ts::child_process> daemon;
};

daemon_fixture::daemon_fixture(daemon_fixture_options options)
    : options_(std::move(options)),
      peers_(std::make_unique<peers>()) {
    auto& p = *peers_;

    testkit::snmpsim_options olt_options;
    olt_options.data_dir = LINETEST_GPON_DATA_DIR;
    olt_options.ready_community = "olt/healthy";
    p.olt.emplace(olt_options);

    if (options_.with_slow_agent) {
        const auto data = p.dir / "slow-data";
        std::filesystem::create_directories(data / "slow");
        write_file(data / "slow" / "olt.snmprec", slow_snmprec());
        testkit::snmpsim_options slow_options;
        slow_options.data_dir = data;
        slow_options.ready_community = std::string(slow_community);
        p.slow_olt.emplace(slow_options);
    }

    if (options_.oauth_token_ttl_seconds) {
        p.oauth.emplace(
            start_oauth_server_with_ttl(p.dir.path(), *options_.oauth_token_ttl_seconds));
    } else {
        ts::oauth_server_options oauth_options;
        oauth_options.audience = "linetestd";
        oauth_options.client_id = std::string(client_id);
        p.oauth.emplace(ts::start_oauth_server(p.dir.path(), oauth_options, peer_startup_timeout));
    }

    ts::gateway_standin_options gateway_options;
    gateway_options.client_id = "linetest-supplier";
    gateway_options.client_secret = random_hex(16);
    p.gateway.emplace(
        ts::start_gateway_standin(p.dir.path(), gateway_options, peer_startup_timeout));

    json credentials = json::object();
    json services = json::array();
    for (const auto& row : scenario_table) {
        if (row.line == scenario::slow && !p.slow_olt) {
            continue;
        }
        const std::string credential_name = "olt-" + std::string(row.name);
        credentials[credential_name] = {{"community", row.community}};
        const bool slow = row.line == scenario::slow;
        services.push_back({
            {"serviceId", service_id(row.line)},
            {"tenant", tenant},
            {"specification",
             {{"id", slow ? slow_specification_id : specification_id},
              {"name", specification_name}}},
            {"state", "active"},
            {"equipment",
             {{"node", slow ? p.slow_olt->endpoint() : p.olt->endpoint()},
              {"profile", "huawei-ma5800"},
              {"credentials", credential_name},
              {"attributes",
               {{"port_if_index", port_if_index}, {"ont_id", ont_id}, {"optics_class", "B+"}}}}},
        });
    }
    write_file(p.dir / "inventory.json", json{{"services", services}}.dump(2));

    p.daemon_port = ts::free_tcp_port();
    const json config = {
        {"listen", json::array({{{"address", "127.0.0.1"}, {"port", p.daemon_port}}})},
        {"auth",
         {{"mode", "bearer"},
          {"bearer",
           {{"issuer", p.oauth->issuer},
            {"audience", "linetestd"},
            {"jwks_url", p.oauth->jwks_uri},
            {"required_scope", "service-tests"}}},
          {"clients", json::array({{{"id", client_id}, {"tenants", json::array({tenant})}}})}}},
        {"store", {{"path", "linetest.db"}}},
        {"inventory", {{"file", "inventory.json"}}},
        {"equipment_credentials", credentials},
        {"plugins",
         {{"directory", LINETEST_PLUGIN_DIR},
          {"instances",
           json::array({
               {{"name", "gpon"},
                {"library", "ftth_gpon_snmp.so"},
                {"specifications", json::array({specification_id})},
                {"run_timeout_ms", 10000},
                // One short attempt, so the unreachable OLT fails fast.
                {"config", {{"timeout_ms", 1000}, {"retries", 0}}}},
               {{"name", "gpon-slow"},
                {"library", "ftth_gpon_snmp.so"},
                {"specifications", json::array({slow_specification_id})},
                {"run_timeout_ms", 20000},
                {"config", {{"timeout_ms", slow_answer_delay.count() + 5000}, {"retries", 0}}}},
           })}}},
        {"executor", {{"workers", 2}, {"on_restart", "rerun"}}},
        {"updates",
         {{"base_url", p.gateway->updates_base},
          {"client_id", "linetest-supplier"},
          {"client_secret", gateway_options.client_secret},
          {"retry",
           {{"initial_delay_ms", options_.retry_initial_delay.count()},
            {"max_delay_ms", options_.retry_max_delay.count()}}},
          {"send_accepted_kci", options_.send_accepted_kci}}},
        {"shutdown", {{"drain_timeout_ms", 2000}}},
        {"logging", {{"level", "info"}, {"target", "stderr"}}},
    };
    p.config_file = p.dir / "linetestd.json";
    write_file(p.config_file, config.dump(2));
    std::filesystem::permissions(
        p.config_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    p.log_file = p.dir / "linetestd.log";
    start_daemon();
}

daemon_fixture::~daemon_fixture() = default;

std::string daemon_fixture::service_id(scenario line) {
    std::string name(row_of(line).name);
    for (auto& c : name) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return "SI-" + name;
}

json daemon_fixture::test_body(std::int64_t id, scenario line) {
    return {
        {"id", id},
        {"serviceId", service_id(line)},
        {"serviceSpecification",
         {{"id", line == scenario::slow ? slow_specification_id : specification_id}}},
        {"problemType", "STABILITY"},
    };
}

void daemon_fixture::start_daemon() {
    auto& p = *peers_;
    ts::child_process_options process;
    process.program = LINETEST_DAEMON_PATH;
    process.args = {"--config", p.config_file.string()};
    process.working_dir = p.dir.path();
    process.log_file = p.log_file;
    p.daemon.emplace(std::move(process));

    const auto client = daemon_client();
    bool exited = false;
    const bool ready = ts::poll_until(
        [&] {
            if (!p.daemon->running()) {
                exited = true;
                return true;
            }
            try {
                return client.request(bhttp::verb::get, "/health/ready").status == 200;
            } catch (const std::exception&) {
                return false;
            }
        },
        daemon_ready_timeout, poll_interval);
    if (exited || !ready) {
        throw std::runtime_error(std::string("linetestd ") +
                                 (exited ? "exited during start-up" : "did not become ready") +
                                 "; command: " + p.daemon->command_line() + "\nlog:\n" +
                                 daemon_log_tail());
    }
}

const std::string& daemon_fixture::token() {
    if (!token_) {
        token_ = peers_->oauth->client_credentials_token(std::string(client_id), "unused");
    }
    return *token_;
}

ts::http_response daemon_fixture::post_test(const json& body, const header_overrides& overrides) {
    return post_test_text(body.dump(), overrides);
}

ts::http_response daemon_fixture::post_test_text(std::string body,
                                                 const header_overrides& overrides) {
    ts::http_headers headers{
        {"Authorization", "Bearer " + token()}, {"Content-Type", "application/json"},
        {"X-Request-ID", uuid_text()},          {"X-Conversation-ID", uuid_text()},
        {"Tenant", std::string(tenant)},
    };
    for (const auto& [name, value] : overrides) {
        std::erase_if(headers, [&](const auto& field) { return field.first == name; });
        if (value) {
            headers.emplace_back(name, *value);
        }
    }
    return daemon_client().request(bhttp::verb::post, "/service-tests", headers, std::move(body));
}

ts::http_test_client daemon_fixture::daemon_client() const {
    return ts::http_test_client("127.0.0.1", peers_->daemon_port);
}

json daemon_fixture::all_kcis() const { return peers_->gateway->kcis(); }

json daemon_fixture::kcis_for(std::int64_t test_id) const {
    json out = json::array();
    for (const auto& attempt : all_kcis()) {
        const auto& body = attempt.value("body", json());
        if (body.is_object() && body.contains("serviceTest") &&
            body["serviceTest"].value("id", std::int64_t{0}) == test_id) {
            out.push_back(attempt);
        }
    }
    return out;
}

std::optional<json> daemon_fixture::wait_for_completed_kci(std::int64_t test_id,
                                                           milliseconds timeout) const {
    std::optional<json> found;
    ts::poll_until(
        [&] {
            for (const auto& attempt : kcis_for(test_id)) {
                if (attempt.value("status", 0) == 204 &&
                    attempt["body"]["serviceTest"].value("status", "") == "COMPLETED") {
                    found = attempt;
                    return true;
                }
            }
            return false;
        },
        timeout, poll_interval);
    return found;
}

bool daemon_fixture::wait_for_kci_attempts(std::int64_t test_id,
                                           std::size_t count,
                                           milliseconds timeout) const {
    return ts::poll_until([&] { return kcis_for(test_id).size() >= count; }, timeout,
                          poll_interval);
}

bool daemon_fixture::wait_until_idle(milliseconds timeout) const {
    const auto client = daemon_client();
    return ts::poll_until(
        [&] {
            std::string metrics;
            try {
                metrics = client.request(bhttp::verb::get, "/metrics").body;
            } catch (const std::exception&) {
                return false;
            }
            for (const char* gauge : {"linetest_outbox_pending ", "linetest_executor_queued ",
                                      "linetest_executor_running "}) {
                const auto at = metrics.find(std::string("\n") + gauge);
                if (at == std::string::npos ||
                    metrics.compare(at + 1 + std::strlen(gauge), 2, "0\n") != 0) {
                    return false;
                }
            }
            return true;
        },
        timeout, poll_interval);
}

bool daemon_fixture::wait_for_log(std::string_view text, milliseconds timeout) const {
    return ts::poll_until([&] { return daemon_log().find(text) != std::string::npos; }, timeout,
                          poll_interval);
}

std::string daemon_fixture::daemon_log() const { return ts::read_text_file(peers_->log_file); }

std::string daemon_fixture::daemon_log_tail(std::size_t lines) const {
    if (!peers_->daemon) {
        return "(linetestd was not started)";
    }
    return peers_->daemon->log_tail(lines);
}

void daemon_fixture::kill_daemon_hard() { peers_->daemon->kill_hard(); }

void daemon_fixture::restart_daemon() {
    if (peers_->daemon->running()) {
        throw std::logic_error(
            "restart_daemon: linetestd is still running; call stop_daemon or kill_daemon_hard "
            "first");
    }
    start_daemon();
}

ts::exit_status daemon_fixture::stop_daemon(milliseconds grace) {
    return peers_->daemon->terminate(grace);
}

bool daemon_fixture::daemon_running() { return peers_->daemon->running(); }

void daemon_fixture::script_kcis(const json& script) const { peers_->gateway->script_kcis(script); }

void daemon_fixture::reset_gateway() const { peers_->gateway->reset(); }

void daemon_fixture::revoke_gateway_tokens() const { peers_->gateway->revoke_tokens(); }

json daemon_fixture::gateway_stats() const { return peers_->gateway->stats(); }

std::filesystem::path daemon_fixture::store_file() const { return peers_->dir / "linetest.db"; }

const std::filesystem::path& daemon_fixture::work_dir() const { return peers_->dir.path(); }

std::string daemon_fixture::resign_with_unknown_key(const std::string& token) {
    const auto last_dot = token.rfind('.');
    if (last_dot == std::string::npos || token.find('.') == last_dot) {
        throw std::invalid_argument("resign_with_unknown_key: not a JWS compact token");
    }
    const std::string signing_input = token.substr(0, last_dot);

    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), EVP_PKEY_free);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                    EVP_MD_CTX_free);
    std::size_t size = 0;
    if (!key || !context ||
        EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
        EVP_DigestSign(context.get(), nullptr, &size,
                       reinterpret_cast<const unsigned char*>(signing_input.data()),
                       signing_input.size()) != 1) {
        throw std::runtime_error("resign_with_unknown_key: OpenSSL could not set up RS256");
    }
    std::vector<unsigned char> signature(size);
    if (EVP_DigestSign(context.get(), signature.data(), &size,
                       reinterpret_cast<const unsigned char*>(signing_input.data()),
                       signing_input.size()) != 1) {
        throw std::runtime_error("resign_with_unknown_key: OpenSSL could not sign");
    }
    return signing_input + "." + base64url(signature.data(), size);
}

}  // namespace linetest::integration
