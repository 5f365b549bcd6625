#!/usr/bin/env bash
# The main job, end to end on 127.0.0.1: installs and builds (unless --no-setup), then starts
# an SNMP agent playing a Huawei OLT (snmpsimd), an OAuth2 server issuing the gateway's JWTs,
# a gateway stand-in that receives KCIs, and linetestd with the demo config. It sends the
# contract's example POST /service-tests with a real token, prints the 201 and the KCIs as
# they arrive, and stops everything it started.
#
# usage: scripts/demo.sh [--no-setup] [--keep]
#   --no-setup  skip scripts/setup.sh and the build (use an existing build/)
#   --keep      keep the run directory (config, database, logs) instead of deleting it
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$(realpath -m "${LINETEST_BUILD_DIR:-${repo_root}/build}")"
run_setup=1
keep=0
for arg in "$@"; do
    case "${arg}" in
        --no-setup) run_setup=0 ;;
        --keep) keep=1 ;;
        *) echo "demo: unknown argument '${arg}'; usage: scripts/demo.sh [--no-setup] [--keep]" >&2
           exit 2 ;;
    esac
done

if [[ ${run_setup} -eq 1 ]]; then
    bash "${repo_root}/scripts/setup.sh"
    bash "${repo_root}/scripts/build.sh"
fi
daemon="${build_dir}/bin/linetestd"
plugin_dir="${build_dir}/plugins"
if [[ ! -x "${daemon}" || ! -f "${plugin_dir}/ftth_gpon_snmp.so" ]]; then
    echo "demo: ${daemon} or the GPON plugin is missing; run without --no-setup to build" >&2
    exit 1
fi

stack_name=demo
# shellcheck source=scripts/lib/stack.sh
. "${repo_root}/scripts/lib/stack.sh"
stack_init

echo "== starting the simulated OLT (snmpsimd)"
stack_start_snmpsim "${repo_root}/plugins/ftth-gpon-snmp/data" demo/olt
echo "== starting the OAuth2 server that issues the gateway's tokens"
stack_start_oauth
echo "== starting the gateway stand-in (token endpoint and /kcis)"
stack_start_gateway --log-kcis
echo "== starting linetestd"
stack_start_daemon "${repo_root}/conf/demo/linetestd.json" "${repo_root}/conf/demo/inventory.json"

echo "== asking the OAuth2 server for a token (client credentials)"
token="$(stack_token)"

echo "== POST /service-tests (the contract's example request)"
body='{"id": 23467, "serviceId": "SI2345432345", "serviceSpecification": {"id": "ftthl2r"}, "problemType": "STABILITY"}'
echo "${body}"
response="$(curl -s -w '\n%{http_code}' -X POST "http://127.0.0.1:${daemon_port}/service-tests" \
    -H "Authorization: Bearer ${token}" -H 'Content-Type: application/json' \
    -H "X-Request-ID: $(cat /proc/sys/kernel/random/uuid)" \
    -H "X-Conversation-ID: $(cat /proc/sys/kernel/random/uuid)" -H 'Tenant: EXAMPLE-ISP' \
    -d "${body}")"
status="${response##*$'\n'}"
echo "-> HTTP ${status}"
echo "${response%$'\n'*}"
if [[ "${status}" != "201" ]]; then
    echo "demo: expected 201; linetestd log:" >&2
    tail -n 20 "${run_dir}/linetestd.log" >&2
    exit 1
fi

echo "== waiting for the result KCI at the gateway stand-in"
deadline=$((SECONDS + 15))
while :; do
    kcis="$(curl -sf "http://127.0.0.1:${gateway_port}/control/kcis" || echo '[]')"
    if echo "${kcis}" | node -e '
        let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
            const list = JSON.parse(s);
            const attempts = Array.isArray(list) ? list : (list.kcis || []);
            const done = attempts.filter(a => a.body && a.body.serviceTest &&
                                              a.body.serviceTest.status === "COMPLETED");
            for (const a of attempts) console.log(JSON.stringify(a.body, null, 2));
            process.exit(done.length > 0 ? 0 : 1);
        })' >"${run_dir}/kcis.txt"; then
        cat "${run_dir}/kcis.txt"
        break
    fi
    if ((SECONDS >= deadline)); then
        echo "demo: no COMPLETED KCI within 15 s; linetestd log:" >&2
        tail -n 30 "${run_dir}/linetestd.log" >&2
        exit 1
    fi
    sleep 0.3
done

echo "== linetestd log"
cat "${run_dir}/linetestd.log"
echo "== demo finished: 201 sent, COMPLETED KCI delivered"
