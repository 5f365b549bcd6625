#!/usr/bin/env bash
# End-to-end test of copper services through the real daemon: snmpsimd plays a VDSL2 DSLAM,
# linetestd routes the specification to the copper-dsl-snmp plugin, and the gateway stand-in
# must receive a COMPLETED KCI with the expected outcome for each line.
#
# usage: copper_service_test.sh BUILD_DIR   (CTest passes the build directory)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
build_dir="$(realpath -m "${1:?usage: copper_service_test.sh BUILD_DIR}")"
here="${repo_root}/tests/integration/copper"
stack_name=copper-test
keep=0
# shellcheck source=scripts/lib/stack.sh
. "${repo_root}/scripts/lib/stack.sh"
stack_init

stack_start_snmpsim "${repo_root}/plugins/copper-dsl-snmp/data" dslam/healthy
stack_start_oauth
stack_start_gateway
stack_start_daemon "${here}/linetestd.json" "${here}/inventory.json"
token="$(stack_token)"

failures=0
check() {  # $1: description, $2: expected, $3: actual
    if [[ "$2" == "$3" ]]; then
        echo "ok: $1 is $3"
    else
        echo "FAILED: $1: expected $2, got $3" >&2
        failures=$((failures + 1))
    fi
}

post_test() {  # $1: id, $2: serviceId; prints the HTTP status
    curl -s -o "${run_dir}/response-$1.json" -w '%{http_code}' \
        -X POST "http://127.0.0.1:${daemon_port}/service-tests" \
        -H "Authorization: Bearer ${token}" -H 'Content-Type: application/json' \
        -H "X-Request-ID: copper-request-$1" -H "X-Conversation-ID: copper-conversation-$1" \
        -H 'Tenant: EXAMPLE-ISP' \
        -d "{\"id\": $1, \"serviceId\": \"$2\", \"serviceSpecification\": {\"id\": \"fttc-vdsl2\"}, \"problemType\": \"SYNCHRONISATION\"}"
}

# Prints "testResult code measurements" of the first COMPLETED KCI for test $1, or nothing.
completed_outcome() {
    curl -sf "http://127.0.0.1:${gateway_port}/control/kcis" | node -e '
        let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
            const list = JSON.parse(s);
            const attempts = Array.isArray(list) ? list : (list.kcis || []);
            const done = attempts.map(a => a.body).filter(b => b && b.serviceTest &&
                b.serviceTest.id === Number(process.argv[1]) && b.serviceTest.status === "COMPLETED");
            if (done.length === 0) return;
            const r = done[0].serviceTest.result;
            console.log(`${r.testOutcome.testResult} ${r.testOutcome.code} ${r.testMeasures.length}`);
        })' "$1"
}

wait_outcome() {  # $1: test id; prints the outcome once the KCI has arrived (at most 30 s)
    local deadline=$((SECONDS + 30)) outcome=""
    while ((SECONDS < deadline)); do
        outcome="$(completed_outcome "$1")"
        [[ -n "${outcome}" ]] && break
        sleep 0.3
    done
    echo "${outcome}"
}

check "status of the healthy line's POST" 201 "$(post_test 7001 COPPER-HEALTHY)"
check "status of the powered-off line's POST" 201 "$(post_test 7002 COPPER-POWERED-OFF)"

read -r result code measurements <<<"$(wait_outcome 7001)" || true
check "healthy line testResult" GREEN "${result:-none}"
check "healthy line code" SERVICE_OK "${code:-none}"
if [[ "${measurements:-0}" -lt 5 ]]; then
    echo "FAILED: healthy line carries ${measurements:-0} measurements, expected at least 5" >&2
    failures=$((failures + 1))
fi

read -r result code measurements <<<"$(wait_outcome 7002)" || true
check "powered-off line testResult" RED "${result:-none}"
check "powered-off line code" CPE_POWERED_OFF "${code:-none}"

if ((failures > 0)); then
    echo "linetestd log:" >&2
    tail -n 30 "${run_dir}/linetestd.log" >&2
    exit 1
fi
echo "copper end-to-end: 2 passed, 0 failed"
