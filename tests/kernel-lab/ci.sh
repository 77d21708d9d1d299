#!/usr/bin/env bash
# CI's kernel-lab stage: sets the lab up (cached), then runs each entry below (a test binary of
# the normal build dir and its doctest filters) in its own VM on Debian 12's 6.1 kernel.
# Each entry's output is kept in build/kernel-lab-results/entry-N.log; a summary with times
# closes. An entry fails when its binary fails, when the VM fails (the reason is printed), when
# one of its -tc patterns names no test case (a renamed test must not drop out silently), or
# when it ran no test case at all.
#
# usage: tests/kernel-lab/ci.sh [ENTRY_NUMBER]...   (default: every entry)
# env:   IBVF_BUILD_DIR (build), IBVF_LAB_DIR and the others of run.sh and setup.sh.
set -uo pipefail
cd "$(dirname "$0")/../.."
lab_src=tests/kernel-lab
build=${IBVF_BUILD_DIR:-build}
results=$build/kernel-lab-results

entries=()
# entry <binary> <doctest args>...: one VM run. The binaries are built by the normal build.
entry() { entries+=("$(printf '%q ' "$@")"); }

# The kernel layer itself: links (up-link rename: refused before 6.2), moves with a rename in the
# same request, altnames, addresses, routes, link events, namespaces, RDMA netlink, VF requests.
entry ibvf-integration-linux -tce='*1 MB through*,*child*,*exit codes*,*environment is exactly*,*arguments reach*,*exec failures*,*spawn returns*,*unwaited child*,SharedRotatingFileSink*,BinaryRunner*'
# The plugin end to end on the real kernel: move + rename, addresses and routes, DEL after the
# netns died, a VF left under its pod name, RDMA netlink mode checks, VF requests on a veth PF.
entry ibvf-integration-plugin -tc='ADD moves the VF*,DEL is idempotent*,a VF that has come back*,a VF back on the host under its pod name*,CHECK passes*,the real kernel without InfiniBand*,guid with the real kernel*,link_state on a PF without SR-IOV*,arp_notify*,the pod*namespace died before DEL*,rdmaIsolation in shared mode*'
# IPAM: file locks and leases under 64 concurrent processes, routes in the result.
entry ibvf-integration-ipam -tc='64 concurrent ADDs*,DEL is idempotent*,requested address*'
# The device plugin: health from the PF's link events (carrier, admin down), sysfs changes.
entry ibvf-integration-deviceplugin -tc='health follows the PF link*,sriov_numvfs changes*,sriov seed config*'
# The hardware half (tests/lab/hardware, one VM: each case sets its own modules and RDMA netns
# mode): rdmaIsolation on rxe (shared mode, stock rxe refusing the move, the test-only rxe moving
# in and out), link state and GUIDs through netdevsim (ib_pf=1 and stock, zero GUIDs), the byte
# oracle against iproute2 (nlmon, strace), the device plugin's char devices of a real rxe.
entry ibvf-lab-hardware

selected=("$@")
if ((${#selected[@]} == 0)); then
  for i in "${!entries[@]}"; do selected+=($((i + 1))); done
fi

stage_start=$SECONDS
echo "=== kernel lab: setup"
if ! $lab_src/setup.sh; then
  echo "=== kernel lab: setup FAILED"
  exit 1
fi
setup_s=$((SECONDS - stage_start))

mkdir -p "$results"
summary=()
failed=0
for n in "${selected[@]}"; do
  eval "args=(${entries[$((n - 1))]})"
  bin=$build/${args[0]}
  log=$results/entry-$n.log
  label="entry $n: ${args[0]}"
  echo "=== kernel lab: $label ${args[*]:1}"
  start=$SECONDS
  verdict=
  if [ ! -x "$bin" ]; then
    verdict="FAILED: $bin is not built (cmake --build $build --target ${args[0]})"
  else
    # Each -tc pattern must name a test case: checked on the host, before booting.
    for a in "${args[@]:1}"; do
      [[ $a == -tc=* ]] || continue
      IFS=, read -ra patterns <<<"${a#-tc=}"
      for p in "${patterns[@]}"; do
        if ! "$bin" --list-test-cases --no-colors -tc="$p" | grep -q '^\[doctest\] unskipped test cases passing the current filters: [1-9]'; then
          verdict="FAILED: -tc pattern '$p' names no test case of ${args[0]}"
        fi
      done
    done
  fi
  if [ -z "$verdict" ]; then
    # TCG is several times slower than the host: the tests' bounds on "soon" stretch with it.
    # A VM that failed before the test binary printed anything (a boot that hung under TCG) is
    # booted once more; a failure once the tests run is never retried.
    retried=
    for boot in 1 2; do
      $lab_src/run.sh -e IBVF_TEST_TIME_SCALE=4 "$bin" "${args[@]:1}" --no-colors >"$log" 2>&1
      rc=$?
      vm_failure=$(grep -m1 '^kernel-lab: VM failed:' "$log")
      if [ "$boot" -eq 1 ] && [ -n "$vm_failure" ] && ! grep -q '^\[doctest\]' "$log"; then
        retried="; first boot: ${vm_failure#kernel-lab: VM failed: }"
        echo "kernel-lab: the VM failed before the tests started (${vm_failure#kernel-lab: VM failed: }); booting once more"
        continue
      fi
      break
    done
    tail -n 25 "$log"
    ran=$(sed -n 's/^\[doctest\] test cases: *\([0-9]*\) |.*/\1/p' "$log" | tail -n1)
    if [ -n "$vm_failure" ]; then
      verdict="FAILED (the VM, not the tests): ${vm_failure#kernel-lab: VM failed: }"
    elif [ "$rc" -ne 0 ]; then
      verdict="FAILED: status $rc"
    elif [ -z "$ran" ] || [ "$ran" -eq 0 ]; then
      verdict="FAILED: no test case ran"
    else
      verdict="passed, $ran test cases"
    fi
    verdict+=$retried
  fi
  [[ $verdict == passed* ]] || failed=$((failed + 1))
  summary+=("$label: $verdict ($((SECONDS - start)) s)")
done

echo "=== kernel lab: summary (setup ${setup_s} s, total $((SECONDS - stage_start)) s; logs in $results/)"
for s in "${summary[@]}"; do echo "  $s"; done
if ((failed)); then
  echo "=== kernel lab: $failed of ${#selected[@]} entries FAILED"
  exit 1
fi
echo "=== kernel lab: all ${#selected[@]} entries passed"
