#include "core/base64.hpp"

#include <gtest/gtest.h>

namespace linetest::core {
namespace {

TEST(Base64Test, EncodesWithPadding) {
    EXPECT_EQ(base64_encode("client:secret"), "Y2xpZW50OnNlY3JldA==");
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("ab"), "YWI=");
}

TEST(Base64Test, UrlRoundTripsEveryByte) {
    std::string bytes;
    for (int i = 0; i < 256; ++i) {
        bytes.push_back(static_cast<char>(i));
    }
    const auto decoded = base64url_decode(base64url_encode(bytes));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, bytes);
}

TEST(Base64Test, UrlDecodeRejectsPadding) {
    EXPECT_FALSE(base64url_decode("YWI=").has_value());
}

TEST(Base64Test, UrlDecodeRejectsStandardAlphabet) {
    EXPECT_FALSE(base64url_decode("a+b/").has_value());
}

TEST(Base64Test, UrlDecodeRejectsImpossibleLength) {
    EXPECT_FALSE(base64url_decode("abcde").has_value());
}

TEST(Base64Test, UrlDecodeRejectsNonZeroTrailingBits) {
    // "YWJ" and "YWI" would both decode to "ab" if trailing bits were ignored.
    EXPECT_TRUE(base64url_decode("YWI").has_value());
    EXPECT_FALSE(base64url_decode("YWJ").has_value());
}

}  // namespace
}  // namespace linetest::core
