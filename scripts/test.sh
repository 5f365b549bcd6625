#!/usr/bin/env bash
# Sets up a Debian 12 machine, builds linetest and runs the whole test suite with CTest.
# This is the README's test command, and .ci/run calls it.
#
# usage: scripts/test.sh [ctest arguments...]   for example: scripts/test.sh -L unit
# Environment: LINETEST_BUILD_DIR (default build/), LINETEST_SKIP_SETUP=1 to skip apt/npm.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$(realpath -m "${LINETEST_BUILD_DIR:-${repo_root}/build}")"

if [[ "${LINETEST_SKIP_SETUP:-0}" != "1" ]]; then
    bash "${repo_root}/scripts/setup.sh"
fi
LINETEST_BUILD_DIR="${build_dir}" bash "${repo_root}/scripts/build.sh" -DLINETEST_BUILD_TESTS=ON
ctest --test-dir "${build_dir}" --output-on-failure --timeout 600 "$@"
