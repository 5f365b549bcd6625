#!/usr/bin/env bash
# Crash-safety chaos run: builds the reliability_chaos test and runs it with more kill cycles
# than CI does. The test posts service tests from a client thread while it SIGKILLs and
# restarts linetestd at random moments. Then it checks that every 201 got exactly one
# delivered KCI id, that no test is left running, that no rejected request was stored and that
# no KCI got a second id. It prints one summary line starting with "chaos:".
#
# usage: scripts/chaos.sh [--cycles N] [--seconds S] [--seed K]
#   --cycles N   kill and restart cycles (default 25)
#   --seconds S  stop starting new cycles after S seconds (default 240); the final drain and
#                checks take up to another 60 s
#   --seed K     seed of the random kill moments, to repeat a run
# Environment: LINETEST_BUILD_DIR (default build/). Needs the Node peers (scripts/setup.sh).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$(realpath -m "${LINETEST_BUILD_DIR:-${repo_root}/build}")"
cycles=25
seconds=240
seed=20261204
while [[ $# -gt 0 ]]; do
    case "$1" in
        --cycles) cycles="$2"; shift 2 ;;
        --seconds) seconds="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        *) echo "chaos.sh: unknown argument '$1'; see the usage at the top of the script" >&2
           exit 2 ;;
    esac
done

if [[ ! -f "${build_dir}/CMakeCache.txt" ]]; then
    cmake -S "${repo_root}" -B "${build_dir}" -DLINETEST_BUILD_TESTS=ON
fi
cmake --build "${build_dir}" --target reliability_chaos -j2
binary="$(find "${build_dir}/tests/reliability" -maxdepth 1 -name reliability_chaos -type f)"
LINETEST_CHAOS_CYCLES="${cycles}" LINETEST_CHAOS_SECONDS="${seconds}" \
    LINETEST_CHAOS_SEED="${seed}" timeout "$((seconds + 180))" "${binary}"
