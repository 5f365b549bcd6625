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

run_dir="$(mktemp -d /tmp/linetest-demo.XXXXXX)"
chmod 755 "${run_dir}"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill -TERM "${pid}" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "${pid}" 2>/dev/null || true
    done
    if [[ ${keep} -eq 1 ]]; then
        echo "demo: run directory kept: ${run_dir}"
    else
        rm -rf "${run_dir}"
    fi
}
trap cleanup EXIT

free_port() {  # $1: tcp or udp
    python3 - "$1" <<'PY'
import socket, sys
kind = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
with socket.socket(socket.AF_INET, kind) as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
PY
}

wait_for() {  # $1: description, $2: seconds, rest: command that succeeds when ready
    local what="$1" seconds="$2"
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            echo "demo: ${what} did not start within ${seconds} s; its log:" >&2
            tail -n 20 "${run_dir}"/*.log >&2 || true
            exit 1
        fi
        sleep 0.2
    done
}

json_field() {  # $1: file, $2: field
    node -e 'const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]];
             if (v === undefined) process.exit(1); console.log(v)' "$1" "$2"
}

echo "== starting the simulated OLT (snmpsimd)"
snmp_port="$(free_port udp)"
mkdir -p "${run_dir}/snmp/data" "${run_dir}/snmp/cache" "${run_dir}/snmp/home"
cp -r "${repo_root}/plugins/ftth-gpon-snmp/data/." "${run_dir}/snmp/data/"
snmp_user_args=()
if [[ $(id -u) -eq 0 ]]; then
    # snmpsimd does not run as root, so it drops to the user nobody, which must read the data.
    chown -R nobody:nogroup "${run_dir}/snmp"
    snmp_user_args=(--process-user=nobody --process-group=nogroup)
fi
HOME="${run_dir}/snmp/home" snmpsimd --data-dir="${run_dir}/snmp/data" \
    --cache-dir="${run_dir}/snmp/cache" --agent-udpv4-endpoint="127.0.0.1:${snmp_port}" \
    "${snmp_user_args[@]}" --logging-method="file:${run_dir}/snmpsimd.log" \
    >"${run_dir}/snmpsimd.out.log" 2>&1 &
pids+=($!)
wait_for "snmpsimd" 20 snmpget -v2c -c demo/olt -r0 -t0.3 "127.0.0.1:${snmp_port}" 1.3.6.1.2.1.1.1.0

echo "== starting the OAuth2 server that issues the gateway's tokens"
node "${repo_root}/tests/peers/oauth_server.mjs" --info-file "${run_dir}/oauth.json" \
    --audience linetestd --scope service-tests --client-id fibre-cafe-gateway \
    >"${run_dir}/oauth.log" 2>&1 &
pids+=($!)
wait_for "the OAuth2 server" 20 test -s "${run_dir}/oauth.json"
oauth_port="$(json_field "${run_dir}/oauth.json" port)"
token_endpoint="$(json_field "${run_dir}/oauth.json" token_endpoint)"

echo "== starting the gateway stand-in (token endpoint and /kcis)"
gateway_secret="$(openssl rand -hex 16)"
node "${repo_root}/tests/peers/gateway_standin.mjs" --port 0 --port-file "${run_dir}/gateway.port" \
    --client-id linetest-supplier --client-secret "${gateway_secret}" --log-kcis \
    >"${run_dir}/gateway.log" 2>&1 &
pids+=($!)
wait_for "the gateway stand-in" 20 test -s "${run_dir}/gateway.port"
gateway_port="$(cat "${run_dir}/gateway.port")"

echo "== starting linetestd"
daemon_port="$(free_port tcp)"
render() {
    sed -e "s|@SNMP_PORT@|${snmp_port}|g" -e "s|@OAUTH_PORT@|${oauth_port}|g" \
        -e "s|@GATEWAY_PORT@|${gateway_port}|g" -e "s|@DAEMON_PORT@|${daemon_port}|g" \
        -e "s|@PLUGIN_DIR@|${plugin_dir}|g" -e "s|@GATEWAY_CLIENT_SECRET@|${gateway_secret}|g" \
        "$1" >"$2"
}
render "${repo_root}/conf/demo/linetestd.json" "${run_dir}/linetestd.json"
render "${repo_root}/conf/demo/inventory.json" "${run_dir}/inventory.json"
chmod 600 "${run_dir}/linetestd.json"
"${daemon}" --config "${run_dir}/linetestd.json" >"${run_dir}/linetestd.log" 2>&1 &
pids+=($!)
wait_for "linetestd" 20 curl -sf "http://127.0.0.1:${daemon_port}/health/ready"

echo "== asking the OAuth2 server for a token (client credentials)"
token="$(curl -sf -u fibre-cafe-gateway:unused -d grant_type=client_credentials \
    "${token_endpoint}" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).access_token))')"

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
