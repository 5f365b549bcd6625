#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace linetest::core {

/// Encodes bytes as standard base64 with padding (RFC 4648 section 4).
std::string base64_encode(std::string_view bytes);

/// Decodes base64url without padding (RFC 4648 section 5), as used in JWTs and
/// JWKs. Padding characters are rejected. Empty on any invalid input.
std::optional<std::string> base64url_decode(std::string_view text);

/// Encodes bytes as base64url without padding.
std::string base64url_encode(std::string_view bytes);

}  // namespace linetest::core
