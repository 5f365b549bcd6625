#pragma once

#include <linetest/test_support/child_process.hpp>
#include <linetest/test_support/http_test_client.hpp>
#include <linetest/test_support/peer_paths.hpp>
#include <linetest/test_support/temp_dir.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace linetest::sdk_consumer {

/// One inventory service: its serviceId and serviceSpecification.id.
struct service_line {
    std::string service_id;
    std::string specification_id;
};

/// The real `linetestd` with a plugin set chosen by the test, the OAuth2 server that signs the
/// gateway's tokens and the gateway stand-in that receives KCIs, all on 127.0.0.1 in one temp
/// dir. Unlike the GPON integration fixture it starts no SNMP agent: the plugins under test
/// (fixtures, the SDK template) touch no equipment, and the inventory points at 127.0.0.1:9.
///
/// Construct it on the test's thread: child processes die with the thread that started them.
class plugin_daemon {
public:
    static constexpr std::string_view tenant = "EXAMPLE-ISP";
    static constexpr std::string_view client_id = "fibre-cafe-gateway";

    /// Starts the peers and writes an inventory with `services`, all for `tenant`.
    /// @throws std::runtime_error when a peer does not start.
    explicit plugin_daemon(std::vector<service_line> services);
    ~plugin_daemon();

    plugin_daemon(const plugin_daemon&) = delete;
    plugin_daemon& operator=(const plugin_daemon&) = delete;

    /// Writes the daemon config with `plugins` as its `plugins` section and starts linetestd.
    /// Returns std::nullopt once GET /health/ready returns 200, or the exit status when the
    /// daemon exits during start-up. Throws std::runtime_error when it neither exits nor
    /// becomes ready in time.
    std::optional<test_support::exit_status> start(const nlohmann::json& plugins);

    /// Rewrites the config with a new `plugins` section and sends SIGHUP, then waits until the
    /// daemon logs the outcome (reloaded or failed). Returns true when the reload succeeded.
    bool reload(const nlohmann::json& plugins);

    /// Sends POST /service-tests for test `id` on `line` with a fresh bearer token.
    test_support::http_response post_test(std::int64_t id, const service_line& line,
                                          std::string_view problem_type = "STABILITY");

    /// Sends GET on `target` to the daemon, without credentials.
    test_support::http_response get(std::string_view target) const;

    /// Waits for a COMPLETED KCI that the stand-in accepted for test `id`, and returns its body.
    std::optional<nlohmann::json> wait_for_result_kci(std::int64_t id,
                                                      std::chrono::milliseconds timeout) const;

    /// Waits until the daemon log contains `text` at least `count` times.
    bool wait_for_log(std::string_view text, std::chrono::milliseconds timeout,
                      std::size_t count = 1) const;

    /// Returns the daemon's whole log.
    std::string daemon_log() const;

    /// Returns true while linetestd runs.
    bool daemon_running();

    /// Returns the config file the daemon reads.
    const std::filesystem::path& config_file() const { return config_file_; }

private:
    void write_config(const nlohmann::json& plugins) const;

    test_support::temp_dir dir_;
    std::optional<test_support::oauth_server> oauth_;
    std::optional<test_support::gateway_standin> gateway_;
    std::string gateway_secret_;
    std::uint16_t daemon_port_ = 0;
    std::filesystem::path config_file_;
    std::filesystem::path log_file_;
    std::optional<test_support::child_process> daemon_;
};

}  // namespace linetest::sdk_consumer
