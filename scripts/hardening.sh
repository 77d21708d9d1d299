#!/usr/bin/env bash
# CI's hardening stage, run by .ci/run after scripts/test.sh. Two builds under build-hardening/:
#   asan/  gcc (the compiler of the normal build) with AddressSanitizer + UndefinedBehaviorSanitizer
#          (IBVF_SANITIZE=ON, at -O1 as the sanitizers' documentation advises, which builds faster):
#          the whole ctest suite, integration tests too (run as root), under ASan/UBSan/LeakSanitizer;
#   fuzz/  clang with libFuzzer coverage (IBVF_FUZZ=ON, no tests): every fuzz target for
#          IBVF_FUZZ_SECONDS (default 30), two at a time, on a corpus seeded from
#          fuzz/corpus/<target>/ and netconf-examples/; its compile database also drives
#          clang-tidy (.clang-tidy) and cppcheck (.hardening/cppcheck-suppressions.txt).
# Before the builds, every C++ file is checked against .clang-format.
# Any format difference, sanitizer report, tidy or cppcheck diagnostic, fuzz crash, leak or timeout fails the stage.
# All stages run even when one fails; the closing line counts them. Findings (crashing inputs) are
# left in build-hardening/fuzz/fuzz-findings/.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
top=${IBVF_HARDENING_BUILD:-build-hardening}
asan=$top/asan
build=$top/fuzz
fuzz_seconds=${IBVF_FUZZ_SECONDS:-30}
jobs=$(nproc)

install/deps.sh --hardening

passed=0
failed=0
failures=()
timings=()
stage_start=0
begin() {
  echo "=== hardening: $1"
  stage_start=$SECONDS
}
# end <name> <status>
end() {
  timings+=("$1: $((SECONDS - stage_start)) s")
  if [ "$2" -eq 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$1")
    echo "=== hardening: $1 FAILED"
  fi
}

begin clang-format
status=0
# The tree as .clang-format (clang-format 14, Debian 12's) writes it; `clang-format -i <file>` mends.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z '*.cpp' '*.hpp' '*.h'
else
  find . -path './build*' -prune -o -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) -print0
fi | xargs -0 clang-format --dry-run --Werror || status=1
end clang-format "$status"

begin "build (gcc, sanitizers)"
cmake --preset sanitizers -B "$asan" >/dev/null
cmake --build "$asan" -j"$jobs"
end "build (gcc, sanitizers)" 0

begin "build (clang, fuzz targets)"
cmake --preset fuzz -B "$build" >/dev/null
cmake --build "$build" -j"$jobs"
end "build (clang, fuzz targets)" 0

