#pragma once
// An attachment state as ADD records it for one VF, for tests that write, read or look up states.
#include "node/AttachmentState.hpp"

namespace ibvf::test {

inline node::AttachmentState sampleAttachmentState() {
    node::AttachmentState s;
    s.containerId = "c0ffee";
    s.ifname = "net1";
    s.network = "ib";
    s.netns = "/run/netns/x";
    s.netnsInode = 4026532000ULL;
    s.netnsCookie = 4096;
    s.pciAddress = "0000:3b:00.2";
    s.pfPciAddress = "0000:3b:00.0";
    s.vfIndex = 0;
    s.hostName = "ib0v0";
    s.hostIfindex = 17;
    s.hwaddr = "00:00:01:49:fe:80:00:00:00:00:00:00:00:11:22:33:44:55:66:77";
    s.mtu = 2044;
    s.adminUp = true;
    s.ipamType = "ibvf-ipam";
    return s;
}

}  // namespace ibvf::test
