// libFuzzer target: bearer tokens through auth::jwt_verifier with a fixed JWKS of one RSA key
// (kid "fuzz-key-1"), a fixed clock and the token cache off, so every input runs every check.
// The seed valid_rs256 is signed with that key and carries the expected claims; the private
// key was not kept, so new valid seeds need a new key in the JWKS below.

#include "auth/jwt_verifier.hpp"

#include "auth/key_cache.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace {

constexpr std::string_view jwks =
    R"({"keys":[{"kty":"RSA","kid":"fuzz-key-1","alg":"RS256",)"
    R"("use":"sig","e":"AQAB","n":"3Pi6oOn6O49PPb6q01Wrv-RYJbgTuImlTULE-19fTpKi-FNyh7vQ0aOY1yCBq9DO9dFFHM25fxf2yFnuIw-w2Jaz4a0qtkw-4XMVfKqoRzJcjMsXpl5lGeWaxE9APPPmHfCrRwy-1_TcwNpjA4JWIWpJGtGKgoT6_I3JuUEQPQC3rk8FRne4qu5-fB1VjNuXt3GZ6Eovhi2ZyVVVqi8aMfLxZoYibjIhL4_KNPbyagAjSY8lspP5R6Rn5AubSzDtCPVpWWafiBOf2C77e5Jjf-XYX2ypuj64h-4Wd2sg7mbeIaw6UglXVPr6-Z1Gh2P2fkhgWaD5B5K__m9esH72Uw"}]})";

const linetest::auth::jwt_verifier& verifier() {
    static const auto instance = [] {
        linetest::auth::key_cache_settings cache_settings;
        cache_settings.jwks_url = "https://idp.fuzz.invalid/jwks";
        auto keys =
            std::make_shared<linetest::auth::key_cache>(cache_settings, [](const std::string&) {
                return linetest::auth::fetch_result::success(std::string(jwks));
            });
        if (keys->initial_load()) {
            __builtin_trap();  // The fixed JWKS must load, or the target tests nothing.
        }
        linetest::auth::verifier_settings settings;
        settings.issuer = "https://idp.fuzz.invalid/";
        settings.audience = "linetestd";
        settings.required_scope = "service-tests";
        settings.token_cache_size = 0;
        return std::make_unique<linetest::auth::jwt_verifier>(settings, keys, [] {
            return std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'060));
        });
    }();
    return *instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto result =
        verifier().verify(std::string_view(reinterpret_cast<const char*>(data), size));
    // A verified token must name who it is; anything else is a verifier bug.
    if (result.ok() && result.token->identity.empty()) {
        __builtin_trap();
    }
    return 0;
}
