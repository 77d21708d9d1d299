#pragma once
// What ibvf-diag finds on a node. NodeInspector fills the facts; findProblems() judges them
// without touching the node, so every problem rule is testable on made-up facts.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "linux/RdmaNetns.hpp"

namespace ibvf::diag {

enum class Severity { Error, Warning };
std::string_view severityName(Severity severity);  // "error", "warning"

struct Problem {
    Severity severity = Severity::Error;
    std::string kind;     // stable identifier for scripts, e.g. "vf-zero-guid" (docs/diag.md lists them)
    std::string subject;  // what it is about: "VF 0000:3b:00.2", "PF ib0", "RDMA", "device plugin"
    std::string message;  // what is wrong, with the values seen
    std::string fix;      // what to do about it
};

struct LinkFacts {
    std::string name;
    bool adminUp = false;  // IFF_UP
    bool carrier = false;  // IFF_LOWER_UP
    unsigned mtu = 0;
    unsigned arptype = 0;  // 32: InfiniBand
    std::string hwaddr;    // "aa:bb:..", 20 bytes for IPoIB
};
// "up", "down" (administratively), "no-carrier" (up without a link).
std::string_view linkStateName(const LinkFacts& link);

struct GuidFacts {
    std::optional<std::string> value;  // "xx:xx:xx:xx:xx:xx:xx:xx"; nullopt: could not be read
    // "netdev": bytes 12..19 of the VF netdev's IPoIB hardware address (the GUID in effect);
    // "pf": the port GUID the PF's driver reports in IFLA_VF_INFO; empty when unknown.
    std::string source;
};

// Node GUID, port GUID and pkey table entry 0 of the VF's RDMA device (sysfs), and the node and
// port GUID the PF's driver reports for the VF (IFLA_VF_INFO). Each nullopt when not readable.
struct IbIdentityFacts {
    std::optional<std::string> nodeGuid;
    std::optional<std::string> portGuid;
    std::optional<std::string> pkey0;  // "0xffff"
    std::optional<std::string> pfNodeGuid;
    std::optional<std::string> pfPortGuid;
};

// The ibvf attachment (CNI ADD) holding a VF: the pod it is in.
struct PodFacts {
    std::string containerId;
    std::string ifname;
    std::string network;
    std::string netns;
    std::string phase;  // "attached", or "attaching" while (or when a crash stopped) an ADD
    std::string pciAddress;
    std::string ipamType;
    bool netnsExists = false;
    std::vector<std::string> addresses;  // from the ADD result, "10.56.0.2/24"
    std::string statePath;
    std::optional<std::string> guid;       // the GUID ADD gave the VF
    std::optional<std::string> partition;  // ib-sriov-cni's pkey: the partition at the subnet manager
};

// The VF's IP leases in the ibvf-ipam store of its network, found by the attachment's key.
struct LeaseFacts {
    std::string network;
    std::string dir;
    std::vector<std::string> addresses;  // "10.56.0.2"
    std::optional<std::string> error;    // the store could not be read
};

// A device plugin allocation record (<run dir>/allocations/<pci>.json).
struct AllocationFacts {
    std::string pciAddress;
    std::string resource;  // "rdma/vhca"
    std::string time;      // when kubelet allocated it (RFC 3339)
    std::string path;
    std::optional<std::string> error;  // unreadable or not a record
};

struct VfFacts {
    unsigned index = 0;
    std::string pciAddress;
    bool present = true;               // false: the PF's virtfnN link points at a PCI device that is gone
    std::optional<std::string> error;  // its sysfs entry could not be read
    std::string driver;                // empty: unbound
    std::optional<std::string> rdmaDevice;
    int numaNode = -1;
    std::vector<std::string> hostNetdevs;  // sysfs <vf>/net/
    // Its netdev as netlink sees it: in the host, or inside the pod when attached.
    std::optional<LinkFacts> link;
    bool linkInPod = false;
    GuidFacts guid;
    IbIdentityFacts identity;
    std::vector<std::string> resources;  // device plugin resources whose pool lists it
    std::optional<PodFacts> pod;
    std::optional<AllocationFacts> allocation;
    std::optional<LeaseFacts> lease;
};

struct PfFacts {
    std::string netdev;
    std::vector<std::string> selectedBy;  // "auto", "--pf", "device-plugin-config"
    std::optional<std::string> error;     // not found / not an SR-IOV PF: the fields below are unset
    std::string pciAddress;
    std::optional<std::string> rdmaDevice;
    int linkType = -1;  // class/net/<pf>/type (ARPHRD_*), -1 when unreadable
    std::optional<LinkFacts> link;
    unsigned totalVfs = 0;
    unsigned numVfs = 0;
    std::vector<VfFacts> vfs;
};

struct RdmaFacts {
    std::optional<linux::RdmaNetnsMode> netnsMode;  // nullopt: could not be read
    std::string detail;                             // why not
};

struct DevicePluginResourceFacts {
    std::string name;         // "rdma/vhca"
    std::string socket;       // <dir>/ibvf-rdma-vhca.sock
    std::string socketState;  // "listening", "not-listening" (a file nobody serves), "missing"
    // With the config's "cdi" not "off": the pool's CDI spec file and "current" (names every
    // device of the pool), "missing" or "unreadable"; empty with CDI off.
    std::string cdiSpec;
    std::string cdiSpecState;
    std::vector<std::string> cdiUnnamed;  // devices of the pool (CDI names) the spec does not name
};

struct DevicePluginFacts {
    std::optional<std::string> configPath;  // nullopt: no config (default path absent)
    bool configExplicit = false;            // named with --device-plugin-config
    std::optional<std::string> configError;
    std::string socketDir;
    std::vector<DevicePluginResourceFacts> resources;
    std::vector<std::string> poolProblems;  // what discovery could not use ("PF ib9: no netdev ...")
};

struct PathFacts {
    std::string sysfsRoot;
    std::string attachments;
    std::string allocations;
    std::string ipamDataDir;
};

struct NodeFacts {
    PathFacts paths;
    RdmaFacts rdma;
    DevicePluginFacts devicePlugin;
    std::vector<PfFacts> pfs;
    // Records and attachments naming a VF that is no longer a VF of this node (listed PFs' VFs
    // are reported under their VF instead).
    std::vector<AllocationFacts> staleAllocations;
    std::vector<PodFacts> staleAttachments;
    std::vector<std::string> corruptStates;  // "<path>: <why>"
};

struct NodeReport {
    NodeFacts facts;
    std::vector<Problem> problems;
    // Things worth knowing that are not problems ("RDMA netns mode unknown: no RDMA netlink").
    std::vector<std::string> notes;

    std::size_t count(Severity severity) const;
};

}  // namespace ibvf::diag
