#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace linetest::plugins {

/// Raised when a plugin cannot be loaded; the message names the file and the cause.
class plugin_load_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// The `<library stem>.manifest.json` that ships beside every plugin library, written by the
/// SDK's `linetest_plugin_manifest`. The host reads it before it loads any plugin code.
struct plugin_manifest {
    std::filesystem::path file;
    std::string name;     ///< Must equal `plugin_info::name` of the loaded plugin.
    std::string version;  ///< The plugin's own version.
    int abi_version = 0;
    /// Patterns of the serviceSpecification.id values the plugin can serve; `*` matches any run
    /// of characters.
    std::vector<std::string> specifications;
    /// Schema of the instance's `config` object, or null when the plugin declares none.
    nlohmann::json config_schema;
};

/// Returns the manifest path for `library`: `dir/ftth_gpon_snmp.so` gives
/// `dir/ftth_gpon_snmp.manifest.json`.
std::filesystem::path manifest_path(const std::filesystem::path& library);

/// Reads and checks the manifest of `library`. Throws `plugin_load_error` naming the manifest
/// file when it is missing, not JSON, or lacks a field or has one of the wrong type.
plugin_manifest read_manifest(const std::filesystem::path& library);

/// Returns true when `specification` matches one of the manifest's patterns.
bool serves_specification(const plugin_manifest& manifest, const std::string& specification);

/// Returns true when `text` matches `pattern`, in which `*` matches any run of characters.
bool matches_pattern(std::string_view pattern, std::string_view text);

/// Checks `config` against the manifest's schema and returns one message per problem, each
/// naming the key under `config_key` (for example `plugins.instances[0].config.timeout_ms`).
/// Empty when the config passes or the manifest has no schema.
std::vector<std::string> check_config(const plugin_manifest& manifest, const nlohmann::json& config,
                                      const std::string& config_key);

}  // namespace linetest::plugins
