// The library's two entry points: the ABI version and the factory. Kept apart from the plugin
// code so that the unit test links the plugin without exporting anything.
#include "example_plugin.hpp"

LINETEST_PLUGIN(example_line::create_plugin)
