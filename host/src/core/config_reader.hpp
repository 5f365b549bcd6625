#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace linetest::core {

/// Invalid configuration. The message starts with the full key, for example
/// `updates.retry.max_delay_ms: must be at least 1000, got 5`.
class config_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Reads one JSON object of the configuration and names the full key in every
/// error. Keys it was not asked for are reported by `reject_unknown_keys`, so a
/// misspelt option fails at start instead of being ignored.
class config_reader {
public:
    config_reader(const nlohmann::json& object, std::string path);

    const std::string& path() const noexcept { return path_; }
    bool has(const std::string& key) const;

    std::string required_string(const std::string& key);
    std::string string_or(const std::string& key, std::string fallback);
    bool bool_or(const std::string& key, bool fallback);
    std::int64_t integer_or(const std::string& key, std::int64_t fallback, std::int64_t min,
                            std::int64_t max);
    double number_or(const std::string& key, double fallback, double min, double max);
    std::chrono::milliseconds milliseconds_or(const std::string& key,
                                              std::chrono::milliseconds fallback,
                                              std::chrono::milliseconds min,
                                              std::chrono::milliseconds max);
    std::vector<std::string> strings_or(const std::string& key, std::vector<std::string> fallback);

    /// Returns a reader for the object at `key`; an empty object when it is absent.
    config_reader object(const std::string& key);
    /// Returns the array at `key` (empty when absent); fails if it is not an array.
    const nlohmann::json& array(const std::string& key);
    /// Returns the raw value at `key`, or null when absent.
    const nlohmann::json& raw(const std::string& key);

    /// Fails on the first key that no accessor has read.
    void reject_unknown_keys() const;

    [[noreturn]] void fail(const std::string& key, const std::string& problem) const;

private:
    const nlohmann::json* find(const std::string& key);
    std::string key_path(const std::string& key) const;

    const nlohmann::json& object_;
    std::string path_;
    std::vector<std::string> read_keys_;
};

}  // namespace linetest::core
