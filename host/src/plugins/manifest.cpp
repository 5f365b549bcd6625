#include "plugins/manifest.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace linetest::plugins {

namespace {

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& problem) {
    throw plugin_load_error("plugin manifest " + file.string() + " " + problem +
                            "; rebuild the plugin so linetest_plugin_manifest writes it again");
}

const nlohmann::json& field(const nlohmann::json& manifest, const std::filesystem::path& file,
                            const char* key, nlohmann::json::value_t type, const char* type_name) {
    if (!manifest.contains(key)) {
        fail(file, std::string("has no \"") + key + "\"");
    }
    const auto& value = manifest.at(key);
    if (value.type() != type) {
        fail(file, std::string("has \"") + key + "\" of type " + value.type_name() + ", expected " +
                       type_name);
    }
    return value;
}

bool has_type(const nlohmann::json& value, const std::string& type) {
    if (type == "string") {
        return value.is_string();
    }
    if (type == "integer") {
        return value.is_number_integer();
    }
    if (type == "number") {
        return value.is_number();
    }
    if (type == "boolean") {
        return value.is_boolean();
    }
    if (type == "object") {
        return value.is_object();
    }
    if (type == "array") {
        return value.is_array();
    }
    return false;
}

/// Rejects a schema the checker does not understand, so a typo in a plugin's schema fails at
/// load time and not as a confusing config error.
void check_schema(const nlohmann::json& schema, const std::filesystem::path& file) {
    static const std::vector<std::string> known_types = {"string", "integer", "number",
                                                         "boolean", "object", "array"};
    const auto known = [&](const nlohmann::json& type) {
        return type.is_string() &&
               std::find(known_types.begin(), known_types.end(), type.get<std::string>()) !=
                   known_types.end();
    };
    if (schema.contains("type") && schema.at("type") != "object") {
        fail(file, "has a config_schema whose \"type\" is not \"object\"");
    }
    if (schema.contains("required")) {
        const auto& required = schema.at("required");
        if (!required.is_array() ||
            !std::all_of(required.begin(), required.end(),
                         [](const nlohmann::json& key) { return key.is_string(); })) {
            fail(file, "has a config_schema whose \"required\" is not an array of key names");
        }
    }
    if (schema.contains("properties")) {
        const auto& properties = schema.at("properties");
        if (!properties.is_object()) {
            fail(file, "has a config_schema whose \"properties\" is not an object");
        }
        for (const auto& [key, property] : properties.items()) {
            if (!property.is_object() ||
                (property.contains("type") && !known(property.at("type")))) {
                fail(file, "has a config_schema property \"" + key +
                               "\" without a type of string, integer, number, boolean, object "
                               "or array");
            }
        }
    }
    if (schema.contains("additionalProperties") && !schema.at("additionalProperties").is_boolean()) {
        fail(file, "has a config_schema whose \"additionalProperties\" is not true or false");
    }
}

}  // namespace

std::filesystem::path manifest_path(const std::filesystem::path& library) {
    auto path = library;
    path.replace_extension(".manifest.json");
    return path;
}

plugin_manifest read_manifest(const std::filesystem::path& library) {
    plugin_manifest manifest;
    manifest.file = manifest_path(library);
    std::ifstream in(manifest.file);
    if (!in) {
        throw plugin_load_error("plugin library " + library.string() + " has no readable manifest " +
                                manifest.file.string() +
                                "; install the .manifest.json the plugin build writes beside the "
                                "library");
    }

    std::stringstream text;
    text << in.rdbuf();
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(text.str());
    } catch (const nlohmann::json::parse_error& e) {
        fail(manifest.file, std::string("is not valid JSON (") + e.what() + ")");
    }
    if (!json.is_object()) {
        fail(manifest.file, "is not a JSON object");
    }

    using type = nlohmann::json::value_t;
    manifest.name = field(json, manifest.file, "name", type::string, "string").get<std::string>();
    manifest.version =
        field(json, manifest.file, "version", type::string, "string").get<std::string>();

    const auto& abi = json.contains("abi_version") ? json.at("abi_version") : nlohmann::json();
    if (!abi.is_number_integer()) {
        fail(manifest.file, "has no integer \"abi_version\"");
    }
    manifest.abi_version = abi.get<int>();

    const auto& specifications =
        field(json, manifest.file, "specifications", type::array, "array of strings");
    for (const auto& pattern : specifications) {
        if (!pattern.is_string() || pattern.get<std::string>().empty()) {
            fail(manifest.file, "has a \"specifications\" entry that is not a non-empty string");
        }
        manifest.specifications.push_back(pattern.get<std::string>());
    }
    if (manifest.specifications.empty()) {
        fail(manifest.file, "has an empty \"specifications\" list");
    }

    if (json.contains("config_schema")) {
        manifest.config_schema =
            field(json, manifest.file, "config_schema", type::object, "object");
        check_schema(manifest.config_schema, manifest.file);
    }
    return manifest;
}

bool matches_pattern(std::string_view pattern, std::string_view text) {
    // Iterative glob match with backtracking to the last `*`; linear in practice for the short
    // patterns manifests hold.
    std::size_t p = 0;
    std::size_t t = 0;
    std::size_t star = std::string_view::npos;
    std::size_t resume = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = t;
        } else if (p < pattern.size() && pattern[p] == text[t]) {
            ++p;
            ++t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') {
        ++p;
    }
    return p == pattern.size();
}

bool serves_specification(const plugin_manifest& manifest, const std::string& specification) {
    return std::any_of(manifest.specifications.begin(), manifest.specifications.end(),
                       [&](const std::string& pattern) {
                           return matches_pattern(pattern, specification);
                       });
}

std::vector<std::string> check_config(const plugin_manifest& manifest, const nlohmann::json& config,
                                      const std::string& config_key) {
    std::vector<std::string> problems;
    const auto& schema = manifest.config_schema;
    if (!schema.is_object()) {
        return problems;
    }
    if (schema.contains("required")) {
        for (const auto& key : schema.at("required")) {
            if (!config.contains(key.get<std::string>())) {
                problems.push_back(config_key + "." + key.get<std::string>() +
                                   ": missing; the plugin " + manifest.name + " requires it");
            }
        }
    }
    const auto properties = schema.value("properties", nlohmann::json::object());
    const bool closed = !schema.value("additionalProperties", true);
    for (const auto& [key, value] : config.items()) {
        if (!properties.contains(key)) {
            if (closed) {
                problems.push_back(config_key + "." + key + ": unknown key for plugin " +
                                   manifest.name + "; check the spelling");
            }
            continue;
        }
        const auto& property = properties.at(key);
        if (property.contains("type")) {
            const auto type = property.at("type").get<std::string>();
            if (!has_type(value, type)) {
                problems.push_back(config_key + "." + key + ": must be of type " + type + ", got " +
                                   value.type_name());
            }
        }
    }
    return problems;
}

}  // namespace linetest::plugins
