#pragma once

#include <string>

namespace linetest::core {

/// Returns a random (version 4) UUID in lower-case text form, from OpenSSL's CSPRNG.
std::string random_uuid();

/// Returns `count` random characters from an unambiguous upper-case alphabet
/// (no I, L, O, U, 0, 1), for human-readable references.
std::string random_reference_text(std::size_t count);

}  // namespace linetest::core
