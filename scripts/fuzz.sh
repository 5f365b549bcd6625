#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan+UBSan, -DLINETEST_FUZZ=ON) in a
# build directory of their own and runs each for a bounded time on a copy of its committed seed
# corpus (tests/fuzz/corpus/<target>/), so the committed seeds change only by hand.
# Crashes go to <build>/fuzz-artifacts/<target>/; the script exits 1 when any target failed.
#
# usage: scripts/fuzz.sh [--seconds N] [--jobs J] [target...]
#   --seconds N  run time of each target (default 60)
#   target       service_test_request, jwt_verifier, daemon_config, kci_decoder (default all)
# Environment: LINETEST_FUZZ_BUILD_DIR (default build-fuzz/). Needs clang-14 and
# libclang-rt-14-dev.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$(realpath -m "${LINETEST_FUZZ_BUILD_DIR:-${repo_root}/build-fuzz}")"
seconds=60
jobs=2
targets=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --jobs) jobs="$2"; shift 2 ;;
        -*) echo "fuzz.sh: unknown option '$1'; see the usage at the top of the script" >&2
            exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
if [[ ${#targets[@]} -eq 0 ]]; then
    targets=(service_test_request jwt_verifier daemon_config kci_decoder)
fi

# The fuzz build needs clang and libFuzzer's runtime, which the CI setup does not install.
if ! command -v clang++-14 >/dev/null || ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null |
        grep -q "install ok installed"; then
    if [[ $(id -u) -ne 0 ]]; then
        echo "fuzz.sh: clang-14 or libclang-rt-14-dev is missing; run" \
            "'sudo apt-get install clang-14 libclang-rt-14-dev'" >&2
        exit 1
    fi
    echo "fuzz.sh: installing clang-14 and libclang-rt-14-dev"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        clang-14 libclang-rt-14-dev
fi

sanitize="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer"
if [[ ! -f "${build_dir}/CMakeCache.txt" ]]; then
    launcher=()
    if command -v ccache >/dev/null; then
        launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    fi
    cmake -S "${repo_root}" -B "${build_dir}" "${launcher[@]}" \
        -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_CXX_FLAGS="${sanitize}" -DLINETEST_BUILD_TESTS=ON -DLINETEST_FUZZ=ON
fi
cmake --build "${build_dir}" -j"${jobs}" --target "${targets[@]/#/fuzz_}"

work="$(mktemp -d /tmp/linetest-fuzz-XXXXXX)"
trap 'rm -rf "${work}"' EXIT
status=0
for target in "${targets[@]}"; do
    corpus="${work}/corpus-${target}"
    artifacts="${build_dir}/fuzz-artifacts/${target}"
    mkdir -p "${corpus}" "${artifacts}"
    cp "${repo_root}/tests/fuzz/corpus/${target}/"* "${corpus}/"
    log="${build_dir}/fuzz-artifacts/${target}.log"
    echo "fuzz.sh: running ${target} for ${seconds} s (log ${log})"
    # -max_total_time bounds libFuzzer; timeout bounds a target that ignores it.
    if TMPDIR="${work}" timeout "$((seconds + 60))" \
        "${build_dir}/tests/fuzz/fuzz_${target}" -max_total_time="${seconds}" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="${artifacts}/" \
        "${corpus}" >"${log}" 2>&1; then
        result="ok"
    else
        result="FAILED"
        status=1
    fi
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "${log}" | grep -o '[0-9]*$' || true)"
    cov="$(grep -o 'cov: [0-9]*' "${log}" | tail -1 | grep -o '[0-9]*' || true)"
    echo "fuzz.sh: ${target}: ${result} runs=${runs:-?} cov=${cov:-?} seconds=${seconds}"
    if [[ "${result}" == "FAILED" ]]; then
        tail -30 "${log}"
    fi
done
exit "${status}"
