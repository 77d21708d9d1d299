#!/usr/bin/env bash
# Installs every build, test and benchmark dependency of ibvf on a bare Debian 12 machine
# (with --hardening, also what scripts/hardening.sh needs; with --lab, what tests/kernel-lab needs).
set -euo pipefail
# --build-only: what building the binaries needs (install/Containerfile's build stage).
packages=(
  build-essential cmake pkg-config git ca-certificates
  libnl-3-dev libnl-route-3-dev rapidjson-dev libspdlog-dev libfmt-dev doctest-dev
  libibverbs-dev librdmacm-dev
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  # TLS of the etcd lease store (static libssl.a/libcrypto.a).
  libssl-dev
)
if [ "${1:-}" != "--build-only" ]; then
  packages+=(
    iproute2 procps
    containernetworking-plugins
    # tests/integration/ipamcluster and bench/ipam/etcd.sh start a real etcd (v3, 3.4).
    etcd-server
    # tests/unit/install reads the Kubernetes manifests with a real YAML parser (test-only).
    libyaml-cpp-dev
    # tests/integration/deviceplugin: a real Prometheus (2.42) scrapes ibvf-device-plugin's
    # metrics endpoint and is queried over its HTTP API (test-only; nothing ships it).
    prometheus
    # tests/e2e: a real runtime (podman with the CNI backend, runc) running a busybox-static image.
    podman runc busybox-static
    # bench/all.sh draws the benchmark chart (PNG).
    gnuplot-nox
  )
fi
# scripts/hardening.sh: clang with libFuzzer and the sanitizer runtimes, the static checkers, and
# PyYAML for seeding the fuzz corpus from netconf-examples/.
if [ "${1:-}" = --hardening ]; then
  packages+=(clang libclang-rt-14-dev clang-tidy clang-format cppcheck python3 python3-yaml)
fi
# tests/kernel-lab: qemu boots Debian's kernel (fetched by tests/kernel-lab/setup.sh with
# apt-get download, never installed); static busybox is the initramfs; gcc and make (above),
# patch, xz and libelf build the test-only modules against Debian's headers.
if [ "${1:-}" = --lab ]; then
  packages+=(qemu-system-x86 busybox-static patch xz-utils libelf1 util-linux)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
