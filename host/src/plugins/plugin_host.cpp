#include "plugins/plugin_host.hpp"

#include "core/config_reader.hpp"
#include "core/log.hpp"

#include <boost/dll/import.hpp>

#include <set>

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

plugin_host::plugin_host(const host_config& config) {
    auto log = core::logger("plugins");
    for (const auto& instance : config.instances) {
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

std::shared_ptr<plugin_instance> plugin_host::route(const std::string& specification_id) const {
    const auto found = routes_.find(specification_id);
    return found == routes_.end() ? nullptr : found->second;
}

std::shared_ptr<plugin_instance> plugin_host::find(const std::string& name) const {
    for (const auto& instance : instances_) {
        if (instance->config().name == name) {
            return instance;
        }
    }
    return nullptr;
}

}  // namespace linetest::plugins
