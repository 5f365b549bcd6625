#pragma once

#include "auth/authenticator.hpp"
#include "executor/executor.hpp"
#include "http/server.hpp"
#include "inventory/inventory.hpp"
#include "plugins/plugin_host.hpp"
#include "updates/config.hpp"

#include <chrono>
#include <filesystem>
#include <string>

namespace linetest::ops {

struct logging_config {
    std::string level = "info";    ///< trace, debug, info, warn, error
    std::string target = "auto";  ///< stderr, journald, or auto (journald under systemd)
};

/// The whole daemon configuration, read from one JSON file. Relative paths in
/// it are resolved against the directory of that file.
struct daemon_config {
    std::filesystem::path source;  ///< The file it was read from.
    http::server_config server;
    std::size_t http_threads = 2;
    auth::auth_settings auth;
    std::filesystem::path database;
    std::filesystem::path inventory_file;
    inventory::credential_sets equipment_credentials;
    plugins::host_config plugins;
    executor::executor_config executor;
    updates::updates_config updates;
    std::string supplier_reference_prefix = "LT";
    std::chrono::milliseconds drain_timeout{10'000};
    logging_config logging;
};

/// Reads and checks the config file. Throws `core::config_error` whose message
/// names the file and the full key, for example
/// `/etc/linetest/linetestd.json: listen[0].port: must be between 0 and 65535, got 70000`.
daemon_config load_daemon_config(const std::filesystem::path& file);

}  // namespace linetest::ops
