# Shared by the scripts: package installation and the build.
# shellcheck shell=bash

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

# Debian packages needed to build and run the server.
build_packages=(
    cmake ninja-build g++ ccache pkg-config git
    libboost1.74-dev libssl-dev libsqlite3-dev libpq-dev libhiredis-dev
    nlohmann-json3-dev libsimdjson-dev libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
    libgtest-dev libgmock-dev libbenchmark-dev
)
# Extra packages the tests use (services they start, tools they drive).
test_packages=(procps psmisc curl ca-certificates postgresql redis-server chromium coturn janus janus-tools iproute2 util-linux)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "need root to run: $*" >&2; return 1; fi
}

# Installs the given Debian packages that are missing (apt-get update first, once).
ensure_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "==> installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# npm and Node trust the system's CA bundle (a machine whose registry access goes through a
# TLS-inspecting proxy has that proxy's CA there, and nowhere Node looks by default).
if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
fi

ensure_node() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        echo "Node.js 20 and npm are required (they come with the machine; do not install Debian's nodejs)." >&2
        return 1
    fi
}

# cmake --preset NAME && build (targets optional).
build_preset() {
    local preset=$1; shift
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset" "$@"
}

# The first port from $1 on (at most 50 tried) where nothing on 127.0.0.1 accepts connections:
# a developer's own Redis or PostgreSQL on the default port must not make the tests fail.
free_port() {
    local port=$1 i
    for i in $(seq 0 49); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$((port + i))") 2>/dev/null; then
            echo "$((port + i))"
            return 0
        fi
    done
    echo "no free port in $port-$((port + 49))" >&2
    return 1
}
