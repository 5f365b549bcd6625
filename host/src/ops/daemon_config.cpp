#include "ops/daemon_config.hpp"

#include "core/config_reader.hpp"

#include <nlohmann/json.hpp>

#include <fstream>

namespace linetest::ops {

namespace {

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& value) {
    const std::filesystem::path path(value);
    return path.is_absolute() || value.empty() ? path : base / path;
}

std::vector<http::listener_config> parse_listeners(core::config_reader& root,
                                                   const std::filesystem::path& base) {
    const auto& entries = root.array("listen");
    if (entries.empty()) {
        root.fail("listen", "must list at least one address, for example "
                            "[{\"address\": \"127.0.0.1\", \"port\": 8443}]");
    }
    std::vector<http::listener_config> listeners;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        core::config_reader entry(entries[i], "listen[" + std::to_string(i) + "]");
        http::listener_config listener;
        listener.address = entry.required_string("address");
        listener.port = static_cast<std::uint16_t>(entry.integer_or("port", 8443, 0, 65535));
        listener.tls = entry.bool_or("tls", false);
        listener.certificate_file = resolve(base, entry.string_or("certificate_file", ""));
        listener.private_key_file = resolve(base, entry.string_or("private_key_file", ""));
        if (listener.tls && (listener.certificate_file.empty() || listener.private_key_file.empty())) {
            entry.fail("tls", "needs certificate_file and private_key_file");
        }
        entry.reject_unknown_keys();
        listeners.push_back(std::move(listener));
    }
    return listeners;
}

http::server_limits parse_limits(core::config_reader http, std::size_t& threads) {
    using std::chrono::milliseconds;
    http::server_limits limits;
    threads = static_cast<std::size_t>(http.integer_or("threads", 2, 1, 64));
    limits.max_header_bytes =
        static_cast<std::size_t>(http.integer_or("max_header_bytes", 8192, 1024, 1 << 20));
    limits.max_body_bytes =
        static_cast<std::size_t>(http.integer_or("max_body_bytes", 64 * 1024, 1024, 16 << 20));
    limits.read_timeout = http.milliseconds_or("read_timeout_ms", milliseconds(10'000),
                                               milliseconds(100), milliseconds(300'000));
    limits.idle_timeout = http.milliseconds_or("idle_timeout_ms", milliseconds(30'000),
                                               milliseconds(100), milliseconds(3'600'000));
    limits.write_timeout = http.milliseconds_or("write_timeout_ms", milliseconds(10'000),
                                                milliseconds(100), milliseconds(300'000));
    limits.tls_handshake_timeout = http.milliseconds_or(
        "tls_handshake_timeout_ms", milliseconds(10'000), milliseconds(100), milliseconds(60'000));
    limits.max_connections =
        static_cast<std::size_t>(http.integer_or("max_connections", 512, 1, 100'000));
    http.reject_unknown_keys();
    return limits;
}

inventory::credential_sets parse_credentials(core::config_reader& root) {
    inventory::credential_sets sets;
    const auto& section = root.raw("equipment_credentials");
    if (section.is_null()) {
        return sets;
    }
    core::config_reader reader(section, "equipment_credentials");
    for (const auto& [name, entries] : section.items()) {
        if (!entries.is_object()) {
            reader.fail(name, "must be an object of secret strings, for example "
                              "{\"community\": \"...\"}");
        }
        auto& set = sets[name];
        for (const auto& [key, value] : entries.items()) {
            if (!value.is_string()) {
                reader.fail(name + "." + key, "must be a string");
            }
            set.emplace(key, core::secret(value.get<std::string>()));
        }
    }
    return sets;
}

}  // namespace

daemon_config load_daemon_config(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) {
        throw core::config_error(file.string() + ": cannot open the config file");
    }
    nlohmann::json document;
    try {
        // Comments are allowed so that config files can explain themselves.
        document = nlohmann::json::parse(in, nullptr, true, true);
    } catch (const nlohmann::json::parse_error& e) {
        throw core::config_error(file.string() + ": invalid JSON: " + e.what());
    }

    daemon_config config;
    config.source = file;
    const auto base = std::filesystem::absolute(file).parent_path();
    try {
        core::config_reader root(document, "");
        config.server.listeners = parse_listeners(root, base);
        config.server.limits = parse_limits(root.object("http"), config.http_threads);
        config.auth = auth::parse_auth_settings(root.object("auth"));
        if (config.auth.mode == auth::auth_mode::mtls) {
            // Client certificates exist only on TLS listeners; a plain one would answer every
            // request with 401, so at least one TLS listener is required.
            config.auth.client_ca_file = resolve(base, config.auth.client_ca_file).string();
            bool any_tls = false;
            for (auto& listener : config.server.listeners) {
                if (listener.tls) {
                    listener.client_ca_file = config.auth.client_ca_file;
                    any_tls = true;
                }
            }
            if (!any_tls) {
                root.fail("auth.mode", "\"mtls\" needs at least one listener with \"tls\": true");
            }
        }
        auto store = root.object("store");
        config.database = resolve(base, store.required_string("path"));
        store.reject_unknown_keys();
        config.equipment_credentials = parse_credentials(root);
        auto inventory = root.object("inventory");
        config.inventory_file = resolve(base, inventory.required_string("file"));
        inventory.reject_unknown_keys();
        auto plugins_section = root.raw("plugins");
        config.plugins = plugins::parse_host_config(
            plugins_section.is_null() ? nlohmann::json::object() : plugins_section);
        config.plugins.directory = resolve(base, config.plugins.directory.string());
        auto executor_section = root.raw("executor");
        config.executor = executor::parse_executor_config(
            executor_section.is_null() ? nlohmann::json::object() : executor_section);
        auto updates = root.object("updates");
        config.updates = updates::parse_updates_config(updates);
        if (!config.updates.ca_file.empty()) {
            config.updates.ca_file = resolve(base, config.updates.ca_file).string();
        }
        config.supplier_reference_prefix = root.string_or("supplier_reference_prefix", "LT");
        if (config.supplier_reference_prefix.empty() || config.supplier_reference_prefix.size() > 10) {
            root.fail("supplier_reference_prefix", "must be 1 to 10 characters");
        }
        auto shutdown = root.object("shutdown");
        config.drain_timeout = shutdown.milliseconds_or(
            "drain_timeout_ms", std::chrono::seconds(10), std::chrono::milliseconds(0),
            std::chrono::minutes(10));
        shutdown.reject_unknown_keys();
        auto logging = root.object("logging");
        config.logging.level = logging.string_or("level", "info");
        if (spdlog::level::from_str(config.logging.level) == spdlog::level::off &&
            config.logging.level != "off") {
            logging.fail("level", "must be one of trace, debug, info, warn, error, got \"" +
                                      config.logging.level + "\"");
        }
        config.logging.target = logging.string_or("target", "auto");
        if (config.logging.target != "auto" && config.logging.target != "stderr" &&
            config.logging.target != "journald") {
            logging.fail("target", "must be auto, stderr or journald, got \"" +
                                       config.logging.target + "\"");
        }
        logging.reject_unknown_keys();
        root.reject_unknown_keys();
    } catch (const core::config_error& e) {
        throw core::config_error(file.string() + ": " + e.what());
    }
    return config;
}

}  // namespace linetest::ops
