# Starts the linetest stack on 127.0.0.1 for scripts/demo.sh and bench/run.sh: an SNMP agent
# playing the equipment (snmpsimd), an OAuth2 server issuing the gateway's JWTs, the gateway
# stand-in (token endpoint and /kcis), and linetestd. Source it, then call the stack_* functions
# in order. Every process it starts is stopped by the EXIT trap that stack_init installs.
#
# Reads: repo_root, build_dir, keep (1 keeps the run directory), stack_name (for messages).
# Sets: run_dir, snmp_port, oauth_port, token_endpoint, gateway_port, gateway_secret,
# daemon_port, daemon_tls_port.

stack_pids=()

stack_cleanup() {
    local pid
    for pid in "${stack_pids[@]}"; do
        kill -TERM "${pid}" 2>/dev/null || true
    done
    for pid in "${stack_pids[@]}"; do
        wait "${pid}" 2>/dev/null || true
    done
    if [[ "${keep:-0}" -eq 1 ]]; then
        echo "${stack_name}: run directory kept: ${run_dir}"
    else
        rm -rf "${run_dir}"
    fi
}

stack_init() {
    run_dir="$(mktemp -d "/tmp/linetest-${stack_name}.XXXXXX")"
    chmod 755 "${run_dir}"
    trap stack_cleanup EXIT
}

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
            echo "${stack_name}: ${what} did not start within ${seconds} s; its log:" >&2
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

stack_start_snmpsim() {  # $1: data directory with .snmprec files, $2: community to probe
    snmp_port="$(free_port udp)"
    mkdir -p "${run_dir}/snmp/data" "${run_dir}/snmp/cache" "${run_dir}/snmp/home"
    cp -r "$1/." "${run_dir}/snmp/data/"
    local user_args=()
    if [[ $(id -u) -eq 0 ]]; then
        # snmpsimd does not run as root, so it drops to the user nobody, which must read the data.
        chown -R nobody:nogroup "${run_dir}/snmp"
        user_args=(--process-user=nobody --process-group=nogroup)
    fi
    HOME="${run_dir}/snmp/home" snmpsimd --data-dir="${run_dir}/snmp/data" \
        --cache-dir="${run_dir}/snmp/cache" --agent-udpv4-endpoint="127.0.0.1:${snmp_port}" \
        "${user_args[@]}" --logging-method="file:${run_dir}/snmpsimd.log" \
        >"${run_dir}/snmpsimd.out.log" 2>&1 &
    stack_pids+=($!)
    wait_for "snmpsimd" 20 snmpget -v2c -c "$2" -r0 -t0.3 "127.0.0.1:${snmp_port}" 1.3.6.1.2.1.1.1.0
}

stack_start_oauth() {
    node "${repo_root}/tests/peers/oauth_server.mjs" --info-file "${run_dir}/oauth.json" \
        --audience linetestd --scope service-tests --client-id fibre-cafe-gateway \
        >"${run_dir}/oauth.log" 2>&1 &
    stack_pids+=($!)
    wait_for "the OAuth2 server" 20 test -s "${run_dir}/oauth.json"
    oauth_port="$(json_field "${run_dir}/oauth.json" port)"
    token_endpoint="$(json_field "${run_dir}/oauth.json" token_endpoint)"
}

stack_start_gateway() {  # extra arguments go to the stand-in, for example --log-kcis
    gateway_secret="$(openssl rand -hex 16)"
    node "${repo_root}/tests/peers/gateway_standin.mjs" --port 0 \
        --port-file "${run_dir}/gateway.port" --client-id linetest-supplier \
        --client-secret "${gateway_secret}" "$@" >"${run_dir}/gateway.log" 2>&1 &
    stack_pids+=($!)
    wait_for "the gateway stand-in" 20 test -s "${run_dir}/gateway.port"
    gateway_port="$(cat "${run_dir}/gateway.port")"
}

# Renders a template: the @NAME@ placeholders become this run's ports, plugin directory and
# gateway client secret.
stack_render() {  # $1: template, $2: output
    sed -e "s|@SNMP_PORT@|${snmp_port}|g" -e "s|@OAUTH_PORT@|${oauth_port}|g" \
        -e "s|@GATEWAY_PORT@|${gateway_port}|g" -e "s|@DAEMON_PORT@|${daemon_port}|g" \
        -e "s|@DAEMON_TLS_PORT@|${daemon_tls_port:-}|g" -e "s|@RUN_DIR@|${run_dir}|g" \
        -e "s|@PLUGIN_DIR@|${build_dir}/plugins|g" \
        -e "s|@GATEWAY_CLIENT_SECRET@|${gateway_secret}|g" "$1" >"$2"
}

stack_start_daemon() {  # $1: config template, $2: inventory file (rendered too)
    daemon_port="$(free_port tcp)"
    daemon_tls_port="$(free_port tcp)"
    stack_render "$1" "${run_dir}/linetestd.json"
    stack_render "$2" "${run_dir}/inventory.json"
    chmod 600 "${run_dir}/linetestd.json"
    "${build_dir}/bin/linetestd" --config "${run_dir}/linetestd.json" \
        >"${run_dir}/linetestd.log" 2>&1 &
    stack_pids+=($!)
    wait_for "linetestd" 20 curl -sf "http://127.0.0.1:${daemon_port}/health/ready"
}

stack_token() {  # prints a client-credentials access token from the OAuth2 server
    curl -sf -u fibre-cafe-gateway:unused -d grant_type=client_credentials "${token_endpoint}" |
        node -e 'let s = ""; process.stdin.on("data", d => s += d)
                 .on("end", () => console.log(JSON.parse(s).access_token))'
}
