#!/usr/bin/env bash
# Runs a program (or, with -c, shell commands) as root inside a VM booting the lab's Debian 12
# kernel under qemu (TCG: no KVM needed), with this machine's / shared read-only (a tmpfs overlay
# on top takes the writes). The output is the VM's console; the status is the program's.
#
# usage: run.sh [-s HOSTDIR[:GUESTDIR]]... [-e NAME=VALUE]... [-v] PROGRAM [ARG]...
#        run.sh [options] -c 'SHELL COMMANDS'
#   -s  a writable host directory (GUESTDIR defaults to HOSTDIR); no spaces or commas.
#   -e  an environment variable for the program (repeatable).
#   -v  the kernel's boot log and a trace of the guest's init.
# env:  IBVF_LAB_DIR (/var/cache/ibvf-kernel-lab)  IBVF_LAB_TIMEOUT (400 s)  IBVF_LAB_CPUS (2)
#       IBVF_LAB_MEM (2048 MiB)  IBVF_LAB_APPEND (kernel command line additions)
#       IBVF_LAB_CWD (the program's working directory; default: the current one)
# exit: the program's status when it ran to its end; otherwise the VM failed, a line starting
#       "kernel-lab: VM failed:" on stderr says why, and the status is
#       124 (timed out), 125 (the VM died or could not boot), 126 (no lab: run setup.sh).
set -uo pipefail
lab=${IBVF_LAB_DIR:-/var/cache/ibvf-kernel-lab}
timeout_s=${IBVF_LAB_TIMEOUT:-400}
usage() { sed -n '5,17p' "$0" >&2; exit 2; }
fail() { # fail <status> <reason>
  echo "kernel-lab: VM failed: $2" >&2
  exit "$1"
}

shares=()
envs=()
verbose=0
shell=
while getopts "s:e:c:vh" o; do
  case $o in
    s) case $OPTARG in *:*) shares+=("$OPTARG") ;; *) shares+=("$OPTARG:$OPTARG") ;; esac ;;
    e) [[ $OPTARG == [A-Za-z_]*=* ]] || usage; envs+=("$OPTARG") ;;
    c) shell=$OPTARG ;;
    v) verbose=1 ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ -n "$shell" ] || [ $# -ge 1 ] || usage

kver=$(cat "$lab/kernel.version" 2>/dev/null)
kernel=$lab/kernel/boot/vmlinuz-$kver
[ -n "$kver" ] && [ -f "$kernel" ] && [ -f "$lab/initramfs.img" ] ||
  fail 126 "no lab in $lab: run tests/kernel-lab/setup.sh first"
command -v qemu-system-x86_64 >/dev/null || fail 126 "qemu-system-x86_64 is missing: run install/deps.sh --lab"

mkdir -p "$lab/runs"
run=$(mktemp -d "$lab/runs/run.XXXXXX")
cleanup() { rm -rf "$run"; }
trap cleanup EXIT

{
  for e in "${envs[@]}"; do printf 'export %q\n' "$e"; done
  if [ -n "$shell" ]; then
    printf '%s\n' "$shell"
  else
    printf 'exec'
    printf ' %q' "$@"
    printf '\n'
  fi
} >"$run/cmd.sh"

qemu_shares=()
guest_paths=""
i=0
for s in ${shares[@]+"${shares[@]}"}; do
  h=${s%%:*} g=${s#*:}
  case "$h$g" in *" "* | *,*) echo "kernel-lab: no spaces or commas in share paths: $s" >&2; exit 2 ;; esac
  mkdir -p "$h" || exit 2
  qemu_shares+=(-fsdev "local,id=labsh$i,path=$h,security_model=none"
    -device "virtio-9p-pci,fsdev=labsh$i,mount_tag=labsh$i")
  guest_paths="$guest_paths $g"
  i=$((i + 1))
done
{
  printf 'LAB_EXTRA=%q\n' "$lab/extra-root"
  printf 'LAB_MODULES=%q\n' "$lab/kernel/lib/modules"
  printf 'LAB_SHARES=%q\n' "$guest_paths"
  printf 'LAB_CWD=%q\n' "${IBVF_LAB_CWD:-$PWD}"
  printf 'LAB_DEBUG=%q\n' "$verbose"
} >"$run/lab.env"

# panic=-1 and -no-reboot: a kernel panic ends qemu instead of hanging until the timeout.
# no_timer_check: under TCG on a loaded host the emulated timer can be too slow for the boot-time
# IO-APIC timer check, which then panics ("IO-APIC + timer doesn't work").
append="console=ttyS0 panic=-1 edd=off 8250.nr_uarts=1 no_timer_check lab.debug=$verbose"
[ $verbose = 1 ] || append="$append quiet loglevel=3"
append="$append ${IBVF_LAB_APPEND:-}"

# No default devices (no NIC, VGA or option ROMs), qboot (fast and silent), the console on stdio.
# The console goes to our stdout and to console.log (for the failure reason); the kernel's last
# "reboot: Power down" line (pr_emerg, loglevel cannot silence it) is dropped. --foreground keeps
# qemu in our process group: Ctrl-C or stopping the group stops it too.
start=$SECONDS
{
  timeout --foreground -k 10 "$timeout_s" nice -n 10 qemu-system-x86_64 \
    -accel tcg -cpu max -smp "${IBVF_LAB_CPUS:-2}" -m "${IBVF_LAB_MEM:-2048}" \
    -machine pc -bios /usr/share/qemu/qboot.rom \
    -nodefaults -no-user-config -nographic -serial stdio -monitor none -no-reboot -rtc base=utc \
    -kernel "$kernel" -initrd "$lab/initramfs.img" -append "$append" \
    -fsdev local,id=labroot,path=/,security_model=none,readonly=on,multidevs=remap \
    -device virtio-9p-pci,fsdev=labroot,mount_tag=labroot \
    -fsdev "local,id=labctl,path=$run,security_model=none" \
    -device virtio-9p-pci,fsdev=labctl,mount_tag=labctl \
    ${qemu_shares[@]+"${qemu_shares[@]}"} </dev/null 2>"$run/qemu.err"
  echo $? >"$run/qemu.rc"
} | sed -u -e '/^\[ *[0-9]*\.[0-9]*\] reboot: Power down\r\{0,1\}$/d' | tee "$run/console.log"

if [ -s "$run/rc" ]; then
  exit "$(cat "$run/rc")"
fi
qrc=$(cat "$run/qemu.rc" 2>/dev/null || echo '?')
reason=$(grep -a -m1 -E 'kernel-lab: |Kernel panic|Oops|BUG:' "$run/console.log" | tr -d '\r')
[ -n "$reason" ] || reason=$(tail -n 3 "$run/qemu.err" | tr '\n' ' ')
if [ "$qrc" = 124 ]; then
  fail 124 "timed out after ${timeout_s} s (IBVF_LAB_TIMEOUT)${reason:+; $reason}"
fi
fail 125 "the VM stopped after $((SECONDS - start)) s before the program ended (qemu status $qrc)${reason:+: $reason}"
