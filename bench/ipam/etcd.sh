#!/usr/bin/env bash
# The etcd lease store against the node-local one, in one run: builds ibvf-ipam, ibvf-ipam-etcd
# and ibvf-ipam-etcd-bench in a Release build dir, then runs the benchmark, which starts its own
# etcd on loopback and prints markdown tables (docs/ipam-etcd.md has figures). Extra
# arguments go to the benchmark, e.g.
#   bench/ipam/etcd.sh --iterations 300 --etcd-data /dev/shm
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$repo/build-bench}
if [[ ! -x /usr/bin/etcd ]]; then
  echo "etcd.sh: /usr/bin/etcd not found (apt-get install etcd-server)" >&2
  exit 1
fi
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target ibvf-ipam ibvf-ipam-etcd ibvf-ipam-etcd-bench -j2 >&2  # stdout is the table
exec "$build/ibvf-ipam-etcd-bench" --build-dir "$build" "$@"
