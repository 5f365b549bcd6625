#pragma once

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

}  // namespace linetest::daemon
