#pragma once

#include <fmt/format.h>

#include <ostream>
#include <string>
#include <string_view>

namespace linetest::core {

/// A credential (client secret, bearer token, community string, password).
///
/// Formatting it with fmt, spdlog or an ostream always prints a mask, so a
/// secret that reaches a log line by mistake is not disclosed. The value is
/// available only through `reveal()`, which makes every use easy to find.
class secret {
public:
    secret() = default;
    explicit secret(std::string value) : value_(std::move(value)) {}

    const std::string& reveal() const noexcept { return value_; }
    bool empty() const noexcept { return value_.empty(); }

    friend bool operator==(const secret&, const secret&) = default;

private:
    std::string value_;
};

inline constexpr std::string_view secret_mask = "********";

inline std::ostream& operator<<(std::ostream& out, const secret&) {
    return out << secret_mask;
}

}  // namespace linetest::core

template <>
struct fmt::formatter<linetest::core::secret> : fmt::formatter<std::string_view> {
    template <typename FormatContext>
    auto format(const linetest::core::secret&, FormatContext& context) const {
        return fmt::formatter<std::string_view>::format(linetest::core::secret_mask, context);
    }
};
