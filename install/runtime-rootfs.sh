#!/usr/bin/env bash
# Assembles the image's root filesystem from a `cmake --install` tree (DESTDIR, prefix /usr):
# the ibvf binaries, every shared library they load (as ldd resolves them on this Debian 12
# build machine, at the same paths) and the dynamic loader. Documentation, examples and
# manifests stay out. Used by install/Containerfile and by the e2e image test.
#   install/runtime-rootfs.sh STAGING ROOTFS
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 STAGING ROOTFS" >&2; exit 2; }
staging=$1
rootfs=$2
binaries=(usr/lib/cni/ibvf usr/lib/cni/ibvf-ipam usr/lib/cni/ibvf-ipam-etcd usr/sbin/ibvf-device-plugin usr/sbin/ibvf-cni-installer)
# ibvf-diag is optional until diag/ lands; when built, it ships.
[ -e "$staging/usr/bin/ibvf-diag" ] && binaries+=(usr/bin/ibvf-diag)

mkdir -p "$rootfs"
for rel in "${binaries[@]}"; do
  [ -x "$staging/$rel" ] || { echo "runtime-rootfs: $staging/$rel is missing" >&2; exit 1; }
  install -D -m 0755 "$staging/$rel" "$rootfs/$rel"
  # ldd prints "libx.so => /path (addr)", "/lib64/ld-linux-x86-64.so.2 (addr)" or, for a static
  # binary, "not a dynamic executable" (exit 1). A library it cannot find is an error.
  if ! out=$(ldd "$staging/$rel" 2>&1); then
    grep -q 'not a dynamic executable' <<<"$out" && continue
    echo "runtime-rootfs: ldd $rel: $out" >&2; exit 1
  fi
  if grep -q 'not found' <<<"$out"; then echo "runtime-rootfs: $rel: $out" >&2; exit 1; fi
  while read -r lib; do
    # Keep the path the loader looks up (/lib64/ld-linux...), store the file it points to, with
    # its mode (the kernel refuses a dynamic loader that is not executable).
    real=$(readlink -f "$lib")
    install -D -m "$(stat -c %a "$real")" "$real" "$rootfs$lib"
  done < <(awk '/=> \//{print $3} /^\t\//{print $1}' <<<"$out" | sort -u)
done
# Directories the DaemonSets mount into and the programs expect.
mkdir -p "$rootfs/tmp" "$rootfs/etc/ibvf" "$rootfs/run/ibvf" "$rootfs/host/opt/cni/bin"
chmod 1777 "$rootfs/tmp"
