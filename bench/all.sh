#!/usr/bin/env bash
# Every benchmark in one run, written to one directory (default bench/results/):
#   plugin.md / plugin.json / plugin.dat  ibvf vs Go host-device + host-local, ADD, CHECK, DEL,
#                                         VERSION, RSS, sizes, the floors, the bursts (bench/run.sh)
#   ipam.md                               ibvf-ipam vs Go host-local (bench/ipam/run.sh)
#   ipam-etcd.md                          the etcd lease store vs the node-local one (bench/ipam/etcd.sh)
#   deviceplugin.md                       device plugin discovery time and RSS
#   bench.png                             the plugin medians and p95, and the bursts, as bar charts (gnuplot)
# Needs root. Run it on a quiet machine.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/bench/results}
build=${BUILD_DIR:-$repo/build-bench}
export BUILD_DIR=$build
mkdir -p "$out"
"$repo/bench/run.sh" --json "$out/plugin.json" --plot-data "$out/plugin.dat" | tee "$out/plugin.md"
"$repo/bench/ipam/run.sh" | tee "$out/ipam.md"
"$repo/bench/ipam/etcd.sh" | tee "$out/ipam-etcd.md"
cmake --build "$build" --target ibvf-bench-deviceplugin -j2 >/dev/null
"$build/ibvf-bench-deviceplugin" | tee "$out/deviceplugin.md"
gnuplot -e "datafile='$out/plugin.dat'; outfile='$out/bench.png'" "$repo/bench/plot.gp"
echo "results in $out (bench.png: the chart)" >&2
