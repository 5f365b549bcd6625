#pragma once

#include <linetest/sdk/types.hpp>

#include "core/secret.hpp"
#include "store/store.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace linetest::inventory {

/// Named sets of equipment secrets, from the daemon config's `equipment_credentials`
/// section, for example `"olt-north": {"community": "..."}`. The inventory refers
/// to them by name so that the inventory file itself holds no secret.
using credential_sets = std::map<std::string, std::map<std::string, core::secret>>;

/// Reads the inventory file: `{"services": [{serviceId, tenant, specification{id, name},
/// state, equipment{node, profile, credentials, attributes{}}}]}`.
///
/// Throws `core::config_error` naming the file and the entry, for example
/// `inventory.json: services[2].serviceId: is required`, and on a duplicate
/// serviceId or a credentials name missing from `credentials`.
std::vector<store::service_record> load_inventory(const std::filesystem::path& file,
                                                  const credential_sets& credentials);

/// Builds the plugin's view of a service's equipment, with its secrets resolved.
/// Throws `std::runtime_error` if the stored equipment JSON is unreadable or
/// names unknown credentials (the inventory was loaded with other credentials).
sdk::equipment_target resolve_target(const store::service_record& service,
                                     const credential_sets& credentials);

}  // namespace linetest::inventory
