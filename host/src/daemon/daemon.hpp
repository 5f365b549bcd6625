#pragma once

#include <filesystem>

namespace linetest::daemon {

/// Runs linetestd with the config file at `config_file` until SIGTERM or SIGINT.
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

}  // namespace linetest::daemon
