# Per-target build settings, applied by function rather than globally so that
# the SDK's consumers never inherit our warning flags.

function(linetest_set_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
        -Wno-sign-conversion -Werror=return-type)
endfunction()

# A static library built with a sanitizer needs that sanitizer's runtime in
# whatever links it, including an installed SDK library linked by an
# out-of-tree plugin, so static libraries pass the link option on.
function(linetest_set_sanitizers target)
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "STATIC_LIBRARY")
        set(link_scope PUBLIC)
    else()
        set(link_scope PRIVATE)
    endif()
    if(LINETEST_SANITIZE STREQUAL "address")
        target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer)
        target_link_options(${target} ${link_scope} -fsanitize=address,undefined)
    elseif(LINETEST_SANITIZE STREQUAL "thread")
        target_compile_options(${target} PRIVATE -fsanitize=thread)
        target_link_options(${target} ${link_scope} -fsanitize=thread)
    elseif(NOT LINETEST_SANITIZE STREQUAL "")
        message(FATAL_ERROR "LINETEST_SANITIZE='${LINETEST_SANITIZE}' is not supported; "
            "use address, thread or leave it empty")
    endif()
endfunction()

# Declares a host component library `linetest_<name>` with alias `linetest::<name>`.
function(linetest_add_component name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS" ${ARGN})
    add_library(linetest_${name} STATIC ${ARG_SOURCES})
    add_library(linetest::${name} ALIAS linetest_${name})
    target_include_directories(linetest_${name} PUBLIC "${PROJECT_SOURCE_DIR}/host/src")
    target_link_libraries(linetest_${name} PUBLIC ${ARG_DEPENDS})
    target_compile_definitions(linetest_${name} PUBLIC SPDLOG_ACTIVE_LEVEL=SPDLOG_LEVEL_DEBUG)
    linetest_set_warnings(linetest_${name})
    linetest_set_sanitizers(linetest_${name})
endfunction()

# Declares a plugin as a MODULE library with hidden visibility, as an
# out-of-tree plugin built against the installed SDK would be.
function(linetest_add_plugin name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS" ${ARGN})
    add_library(${name} MODULE ${ARG_SOURCES})
    set_target_properties(${name} PROPERTIES
        PREFIX ""
        CXX_VISIBILITY_PRESET hidden
        VISIBILITY_INLINES_HIDDEN ON
        LIBRARY_OUTPUT_DIRECTORY "${PROJECT_BINARY_DIR}/plugins")
    target_link_libraries(${name} PRIVATE linetest::sdk ${ARG_DEPENDS})
    linetest_set_warnings(${name})
    linetest_set_sanitizers(${name})
    # Only the shipped plugins are installed, not the test fixtures.
    string(FIND "${CMAKE_CURRENT_SOURCE_DIR}/" "${PROJECT_SOURCE_DIR}/plugins/" plugins_position)
    if(plugins_position EQUAL 0)
        install(TARGETS ${name} LIBRARY DESTINATION "lib/linetest/plugins"
            COMPONENT daemon)
    endif()
endfunction()

# Adds a GoogleTest executable registered with CTest under the given labels.
function(linetest_add_test name)
    cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPENDS;LABELS" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE GTest::gtest GTest::gtest_main ${ARG_DEPENDS})
    linetest_set_warnings(${name})
    linetest_set_sanitizers(${name})
    add_test(NAME ${name} COMMAND ${name})
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT 300)
    endif()
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT})
endfunction()
