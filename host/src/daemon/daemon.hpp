#pragma once

#include <cstdint>
#include <filesystem>

namespace linetest::daemon {

/// Runs linetestd with the config file at `config_file` until SIGTERM or SIGINT. SIGHUP
/// reads the file again and replaces the plugin set with the one its `plugins` section
/// names; when that fails the running set stays and the reason is logged. Other sections
/// take effect only at the next start.
///
/// Start order: config, logging, store, inventory, plugins, JWKS, KCI
/// dispatcher, recovery of stored tests, listeners, then `READY=1` to systemd.
/// Returns the process exit code: 0 after a clean stop, 1 when start-up failed
/// (the reason is logged at critical), 2 for an invalid config.
int run(const std::filesystem::path& config_file);

/// Loads and checks the config file and the files it names (inventory,
/// plugins) without opening listeners. Prints the first problem to stderr.
/// Returns 0 when valid, 2 otherwise.
int check_config(const std::filesystem::path& config_file);

/// Loads the plugins the config file names, as the daemon would, and prints one line per
/// instance to stdout: instance, plugin name and version, ABI, routed specifications, library.
/// Returns 0 when every plugin loads, 2 otherwise (the reason goes to stderr).
int list_plugins(const std::filesystem::path& config_file);

/// Prints the dead-lettered KCIs (those the gateway rejected with 400 or 422) of the store the
/// config file names, one line each: row id, test id, sequence number, KCI id, attempts,
/// creation time and last error. Safe while the daemon runs. Returns 0, or 2 when the config
/// or the store cannot be opened (the reason goes to stderr).
int list_dead_letters(const std::filesystem::path& config_file);

/// Puts dead KCI `row_id` back in the outbox, due now. A running daemon sends it within its
/// dispatcher's idle poll (30 s), a stopped one at its next start. Returns 0 when requeued,
/// 1 when `row_id` is not a dead KCI, 2 when the config or the store cannot be opened.
int resend_dead_letter(const std::filesystem::path& config_file, std::int64_t row_id);

}  // namespace linetest::daemon
