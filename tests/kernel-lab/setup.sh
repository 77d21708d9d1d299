#!/usr/bin/env bash
# Sets up the kernel lab: Debian 12's own kernel (the ABI linux-image-amd64 depends on), the
# tools the guest needs that the host lacks (kmod, tcpdump, ethtool, ibverbs-utils), two
# test-only modules built from Debian's linux-source (netdevsim with ib_pf, rdma_rxe_netns) and
# the initramfs. Packages are fetched with `apt-get download` and unpacked with `dpkg-deb -x`:
# nothing is installed on the host. Idempotent; every step is skipped when its result exists.
#
# Data (about 800 MB) goes to $IBVF_LAB_DIR (default /var/cache/ibvf-kernel-lab), never into the
# source tree. IBVF_LAB_KABI pins the kernel ABI (e.g. 6.1.0-57). Host needs: install/deps.sh --lab.
set -euo pipefail
src=$(cd "$(dirname "$0")" && pwd)
lab=${IBVF_LAB_DIR:-/var/cache/ibvf-kernel-lab}
mkdir -p "$lab"
cd "$lab"
# Two checkouts may set up the same cache at once: one at a time.
exec 9>"$lab/.setup.lock"
flock 9

kabi=${IBVF_LAB_KABI:-}
if [ -z "$kabi" ]; then
  kabi_of() { apt-cache depends linux-image-amd64 2>/dev/null |
    sed -n 's/.*Depends: linux-image-\(6\.1\.[0-9]*-[0-9]*\)-amd64$/\1/p' | head -n1; }
  kabi=$(kabi_of)
  if [ -z "$kabi" ]; then
    apt-get update -qq
    kabi=$(kabi_of)
  fi
fi
[ -n "$kabi" ] || {
  echo "kernel-lab: cannot tell which 6.1 kernel linux-image-amd64 depends on; set IBVF_LAB_KABI" >&2
  exit 1
}
kver=$kabi-amd64
mkdir -p debs bin build

# 1. Downloads. The kernel's companions (headers, kbuild, source) must be of the image's own
# version: they are fetched as pkg=version and looked up by it.
deb() { compgen -G "debs/$1_${2:-*}_*.deb" | sort -V | tail -n1; }
fetch() { # fetch <pkg>[=<version>]...: the ones not in debs/ yet
  local missing=() p
  for p in "$@"; do [ -n "$(deb "${p%%=*}" "$(sed -n 's/^[^=]*=//p' <<<"$p")")" ] || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  echo "kernel-lab: downloading ${missing[*]}"
  (cd debs && apt-get download "${missing[@]}" 2>&1 | grep -v 'Download is performed unsandboxed' || true)
  for p in "${missing[@]}"; do
    [ -n "$(deb "${p%%=*}" "$(sed -n 's/^[^=]*=//p' <<<"$p")")" ] || { echo "kernel-lab: apt-get download $p failed" >&2; exit 1; }
  done
}
fetch linux-image-"$kver" kmod tcpdump libpcap0.8 ethtool ibverbs-utils
kpkg=$(dpkg-deb -f "$(deb linux-image-"$kver")" Version)
fetch linux-headers-"$kver=$kpkg" linux-headers-"$kabi-common=$kpkg" linux-kbuild-6.1="$kpkg" linux-source-6.1="$kpkg"

# 2. The kernel and its modules.
if [ "$(cat kernel/.version 2>/dev/null)" != "$kver $kpkg" ]; then
  rm -rf kernel.tmp kernel
  dpkg-deb -x "$(deb linux-image-"$kver")" kernel.tmp
  echo "$kver $kpkg" >kernel.tmp/.version
  mv kernel.tmp kernel
fi
mods=kernel/lib/modules/$kver

# 3. Tools copied into the guest's root at boot, laid out for merged /usr (kmod's own links are
# absolute /bin paths). The host has no kmod: bin/ holds links for depmod and modprobe here.
if [ ! -x extra-root/usr/bin/ibv_devinfo ]; then
  rm -rf extra.tmp extra-root.tmp
  for p in kmod tcpdump libpcap0.8 ethtool ibverbs-utils; do dpkg-deb -x "$(deb "$p")" extra.tmp; done
  x=extra-root.tmp
  mkdir -p $x/usr/bin $x/usr/sbin $x/usr/lib/x86_64-linux-gnu $x/usr/lib/modprobe.d
  cp -a extra.tmp/bin/kmod extra.tmp/usr/bin/tcpdump extra.tmp/usr/bin/ibv_* $x/usr/bin/
  cp -a extra.tmp/sbin/ethtool $x/usr/sbin/
  cp -a extra.tmp/usr/lib/x86_64-linux-gnu/libpcap.so* $x/usr/lib/x86_64-linux-gnu/
  cp -a extra.tmp/lib/modprobe.d/. $x/usr/lib/modprobe.d/
  for t in depmod insmod lsmod modinfo modprobe rmmod; do ln -sf ../bin/kmod $x/usr/sbin/$t; done
  rm -rf extra.tmp extra-root
  mv $x extra-root
