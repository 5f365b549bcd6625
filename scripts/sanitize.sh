#!/usr/bin/env bash
# Runs the test suite under sanitizers, each in a build directory of its own:
#   address: every test (unit and integration) built with ASan+UBSan (-DLINETEST_SANITIZE=address)
#   thread:  the executor, store and updates (outbox dispatcher) tests under TSan
#            (-DLINETEST_SANITIZE=thread)
# Every sanitizer report fails the process that produced it (halt_on_error / exitcode). Reports
# go to files under <build dir>/sanitizer-reports (log_path) instead of standard error. That also
# catches processes whose exit code no test checks, such as linetestd reporting a leak when it
# stops. After ctest, any file there is printed and fails the run. Prints each phase's duration.
#
# usage: scripts/sanitize.sh [address|thread|all] [ctest arguments...]
# Environment: LINETEST_SANITIZE_BUILD_ROOT (default the repository root); build dirs are
# <root>/build-asan and <root>/build-tsan. LINETEST_JOBS (default 2).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(realpath -m "${LINETEST_SANITIZE_BUILD_ROOT:-${repo_root}}")"
jobs="${LINETEST_JOBS:-2}"
mode="${1:-all}"
if [[ $# -gt 0 ]]; then
    shift
fi
case "${mode}" in
    address|thread|all) ;;
    *) echo "sanitize.sh: mode must be address, thread or all, got '${mode}'" >&2; exit 2 ;;
esac

configure() {
    local dir="$1" sanitizer="$2"
    local launcher=()
    if command -v ccache >/dev/null; then
        launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    fi
    if [[ ! -f "${dir}/CMakeCache.txt" ]]; then
        cmake -S "${repo_root}" -B "${dir}" "${launcher[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DLINETEST_BUILD_TESTS=ON -DLINETEST_SANITIZE="${sanitizer}"
    fi
}

status=0

# Runs ctest with sanitizer reports written under $1/sanitizer-reports, then fails on any
# report found there.
run_ctest() {
    local dir="$1"
    shift
    local reports="${dir}/sanitizer-reports"
    rm -rf "${reports}"
    mkdir -p "${reports}"
    local result=0
    ctest --test-dir "${dir}" --output-on-failure \
        --timeout 900 "$@" || result=1
    local found
    found="$(find "${reports}" -type f | sort)"
    if [[ -n "${found}" ]]; then
        echo "sanitize.sh: sanitizer reports written by processes under test:" >&2
        while IFS= read -r file; do
            echo "== ${file}" >&2
            cat "${file}" >&2
        done <<<"${found}"
        result=1
    fi
    return "${result}"
}
if [[ "${mode}" == "address" || "${mode}" == "all" ]]; then
    dir="${root}/build-asan"
    started=$(date +%s)
    configure "${dir}" address
    cmake --build "${dir}" -j"${jobs}"
    # detect_leaks stays on: a leak fails the test like any other report.
    reports="${dir}/sanitizer-reports/report"
    ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=1:log_path=${reports}" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=${reports}" \
        run_ctest "${dir}" "$@" || status=1
    echo "sanitize.sh: address: $(( $(date +%s) - started )) s, status so far ${status}"
fi
if [[ "${mode}" == "thread" || "${mode}" == "all" ]]; then
    dir="${root}/build-tsan"
    started=$(date +%s)
    configure "${dir}" thread
    targets=(executor_unit_tests store_unit_tests updates_unit_tests updates_gateway_tests)
    cmake --build "${dir}" -j"${jobs}" --target "${targets[@]}"
    reports="${dir}/sanitizer-reports/report"
    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:log_path=${reports}" \
        run_ctest "${dir}" \
        -R '^(executor_unit_tests|store_unit_tests|updates_unit_tests|updates_gateway_tests)$' \
        "$@" || status=1
    echo "sanitize.sh: thread: $(( $(date +%s) - started )) s, status so far ${status}"
fi
exit "${status}"
