#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace linetest::auth {

/// Fewest PBKDF2 iterations a configured hash may use, and the count `hash_password` uses.
inline constexpr int min_password_iterations = 100'000;
inline constexpr int default_password_iterations = 210'000;

/// A parsed `pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>` string (standard base64
/// with padding). The salt is at least 16 bytes and the hash exactly 32 bytes.
struct password_hash {
    int iterations = 0;
    std::string salt;
    std::string hash;
};

/// Parses the stored form; returns an error message naming what is wrong (never the hash).
struct password_hash_parse {
    std::optional<password_hash> value;
    std::string error;
};
password_hash_parse parse_password_hash(std::string_view text);

/// Decodes standard base64 with padding (RFC 4648 section 4); empty on invalid input.
std::optional<std::string> base64_decode(std::string_view text);

/// Derives the PBKDF2-HMAC-SHA256 hash of `password` with a fresh 16-byte random salt and
/// returns the stored form. Throws `std::runtime_error` when OpenSSL fails.
std::string hash_password(std::string_view password, int iterations = default_password_iterations);

/// Derives the hash of `password` with the stored salt and iteration count and compares it
/// with CRYPTO_memcmp, so the comparison takes the same time wherever the bytes differ.
bool verify_password(const password_hash& stored, std::string_view password);

}  // namespace linetest::auth
