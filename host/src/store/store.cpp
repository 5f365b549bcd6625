#include "store/store.hpp"

namespace linetest::store {

std::string_view to_string(test_state state) noexcept {
    switch (state) {
        case test_state::accepted:
            return "accepted";
        case test_state::running:
            return "running";
        case test_state::completed:
            return "completed";
        case test_state::failed:
            return "failed";
    }
    return "unknown";
}

std::optional<test_state> parse_test_state(std::string_view text) noexcept {
    for (const auto state :
         {test_state::accepted, test_state::running, test_state::completed, test_state::failed}) {
        if (text == to_string(state)) {
            return state;
        }
    }
    return std::nullopt;
}

std::string_view to_string(delivery_state state) noexcept {
    switch (state) {
        case delivery_state::pending:
            return "pending";
        case delivery_state::delivered:
            return "delivered";
        case delivery_state::dead:
            return "dead";
    }
    return "unknown";
}

}  // namespace linetest::store
