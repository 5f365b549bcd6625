#include "auth/jwks.hpp"

#include "core/base64.hpp"
#include "test_signer.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace linetest::auth {
namespace {

using test_support::ec_key;
using test_support::jwks_document;
using test_support::rsa_key;

constexpr std::string_view source = "https://idp.example.test/jwks";

TEST(JwksTest, ParsesRsaAndEcKeys) {
    const auto result = parse_jwks(jwks_document({rsa_key().jwk(), ec_key().jwk()}), source);
    ASSERT_TRUE(result.ok()) << result.error;
    ASSERT_EQ(result.keys.size(), 2u);
    EXPECT_EQ(result.keys.at(rsa_key().kid()).family, key_family::rsa);
    EXPECT_EQ(result.keys.at(ec_key().kid()).family, key_family::ec_p256);
}

TEST(JwksTest, KeepsJwkAlg) {
    const auto result = parse_jwks(jwks_document({rsa_key().jwk("PS256", "sig")}), source);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.keys.at(rsa_key().kid()).algorithm, jws_algorithm::ps256);
}

TEST(JwksTest, SkipsRsaKeyUnder2048Bits) {
    const auto small = test_support::test_key::rsa("rsa-small", 1024);
    const auto result = parse_jwks(jwks_document({small.jwk(), ec_key().jwk()}), source);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_FALSE(result.keys.contains("rsa-small"));
}

TEST(JwksTest, SkipsEncryptionKey) {
    const auto result =
        parse_jwks(jwks_document({rsa_key().jwk({}, "enc"), ec_key().jwk()}), source);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_FALSE(result.keys.contains(rsa_key().kid()));
}

TEST(JwksTest, SkipsKeyWhoseAlgDoesNotFitItsType) {
    const auto result = parse_jwks(jwks_document({ec_key().jwk("RS256"), rsa_key().jwk()}), source);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_FALSE(result.keys.contains(ec_key().kid()));
}

TEST(JwksTest, SkipsKeyWithUnsupportedAlg) {
    const auto result = parse_jwks(jwks_document({rsa_key().jwk("RS512"), ec_key().jwk()}), source);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_FALSE(result.keys.contains(rsa_key().kid()));
}

TEST(JwksTest, SkipsEcPointOffTheCurve) {
    auto off_curve = ec_key().jwk();
    auto y = *core::base64url_decode(off_curve["y"].get<std::string>());
    y.back() = static_cast<char>(y.back() ^ 1);
    off_curve["y"] = core::base64url_encode(y);
    const auto result = parse_jwks(jwks_document({off_curve, rsa_key().jwk()}), source);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_FALSE(result.keys.contains(ec_key().kid()));
}

TEST(JwksTest, KeepsFirstOfRepeatedKid) {
    auto impostor = ec_key().jwk();
    impostor["kid"] = rsa_key().kid();
    const auto result = parse_jwks(jwks_document({rsa_key().jwk(), impostor}), source);
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.keys.at(rsa_key().kid()).family, key_family::rsa);
}

TEST(JwksTest, FailsWithoutUsableKey) {
    auto no_kid = rsa_key().jwk();
    no_kid.erase("kid");
    const auto result = parse_jwks(jwks_document({no_kid, ec_key().jwk({}, "enc")}), source);
    EXPECT_FALSE(result.ok());
    EXPECT_NE(result.error.find(source), std::string::npos) << result.error;
}

TEST(JwksTest, FailsOnDocumentThatIsNotJwks) {
    EXPECT_FALSE(parse_jwks(R"({"issuer":"https://idp.example.test/"})", source).ok());
}

}  // namespace
}  // namespace linetest::auth
