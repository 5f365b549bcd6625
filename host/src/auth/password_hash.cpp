#include "auth/password_hash.hpp"

#include "core/base64.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <stdexcept>

namespace linetest::auth {

namespace {

constexpr std::string_view scheme_prefix = "pbkdf2-sha256$";
constexpr std::size_t hash_bytes = 32;
constexpr std::size_t salt_bytes = 16;

std::string derive(std::string_view password, std::string_view salt, int iterations);

}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0) {
        return std::nullopt;
    }
    std::string out(text.size() / 4 * 3, '\0');
    const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                        reinterpret_cast<const unsigned char*>(text.data()),
                                        static_cast<int>(text.size()));
    if (written < 0) {
        return std::nullopt;
    }
    // EVP_DecodeBlock counts padding as zero bytes; drop them.
    std::size_t padding = 0;
    if (text.back() == '=') {
        padding = text[text.size() - 2] == '=' ? 2 : 1;
    }
    out.resize(static_cast<std::size_t>(written) - padding);
    return out;
}

namespace {

std::string derive(std::string_view password, std::string_view salt, int iterations) {
    std::string out(hash_bytes, '\0');
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                          reinterpret_cast<const unsigned char*>(salt.data()),
                          static_cast<int>(salt.size()), iterations, EVP_sha256(),
                          static_cast<int>(out.size()),
                          reinterpret_cast<unsigned char*>(out.data())) != 1) {
        throw std::runtime_error("OpenSSL PKCS5_PBKDF2_HMAC failed");
    }
    return out;
}

}  // namespace

password_hash_parse parse_password_hash(std::string_view text) {
    const auto fail = [](std::string error) { return password_hash_parse{std::nullopt, error}; };
    if (text.substr(0, scheme_prefix.size()) != scheme_prefix) {
        return fail("must start with pbkdf2-sha256$; produce one with linetestd --hash-password");
    }
    text.remove_prefix(scheme_prefix.size());
    const auto first = text.find('$');
    const auto second = first == text.npos ? text.npos : text.find('$', first + 1);
    if (second == text.npos || text.find('$', second + 1) != text.npos) {
        return fail("must be pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>");
    }
    password_hash parsed;
    const auto count = text.substr(0, first);
    const auto [end, ec] =
        std::from_chars(count.data(), count.data() + count.size(), parsed.iterations);
    if (ec != std::errc() || end != count.data() + count.size()) {
        return fail("iteration count is not a whole number");
    }
    if (parsed.iterations < min_password_iterations) {
        return fail("uses " + std::to_string(parsed.iterations) + " iterations; at least " +
                    std::to_string(min_password_iterations) + " are required");
    }
    auto salt = base64_decode(text.substr(first + 1, second - first - 1));
    auto hash = base64_decode(text.substr(second + 1));
    if (!salt || salt->size() < salt_bytes) {
        return fail("salt is not base64 of at least 16 bytes");
    }
    if (!hash || hash->size() != hash_bytes) {
        return fail("hash is not base64 of 32 bytes");
    }
    parsed.salt = std::move(*salt);
    parsed.hash = std::move(*hash);
    return password_hash_parse{std::move(parsed), {}};
}

std::string hash_password(std::string_view password, int iterations) {
    if (iterations < min_password_iterations) {
        throw std::invalid_argument("PBKDF2 needs at least " +
                                    std::to_string(min_password_iterations) + " iterations");
    }
    std::string salt(salt_bytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) !=
        1) {
        throw std::runtime_error("OpenSSL RAND_bytes failed");
    }
    return std::string(scheme_prefix) + std::to_string(iterations) + "$" +
           core::base64_encode(salt) + "$" +
           core::base64_encode(derive(password, salt, iterations));
}

bool verify_password(const password_hash& stored, std::string_view password) {
    const auto derived = derive(password, stored.salt, stored.iterations);
    return derived.size() == stored.hash.size() &&
           CRYPTO_memcmp(derived.data(), stored.hash.data(), derived.size()) == 0;
}

}  // namespace linetest::auth
