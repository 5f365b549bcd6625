#include "plugins/plugin_host.hpp"

#include "core/config_reader.hpp"
#include "core/log.hpp"

#include <boost/dll/import.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>
#include <sstream>

namespace linetest::plugins {

namespace {

constexpr const char* abi_symbol = "linetest_plugin_abi_version";
constexpr const char* factory_symbol = "linetest_plugin_create";

}  // namespace

host_config parse_host_config(const nlohmann::json& section) {
    core::config_reader reader(section, "plugins");
    host_config config;
    config.directory = reader.string_or("directory", "/usr/lib/linetest/plugins");
    const auto& instances = reader.array("instances");
    reader.reject_unknown_keys();
    if (instances.empty()) {
        reader.fail("instances", "must list at least one plugin instance, or no test can run");
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < instances.size(); ++i) {
        core::config_reader entry(instances[i], "plugins.instances[" + std::to_string(i) + "]");
        instance_config instance;
        instance.name = entry.required_string("name");
        if (!names.insert(instance.name).second) {
            entry.fail("name", "\"" + instance.name + "\" is used by another instance");
        }
        instance.library = entry.required_string("library");
        instance.specifications = entry.strings_or("specifications", {});
        if (instance.specifications.empty()) {
            entry.fail("specifications", "must list at least one serviceSpecification.id");
        }
        instance.run_timeout = entry.milliseconds_or("run_timeout_ms", std::chrono::seconds(30),
                                                     std::chrono::milliseconds(100),
                                                     std::chrono::hours(1));
        const auto& plugin_config = entry.raw("config");
        if (!plugin_config.is_null() && !plugin_config.is_object()) {
            entry.fail("config", std::string("must be an object, got ") + plugin_config.type_name());
        }
        instance.config = plugin_config.is_null() ? nlohmann::json::object() : plugin_config;
        entry.reject_unknown_keys();
        config.instances.push_back(std::move(instance));
    }
    return config;
}

plugin_instance::plugin_instance(instance_config config, std::filesystem::path path,
                                 std::shared_ptr<boost::dll::shared_library> library)
    : config_(std::move(config)), path_(std::move(path)), library_(std::move(library)) {}

plugin_instance::~plugin_instance() {
    // Destroy the plugin while its library is still mapped.
    plugin_.reset();
}

int read_abi_version(const boost::dll::shared_library& library, const std::filesystem::path& path) {
    if (!library.has(abi_symbol)) {
        throw plugin_load_error("plugin " + path.string() + " does not export " + abi_symbol +
                                "; build it with the LINETEST_PLUGIN macro from the SDK");
    }
    return library.get<int()>(abi_symbol)();
}

plugin_set::plugin_set(const host_config& config) {
    auto log = core::logger("plugins");
    for (std::size_t index = 0; index < config.instances.size(); ++index) {
        const auto& instance = config.instances[index];
        std::filesystem::path path = instance.library;
        if (path.is_relative()) {
            path = config.directory / path;
        }
        std::error_code exists_error;
        if (!std::filesystem::is_regular_file(path, exists_error)) {
            throw plugin_load_error("plugin library " + path.string() + " for instance \"" +
                                    instance.name +
                                    "\" does not exist; check plugins.directory and the library name");
        }
        // The manifest is checked before the library is opened, so a plugin that does not fit
        // this host or this config never runs any of its code here.
        auto manifest = read_manifest(path);
        if (manifest.abi_version != sdk::abi_version) {
            throw plugin_load_error("plugin manifest " + manifest.file.string() +
                                    " declares plugin ABI " + std::to_string(manifest.abi_version) +
                                    ", this linetestd needs ABI " +
                                    std::to_string(sdk::abi_version) +
                                    "; rebuild the plugin against the installed linetest SDK");
        }
        for (const auto& specification : instance.specifications) {
            if (!serves_specification(manifest, specification)) {
                throw plugin_load_error(
                    "instance \"" + instance.name + "\" routes serviceSpecification.id \"" +
                    specification + "\" to plugin " + manifest.name + ", whose manifest " +
                    manifest.file.string() + " allows only " +
                    fmt::format("{}", fmt::join(manifest.specifications, ", ")) +
                    "; remove it from plugins.instances[" + std::to_string(index) +
                    "].specifications");
            }
        }
        const auto config_key = "plugins.instances[" + std::to_string(index) + "].config";
        if (const auto problems = check_config(manifest, instance.config, config_key);
            !problems.empty()) {
            throw plugin_load_error("instance \"" + instance.name +
                                    "\" has a config that the schema in " +
                                    manifest.file.string() + " rejects: " +
                                    fmt::format("{}", fmt::join(problems, "; ")));
        }

        auto library = std::make_shared<boost::dll::shared_library>();
        boost::dll::fs::error_code ec;
        // rtld_now: an unresolved symbol fails here, not in the middle of a test.
        // rtld_local: plugins cannot clash through each other's symbols.
        library->load(path.string(),
                      boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
        if (ec) {
            throw plugin_load_error("cannot load plugin " + path.string() + " for instance \"" +
                                    instance.name + "\": " + ec.message());
        }
        const int abi = read_abi_version(*library, path);
        if (abi != sdk::abi_version) {
            throw plugin_load_error("plugin " + path.string() + " was built for plugin ABI " +
                                    std::to_string(abi) + ", this linetestd needs ABI " +
                                    std::to_string(sdk::abi_version) +
                                    "; rebuild it against the installed linetest SDK");
        }
        if (!library->has(factory_symbol)) {
            throw plugin_load_error("plugin " + path.string() + " does not export " +
                                    factory_symbol +
                                    "; build it with the LINETEST_PLUGIN macro from the SDK");
        }
        auto loaded = std::make_shared<plugin_instance>(instance, path, library);
        loaded->manifest_ = std::move(manifest);
        loaded->logger_ = std::make_unique<plugin_logger>(log, "plugin=" + instance.name);
        auto& factory = library->get_alias<sdk::plugin_factory>(factory_symbol);
        sdk::plugin_setup setup;
        setup.config = instance.config;
        setup.log = loaded->logger_.get();
        try {
            loaded->plugin_ = factory(setup);
        } catch (const std::exception& e) {
            throw plugin_load_error("plugin " + path.string() + " refused its config for instance \"" +
                                    instance.name + "\": " + e.what());
        } catch (...) {
            throw plugin_load_error("plugin " + path.string() +
                                    " threw a non-standard exception while starting instance \"" +
                                    instance.name + "\"");
        }
        if (!loaded->plugin_) {
            throw plugin_load_error("plugin " + path.string() + " returned no instance for \"" +
                                    instance.name + "\"");
        }
        loaded->info_ = loaded->plugin_->info();
        if (loaded->info_.name != loaded->manifest_.name) {
            throw plugin_load_error("plugin " + path.string() + " calls itself \"" +
                                    loaded->info_.name + "\" but its manifest " +
                                    loaded->manifest_.file.string() + " names \"" +
                                    loaded->manifest_.name +
                                    "\"; the manifest belongs to another plugin or is stale");
        }
        if (loaded->info_.version != loaded->manifest_.version) {
            log->warn("plugin {} reports version {} but its manifest {} says {}; the listing "
                      "shows the plugin's own version instance={}",
                      loaded->info_.name, loaded->info_.version, loaded->manifest_.file.string(),
                      loaded->manifest_.version, instance.name);
        }
        for (const auto& specification : instance.specifications) {
            const auto [existing, inserted] = routes_.emplace(specification, loaded);
            if (!inserted) {
                throw plugin_load_error("serviceSpecification.id \"" + specification +
                                        "\" is routed to both instance \"" +
                                        existing->second->config().name + "\" and \"" +
                                        instance.name + "\"; give each specification one instance");
            }
        }
        log->info("loaded plugin {} {} from {} abi={} instance={} specifications={}",
                  loaded->info_.name, loaded->info_.version, path.string(), abi, instance.name,
                  fmt::join(instance.specifications, ","));
        instances_.push_back(std::move(loaded));
    }
}

std::shared_ptr<plugin_instance> plugin_set::route(const std::string& specification_id) const {
    const auto found = routes_.find(specification_id);
    return found == routes_.end() ? nullptr : found->second;
}

std::shared_ptr<plugin_instance> plugin_set::find(const std::string& name) const {
    for (const auto& instance : instances_) {
        if (instance->config().name == name) {
            return instance;
        }
    }
    return nullptr;
}

plugin_host::plugin_host(const host_config& config)
    : current_(std::make_shared<const plugin_set>(config)) {}

void plugin_host::reload(const host_config& config) {
    const std::lock_guard lock(reload_mutex_);
    // Built before the swap: a set that fails to load never becomes visible.
    auto next = std::make_shared<const plugin_set>(config);
    current_.store(std::move(next));
    ++generation_;
}

nlohmann::json describe(const plugin_set& set) {
    auto instances = nlohmann::json::array();
    for (const auto& instance : set.instances()) {
        instances.push_back({
            {"instance", instance->config().name},
            {"plugin", instance->info().name},
            {"version", instance->info().version},
            {"abi_version", instance->manifest().abi_version},
            {"library", instance->path().string()},
            {"manifest", instance->manifest().file.string()},
            {"specifications", instance->config().specifications},
            {"run_timeout_ms", instance->config().run_timeout.count()},
        });
    }
    return instances;
}

std::string format_table(const plugin_set& set) {
    std::ostringstream out;
    out << fmt::format("{:<16} {:<18} {:<10} {:<4} {:<24} {}\n", "INSTANCE", "PLUGIN", "VERSION",
                       "ABI", "SPECIFICATIONS", "LIBRARY");
    for (const auto& instance : set.instances()) {
        out << fmt::format("{:<16} {:<18} {:<10} {:<4} {:<24} {}\n", instance->config().name,
                           instance->info().name, instance->info().version,
                           instance->manifest().abi_version,
                           fmt::format("{}", fmt::join(instance->config().specifications, ",")),
                           instance->path().string());
    }
    return out.str();
}

}  // namespace linetest::plugins
