#pragma once

#include <openssl/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace linetest::auth {

/// JWS algorithms this component can verify. `none` and the HMAC family have no value here,
/// so they cannot be configured or accepted: an HMAC checked with a public key as its
/// secret is the JWT key-confusion attack.
enum class jws_algorithm { invalid = 0, rs256, ps256, es256 };

/// Returns the algorithm for its JWS name (`RS256`, `PS256`, `ES256`); empty for any other.
std::optional<jws_algorithm> algorithm_from_name(std::string_view name);
std::string_view algorithm_name(jws_algorithm algorithm);

/// Key type of a JWK. Every algorithm belongs to exactly one family.
enum class key_family { invalid = 0, rsa, ec_p256 };

key_family family_of(jws_algorithm algorithm);

/// One usable verification key from a JWKS.
struct json_web_key {
    std::string kid;
    key_family family = key_family::invalid;
    /// The JWK's `alg` member, if any. A token must then use exactly that algorithm.
    std::optional<jws_algorithm> algorithm;
    /// Shared so that a verification in flight keeps its key while a refresh replaces the set.
    std::shared_ptr<EVP_PKEY> key;
};

/// Usable keys by `kid`.
using key_set = std::map<std::string, json_web_key, std::less<>>;

/// Result of `parse_jwks`: the keys, or an error message when none is usable.
struct jwks_parse_result {
    key_set keys;
    std::string error;

    bool ok() const noexcept { return error.empty(); }
};

/// Parses a JWKS document (RFC 7517 section 5). Accepts RSA keys of at least 2048 bits
/// (`kty` RSA, `n`, `e`) and P-256 keys (`kty` EC, `crv` P-256, `x`, `y`) with `use` absent or
/// `sig` and `alg`, when present, one of ours and matching the key type. Any other key, a key
/// without `kid` and a repeated `kid` is skipped with a warning that names the kid. The
/// result is an error when no key is usable or the document is not a JWKS. `source` (the
/// URL) only labels log lines and errors.
jwks_parse_result parse_jwks(std::string_view document, std::string_view source);

}  // namespace linetest::auth
