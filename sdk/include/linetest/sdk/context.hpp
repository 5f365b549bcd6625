#pragma once

#include <linetest/sdk/logger.hpp>
#include <linetest/sdk/types.hpp>

#include <chrono>

namespace linetest::sdk {

/// What the host gives `plugin::run` for one test. Valid only during that call.
class run_context {
public:
    virtual ~run_context() = default;

    /// Logger whose lines carry this test's ids.
    virtual logger& log() noexcept = 0;

    /// The equipment that serves the line, from the inventory.
    virtual const equipment_target& target() const noexcept = 0;

    /// Time by which `run` must return. The host reports the test as FAILED
    /// when it passes and ignores a report that comes later.
    virtual std::chrono::steady_clock::time_point deadline() const noexcept = 0;

    /// True once the host has given up on this run (deadline passed or the
    /// daemon is stopping). A plugin checks it between equipment requests and
    /// returns early; whatever it then returns is discarded.
    virtual bool cancelled() const noexcept = 0;
};

}  // namespace linetest::sdk