fi
for t in depmod modprobe; do ln -sf ../extra-root/usr/bin/kmod bin/$t; done

# 4. Test-only modules, built out of tree from Debian's linux-source against Debian's headers.
# Each is rebuilt when its patch changes (the stamp holds the patch's checksum).
hdr=$lab/hdr/usr/src/linux-headers-$kver
if [ "$(cat hdr/.version 2>/dev/null)" != "$kver $kpkg" ]; then
  rm -rf hdr
  for p in linux-headers-"$kver" linux-headers-"$kabi"-common linux-kbuild-6.1; do dpkg-deb -x "$(deb "$p" "$kpkg")" hdr; done
  echo "$kver $kpkg" >hdr/.version
  # The arch headers include the common ones by absolute path.
  sed -i "s|^include /usr/src/|include $lab/hdr/usr/src/|" "$hdr/Makefile"
fi
tree=src/$kpkg/linux-source-6.1
if [ ! -d "$tree/drivers/infiniband/sw/rxe" ] || [ ! -d "$tree/drivers/net/netdevsim" ]; then
  rm -rf src
  mkdir -p "src/$kpkg"
  dpkg-deb --fsys-tarfile "$(deb linux-source-6.1 "$kpkg")" | tar -xO ./usr/src/linux-source-6.1.tar.xz |
    tar -xJ -C "src/$kpkg" linux-source-6.1/drivers/net/netdevsim linux-source-6.1/drivers/infiniband/sw/rxe
fi
# build_module <name> <source dir> <patch> <make args...>: builds <name>.ko into updates/.
build_module() {
  local name=$1 dir=$2 patch=$src/patches/$3
  shift 3
  local stamp
  stamp="$kver $kpkg $(sha256sum <"$patch" | cut -d' ' -f1)"
  if [ -f "$mods/updates/$name.ko" ] && [ "$(cat "build/$name.stamp" 2>/dev/null)" = "$stamp" ]; then
    return
  fi
  echo "kernel-lab: building $name.ko"
  rm -rf "build/$name"
  cp -a "$dir" "build/$name"
  patch -s -p2 -d "build/$name" <"$patch"
  make -C "$hdr" M="$lab/build/$name" "$@" modules -j"$(nproc)" >"build/$name.log" 2>&1 || {
    tail -n 30 "build/$name.log" >&2
    echo "kernel-lab: building $name.ko failed (log: $lab/build/$name.log)" >&2
    exit 1
  }
  mkdir -p "$mods/updates"
  cp "build/$name/$name.ko" "$mods/updates/"
  echo "$stamp" >"build/$name.stamp"
  rm -f "$mods/modules.dep"
}
build_module netdevsim "$tree"/drivers/net/netdevsim netdevsim-ib-pf.patch CONFIG_NETDEVSIM=m
build_module rdma_rxe_netns "$tree"/drivers/infiniband/sw/rxe rdma_rxe_netns.patch
# The .deb ships no modules.dep (its postinst makes it).
[ -f "$mods/modules.dep" ] || bin/depmod -b kernel "$kver"

# 5. The initramfs: static busybox, the modules that mount the host's root (virtio 9p, overlay)
# in dependency order, and the guest's init scripts. Rebuilt when an input is newer.
img=initramfs.img
if [ ! -f $img ] || [ "$src/guest/init" -nt $img ] || [ "$src/guest/stage2" -nt $img ] || [ "$mods/modules.dep" -nt $img ]; then
  root=initramfs.tmp
  rm -rf $root
  mkdir -p $root/bin $root/modules $root/dev
  cp /bin/busybox $root/bin/busybox
  cp "$src/guest/init" "$src/guest/stage2" $root/
  chmod 755 $root/init
  for m in virtio_pci 9pnet_virtio 9p overlay; do
    bin/modprobe -d kernel -S "$kver" --show-depends $m | awk '$1 == "insmod" { print $2 }'
  done | awk '!seen[$0]++' | while read -r ko; do
    cp "$ko" $root/modules/
    basename "$ko" .ko >>$root/modules.order
  done
  (cd $root && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$lab/$img.tmp")
  mv "$img.tmp" $img
  rm -rf $root
fi
echo "$kver" >kernel.version
echo "kernel-lab: ready in $lab (kernel $kver, $(du -sh "$lab" | cut -f1))"
