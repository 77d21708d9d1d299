#!/usr/bin/env bash
# Sets up (dependencies, build with warnings as errors) and runs every test. Integration tests
# need root: they create network namespaces, veth pairs and fake sysfs trees.
set -euo pipefail
cd "$(dirname "$0")/.."
install/deps.sh
cmake --preset release
cmake --build build -j"$(nproc)"
cd build
ctest --output-on-failure
