#include "core/config_reader.hpp"

#include <algorithm>

namespace linetest::core {

namespace {

const nlohmann::json& empty_object() {
    static const nlohmann::json value = nlohmann::json::object();
    return value;
}

const nlohmann::json& null_value() {
    static const nlohmann::json value;
    return value;
}

}  // namespace

config_reader::config_reader(const nlohmann::json& object, std::string path)
    : object_(object), path_(std::move(path)) {
    if (!object_.is_object()) {
        throw config_error((path_.empty() ? std::string("configuration") : path_) +
                           ": must be a JSON object, got " + object_.type_name());
    }
}

std::string config_reader::key_path(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
}

void config_reader::fail(const std::string& key, const std::string& problem) const {
    throw config_error(key_path(key) + ": " + problem);
}

bool config_reader::has(const std::string& key) const {
    return object_.contains(key);
}

const nlohmann::json* config_reader::find(const std::string& key) {
    read_keys_.push_back(key);
    const auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
}

std::string config_reader::required_string(const std::string& key) {
    const auto* value = find(key);
    if (value == nullptr) {
        fail(key, "is required");
    }
    if (!value->is_string() || value->get_ref<const std::string&>().empty()) {
        fail(key, "must be a non-empty string");
    }
    return value->get<std::string>();
}

std::string config_reader::string_or(const std::string& key, std::string fallback) {
    const auto* value = find(key);
    if (value == nullptr) {
        return fallback;
    }
    if (!value->is_string()) {
        fail(key, std::string("must be a string, got ") + value->type_name());
    }
    return value->get<std::string>();
}

bool config_reader::bool_or(const std::string& key, bool fallback) {
    const auto* value = find(key);
    if (value == nullptr) {
        return fallback;
    }
    if (!value->is_boolean()) {
        fail(key, std::string("must be true or false, got ") + value->dump());
    }
    return value->get<bool>();
}

std::int64_t config_reader::integer_or(const std::string& key, std::int64_t fallback,
                                       std::int64_t min, std::int64_t max) {
    const auto* value = find(key);
    if (value == nullptr) {
        return fallback;
    }
    if (!value->is_number_integer()) {
        fail(key, "must be a whole number, got " + value->dump());
    }
    const auto number = value->get<std::int64_t>();
    if (number < min || number > max) {
        fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                      ", got " + std::to_string(number));
    }
    return number;
}

double config_reader::number_or(const std::string& key, double fallback, double min, double max) {
    const auto* value = find(key);
    if (value == nullptr) {
        return fallback;
    }
    if (!value->is_number()) {
        fail(key, "must be a number, got " + value->dump());
    }
    const auto number = value->get<double>();
    if (number < min || number > max) {
        fail(key, "must be between " + nlohmann::json(min).dump() + " and " +
                      nlohmann::json(max).dump() + ", got " + value->dump());
    }
    return number;
}

std::chrono::milliseconds config_reader::milliseconds_or(const std::string& key,
                                                         std::chrono::milliseconds fallback,
                                                         std::chrono::milliseconds min,
                                                         std::chrono::milliseconds max) {
    return std::chrono::milliseconds(
        integer_or(key, fallback.count(), min.count(), max.count()));
}

std::vector<std::string> config_reader::strings_or(const std::string& key,
                                                   std::vector<std::string> fallback) {
    const auto* value = find(key);
    if (value == nullptr) {
        return fallback;
    }
    if (!value->is_array()) {
        fail(key, std::string("must be an array of strings, got ") + value->type_name());
    }
    std::vector<std::string> out;
    for (const auto& item : *value) {
        if (!item.is_string()) {
            fail(key, "must contain only strings, got " + item.dump());
        }
        out.push_back(item.get<std::string>());
    }
    return out;
}

config_reader config_reader::object(const std::string& key) {
    const auto* value = find(key);
    if (value == nullptr) {
        return config_reader(empty_object(), key_path(key));
    }
    return config_reader(*value, key_path(key));
}

const nlohmann::json& config_reader::array(const std::string& key) {
    const auto* value = find(key);
    if (value == nullptr) {
        static const nlohmann::json empty = nlohmann::json::array();
        return empty;
    }
    if (!value->is_array()) {
        fail(key, std::string("must be an array, got ") + value->type_name());
    }
    return *value;
}

const nlohmann::json& config_reader::raw(const std::string& key) {
    const auto* value = find(key);
    return value == nullptr ? null_value() : *value;
}

void config_reader::reject_unknown_keys() const {
    for (const auto& [key, value] : object_.items()) {
        if (std::find(read_keys_.begin(), read_keys_.end(), key) == read_keys_.end()) {
            fail(key, "is not a known option; check its spelling against conf/linetestd.example.json");
        }
    }
}

}  // namespace linetest::core
