#include "store/store.hpp"

#include <gtest/gtest.h>

namespace linetest::store {
namespace {

TEST(StoreTest, TestStateRoundTrips) {
    for (const auto state :
         {test_state::accepted, test_state::running, test_state::completed, test_state::failed}) {
        EXPECT_EQ(parse_test_state(to_string(state)), state) << to_string(state);
    }
}

TEST(StoreTest, ParseTestStateRejectsUnknownText) {
    EXPECT_EQ(parse_test_state("ACCEPTED"), std::nullopt);
    EXPECT_EQ(parse_test_state(""), std::nullopt);
}

TEST(StoreTest, DeliveryStateNames) {
    EXPECT_EQ(to_string(delivery_state::pending), "pending");
    EXPECT_EQ(to_string(delivery_state::delivered), "delivered");
    EXPECT_EQ(to_string(delivery_state::dead), "dead");
}

}  // namespace
}  // namespace linetest::store
