#!/usr/bin/env bash
# One-command tour of ibvf on a machine without InfiniBand: builds, makes a stand-in VF (a veth end
# registered in a fake sysfs tree as VF 0 of PF "ib0"), a fresh pod namespace, then runs ADD, shows
# the pod's view, runs DEL and shows the VF back on the host. Needs root (namespaces, veth).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (it creates a network namespace and a veth pair)" >&2; exit 1; }

install/deps.sh
cmake -S . -B "${IBVF_BUILD:-build}" >/dev/null
cmake --build "${IBVF_BUILD:-build}" -j"$(nproc)" --target ibvf ibvf-ipam >/dev/null

work=$(mktemp -d /tmp/ibvf-demo.XXXXXX)
ns=ibvf-demo-$$
vf=ibvfdemo$$
cleanup() {
  ip netns del "$ns" 2>/dev/null || true
  ip link del "$vf" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The stand-in VF: one end of a veth pair; the other end stays on the host.
ip netns add "$ns"
ip link add "$vf" type veth peer name "${vf}p"
ip link set "$vf" mtu 2044
ip link set "${vf}p" up

# A fake sysfs tree shaped like the real one for PF 0000:3b:00.0 (ib0) and its VF 0000:3b:00.2.
sys=$work/sys
pf=0000:3b:00.0; vfpci=0000:3b:00.2
dev=$sys/devices/pci0000:3a/0000:3a:00.0
mkdir -p "$sys/bus/pci/devices" "$sys/bus/pci/drivers/mlx5_core" "$sys/class/net" "$dev/$pf/net/ib0" "$dev/$vfpci/net/$vf"
echo 1 > "$dev/$pf/sriov_totalvfs"; echo 1 > "$dev/$pf/sriov_numvfs"
for d in $pf $vfpci; do
  ln -s "../../../devices/pci0000:3a/0000:3a:00.0/$d" "$sys/bus/pci/devices/$d"
  ln -s ../../../../bus/pci/drivers/mlx5_core "$dev/$d/driver"
  echo 0 > "$dev/$d/numa_node"
done
ln -s "../$vfpci" "$dev/$pf/virtfn0"; ln -s "../$pf" "$dev/$vfpci/physfn"
ln -s "../../devices/pci0000:3a/0000:3a:00.0/$pf/net/ib0" "$sys/class/net/ib0"
ln -s "../../devices/pci0000:3a/0000:3a:00.0/$vfpci/net/$vf" "$sys/class/net/$vf"
ln -s "../../../$pf" "$dev/$pf/net/ib0/device"; ln -s "../../../$vfpci" "$dev/$vfpci/net/$vf/device"

conf=$(cat <<JSON
{
  "cniVersion": "1.1.0",
  "name": "ib-demo",
  "type": "ibvf",
  "deviceID": "$vfpci",
  "mtu": 2044,
  "ipam": {
    "type": "ibvf-ipam",
    "ranges": [[{"subnet": "192.168.100.0/24", "gateway": "192.168.100.1"}]],
    "routes": [{"dst": "10.200.0.0/16"}]
  }
}
JSON
)
run() {
  env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND="$1" CNI_CONTAINERID=demo-$$ CNI_NETNS="/run/netns/$ns" \
    CNI_IFNAME=net1 CNI_PATH="$PWD/${IBVF_BUILD:-build}" IBVF_SYSFS_ROOT="$sys" IBVF_STATE_DIR="$work/state" IBVF_RUN_DIR="$work/run" \
    "${IBVF_BUILD:-build}/ibvf" <<<"$conf"
}

echo "== host before ADD: the stand-in VF $vf (PCI $vfpci)"
ip -br link show "$vf"
echo
echo "== ADD: CNI result"
run ADD
echo
echo "== inside the pod namespace"
ip -n "$ns" -br addr show
ip -n "$ns" route show
echo
echo "== DEL"
run DEL && echo "exit 0"
echo
echo "== host after DEL: the VF is back under its own name"
ip -br link show "$vf"
echo "== pod namespace after DEL"
ip -n "$ns" -br link show
