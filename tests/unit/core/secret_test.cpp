#include "core/secret.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

namespace linetest::core {
namespace {

TEST(SecretTest, FormatPrintsMask) {
    const secret value("s3cr3t-value");
    EXPECT_EQ(fmt::format("{}", value), "********");
}

TEST(SecretTest, OstreamPrintsMask) {
    std::ostringstream out;
    out << secret("s3cr3t-value");
    EXPECT_EQ(out.str(), "********");
}

TEST(SecretTest, SpdlogLinePrintsMask) {
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    spdlog::logger logger("secret-test", sink);
    logger.info("client_secret={}", secret("s3cr3t-value"));
    logger.flush();
    EXPECT_EQ(out.str().find("s3cr3t-value"), std::string::npos) << out.str();
    EXPECT_NE(out.str().find("client_secret=********"), std::string::npos) << out.str();
}

TEST(SecretTest, RevealReturnsValue) {
    EXPECT_EQ(secret("abc").reveal(), "abc");
}

}  // namespace
}  // namespace linetest::core
