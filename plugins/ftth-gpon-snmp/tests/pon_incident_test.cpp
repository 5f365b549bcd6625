#include "pon_port.hpp"
#include "port_reading_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>

namespace linetest::gpon {
namespace {

using std::chrono::seconds;

constexpr std::int64_t t0 = 1714558500;  // 2024-05-01 10:15:00 UTC

pon_incident_config defaults() { return pon_incident_config{}; }

// Eight ONTs; `down_at` gives the down ONTs and their last down times.
port_poll port_with(const std::map<std::uint32_t, std::int64_t>& down_at) {
    port_poll port;
    port.status = poll_status::ok;
    port.has_down_times = true;
    for (std::uint32_t id = 1; id <= 8; ++id) {
        auto found = down_at.find(id);
        port.onts.push_back({id, found != down_at.end(),
                             found != down_at.end() ? std::optional(found->second) : t0 - 86400});
    }
    return port;
}

TEST(DateAndTimeTest, ReadsEightOctets) {
    std::string octets("\x07\xe8\x05\x01\x0a\x0f\x00\x00", 8);
    EXPECT_EQ(parse_date_and_time(octets), t0);
}

TEST(DateAndTimeTest, IgnoresUtcOffset) {
    std::string octets("\x07\xe8\x05\x01\x0a\x0f\x00\x00+\x02\x00", 11);
    EXPECT_EQ(parse_date_and_time(octets), t0);
}

TEST(DateAndTimeTest, RejectsAllZero) {
    EXPECT_FALSE(parse_date_and_time(std::string(8, '\0')).has_value());
}

TEST(DateAndTimeTest, RejectsOtherLength) {
    EXPECT_FALSE(parse_date_and_time(std::string("\x07\xe8\x05\x01", 4)).has_value());
}

TEST(PonIncidentTest, SixOfEightWithinAMinuteIsIncident) {
    auto port = port_with(
        {{1, t0 + 5}, {2, t0 + 12}, {3, t0 + 20}, {5, t0 + 31}, {6, t0 + 40}, {7, t0 + 50}});
    auto out = assess_pon_incident(port, 5, defaults());
    EXPECT_EQ(out.onts_total, 8U);
    EXPECT_EQ(out.onts_down, 6U);
    EXPECT_EQ(out.down_together, 6U);
    EXPECT_TRUE(out.incident);
}

TEST(PonIncidentTest, ScatteredOutagesAreNoIncident) {
    auto port = port_with({{1, t0 - 900000},
                           {2, t0 - 700000},
                           {3, t0 - 500000},
                           {5, t0 + 31},
                           {6, t0 + 60},
                           {7, t0 - 300000}});
    auto out = assess_pon_incident(port, 5, defaults());
    EXPECT_EQ(out.onts_down, 6U);
    EXPECT_EQ(out.down_together, 2U);
    EXPECT_FALSE(out.incident);
}

TEST(PonIncidentTest, BelowMinDownOntsIsNoIncident) {
    auto port = port_with({{1, t0}, {2, t0}, {5, t0}});
    auto config = defaults();
    config.min_down_ratio = 0.25;
    auto out = assess_pon_incident(port, 5, config);
    EXPECT_EQ(out.down_together, 3U);
    EXPECT_FALSE(out.incident);
}

TEST(PonIncidentTest, BelowMinDownRatioIsNoIncident) {
    auto port = port_with({{1, t0}, {2, t0}, {3, t0}, {5, t0}});
    auto config = defaults();
    config.min_down_ratio = 0.6;  // 4 of 8 is 0.5.
    EXPECT_FALSE(assess_pon_incident(port, 5, config).incident);
}

TEST(PonIncidentTest, ExactThresholdsAreIncident) {
    auto port = port_with({{1, t0}, {2, t0}, {3, t0}, {5, t0 + 60}});
    EXPECT_TRUE(assess_pon_incident(port, 5, defaults()).incident);
}

TEST(PonIncidentTest, WindowMustContainTestedOnt) {
    // Five ONTs fell together an hour before the tested one: a separate event.
    auto port = port_with({{1, t0}, {2, t0}, {3, t0}, {6, t0}, {7, t0}, {5, t0 + 3600}});
    auto out = assess_pon_incident(port, 5, defaults());
    EXPECT_EQ(out.down_together, 1U);
    EXPECT_FALSE(out.incident);
}

TEST(PonIncidentTest, TestedOntUpIsNoIncident) {
    auto port = port_with({{1, t0}, {2, t0}, {3, t0}, {6, t0}, {7, t0}});
    EXPECT_FALSE(assess_pon_incident(port, 5, defaults()).incident);
}

TEST(PonIncidentTest, WithoutDownTimesAllDownCountTogether) {
    auto port = port_with({{1, 0}, {2, 0}, {3, 0}, {5, 0}, {6, 0}});
    port.has_down_times = false;
    for (auto& ont : port.onts) {
        ont.down_time_s.reset();
    }
    auto out = assess_pon_incident(port, 5, defaults());
    EXPECT_EQ(out.down_together, 5U);
    EXPECT_TRUE(out.incident);
}

port_poll ok_port() {
    port_poll port;
    port.status = poll_status::ok;
    port.onts.push_back({5, true, std::nullopt});
    return port;
}

// The loader replaces the SNMP walk, which the scenario tests cover, so the test
// can hold a reading in flight while a second caller arrives.
TEST(PortReadingCacheTest, SecondCallerWaitsForFirstReading) {
    port_reading_cache cache(seconds(10));
    std::promise<void> release;
    auto released = release.get_future().share();
    std::atomic<bool> loading{false};
    auto deadline = std::chrono::steady_clock::now() + seconds(30);

    auto first = std::async(std::launch::async, [&] {
        return cache.get("olt|port", deadline, [&] {
            loading = true;
            released.wait();
            return ok_port();
        });
    });
    // Bounded wait for the first caller to be inside its load.
    for (int i = 0; i < 10000 && !loading; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_TRUE(loading.load());

    auto second = std::async(std::launch::async, [&] {
        return cache.get("olt|port", deadline, [] { return ok_port(); });
    });
    for (int i = 0; i < 10000 && cache.waiting() == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_EQ(cache.waiting(), 1U);
    release.set_value();

    auto a = first.get();
    auto b = second.get();
    EXPECT_EQ(cache.loads(), 1U);
    EXPECT_EQ(a.get(), b.get());
}

TEST(PortReadingCacheTest, ReusesReadingWithinTtl) {
    port_reading_cache cache(seconds(10));
    auto deadline = std::chrono::steady_clock::now() + seconds(5);
    cache.get("k", deadline, ok_port);
    cache.get("k", deadline, ok_port);
    EXPECT_EQ(cache.loads(), 1U);
}

TEST(PortReadingCacheTest, ZeroTtlReadsAgain) {
    port_reading_cache cache(seconds(0));
    auto deadline = std::chrono::steady_clock::now() + seconds(5);
    cache.get("k", deadline, ok_port);
    cache.get("k", deadline, ok_port);
    EXPECT_EQ(cache.loads(), 2U);
}

TEST(PortReadingCacheTest, KeysAreSeparate) {
    port_reading_cache cache(seconds(10));
    auto deadline = std::chrono::steady_clock::now() + seconds(5);
    cache.get("a", deadline, ok_port);
    cache.get("b", deadline, ok_port);
    EXPECT_EQ(cache.loads(), 2U);
}

TEST(PortReadingCacheTest, FailedReadingIsNotKept) {
    port_reading_cache cache(seconds(10));
    auto deadline = std::chrono::steady_clock::now() + seconds(5);
    auto failing = [] {
        port_poll port;
        port.status = poll_status::unreachable;
        return port;
    };
    EXPECT_EQ(cache.get("k", deadline, failing)->status, poll_status::unreachable);
    EXPECT_EQ(cache.get("k", deadline, ok_port)->status, poll_status::ok);
    EXPECT_EQ(cache.loads(), 2U);
}

TEST(PortReadingCacheTest, ThrowingLoaderGivesFailedReading) {
    port_reading_cache cache(seconds(10));
    auto deadline = std::chrono::steady_clock::now() + seconds(5);
    auto out = cache.get("k", deadline, []() -> port_poll { throw std::runtime_error("boom"); });
    EXPECT_EQ(out->status, poll_status::invalid);
}

}  // namespace
}  // namespace linetest::gpon
