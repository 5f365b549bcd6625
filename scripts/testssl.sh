#!/usr/bin/env bash
# Runs testssl.sh against linetestd's TLS listener on 127.0.0.1 and prints its findings.
#
# Starts the daemon from a throw-away directory with a certificate made here by the openssl
# CLI (P-256 key, 90-day validity), Basic authentication and no services, runs testssl on the
# TLS port, then stops the daemon and removes the directory. Nothing leaves 127.0.0.1.
#
# Usage: scripts/testssl.sh [path/to/linetestd]
#   default binary: $LINETESTD, else build/bin/linetestd; the GPON plugin is taken from
#   ../plugins/ftth_gpon_snmp.so next to the binary's directory (the build tree layout).
# Needs: openssl, testssl (Debian package testssl.sh, installed by scripts/setup.sh).
set -euo pipefail

readonly repo=$(cd "$(dirname "$0")/.." && pwd)
readonly daemon=${1:-${LINETESTD:-$repo/build/bin/linetestd}}
readonly plugin_dir=$(cd "$(dirname "$daemon")/../plugins" 2> /dev/null && pwd || true)

die() {
    printf 'testssl: error: %s\n' "$*" >&2
    exit 1
}

[[ -x $daemon ]] || die "linetestd not found at $daemon; build it (scripts/build.sh) or pass its path"
[[ -f $plugin_dir/ftth_gpon_snmp.so ]] \
    || die "ftth_gpon_snmp.so not found next to $daemon; build the ftth_gpon_snmp target"
command -v testssl > /dev/null || die "testssl is missing; run scripts/setup.sh (package testssl.sh)"
command -v openssl > /dev/null || die "openssl is missing; run scripts/setup.sh"

work=$(mktemp -d /tmp/linetest-testssl-XXXXXX)
daemon_pid=
cleanup() {
    if [[ -n $daemon_pid ]]; then
        kill -TERM "$daemon_pid" 2> /dev/null || true
        wait "$daemon_pid" 2> /dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 90 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$work/server.key" -out "$work/server.crt" 2> "$work/openssl.log" \
    || die "openssl could not make the test certificate: $(cat "$work/openssl.log")"

# A random password: the run never authenticates, but the config needs one Basic user.
password_hash=$(openssl rand -hex 16 | "$daemon" --hash-password)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2> /dev/null \
    || echo 18443)
printf '{"services": []}\n' > "$work/inventory.json"
cat > "$work/linetestd.json" << JSON
{
    "listen": [{"address": "127.0.0.1", "port": $port, "tls": true,
                "certificate_file": "server.crt", "private_key_file": "server.key"}],
    "auth": {"mode": "basic",
             "basic": {"users": [{"user": "testssl", "password_hash": "$password_hash"}]}},
    "store": {"path": "linetest.db"},
    "inventory": {"file": "inventory.json"},
    "plugins": {"directory": "$plugin_dir",
                "instances": [{"name": "gpon", "library": "ftth_gpon_snmp.so",
                               "specifications": ["ftthl2r"]}]},
    "updates": {"base_url": "http://127.0.0.1:9/v1", "client_id": "unused",
                "client_secret": "unused"},
    "logging": {"level": "info", "target": "stderr"}
}
JSON

"$daemon" --config "$work/linetestd.json" > "$work/linetestd.log" 2>&1 &
daemon_pid=$!
listening=false
for _ in $(seq 1 100); do
    if (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
        listening=true
        break
    fi
    kill -0 "$daemon_pid" 2> /dev/null || die "linetestd exited: $(tail -5 "$work/linetestd.log")"
    sleep 0.1
done
$listening || die "linetestd did not listen on 127.0.0.1:$port within 10 s"

# Protocols, cipher categories, server preference, forward secrecy, server defaults and the
# known vulnerabilities. --ip one: only 127.0.0.1, never a DNS lookup of another address.
testssl --quiet --color 0 --warnings batch --ip one --protocols --std --server-preference \
    --fs --server-defaults --vulnerable "127.0.0.1:$port"
