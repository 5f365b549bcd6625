#pragma once

#include <linetest/sdk/plugin.hpp>

#include "plugins/manifest.hpp"
#include "plugins/plugin_logger.hpp"

#include <boost/dll/shared_library.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
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
    const plugin_manifest& manifest() const noexcept { return manifest_; }
    sdk::plugin& plugin() noexcept { return *plugin_; }

private:
    friend class plugin_set;

    instance_config config_;
    std::filesystem::path path_;
    plugin_manifest manifest_;
    std::shared_ptr<boost::dll::shared_library> library_;
    std::unique_ptr<plugin_logger> logger_;
    std::unique_ptr<sdk::plugin> plugin_;
    sdk::plugin_info info_;
};

/// One immutable set of loaded plugin instances and the routes between them. Built whole or
/// not at all; lookups are thread-safe because nothing changes after construction.
class plugin_set {
public:
    /// Loads every configured instance. For each one it reads the manifest first and throws
    /// `plugin_load_error` naming the file when the manifest is missing or invalid, declares
    /// another ABI, does not allow a configured specification, or the instance's config fails
    /// its schema. It then loads the library and throws for a missing symbol, an ABI version
    /// mismatch (naming both numbers), a throwing factory, a plugin whose `info().name` differs
    /// from the manifest, or two instances claiming the same specification.
    explicit plugin_set(const host_config& config);

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

/// The daemon's current `plugin_set`, replaced whole by `reload`.
///
/// Callers never hold the set across a request: `route` and `find` return the instance itself,
/// and that shared pointer keeps the instance and its library loaded until the caller drops it.
/// A test that runs during a reload therefore finishes on the instance it started with, and the
/// old set's libraries are unloaded once its last running test ends.
class plugin_host {
public:
    /// Loads the first set; throws as `plugin_set` does.
    explicit plugin_host(const host_config& config);

    /// Returns the current set.
    std::shared_ptr<const plugin_set> snapshot() const { return current_.load(); }

    /// Returns the instance of the current set serving `specification_id`, or null.
    std::shared_ptr<plugin_instance> route(const std::string& specification_id) const {
        return snapshot()->route(specification_id);
    }

    /// Returns the instance of the current set called `name`, or null.
    std::shared_ptr<plugin_instance> find(const std::string& name) const {
        return snapshot()->find(name);
    }

    /// Returns the instances of the current set.
    std::vector<std::shared_ptr<plugin_instance>> instances() const {
        return snapshot()->instances();
    }

    /// Loads a new set from `config` and makes it current. On any error it throws, as
    /// `plugin_set` does, and the current set stays in place. One reload runs at a time.
    void reload(const host_config& config);

    /// Returns how many sets have been made current, starting at 1 for the first.
    std::uint64_t generation() const noexcept { return generation_.load(); }

private:
    std::atomic<std::shared_ptr<const plugin_set>> current_;
    std::atomic<std::uint64_t> generation_{1};
    std::mutex reload_mutex_;
};

/// Describes `set` as the JSON of `GET /plugins`: one object per instance with its name, the
/// plugin's name and version, the ABI, library, manifest, routed specifications and run timeout.
nlohmann::json describe(const plugin_set& set);

/// Formats `set` as the table `linetestd --list-plugins` prints, one instance per line.
std::string format_table(const plugin_set& set);

/// Reads a library's ABI version without calling anything else in it.
/// Throws `plugin_load_error` when the library or the symbol is missing.
int read_abi_version(const boost::dll::shared_library& library, const std::filesystem::path& path);

}  // namespace linetest::plugins
