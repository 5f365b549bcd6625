#include "inventory/inventory.hpp"

#include "core/config_reader.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

namespace linetest::inventory {

namespace {

constexpr std::size_t max_service_id_length = 50;

nlohmann::json parse_equipment(core::config_reader& entry,
                               const credential_sets& credentials) {
    auto equipment = entry.object("equipment");
    nlohmann::json out;
    out["node"] = equipment.required_string("node");
    out["profile"] = equipment.required_string("profile");
    const auto credentials_name = equipment.string_or("credentials", "");
    if (!credentials_name.empty() && !credentials.contains(credentials_name)) {
        equipment.fail("credentials", "names \"" + credentials_name +
                                          "\", which is not in the daemon config's "
                                          "equipment_credentials section");
    }
    out["credentials"] = credentials_name;
    out["attributes"] = nlohmann::json::object();
    auto attributes = equipment.object("attributes");
    for (const auto& [key, value] : equipment.raw("attributes").items()) {
        if (value.is_string()) {
            out["attributes"][key] = value.get<std::string>();
        } else if (value.is_number_integer()) {
            out["attributes"][key] = std::to_string(value.get<std::int64_t>());
        } else {
            attributes.fail(key, "must be a string or a whole number, got " + value.dump());
        }
    }
    equipment.reject_unknown_keys();
    return out;
}

}  // namespace

std::vector<store::service_record> load_inventory(const std::filesystem::path& file,
                                                  const credential_sets& credentials) {
    std::ifstream in(file);
    if (!in) {
        throw core::config_error(file.string() + ": cannot open the inventory file");
    }
    nlohmann::json document;
    try {
        // Comments are allowed so that config files can explain themselves.
        document = nlohmann::json::parse(in, nullptr, true, true);
    } catch (const nlohmann::json::parse_error& e) {
        throw core::config_error(file.string() + ": invalid JSON: " + e.what());
    }

    std::vector<store::service_record> services;
    std::set<std::string> seen;
    try {
        core::config_reader root(document, "");
        const auto& entries = root.array("services");
        root.reject_unknown_keys();
        for (std::size_t i = 0; i < entries.size(); ++i) {
            core::config_reader entry(entries[i], "services[" + std::to_string(i) + "]");
            store::service_record record;
            record.service_id = entry.required_string("serviceId");
            if (record.service_id.size() > max_service_id_length) {
                entry.fail("serviceId", "must be at most 50 characters, as the gateway allows");
            }
            if (!seen.insert(record.service_id).second) {
                entry.fail("serviceId", "\"" + record.service_id + "\" appears more than once");
            }
            record.tenant = entry.required_string("tenant");
            auto specification = entry.object("specification");
            record.specification_id = specification.required_string("id");
            record.specification_name = specification.string_or("name", "");
            specification.reject_unknown_keys();
            const auto state = entry.string_or("state", "active");
            if (state != "active" && state != "inactive") {
                entry.fail("state", "must be \"active\" or \"inactive\", got \"" + state + "\"");
            }
            record.active = state == "active";
            record.equipment_json = parse_equipment(entry, credentials).dump();
            entry.reject_unknown_keys();
            services.push_back(std::move(record));
        }
    } catch (const core::config_error& e) {
        throw core::config_error(file.string() + ": " + e.what());
    }
    return services;
}

sdk::equipment_target resolve_target(const store::service_record& service,
                                     const credential_sets& credentials) {
    nlohmann::json equipment;
    try {
        equipment = nlohmann::json::parse(service.equipment_json);
    } catch (const nlohmann::json::parse_error& e) {
        throw std::runtime_error("stored equipment of service " + service.service_id +
                                 " is not valid JSON: " + e.what());
    }
    sdk::equipment_target target;
    target.node = equipment.value("node", "");
    target.profile = equipment.value("profile", "");
    const auto attributes = equipment.value("attributes", nlohmann::json::object());
    for (const auto& [key, value] : attributes.items()) {
        target.attributes[key] = value.get<std::string>();
    }
    const auto credentials_name = equipment.value("credentials", "");
    if (!credentials_name.empty()) {
        const auto found = credentials.find(credentials_name);
        if (found == credentials.end()) {
            throw std::runtime_error("service " + service.service_id + " names credentials \"" +
                                     credentials_name +
                                     "\", which are not in equipment_credentials");
        }
        for (const auto& [key, value] : found->second) {
            target.credentials[key] = value.reveal();
        }
    }
    return target;
}

}  // namespace linetest::inventory
