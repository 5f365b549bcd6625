#!/usr/bin/env bash
# Configures and builds linetest into build/ (or $LINETEST_BUILD_DIR).
# Extra arguments go to the CMake configure step, for example -DLINETEST_SANITIZE=address.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${LINETEST_BUILD_DIR:-${repo_root}/build}"
jobs="${LINETEST_BUILD_JOBS:-$(nproc)}"

cmake -S "${repo_root}" -B "${build_dir}" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
cmake --build "${build_dir}" -j "${jobs}"
