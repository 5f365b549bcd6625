#!/usr/bin/env bash
# Measures linetestd on 127.0.0.1: POST /service-tests (authenticated, validated, stored with
# an fsync, 201) against GET /health/live on the same daemon, with the same client and in the
# same run. The ratio shows what the service-test path costs over a bare HTTP round trip.
# Then it measures end to end, from the first POST until every result KCI is at the gateway
# stand-in. Last come the SQLite store on its own (linetest_store_bench: one inserting thread
# against eight, which share group commits) and the outgoing HTTP client over TLS
# (linetest_client_bench: a new connection per call against a kept one).
#
# usage: bench/run.sh [--requests N] [--connections C] [--max-seconds S]
# Bounded: each phase stops after N requests or S seconds, whichever comes first.
# Needs a build with the benchmark tools (scripts/build.sh builds them).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="$(realpath -m "${LINETEST_BUILD_DIR:-${repo_root}/build}")"
requests=2000
connections=4
max_seconds=60
keep=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --requests) requests="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        --max-seconds) max_seconds="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "bench: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
load="${build_dir}/bin/linetest_load"
for tool in "${load}" "${build_dir}/bin/linetest_store_bench" "${build_dir}/bin/linetest_client_bench"; do
    [[ -x "${tool}" ]] || { echo "bench: ${tool} is missing; run scripts/build.sh first" >&2; exit 1; }
done

stack_name=bench
# shellcheck source=scripts/lib/stack.sh
. "${repo_root}/scripts/lib/stack.sh"
stack_init

# One service per request: linetestd accepts one active test per service.
node -e '
    const n = Number(process.argv[1]);
    const services = [];
    for (let i = 0; i < n; ++i) {
        services.push({serviceId: "BENCH-" + i, tenant: "EXAMPLE-ISP",
            specification: {id: "ftthl2r", name: "FTTH Layer 2 Retail"},
            equipment: {node: "127.0.0.1:@SNMP_PORT@", profile: "huawei-ma5800",
                credentials: "demo-olt",
                attributes: {port_if_index: "4194312448", ont_id: "5", optics_class: "B+"}}});
    }
    console.log(JSON.stringify({services}));' "${requests}" >"${run_dir}/inventory.template.json"

stack_start_snmpsim "${repo_root}/plugins/ftth-gpon-snmp/data" demo/olt
stack_start_oauth
stack_start_gateway
# A certificate for the daemon's TLS listener, which only the client benchmark uses.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "${run_dir}/server.key" -out "${run_dir}/server.crt" 2>"${run_dir}/openssl.log" ||
    { echo "bench: openssl could not make the test certificate: $(cat "${run_dir}/openssl.log")" >&2; exit 1; }
stack_start_daemon "${repo_root}/bench/linetestd.json" "${run_dir}/inventory.template.json"
stack_token >"${run_dir}/token"

common=(--port "${daemon_port}" --requests "${requests}" --connections "${connections}"
        --max-seconds "${max_seconds}")
echo "bench: ${requests} requests per phase over ${connections} connections, $(nproc) cores"
reference="$("${load}" --endpoint live "${common[@]}")"
started_ns="$(date +%s%N)"
accept="$("${load}" --endpoint post --token-file "${run_dir}/token" --first-id 1000000 \
    --service-prefix BENCH- "${common[@]}")"
accepted="$(node -e 'console.log(JSON.parse(process.argv[1]).ok)' "${accept}")"

# End to end: wait (bounded) until the stand-in has one delivered KCI per accepted test.
deadline=$((SECONDS + max_seconds + 60))
delivered=0
while ((SECONDS < deadline)); do
    delivered="$(curl -sf "http://127.0.0.1:${gateway_port}/control/stats" |
        node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);
                 console.log(j.kcis_accepted)})')"
    [[ "${delivered}" -ge "${accepted}" ]] && break
    sleep 0.2
done
end_to_end_s="$(node -e 'console.log(((BigInt(process.argv[2]) - BigInt(process.argv[1])) / 1000000n).toString() / 1000)' \
    "${started_ns}" "$(date +%s%N)")"

metrics="$(curl -sf "http://127.0.0.1:${daemon_port}/metrics")"
# The store on its own, in the same run: one thread (every insert waits for its own fsync)
# against 8 threads sharing group commits.
store_result="$("${build_dir}/bin/linetest_store_bench" --directory "${run_dir}" \
    --inserts "${requests}" --threads 8 --max-seconds "${max_seconds}")"
# The outgoing client (KCIs, tokens) on sequential calls over TLS: a new connection per call
# against a kept one, both to the daemon's TLS listener.
client_result="$("${build_dir}/bin/linetest_client_bench" \
    --url "https://127.0.0.1:${daemon_tls_port}/health/live" --ca-file "${run_dir}/server.crt" \
    --requests "${requests}" --max-seconds "${max_seconds}")"

node -e '
    const [ref, acc] = [JSON.parse(process.argv[1]), JSON.parse(process.argv[2])];
    const delivered = Number(process.argv[3]), seconds = Number(process.argv[4]);
    const row = (name, r) => `| ${name} | ${r.requests} | ${r.ok} | ${r.requests_per_second.toFixed(0)} | ` +
        `${r.latency_ms.p50.toFixed(2)} | ${r.latency_ms.p90.toFixed(2)} | ${r.latency_ms.p99.toFixed(2)} |`;
    console.log("| endpoint | requests | expected status | req/s | p50 ms | p90 ms | p99 ms |");
    console.log("|---|---|---|---|---|---|---|");
    console.log(row("GET /health/live (reference)", ref));
    console.log(row("POST /service-tests", acc));
    console.log(`\nratio POST/reference: throughput ${(acc.requests_per_second / ref.requests_per_second).toFixed(3)}, ` +
        `p50 latency ${(acc.latency_ms.p50 / ref.latency_ms.p50).toFixed(1)}x`);
    console.log(`end to end: ${delivered} result KCIs delivered for ${acc.ok} accepted tests in ${seconds} s ` +
        `(${(delivered / seconds).toFixed(0)} tests/s)`);
    const counter = (name) => Number((process.argv[5].match(new RegExp(`^${name} (\\d+)$`, "m")) || [])[1]);
    const [commits, writes] = [counter("linetest_store_commits_total"), counter("linetest_store_writes_total")];
    console.log(`daemon store: ${writes} writes in ${commits} commits (${(writes / commits).toFixed(2)} writes per commit)`);
    const bench = JSON.parse(process.argv[6]);
    const rate = (measured) => `${measured.inserts_per_second.toFixed(0)} inserts/s, ` +
        `${measured.writes_per_commit.toFixed(2)} writes per commit`;
    console.log(`store alone: 1 thread (reference) ${rate(bench.reference_one_thread)}; ` +
        `${bench.threads} threads ${rate(bench.concurrent)}; ratio ${bench.throughput_ratio.toFixed(2)}`);
    const client = JSON.parse(process.argv[7]);
    const calls = (measured) => `${measured.calls} calls, ${measured.calls_per_second.toFixed(0)}/s`;
    console.log(`client over TLS: new connection per call (reference) ${calls(client.reference_new_connection)}; ` +
        `kept connection ${calls(client.kept_connection)}; ratio ${client.throughput_ratio.toFixed(2)}`);
    if (acc.ok !== acc.requests) console.log("statuses: " + JSON.stringify(acc.statuses));' \
    "${reference}" "${accept}" "${delivered}" "${end_to_end_s}" "${metrics}" "${store_result}" \
    "${client_result}"
