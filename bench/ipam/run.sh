#!/usr/bin/env bash
# ibvf-ipam against Debian's Go host-local (containernetworking-plugins), interleaved in one run:
# builds ibvf-ipam and ibvf-ipam-bench in a Release build dir, then runs the benchmark, which
# prints markdown tables (see bench/ipam/README.md). Extra arguments go to the benchmark, e.g.
#   bench/ipam/run.sh --iterations 500 --max-leases 10000
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$repo/build-bench}
host_local=${HOST_LOCAL:-/usr/lib/cni/host-local}
if [[ ! -x $host_local ]]; then
  echo "run.sh: $host_local not found (apt-get install containernetworking-plugins)" >&2
  exit 1
fi
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target ibvf-ipam ibvf-ipam-bench ibvf-bench-spawn -j2 >&2  # stdout is the table
exec "$build/ibvf-ipam-bench" --ibvf "$build/ibvf-ipam" --host-local "$host_local" "$@"
