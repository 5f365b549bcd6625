// The module's exported entry points; kept apart so that tests can link the
// plugin's code without exporting a second factory.
#include <linetest/sdk/plugin.hpp>

#include "dsl_plugin.hpp"

LINETEST_PLUGIN(linetest::dsl::create)
