#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <linetest/test_support/child_process.hpp>
#include <linetest/test_support/http_test_client.hpp>
#include <linetest/test_support/peer_paths.hpp>
#include <linetest/test_support/temp_dir.hpp>
#include <linetest/testkit/snmpsim_agent.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace linetest::integration {

/// The line each inventory service stands for. Every scenario but `slow` is served by one
/// snmpsimd with the GPON plugin's data. `slow` has an agent of its own that delays its
/// sysUpTime response by `slow_answer_delay`, because snmpsimd's delay blocks every other request.
enum class scenario { healthy, los, dyinggasp, lowrx, marginalrx, unreachable, slow };

/// How long the `slow` agent delays its response.
inline constexpr std::chrono::milliseconds slow_answer_delay{3000};

/// Settings for one `daemon_fixture`.
struct daemon_fixture_options {
    /// `updates.send_accepted_kci` of the daemon config.
    bool send_accepted_kci = false;
    /// `updates.retry`: small so that outage tests see several attempts quickly.
    std::chrono::milliseconds retry_initial_delay{100};
    std::chrono::milliseconds retry_max_delay{400};
    /// Lifetime of the OAuth2 server's tokens; negative issues tokens that are already expired.
    std::optional<int> oauth_token_ttl_seconds;
    /// Start the agent that serves `scenario::slow`; it costs a second snmpsimd start.
    bool with_slow_agent = false;
};

/// Header changes for `post_test`: a value replaces the default header of that name (or adds
/// one), std::nullopt removes it.
using header_overrides = std::vector<std::pair<std::string, std::optional<std::string>>>;

/// Returns why the fixture cannot run here (Node or the peers' node_modules are missing), or
/// std::nullopt. For GTEST_SKIP.
std::optional<std::string> skip_reason();

/// The real `linetestd` with real peers, all on 127.0.0.1 in one temp dir: snmpsimd agents
/// playing a Huawei OLT, the OAuth2 server that signs the gateway's bearer tokens (audience
/// `linetestd`, client `fibre-cafe-gateway`), and the gateway stand-in that receives KCIs.
/// The daemon gets a generated config and an inventory with one service per `scenario`, all
/// for tenant `tenant`, and is ready (GET /health/ready is 200) when the constructor returns.
///
/// Construct it on the test's thread: its child processes are killed when the thread that
/// started them exits. Not thread-safe. The destructor stops everything it started.
class daemon_fixture {
public:
    static constexpr std::string_view tenant = "EXAMPLE-ISP";
    static constexpr std::string_view client_id = "fibre-cafe-gateway";
    /// serviceSpecification.id and name of every service except `slow`.
    static constexpr std::string_view specification_id = "ftthl2r";
    static constexpr std::string_view specification_name = "FTTH Layer 2 Retail";
    /// serviceSpecification.id of the `slow` service, routed to a plugin instance whose SNMP
    /// timeout outlasts `slow_answer_delay`.
    static constexpr std::string_view slow_specification_id = "ftthl2r-slow";

    /// Starts the peers and the daemon.
    /// @throws std::runtime_error with the log of the process that did not start.
    explicit daemon_fixture(daemon_fixture_options options = {});
    ~daemon_fixture();

    daemon_fixture(const daemon_fixture&) = delete;
    daemon_fixture& operator=(const daemon_fixture&) = delete;

    /// Returns the inventory's serviceId for `line`.
    static std::string service_id(scenario line);

    /// Returns a valid request body for `line` with test id `id`.
    static nlohmann::json test_body(std::int64_t id, scenario line);

    /// Returns a client-credentials token from the OAuth2 server, fetched once and cached.
    const std::string& token();

    /// Sends POST /service-tests with `body` as JSON text. Default headers: Authorization with
    /// `token()`, Content-Type application/json, fresh X-Request-ID and X-Conversation-ID,
    /// Tenant `tenant`; `overrides` change them.
    test_support::http_response post_test(const nlohmann::json& body,
                                          const header_overrides& overrides = {});

    /// As `post_test`, with `body` sent as it is (for invalid JSON).
    test_support::http_response post_test_text(std::string body,
                                               const header_overrides& overrides = {});

    /// Returns a client for other requests to the daemon.
    test_support::http_test_client daemon_client() const;

    /// Returns every KCI attempt the gateway stand-in received for test `test_id`, in arrival
    /// order: objects with `status` (the response status), `headers` (names in lower case) and
    /// `body`.
    nlohmann::json kcis_for(std::int64_t test_id) const;

    /// Waits until the stand-in has returned 204 for a COMPLETED KCI for `test_id` and returns
    /// that attempt, or std::nullopt on time-out.
    std::optional<nlohmann::json> wait_for_completed_kci(std::int64_t test_id,
                                                         std::chrono::milliseconds timeout) const;

    /// Waits until the stand-in has received at least `count` KCI attempts for `test_id`.
    bool wait_for_kci_attempts(std::int64_t test_id,
                               std::size_t count,
                               std::chrono::milliseconds timeout) const;

    /// Waits until GET /metrics shows no queued or running test and no pending KCI, after which
    /// the daemon sends nothing more until the next request.
    bool wait_until_idle(std::chrono::milliseconds timeout) const;

    /// Waits until the daemon log (all runs since construction) contains `text`.
    bool wait_for_log(std::string_view text, std::chrono::milliseconds timeout) const;

    /// Returns the daemon log of every run since construction.
    std::string daemon_log() const;

    /// Returns the end of the daemon log, for failure messages.
    std::string daemon_log_tail(std::size_t lines = 60) const;

    /// SIGKILLs the daemon; nothing of it runs afterwards.
    void kill_daemon_hard();

    /// Starts the daemon again with the same config, store and port, and waits until ready.
    /// @throws std::runtime_error with the log tail when it does not become ready.
    void restart_daemon();

    /// Sends SIGTERM and waits up to `grace` for the daemon to exit (SIGKILL after that).
    test_support::exit_status stop_daemon(std::chrono::milliseconds grace);

    /// Returns true while the daemon process runs.
    bool daemon_running();

    // Gateway stand-in control API.
    void script_kcis(const nlohmann::json& script) const;
    void reset_gateway() const;
    void revoke_gateway_tokens() const;
    nlohmann::json gateway_stats() const;
    /// Every KCI attempt the stand-in has received since its last reset.
    nlohmann::json all_kcis() const;

    /// Returns the SQLite store file of the daemon.
    std::filesystem::path store_file() const;

    /// Returns the directory holding the config, inventory, store and logs.
    const std::filesystem::path& work_dir() const;

    /// Returns `token` with its header and payload unchanged and its signature replaced by one
    /// made with an RSA key generated now, which the daemon's JWKS does not hold.
    static std::string resign_with_unknown_key(const std::string& token);

private:
    struct peers;

    void start_daemon();

    daemon_fixture_options options_;
    std::unique_ptr<peers> peers_;
    std::optional<std::string> token_;
};

}  // namespace linetest::integration
