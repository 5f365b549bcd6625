#include "core/config_reader.hpp"

#include <gtest/gtest.h>

namespace linetest::core {
namespace {

std::string error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const config_error& e) {
        return e.what();
    }
    return "no error";
}

TEST(ConfigReaderTest, ErrorNamesFullKey) {
    const auto document = nlohmann::json::parse(R"({"updates": {"retry": {"max_delay_ms": 5}}})");
    config_reader root(document, "");
    auto retry = root.object("updates").object("retry");
    const auto message = error_of([&] { retry.integer_or("max_delay_ms", 1000, 1000, 60000); });
    EXPECT_EQ(message, "updates.retry.max_delay_ms: must be between 1000 and 60000, got 5");
}

TEST(ConfigReaderTest, MissingRequiredStringIsNamed) {
    const auto document = nlohmann::json::parse(R"({"store": {}})");
    config_reader root(document, "");
    auto store = root.object("store");
    EXPECT_EQ(error_of([&] { store.required_string("path"); }), "store.path: is required");
}

TEST(ConfigReaderTest, UnknownKeyIsRejected) {
    const auto document = nlohmann::json::parse(R"({"pth": "x"})");
    config_reader root(document, "store");
    root.string_or("path", "");
    const auto message = error_of([&] { root.reject_unknown_keys(); });
    EXPECT_NE(message.find("store.pth: is not a known option"), std::string::npos) << message;
}

TEST(ConfigReaderTest, WrongTypeIsNamed) {
    const auto document = nlohmann::json::parse(R"({"tls": "yes"})");
    config_reader root(document, "listen[0]");
    EXPECT_EQ(error_of([&] { root.bool_or("tls", false); }),
              "listen[0].tls: must be true or false, got \"yes\"");
}

TEST(ConfigReaderTest, DefaultsApplyWhenAbsent) {
    const auto document = nlohmann::json::object();
    config_reader root(document, "");
    EXPECT_EQ(root.integer_or("workers", 4, 1, 8), 4);
    EXPECT_EQ(root.string_or("level", "info"), "info");
}

TEST(ConfigReaderTest, NonObjectIsRejected) {
    const auto document = nlohmann::json::array();
    EXPECT_EQ(error_of([&] { config_reader reader(document, "plugins"); }),
              "plugins: must be a JSON object, got array");
}

}  // namespace
}  // namespace linetest::core
