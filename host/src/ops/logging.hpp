#pragma once

#include "ops/daemon_config.hpp"

namespace linetest::ops {

/// Points the default logger, and so every component logger, at stderr or the
/// journal and sets the level. Call before anything logs.
void setup_logging(const logging_config& config);

}  // namespace linetest::ops
