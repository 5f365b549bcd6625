#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace linetest::testkit {

/// An SNMPv3 USM user that `snmpsimd` accepts. Protocol names are as snmpsimd
/// spells them: auth `MD5` or `SHA` (and SHA-2 variants), priv `DES` or `AES`.
/// Leave `priv_protocol` empty for authNoPriv.
struct snmpv3_user {
    std::string name;
    std::string auth_protocol;
    std::string auth_key;
    std::string priv_protocol;
    std::string priv_key;
};

/// The `equipment_target::credentials` that select `user` for authPriv (or
/// authNoPriv without `priv_protocol`) in plugins built on linetest::sdk_snmp,
/// which accept only the protocols SHA, MD5, AES and DES.
std::map<std::string, std::string> usm_credentials(const snmpv3_user& user);

/// How to start an `snmpsim_agent`.
struct snmpsim_options {
    /// Directory of `.snmprec` files. Each file's path below it, without the
    /// extension, is its SNMPv1/v2c community and SNMPv3 context name.
    std::filesystem::path data_dir;
    /// Community polled for `sysDescr.0` to decide that the agent is ready.
    /// It must name an existing file: snmpsimd sends no response to an unknown
    /// community, which would look like an agent that never starts.
    std::string ready_community;
    /// USM user to configure. Without one, snmpsimd 0.4.5 serves its built-in
    /// user `simulator` (MD5 key `auctoritas`, DES key `privatus`).
    std::optional<snmpv3_user> v3_user;
    /// SNMPv3 engine ID as hex digits, for example `8000000001020304`; empty
    /// lets snmpsimd choose. Clients cache USM keys per engine ID and user for
    /// the life of the process, so a test that needs fresh keys uses an agent
    /// with an engine ID of its own.
    std::string v3_engine_id;
    /// How long to wait for the first response before giving up.
    std::chrono::milliseconds start_timeout{10000};
};

/// A real `snmpsimd` on 127.0.0.1, on a UDP port that was free when it started.
///
/// The data directory is copied into a fresh temporary directory that also
/// contains the index cache, the log and a private HOME, so files in the user's
/// `~/.snmpsim/data` are not served. When running as root, the daemon is started
/// with `--process-user=nobody --process-group=nogroup` (it refuses to run as
/// root otherwise) and the cache and log directories are handed to that user.
/// The destructor stops the process by its PID and removes the directory.
///
/// Not thread-safe; share one instance per test binary or per test.
class snmpsim_agent {
public:
    /// Starts the agent and waits until a GET of `sysDescr.0` for
    /// `options.ready_community` succeeds. Throws `std::runtime_error` with the tail of
    /// the agent's log when it exits or sends no response within `start_timeout`.
    explicit snmpsim_agent(snmpsim_options options);
    ~snmpsim_agent();

    snmpsim_agent(const snmpsim_agent&) = delete;
    snmpsim_agent& operator=(const snmpsim_agent&) = delete;

    std::uint16_t port() const noexcept { return port_; }

    /// `127.0.0.1:<port>`, the form `equipment_target::node` takes.
    std::string endpoint() const;

    /// `sysDescr.0` for `community` over SNMPv2c, or nullopt when the agent
    /// sends no response within `timeout` (an unknown community also times out).
    std::optional<std::string> read_sys_descr(
        const std::string& community,
        std::chrono::milliseconds timeout = std::chrono::milliseconds(1000)) const;

    /// The last `count` lines of the agent's log and its stdout/stderr.
    std::string log_tail(std::size_t count = 20) const;

private:
    void start_process();
    bool wait_until_ready();
    void stop_process() noexcept;

    snmpsim_options options_;
    std::filesystem::path work_dir_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace linetest::testkit