# Reports of the binaries the tests exec (ibvf, ibvf-ipam, ibvf-device-plugin) go to files as
# well: their stderr is the tests' to judge, a report in it could pass unnoticed.
reports=$(cd "$asan" && pwd)/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
symbolizer=/usr/lib/llvm-14/bin/llvm-symbolizer
[ -x "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH=$symbolizer
sanitizer_env=(
  "ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:log_path=$reports/asan"
  "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
)

begin "sanitized test suite"
status=0
# One test binary at a time, as scripts/test.sh runs them: the integration tests compare
# snapshots of the host namespace, which another suite's links would disturb. Not tests/e2e:
# they package the binaries and run them in containers, which is for release builds.
(cd "$asan" && env "${sanitizer_env[@]}" ctest --output-on-failure -E '^e2e-') || status=1
if compgen -G "$reports/*" >/dev/null; then
  echo "sanitizer reports:"
  for f in "$reports"/*; do
    echo "--- $f"
    cat "$f"
  done
  status=1
fi
end "sanitized test suite" "$status"

begin clang-tidy
status=0
# Sources only (the fuzz build has no tests): tests/ would double the stage's time for checks
# aimed at product code.
tidy_files="^$src/(lib|plugin|ipam|deviceplugin|diag|install|fuzz)/"
run-clang-tidy -p "$build" -j "$jobs" -quiet "$tidy_files" >"$build/clang-tidy.log" 2>&1 || status=1
sed -i 's/\x1b\[[0-9;]*m//g' "$build/clang-tidy.log"  # run-clang-tidy 14 always asks for colours
grep -E '(error|warning):' "$build/clang-tidy.log" | sort -u || true
end clang-tidy "$status"

begin cppcheck
status=0
# The compile database less generated protobuf code (its files live in the build tree); the
# tests from the sanitizer build's (gcc) database.
/usr/bin/python3 - "$build/compile_commands.json" "$asan/compile_commands.json" "$build/cppcheck-commands.json" "$src" <<'EOF'
import json, re, sys
product = re.compile("^" + re.escape(sys.argv[4]) + "/(lib|plugin|ipam|deviceplugin|diag|install|fuzz)/")
tests = re.compile("^" + re.escape(sys.argv[4]) + "/tests/")
commands = [c for c in json.load(open(sys.argv[1])) if product.match(c["file"])]
commands += [c for c in json.load(open(sys.argv[2])) if tests.match(c["file"])]
json.dump(commands, open(sys.argv[3], "w"))
EOF
mkdir -p "$build/cppcheck"
cppcheck --project="$build/cppcheck-commands.json" --cppcheck-build-dir="$build/cppcheck" --std=c++20 --library=posix \
  --enable=warning,performance,portability --inline-suppr --suppressions-list=.hardening/cppcheck-suppressions.txt \
  --error-exitcode=1 -j"$jobs" -q --template='{file}:{line}: {severity}: {message} [{id}]' || status=1
end cppcheck "$status"

# Seeds: the checked-in corpus plus every example config, split the way the runtime hands it
# over (a conflist's plugins each get the list's name and cniVersion, as libcni does).
corpus=$build/fuzz-corpus
findings=$build/fuzz-findings
rm -rf "$corpus" "$findings"
mkdir -p "$findings"
for dir in fuzz/corpus/*/; do
  mkdir -p "$corpus/$(basename "$dir")"
  cp "$dir"* "$corpus/$(basename "$dir")/"
done
/usr/bin/python3 - "$src/netconf-examples" "$corpus" <<'EOF'
import json, pathlib, sys, yaml
examples, corpus = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
count = 0
def seed(target, name, text):
    global count
    d = corpus / target
    d.mkdir(parents=True, exist_ok=True)
    (d / ("example-" + name)).write_text(text)
    count += 1
def cni(name, text):
    conf = json.loads(text)
    if "plugins" not in conf:
        for target in ("netconf", "ipam-config"):
            seed(target, name, text)
        return
    seed("netconf", name, text)
    for i, plugin in enumerate(conf["plugins"]):
        one = dict(plugin, name=conf["name"], cniVersion=conf["cniVersion"])
        for target in ("netconf", "ipam-config"):
            seed(target, f"{name}-{i}", json.dumps(one))
for path in sorted(examples.rglob("*")):
    rel = str(path.relative_to(examples)).replace("/", "-")
    if path.suffix == ".conflist":
        cni(rel, path.read_text())
    elif path.suffix == ".json":
        seed("device-plugin-config", rel, path.read_text())
    elif path.suffix == ".yaml":
        for i, doc in enumerate(yaml.safe_load_all(path.read_text())):
            if doc and doc.get("kind") == "NetworkAttachmentDefinition":
                cni(f"{rel}-{i}", doc["spec"]["config"])
            elif doc and doc.get("kind") == "ConfigMap":
                for key, value in doc.get("data", {}).items():
                    if key.endswith(".json"):
                        seed("device-plugin-config", f"{rel}-{key}", value)
print(f"seeded {count} inputs from {examples}")
EOF

# The lease store and sysfs targets work on files: tmpfs makes them several times faster.
fuzz_tmp=$(mktemp -d "$([ -d /dev/shm ] && echo /dev/shm || echo /tmp)/ibvf-fuzz-XXXXXX")
trap 'rm -rf "$fuzz_tmp"' EXIT
# Reports go to the target's log, where libFuzzer also saves the input that caused them.
fuzz_env=("ASAN_OPTIONS=halt_on_error=1:strict_string_checks=1" "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
fuzz_one() {
  local target=$1 status=0
  mkdir -p "$corpus/$target"
  # -timeout: an input taking longer is a finding (a hang, as a huge sriov_numvfs was). Leaks
  # are reported by libFuzzer itself (-detect_leaks, on by default with ASan).
  TMPDIR=$fuzz_tmp env "${fuzz_env[@]}" \
    "$build/ibvf-fuzz-$target" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$findings/$target-" "$corpus/$target" >"$build/fuzz-$target.log" 2>&1 ||
    status=$?
  echo "$status" >"$build/fuzz-$target.status"
}
targets=()
for f in "$build"/ibvf-fuzz-*; do targets+=("${f##*/ibvf-fuzz-}"); done
begin "fuzz (${#targets[@]} targets, ${fuzz_seconds} s each, $jobs at a time)"
rm -f "$build"/fuzz-*.status
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  fuzz_one "$target" &
done
wait
for target in "${targets[@]}"; do
  runs=$(awk '/^stat::number_of_executed_units/ {print $2}' "$build/fuzz-$target.log")
  echo "fuzz $target: ${runs:-?} runs, $(grep -oE 'cov: [0-9]+' "$build/fuzz-$target.log" | tail -n1)"
  if [ "$(cat "$build/fuzz-$target.status")" != 0 ]; then
    tail -n 60 "$build/fuzz-$target.log"
    failed=$((failed + 1))
    failures+=("fuzz $target")
  else
    passed=$((passed + 1))
  fi
done
timings+=("fuzz: $((SECONDS - stage_start)) s")

echo "=== hardening: time per stage"
printf '  %s\n' "${timings[@]}"
if ((failed)); then
  printf 'failed: %s\n' "${failures[@]}"
  ls "$findings" 2>/dev/null | sed 's/^/finding: /'
fi
echo "hardening: $passed passed, $failed failed"
((failed == 0))
