#include <linetest/testkit/fixed_run_context.hpp>

#include <utility>

namespace linetest::testkit {

fixed_run_context::fixed_run_context(sdk::equipment_target target,
                                     std::chrono::steady_clock::duration time_limit)
    : target_(std::move(target)),
      deadline_(std::chrono::steady_clock::now() + time_limit) {}

}  // namespace linetest::testkit
