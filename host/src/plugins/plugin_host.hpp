#pragma once

#include <linetest/sdk/plugin.hpp>

#include "plugins/plugin_logger.hpp"

#include <boost/dll/shared_library.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace linetest::plugins {

/// One configured plugin instance, from the `plugins.instances` config array.
struct instance_config {
    std::string name;     ///< Instance name used in logs and the store, for example `gpon-north`.
    std::string library;  ///< File name in `plugins.directory`, or an absolute path.
    std::vector<std::string> specifications;  ///< `serviceSpecification.id` values it serves.
    std::chrono::milliseconds run_timeout{30'000};
    nlohmann::json config = nlohmann::json::object();  ///< Handed to the plugin's factory.
};

struct host_config {
    std::filesystem::path directory;
    std::vector<instance_config> instances;
};

/// Parses the `plugins` config section. Throws `core::config_error` naming the key.
host_config parse_host_config(const nlohmann::json& section);

/// A loaded plugin instance. The library handle is declared before the plugin
/// so that it is destroyed after it: no object made by a plugin may outlive the
/// code that defines it.
class plugin_instance {
public:
    plugin_instance(instance_config config, std::filesystem::path path,
                    std::shared_ptr<boost::dll::shared_library> library);
    ~plugin_instance();

    const instance_config& config() const noexcept { return config_; }
    const std::filesystem::path& path() const noexcept { return path_; }
    const sdk::plugin_info& info() const noexcept { return info_; }
    sdk::plugin& plugin() noexcept { return *plugin_; }

private:
    friend class plugin_host;

    instance_config config_;
    std::filesystem::path path_;
    std::shared_ptr<boost::dll::shared_library> library_;
    std::unique_ptr<plugin_logger> logger_;
    std::unique_ptr<sdk::plugin> plugin_;
    sdk::plugin_info info_;
};

/// Raised when a plugin cannot be loaded; the message names the library and the cause.
class plugin_load_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Loads plugin libraries with Boost.DLL and routes `serviceSpecification.id`
/// to plugin instances. Loading happens once at start; lookups are thread-safe.
class plugin_host {
public:
    /// Loads every configured instance. Throws `plugin_load_error` for a missing
    /// library or symbol, an ABI version mismatch (naming both numbers), a
    /// throwing factory, or two instances claiming the same specification.
    explicit plugin_host(const host_config& config);

    /// Returns the instance serving `specification_id`, or null.
    std::shared_ptr<plugin_instance> route(const std::string& specification_id) const;

    /// Returns the instance called `name`, or null.
    std::shared_ptr<plugin_instance> find(const std::string& name) const;

    const std::vector<std::shared_ptr<plugin_instance>>& instances() const noexcept {
        return instances_;
    }

private:
    std::vector<std::shared_ptr<plugin_instance>> instances_;
    std::map<std::string, std::shared_ptr<plugin_instance>> routes_;
};

/// Reads a library's ABI version without calling anything else in it.
/// Throws `plugin_load_error` when the library or the symbol is missing.
int read_abi_version(const boost::dll::shared_library& library, const std::filesystem::path& path);

}  // namespace linetest::plugins
