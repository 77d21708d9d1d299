#!/usr/bin/env bash
# The side-by-side benchmark of the ibvf CNI plugin (issue 2 "Speed", and issue 3's targets for the
# in-process IPAM): ibvf with host-local and with ibvf-ipam, Go host-device + host-local, and the
# bare netns move, interleaved on fresh veth stand-ins and namespaces. Builds a Release build dir,
# runs the benchmark and prints a markdown table. Needs root. Extra arguments go to the benchmark:
#   bench/run.sh --iterations 200 --json /tmp/plugin-bench.json      (--help lists them all)
# Run it on a quiet machine: parallel builds or tests make every number noisy (the table prints
# the load average before and after).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$repo/build-bench}
if [[ $(id -u) -ne 0 ]]; then
  echo "run.sh: run as root (the benchmark creates network namespaces and veth pairs)" >&2
  exit 1
fi
for go in host-device host-local; do
  if [[ ! -x /usr/lib/cni/$go ]]; then
    echo "run.sh: /usr/lib/cni/$go not found (install/deps.sh installs containernetworking-plugins)" >&2
    exit 1
  fi
done
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target ibvf ibvf-ipam ibvf-bench-plugin ibvf-bench-spawn ibvf-bench-mover -j2 >/dev/null
exec "$build/ibvf-bench-plugin" --build-dir "$build" "$@"
