#include "core/random.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstdio>
#include <stdexcept>
#include <vector>

namespace linetest::core {

namespace {

void fill_random(unsigned char* data, std::size_t size) {
    if (RAND_bytes(data, static_cast<int>(size)) != 1) {
        throw std::runtime_error("OpenSSL RAND_bytes failed to produce random bytes");
    }
}

}  // namespace

std::string random_uuid() {
    std::array<unsigned char, 16> bytes{};
    fill_random(bytes.data(), bytes.size());
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
    char text[37];
    std::snprintf(text, sizeof text,
                  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", bytes[0],
                  bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                  bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
    return text;
}

std::string random_reference_text(std::size_t count) {
    static constexpr char alphabet[] = "23456789ABCDEFGHJKMNPQRSTVWXYZ";
    constexpr std::size_t alphabet_size = sizeof alphabet - 1;
    std::vector<unsigned char> bytes(count);
    fill_random(bytes.data(), bytes.size());
    std::string text;
    text.reserve(count);
    for (unsigned char byte : bytes) {
        // 256 is not a multiple of 30, so the first 16 letters are very slightly
        // more likely; references need uniqueness, not uniformity.
        text.push_back(alphabet[byte % alphabet_size]);
    }
    return text;
}

}  // namespace linetest::core
