#include "auth/key_cache.hpp"

#include "test_signer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace linetest::auth {
namespace {

using namespace std::chrono_literals;
using test_support::ec_key;
using test_support::jwks_document;
using test_support::rsa_key;
using test_support::second_rsa_key;

const key_cache_settings settings{"https://idp.example.test/jwks", 10min, 1min};

TEST(KeyCacheTest, InitialLoadReportsFetchFailure) {
    test_support::jwks_endpoint endpoint("");
    endpoint.fail("connection refused");
    key_cache cache(settings, endpoint.fetcher());

    const auto error = cache.initial_load();

    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("connection refused"), std::string::npos) << *error;
    EXPECT_NE(error->find("bearer.jwks_url"), std::string::npos) << *error;
}

TEST(KeyCacheTest, InitialLoadReportsDocumentWithoutUsableKey) {
    test_support::jwks_endpoint endpoint(jwks_document({rsa_key().jwk({}, "enc")}));
    key_cache cache(settings, endpoint.fetcher());

    EXPECT_TRUE(cache.initial_load().has_value());
}

TEST(KeyCacheTest, RotationServesNewKeyAfterRefreshOnly) {
    test_support::jwks_endpoint endpoint(jwks_document({rsa_key().jwk()}));
    test_support::manual_clock clock;
    key_cache cache(settings, endpoint.fetcher(), clock.function());
    ASSERT_FALSE(cache.initial_load().has_value());

    endpoint.serve(jwks_document({second_rsa_key().jwk()}));
    // The identity provider has rotated. Until a refresh, the cache keeps serving its old set,
    // because a lookup of a known kid does not fetch.
    EXPECT_TRUE(cache.find(rsa_key().kid()).has_value());
    EXPECT_EQ(endpoint.calls(), 1u);

    ASSERT_TRUE(cache.refresh());

    EXPECT_TRUE(cache.find(second_rsa_key().kid()).has_value());
    EXPECT_FALSE(cache.find(rsa_key().kid()).has_value());
}

TEST(KeyCacheTest, FailedRefreshKeepsOldKeys) {
    test_support::jwks_endpoint endpoint(jwks_document({rsa_key().jwk()}));
    key_cache cache(settings, endpoint.fetcher());
    ASSERT_FALSE(cache.initial_load().has_value());

    endpoint.fail("HTTP 503");
    EXPECT_FALSE(cache.refresh());
    EXPECT_TRUE(cache.find(rsa_key().kid()).has_value());
}

TEST(KeyCacheTest, UnusableRefreshKeepsOldKeys) {
    test_support::jwks_endpoint endpoint(jwks_document({rsa_key().jwk()}));
    key_cache cache(settings, endpoint.fetcher());
    ASSERT_FALSE(cache.initial_load().has_value());

    endpoint.serve("<html>maintenance</html>");
    EXPECT_FALSE(cache.refresh());
    EXPECT_TRUE(cache.find(rsa_key().kid()).has_value());
}

TEST(KeyCacheTest, UnknownKidFindsKeyPublishedSinceLoad) {
    test_support::jwks_endpoint endpoint(jwks_document({rsa_key().jwk()}));
    key_cache cache(settings, endpoint.fetcher());
    ASSERT_FALSE(cache.initial_load().has_value());

    endpoint.serve(jwks_document({rsa_key().jwk(), ec_key().jwk()}));

    EXPECT_TRUE(cache.find(ec_key().kid()).has_value());
}

TEST(KeyCacheTest, UnknownKidFetchesAgainAfterInterval) {
    test_support::jwks_endpoint endpoint(jwks_document({rsa_key().jwk()}));
    test_support::manual_clock clock;
    key_cache cache(settings, endpoint.fetcher(), clock.function());
    ASSERT_FALSE(cache.initial_load().has_value());

    ASSERT_FALSE(cache.find("first-unknown").has_value());
    ASSERT_EQ(endpoint.calls(), 2u);
    clock.advance(settings.unknown_kid_min_interval - 1ms);
    ASSERT_FALSE(cache.find("second-unknown").has_value());
    EXPECT_EQ(endpoint.calls(), 2u);
    clock.advance(1ms);
    ASSERT_FALSE(cache.find("third-unknown").has_value());
    EXPECT_EQ(endpoint.calls(), 3u);
}

TEST(KeyCacheTest, KnownKidNeverFetches) {
    test_support::jwks_endpoint endpoint(jwks_document({rsa_key().jwk()}));
    key_cache cache(settings, endpoint.fetcher());
    ASSERT_FALSE(cache.initial_load().has_value());

    ASSERT_TRUE(cache.find(rsa_key().kid()).has_value());
    EXPECT_EQ(endpoint.calls(), 1u);
}

TEST(KeyCacheTest, BackgroundThreadRefreshes) {
    test_support::jwks_endpoint endpoint(jwks_document({rsa_key().jwk()}));
    key_cache cache({settings.jwks_url, 5ms, settings.unknown_kid_min_interval},
                    endpoint.fetcher());
    ASSERT_FALSE(cache.initial_load().has_value());
    endpoint.serve(jwks_document({second_rsa_key().jwk()}));

    cache.start();
    // Bounded wait for the thread. The assertions check what it did, not how fast.
    for (int i = 0; i < 1000 && endpoint.calls() < 3; ++i) {
        std::this_thread::sleep_for(10ms);
    }
    cache.stop();

    EXPECT_GE(endpoint.calls(), 3u);
    EXPECT_TRUE(cache.find(second_rsa_key().kid()).has_value());
}

TEST(KeyCacheTest, LookupsSucceedDuringRefreshes) {
    test_support::jwks_endpoint endpoint(jwks_document({rsa_key().jwk()}));
    key_cache cache(settings, endpoint.fetcher());
    ASSERT_FALSE(cache.initial_load().has_value());

    std::atomic<int> misses = 0;
    std::vector<std::thread> readers;
    for (int reader = 0; reader < 4; ++reader) {
        readers.emplace_back([&] {
            for (int i = 0; i < 500; ++i) {
                if (!cache.find(rsa_key().kid())) {
                    ++misses;
                }
            }
        });
    }
    // Both documents contain the key the readers look up, so no lookup may miss it while
    // the set is swapped underneath them.
    for (int i = 0; i < 50; ++i) {
        endpoint.serve(i % 2 == 0 ? jwks_document({rsa_key().jwk(), ec_key().jwk()})
                                  : jwks_document({rsa_key().jwk()}));
        cache.refresh();
    }
    for (auto& reader : readers) {
        reader.join();
    }

    EXPECT_EQ(misses.load(), 0);
}

TEST(KeyCacheTest, StopWithoutStartReturns) {
    test_support::jwks_endpoint endpoint(jwks_document({rsa_key().jwk()}));
    key_cache cache(settings, endpoint.fetcher());
    cache.stop();
    EXPECT_EQ(endpoint.calls(), 0u);
}

}  // namespace
}  // namespace linetest::auth
