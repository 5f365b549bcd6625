#!/usr/bin/env bash
# Installs what building and testing linetest needs on Debian 12 (bookworm), then the Node
# packages of the integration-test peers in tests/peers.
#
# Run as root, from any directory. Safe to run again: apt is skipped when every package is
# already installed, and `npm ci` reinstalls tests/peers/node_modules from the committed lock.
# Needs no standard input, so CI can run it in a fresh clone.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly repo_root
readonly peers_dir="${repo_root}/tests/peers"

# oauth2-mock-server 7.2.1 (pinned in tests/peers/package.json) declares node ^18.12 || ^20 || ^22.
readonly min_node_major=18
readonly min_node_minor=12

readonly apt_packages=(
    build-essential
    cmake
    pkg-config
    libboost1.81-all-dev
    nlohmann-json3-dev
    libspdlog-dev
    libgtest-dev
    libgmock-dev
    libssl-dev
    libsqlite3-dev
    sqlite3
    libsnmp-dev
    snmp
    snmpsim
    libsystemd-dev
    curl
    openssl
    testssl.sh
    ca-certificates
)

log() {
    printf 'setup: %s\n' "$*"
}

die() {
    printf 'setup: error: %s\n' "$*" >&2
    exit 1
}

# Prints the packages of the arguments that dpkg does not report as installed.
missing_packages() {
    local package status
    for package in "$@"; do
        status="$(dpkg-query -W -f='${db:Status-Status}' "${package}" 2>/dev/null || true)"
        if [[ "${status}" != "installed" ]]; then
            printf '%s\n' "${package}"
        fi
    done
}

apt_install() {
    if [[ "$(id -u)" -ne 0 ]]; then
        die "installing $* needs root; run 'sudo bash scripts/setup.sh' or install them by hand"
    fi
    export DEBIAN_FRONTEND=noninteractive
    log "apt-get update"
    apt-get update || die "apt-get update failed; check the network and /etc/apt/sources.list*"
    log "apt-get install $*"
    apt-get install -y --no-install-recommends "$@" \
        || die "apt-get install failed for: $*"
}

check_debian() {
    if [[ ! -r /etc/os-release ]]; then
        die "/etc/os-release is missing; this script supports Debian 12 (bookworm) only"
    fi
    # shellcheck disable=SC1091
    . /etc/os-release
    if [[ "${ID:-}" != "debian" || "${VERSION_ID:-}" != "12" ]]; then
        log "warning: this is ${PRETTY_NAME:-an unknown system}, not Debian 12;" \
            "package names such as libboost1.81-all-dev may not exist"
    fi
}

install_system_packages() {
    local -a missing
    mapfile -t missing < <(missing_packages "${apt_packages[@]}")
    # The Node.js packages from NodeSource bundle npm and conflict with Debian's `npm`, so
    # install Debian's Node only when no node or npm is on PATH at all.
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        log "node or npm not found on PATH; adding Debian's nodejs and npm"
        missing+=(nodejs npm)
    fi
    if [[ ${#missing[@]} -eq 0 ]]; then
        log "all system packages are already installed; skipping apt"
        return
    fi
    apt_install "${missing[@]}"
}

check_node_version() {
    local version major minor
    version="$(node --version)" || die "'node --version' failed"
    version="${version#v}"
    major="${version%%.*}"
    minor="${version#*.}"
    minor="${minor%%.*}"
    if ((major < min_node_major || (major == min_node_major && minor < min_node_minor))); then
        die "node ${version} is too old: tests/peers needs node >= ${min_node_major}.${min_node_minor}" \
            "(Debian 12's nodejs package is 18.19 or newer)"
    fi
    log "node ${version}, npm $(npm --version)"
}

install_peer_packages() {
    [[ -f "${peers_dir}/package-lock.json" ]] \
        || die "${peers_dir}/package-lock.json is missing; it is committed with package.json"
    log "npm ci in ${peers_dir}"
    (cd "${peers_dir}" && npm ci --no-audit --no-fund) \
        || die "npm ci failed in ${peers_dir}; check access to the npm registry"
}

main() {
    check_debian
    install_system_packages
    check_node_version
    install_peer_packages
    log "done"
}

main "$@"
