// The bad-input corpus: one table of inputs a runtime, an operator or a namespace user can get
// wrong, across the CNI environment, CNI_ARGS, the network config, its IPAM section and the
// device plugin's config. Each row names the CNI error code (the device plugin's exit code for
// its config) and a fragment of the message that must say what is wrong; every one of them must
// leave the host, the pod, the state directory and the lease store exactly as they were.
// (BadInputTest.cpp has the cases that need more set-up than one invocation.)
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>

#include "NodeFootprint.hpp"
#include "PluginLab.hpp"

using namespace ibvf::test;
namespace fs = std::filesystem;

namespace {

struct Invocation {
    std::string binary = "ibvf";
    std::vector<std::string> args;
    std::map<std::string, std::string> env;
    std::string stdinText;
};

// What every row builds its invocation from: a one-VF node with a pod, and a VF without netdev.
class Corpus {
public:
    Corpus() {
        lab_.veth(0).alsoSearch(pod_.path());
        lab_.veth(1).alsoSearch(pod_.path());
        // VF 1: known to sysfs, bound to its driver, but without a netdev.
        lab_.sysfs().setVfNetdev(vfPci(1), std::nullopt);
        fs::create_directories(kubeletDir());
        sysfsRoot_ = lab_.sysfs().root();
    }
    const PluginLab& lab() const { return lab_; }
    const ScopedNetns& pod() const { return pod_; }
    fs::path kubeletDir() const { return lab_.stateDir() / "device-plugins"; }
    // A node's etcd endpoint allow-list that lists only a local etcd.
    fs::path allowList() const {
        const auto file = lab_.stateDir() / "etcd-endpoints";
        std::ofstream(file) << "# this node's etcd\nhttps://127.0.0.1:2379\n";
        return file;
    }

    // An ADD of VF 0 into the pod with `extra` spliced into a valid config.
    Invocation add(const std::string& extra, const std::string& ipam = bundledIpam()) const {
        return addConf(netconf("1.1.0", R"(,"deviceID":")" + vfPci(0) + "\"" + extra, ipam));
    }
    Invocation addConf(const std::string& conf) const { return {"ibvf", {}, lab_.env("ADD", "c-bad", pod_.path()), conf}; }
    Invocation addEnv(const std::map<std::string, std::string>& set, const std::vector<std::string>& unset = {}) const {
        auto inv = add("");
        for (const auto& [k, v] : set) inv.env[k] = v;
        for (const auto& k : unset) inv.env.erase(k);
        return inv;
    }
    Invocation addArgs(const std::string& cniArgs) const { return addEnv({{"CNI_ARGS", cniArgs}}); }
    // The ADD with a whole ipam section replaced.
    Invocation ipam(const std::string& section) const { return add("", section); }
    Invocation node(const std::string& command, const std::string& extra) const {
        return {"ibvf", {}, lab_.nodeEnv(command), netconf("1.1.0", extra, bundledIpam())};
    }
    // ibvf-device-plugin started with `config` as its config file.
    Invocation devicePlugin(const std::string& config) const {
        const fs::path file = lab_.stateDir() / ("dp-" + std::to_string(++configs_) + ".json");
        std::ofstream(file) << config;
        return {"ibvf-device-plugin",
                {"--config", file.string(), "--device-plugin-dir", kubeletDir().string()},
                {{"IBVF_SYSFS_ROOT", sysfsRoot_.string()}, {"IBVF_RUN_DIR", (lab_.stateDir() / "run").string()}},
                ""};
    }

private:
    PluginLab lab_{2};
    ScopedNetns pod_;
    fs::path sysfsRoot_;
    mutable int configs_ = 0;
};

struct BadInput {
    const char* area;
    const char* what;
    unsigned code;         // CNI error code; the device plugin's exit code for its config
    const char* fragment;  // in msg or details (CNI), in stderr (device plugin)
    std::function<Invocation(const Corpus&)> make;
};

// An etcd-backed IPAM section pointing at an address nothing listens on, with `extra` in the backend.
std::string etcdIpam(const std::string& extra) {
    return R"({"type":"ibvf-ipam","subnet":"10.56.0.0/24","nodeName":"n1","backend":{"type":"etcd",)"
           R"("endpoints":["https://10.255.0.1:2379"])" +
           extra + "}}";
}

// Ranges in the IPAM section, for the IPAM rows.
std::string ranges(const std::string& range) { return R"({"type":"ibvf-ipam","ranges":[[)" + range + "]]}"; }

const std::string kDp = "device plugin config";

std::vector<BadInput> corpus() {
    return {
        // --- the CNI environment
        // CNI_COMMAND unset is a person at a terminal, answered with the about text
        // (tests/integration/cli/VersionTest.cpp).
        {"env", "CNI_COMMAND in lower case", 4, "unknown CNI_COMMAND \"add\"",
         [](const Corpus& c) {
             return c.addEnv({{"CNI_COMMAND", "add"}});
         }},
        {"env", "CNI_COMMAND not a CNI verb", 4, "unknown CNI_COMMAND \"ATTACH\"",
         [](const Corpus& c) {
             return c.addEnv({{"CNI_COMMAND", "ATTACH"}});
         }},
        {"env", "CNI_CONTAINERID unset", 4, "CNI_CONTAINERID is required",
         [](const Corpus& c) { return c.addEnv({}, {"CNI_CONTAINERID"}); }},
        {"env", "CNI_CONTAINERID starting with a dot", 4, "must start with a letter or digit",
         [](const Corpus& c) {
             return c.addEnv({{"CNI_CONTAINERID", ".hidden"}});
         }},
        {"env", "CNI_CONTAINERID with a non-ASCII byte", 4, "may contain only",
         [](const Corpus& c) {
             return c.addEnv({{"CNI_CONTAINERID", "ctr-\xc3\xa9"}});
         }},
        {"env", "CNI_CONTAINERID too long to key a lease", 4, "cannot key a lease",
         [](const Corpus& c) {
             return c.addEnv({{"CNI_CONTAINERID", std::string(220, 'a')}});
         }},
        {"env", "CNI_CONTAINERID longer than a file name", 4, "at most 255 are allowed",
         [](const Corpus& c) {
             return c.addEnv({{"CNI_CONTAINERID", std::string(300, 'a')}});
         }},
        {"env", "CNI_IFNAME with an escape sequence", 4, "contains a control character",
         [](const Corpus& c) {
             return c.addEnv({{"CNI_IFNAME", "n\x1b[2J"}});
         }},
        {"env", "CNI_IFNAME unset", 4, "CNI_IFNAME is required", [](const Corpus& c) { return c.addEnv({}, {"CNI_IFNAME"}); }},
        {"env", "CNI_IFNAME with a tab", 4, "contains whitespace",
         [](const Corpus& c) {
             return c.addEnv({{"CNI_IFNAME", "net\t1"}});
         }},
        {"env", "CNI_IFNAME with a Latin-1 no-break space", 4, "contains whitespace",
         [](const Corpus& c) {
             return c.addEnv({{"CNI_IFNAME", "net\xa0"}});
         }},
        {"env", "CNI_NETNS a regular file", 4, "not a namespace file",
         [](const Corpus& c) {
             return c.addEnv({{"CNI_NETNS", "/etc/hostname"}});
         }},
        {"env", "CNI_NETNS a directory", 4, "cannot open network namespace /tmp",
         [](const Corpus& c) {
             return c.addEnv({{"CNI_NETNS", "/tmp"}});
         }},
        {"env", "CNI_NETNS a mount namespace", 4, "not a network namespace",
         [](const Corpus& c) {
             return c.addEnv({{"CNI_NETNS", "/proc/self/ns/mnt"}});
         }},
        {"env", "CNI_NETNS the plugin's own (host) namespace", 4, "host network namespace",
         [](const Corpus& c) {
             return c.addEnv({{"CNI_NETNS", "/proc/self/ns/net"}});
         }},
        {"env", "CNI_PATH without the exec'd IPAM", 103, "host-local",
         [](const Corpus& c) {
             auto inv = c.add("", hostLocalIpam((c.lab().stateDir() / "hl").string()));
             inv.env["CNI_PATH"] = "/nonexistent";
             return inv;
         }},
        {"env", "GC with a config older than 1.1.0", 1, "GC is not supported by cniVersion 1.0.0",
         [](const Corpus& c) {
             auto inv = c.node("GC", R"(,"cni.dev/valid-attachments":[])");
             inv.stdinText = netconf("1.0.0", R"(,"cni.dev/valid-attachments":[])", bundledIpam());
             return inv;
         }},
        {"env", "STATUS with a 0.4.0 config", 1, "STATUS is not supported by cniVersion 0.4.0",
         [](const Corpus& c) {
             auto inv = c.node("STATUS", "");
             inv.stdinText = netconf("0.4.0", "", bundledIpam());
             return inv;
         }},

        // --- CNI_ARGS
        {"CNI_ARGS", "a pair without '='", 4, "is not KEY=VALUE", [](const Corpus& c) { return c.addArgs("K8S_POD_NAME"); }},
        {"CNI_ARGS", "an empty key", 4, "has an empty key", [](const Corpus& c) { return c.addArgs("=x"); }},
        {"CNI_ARGS", "IgnoreUnknown neither 0/1 nor true/false", 4, "IgnoreUnknown must be",
         [](const Corpus& c) { return c.addArgs("IgnoreUnknown=maybe"); }},
        {"CNI_ARGS", "an unknown key without IgnoreUnknown", 4, "unknown CNI_ARGS key FOO",
         [](const Corpus& c) { return c.addArgs("FOO=bar"); }},
        {"CNI_ARGS", "a bad pair after good ones", 4, "pair 2",
         [](const Corpus& c) { return c.addArgs("IgnoreUnknown=1;K8S_POD_NAME=p;junk"); }},
        {"CNI_ARGS", "K8S_POD_NAME with a newline (a forged log line)", 4, "control character in its value",
         [](const Corpus& c) { return c.addArgs("K8S_POD_NAME=p\n2026-01-01T00:00:00.000 1 ibvf info forged"); }},
        {"CNI_ARGS", "K8S_POD_NAMESPACE with '/'", 4, "pair 0 contains '/'",
         [](const Corpus& c) { return c.addArgs("K8S_POD_NAMESPACE=../../etc"); }},
        {"CNI_ARGS", "K8S_POD_UID longer than 253 bytes", 4, "longer than 253 bytes",
         [](const Corpus& c) { return c.addArgs("K8S_POD_UID=" + std::string(254, 'u')); }},
        {"CNI_ARGS", "IP with an octet above 255", 4, "'10.56.0.300' is not an IP address",
         [](const Corpus& c) { return c.addArgs("IP=10.56.0.300"); }},
        {"CNI_ARGS", "IP that is not an address", 4, "'not-an-ip' is not an IP address",
         [](const Corpus& c) { return c.addArgs("IP=not-an-ip"); }},
        {"CNI_ARGS", "IP with a prefix length above 32", 4, "'10.56.0.5/33' is not an IP address",
         [](const Corpus& c) { return c.addArgs("IP=10.56.0.5/33"); }},
        {"CNI_ARGS", "IP outside the subnet", 103, "10.99.0.5", [](const Corpus& c) { return c.addArgs("IP=10.99.0.5"); }},
        {"CNI_ARGS", "IP the network address", 103, "10.56.0.0 is outside every range",
         [](const Corpus& c) { return c.addArgs("IP=10.56.0.0"); }},
        {"CNI_ARGS", "IP the broadcast address", 103, "10.56.0.255 is outside every range",
         [](const Corpus& c) { return c.addArgs("IP=10.56.0.255"); }},
        {"CNI_ARGS", "IP the gateway", 103, "gateway", [](const Corpus& c) { return c.addArgs("IP=10.56.0.1"); }},
        {"CNI_ARGS", "IP of a family no range has", 103, "fd00::5", [](const Corpus& c) { return c.addArgs("IP=fd00::5"); }},
        {"CNI_ARGS", "two IPs for one IPv4 range set", 103, "10.56.0.6",
         [](const Corpus& c) { return c.addArgs("IP=10.56.0.5,10.56.0.6"); }},

        // --- the network config
        {"netconf", "empty stdin", 6, "failed to parse the network configuration", [](const Corpus& c) { return c.addConf(""); }},
        {"netconf", "a JSON array", 6, "failed to parse the network configuration", [](const Corpus& c) { return c.addConf("[]"); }},
        {"netconf", "trailing garbage", 6, "failed to parse the network configuration",
         [](const Corpus& c) { return c.addConf(netconf("1.1.0", "", "") + " x"); }},
        {"netconf", "no cniVersion", 1, "has no cniVersion",
         [](const Corpus& c) { return c.addConf(R"({"name":"ibnet","type":"ibvf"})"); }},
        {"netconf", "cniVersion a number", 7, "cniVersion must be a string",
         [](const Corpus& c) { return c.addConf(R"({"cniVersion":1.0,"name":"ibnet","type":"ibvf"})"); }},
        {"netconf", "cniVersion \"1.0\"", 1, "unsupported cniVersion \"1.0\"",
         [](const Corpus& c) { return c.addConf(netconf("1.0", "", "")); }},
        {"netconf", "no name", 7, "name is required", [](const Corpus& c) { return c.addConf(R"({"cniVersion":"1.1.0","type":"ibvf"})"); }},
        {"netconf", "a name with '/'", 7, "invalid network name",
         [](const Corpus& c) { return c.addConf(R"({"cniVersion":"1.1.0","name":"ib/net","type":"ibvf"})"); }},
        {"netconf", "no type", 7, "type is required",
         [](const Corpus& c) { return c.addConf(R"({"cniVersion":"1.1.0","name":"ibnet"})"); }},
        {"netconf", "a name longer than a file name", 7, "at most 255 are allowed",
         [](const Corpus& c) { return c.addConf(R"({"cniVersion":"1.1.0","name":")" + std::string(256, 'n') + R"(","type":"ibvf"})"); }},
        {"netconf", "pfNetdevice walking out of /sys/class/net", 7, "pfNetdevice is not a network interface name",
         [](const Corpus& c) { return c.addConf(netconf("1.1.0", R"(,"pfNetdevice":"../../../etc")", bundledIpam())); }},
        {"netconf", "pfNetdevice with a control character", 7, "contains a control character",
         [](const Corpus& c) { return c.addConf(netconf("1.1.0", R"(,"pfNetdevice":"ib\u001b0")", bundledIpam())); }},
        {"netconf", "deviceID a number", 7, "deviceID must be a string",
         [](const Corpus& c) { return c.addConf(netconf("1.1.0", R"(,"deviceID":3)", bundledIpam())); }},
        {"netconf", "deviceID with PCI function 9", 7, "'0000:3b:01.9' is not a PCI address",
         [](const Corpus& c) { return c.addConf(netconf("1.1.0", R"(,"deviceID":"0000:3b:01.9")", bundledIpam())); }},
        {"netconf", "runtimeConfig.deviceID malformed", 7, "'3b:01.2' is not a PCI address",
         [](const Corpus& c) { return c.addConf(netconf("1.1.0", R"(,"runtimeConfig":{"deviceID":"3b:01.2"})", bundledIpam())); }},
        {"netconf", "pciBusID malformed", 7, "'0000:3b:01' is not a PCI address",
         [](const Corpus& c) { return c.addConf(netconf("1.1.0", R"(,"pciBusID":"0000:3b:01")", bundledIpam())); }},
        {"netconf", "deviceID of a VF without netdev", 101, "has no netdev",
         [](const Corpus& c) { return c.addConf(netconf("1.1.0", R"(,"deviceID":")" + vfPci(1) + "\"", bundledIpam())); }},
        {"netconf", "pfNetdevice that is no PF", 101, "pfNetdevice ibvf-no-pf0 is not an SR-IOV PF",
         [](const Corpus& c) { return c.addConf(netconf("1.1.0", R"(,"pfNetdevice":"ibvf-no-pf0")", bundledIpam())); }},
        {"netconf", "mtu below 68", 7, "mtu 67 is out of range", [](const Corpus& c) { return c.add(R"(,"mtu":67)"); }},
        {"netconf", "mtu above 65520", 7, "mtu 70000 is out of range", [](const Corpus& c) { return c.add(R"(,"mtu":70000)"); }},
        {"netconf", "mtu a string", 7, "mtu must be", [](const Corpus& c) { return c.add(R"(,"mtu":"1500")"); }},
        {"netconf", "link_state not a VF link state", 7, "link_state 'up' is not a VF link state",
         [](const Corpus& c) { return c.add(R"(,"link_state":"up")"); }},
        {"netconf", "guid not a GUID", 7, "guid 'zz:11:22:33:44:55:66:77' is not a GUID",
         [](const Corpus& c) { return c.add(R"(,"guid":"zz:11:22:33:44:55:66:77")"); }},
        {"netconf", "guid all zeros", 7, "is not a usable GUID",
         [](const Corpus& c) { return c.add(R"(,"guid":"00:00:00:00:00:00:00:00")"); }},
        {"netconf", "runtimeConfig.infinibandGUID all ones", 7, "runtimeConfig.infinibandGUID ff:ff:ff:ff:ff:ff:ff:ff is not a usable GUID",
         [](const Corpus& c) { return c.add(R"(,"runtimeConfig":{"infinibandGUID":"ff:ff:ff:ff:ff:ff:ff:ff"})"); }},
        {"netconf", "guidPool not a pool", 7, "guidPool 'nonsense' is not a GUID pool",
         [](const Corpus& c) { return c.add(R"(,"guidPool":"nonsense")"); }},
        {"netconf", "pkey above 16 bits", 7, "pkey is not a partition key", [](const Corpus& c) { return c.add(R"(,"pkey":"0x10000")"); }},
        {"netconf", "pkey a boolean", 7, "pkey is not a partition key", [](const Corpus& c) { return c.add(R"(,"pkey":true)"); }},
        {"netconf", "ipoibChild with vfioPciMode", 7, "ipoibChild cannot be used with vfioPciMode",
         [](const Corpus& c) { return c.add(R"(,"ipoibChild":{"pkey":"0x8001"},"vfioPciMode":true)"); }},
        {"netconf", "ipoibChild without a pkey", 7, "ipoibChild.pkey is missing",
         [](const Corpus& c) { return c.add(R"(,"ipoibChild":{})"); }},
        {"netconf", "rdmaIsolation a string", 7, "rdmaIsolation must be",
         [](const Corpus& c) { return c.add(R"(,"rdmaIsolation":"yes")"); }},
        {"netconf", "dns.nameservers not a list", 6, "nameservers must be an array of strings",
         [](const Corpus& c) { return c.add(R"(,"dns":{"nameservers":"10.0.0.1"})"); }},
        {"netconf", "ibKubernetesEnabled before ib-kubernetes configured the pod", 11, "has not configured this pod yet",
         [](const Corpus& c) { return c.add(R"(,"ibKubernetesEnabled":true)"); }},
        {"netconf", "ibKubernetesEnabled configured but without a GUID", 7, "no GUID from ib-kubernetes",
         [](const Corpus& c) { return c.add(R"(,"ibKubernetesEnabled":true,"args":{"cni":{"mellanox.infiniband.app":"configured"}})"); }},
        {"netconf", "GC without valid-attachments", 7, "cni.dev/valid-attachments is required",
         [](const Corpus& c) { return c.node("GC", ""); }},
        {"netconf", "GC valid-attachments entry not an object", 7, "must be an object",
         [](const Corpus& c) { return c.node("GC", R"(,"cni.dev/valid-attachments":["c1"])"); }},
        {"netconf", "GC valid-attachments entry without containerID", 7, "containerID",
         [](const Corpus& c) { return c.node("GC", R"(,"cni.dev/valid-attachments":[{"ifname":"net1"}])"); }},

        // --- the IPAM section
        {"ipam", "settings but no type", 7, "ipam.type is missing", [](const Corpus& c) { return c.ipam(R"({"subnet":"10.1.0.0/24"})"); }},
        {"ipam", "type with a path", 7, "ipam.type '../sbin/evil' is not a plugin name",
         [](const Corpus& c) { return c.ipam(R"({"type":"../sbin/evil"})"); }},
        {"ipam", "no ranges and no subnet", 7, "no address ranges", [](const Corpus& c) { return c.ipam(R"({"type":"ibvf-ipam"})"); }},
        {"ipam", "subnet prefix above 32", 7, "is not a CIDR",
         [](const Corpus& c) { return c.ipam(ranges(R"({"subnet":"10.56.0.0/33"})")); }},
        {"ipam", "subnet with host bits", 7, "has host bits set",
         [](const Corpus& c) { return c.ipam(ranges(R"({"subnet":"10.56.0.1/24"})")); }},
        {"ipam", "rangeStart outside the subnet", 7, "is outside subnet",
         [](const Corpus& c) { return c.ipam(ranges(R"({"subnet":"10.56.0.0/24","rangeStart":"10.57.0.10"})")); }},
        {"ipam", "rangeEnd before rangeStart", 7, "is before rangeStart",
         [](const Corpus& c) { return c.ipam(ranges(R"({"subnet":"10.56.0.0/24","rangeStart":"10.56.0.50","rangeEnd":"10.56.0.10"})")); }},
        {"ipam", "gateway of the other family", 7, "is not of the family of subnet",
         [](const Corpus& c) { return c.ipam(ranges(R"({"subnet":"10.56.0.0/24","gateway":"fd00::1"})")); }},
        {"ipam", "gateway not an address", 7, "gateway 'gw' is not an IP address",
         [](const Corpus& c) { return c.ipam(ranges(R"({"subnet":"10.56.0.0/24","gateway":"gw"})")); }},
        {"ipam", "an empty range set", 7, "at least one range",
         [](const Corpus& c) { return c.ipam(R"({"type":"ibvf-ipam","ranges":[[]]})"); }},
        {"ipam", "a range set mixing families", 7, "mixes IPv4 and IPv6",
         [](const Corpus& c) { return c.ipam(ranges(R"({"subnet":"10.56.0.0/24"},{"subnet":"fd00::/120"})")); }},
        {"ipam", "overlapping range sets", 7, "overlaps",
         [](const Corpus& c) {
             return c.ipam(R"({"type":"ibvf-ipam","ranges":[[{"subnet":"10.56.0.0/24"}],[{"subnet":"10.56.0.0/25"}]]})");
         }},
        {"ipam", "route dst not a CIDR", 7, ".dst 'nowhere' is not a CIDR",
         [](const Corpus& c) { return c.ipam(R"({"type":"ibvf-ipam","subnet":"10.56.0.0/24","routes":[{"dst":"nowhere"}]})"); }},
        {"ipam", "route gw of the other family", 7, "is not of the family of dst",
         [](const Corpus& c) {
             return c.ipam(R"({"type":"ibvf-ipam","subnet":"10.56.0.0/24","routes":[{"dst":"10.9.0.0/16","gw":"fd00::1"}]})");
         }},
        {"ipam", "rangeStart without subnet", 7, "ipam.rangeStart needs ipam.subnet",
         [](const Corpus& c) { return c.ipam(R"({"type":"ibvf-ipam","rangeStart":"10.56.0.10"})"); }},
        {"ipam", "dataDir relative", 7, "must be an absolute path",
         [](const Corpus& c) { return c.ipam(R"({"type":"ibvf-ipam","subnet":"10.56.0.0/24","dataDir":"leases"})"); }},
        {"ipam", "dataDir outside the state root", 7, "outside the allowed root",
         [](const Corpus& c) { return c.ipam(R"({"type":"ibvf-ipam","subnet":"10.56.0.0/24","dataDir":"/etc"})"); }},
        {"ipam", "etcd tls.key outside the node's etcd TLS directory", 7, "ipam.backend.tls.key '/etc/shadow' is refused",
         [](const Corpus& c) { return c.ipam(etcdIpam(R"(,"tls":{"cert":"client.pem","key":"/etc/shadow"})")); }},
        {"ipam", "etcd tls.ca with '..'", 7, "ipam.backend.tls.ca '../../ssh/ssh_host_rsa_key' is refused: it contains \"..\"",
         [](const Corpus& c) { return c.ipam(etcdIpam(R"(,"tls":{"ca":"../../ssh/ssh_host_rsa_key"})")); }},
        {"ipam", "etcd endpoint the node's allow-list does not list", 7, "'https://10.255.0.1:2379' is not allowed on this node",
         [](const Corpus& c) {
             auto inv = c.ipam(etcdIpam(""));
             inv.env["IBVF_ETCD_ENDPOINTS_FILE"] = c.allowList().string();
             return inv;
         }},
        {"ipam", "lockTimeoutMs zero", 7, "ipam.lockTimeoutMs must be between 1 and 3600000",
         [](const Corpus& c) { return c.ipam(R"({"type":"ibvf-ipam","subnet":"10.56.0.0/24","lockTimeoutMs":0})"); }},
        {"ipam", "runtimeConfig.ips entry not an address", 7, "runtimeConfig.ips[0] '10.56.0.x' is not an IP address",
         [](const Corpus& c) { return c.add(R"(,"runtimeConfig":{"ips":["10.56.0.x"]})"); }},
        {"ipam", "exclude entry not a CIDR", 7, "exclude",
         [](const Corpus& c) { return c.ipam(R"({"type":"ibvf-ipam","subnet":"10.56.0.0/24","exclude":["ten"]})"); }},

        // --- the device plugin's config (exit code 2, nothing registered, nothing enabled)
        {kDp.c_str(), "not JSON", 2, "config is not valid JSON", [](const Corpus& c) { return c.devicePlugin("{mode: sriov}"); }},
        {kDp.c_str(), "a JSON array", 2, "config must be a JSON object", [](const Corpus& c) { return c.devicePlugin("[]"); }},
        {kDp.c_str(), "no mode and no resources", 2, "mode: is required", [](const Corpus& c) { return c.devicePlugin("{}"); }},
        {kDp.c_str(), "an unknown mode", 2, "mode: must be \"sriov\" or \"hca\", not \"vhca\"",
         [](const Corpus& c) { return c.devicePlugin(R"({"mode":"vhca"})"); }},
        {kDp.c_str(), "sriov without pfNetdevices", 2, "pfNetdevices: is required with mode \"sriov\"",
         [](const Corpus& c) { return c.devicePlugin(R"({"mode":"sriov"})"); }},
        {kDp.c_str(), "hca with pfNetdevices", 2, "pfNetdevices: does not apply to mode \"hca\"",
         [](const Corpus& c) { return c.devicePlugin(R"({"mode":"hca","pfNetdevices":["ib0"]})"); }},
        {kDp.c_str(), "a reversed VF range", 2, "VF range is reversed",
         [](const Corpus& c) { return c.devicePlugin(R"({"mode":"sriov","pfNetdevices":["ib0#7-3"]})"); }},
        {kDp.c_str(), "a VF range that is not a number", 2, "VF range must be N or N-M",
         [](const Corpus& c) { return c.devicePlugin(R"({"mode":"sriov","pfNetdevices":["ib0#x"]})"); }},
        {kDp.c_str(), "an empty PF name", 2, "must not be empty",
         [](const Corpus& c) { return c.devicePlugin(R"({"mode":"sriov","pfNetdevices":[""]})"); }},
        {kDp.c_str(), "an empty resources list", 2, "must name at least one resource",
         [](const Corpus& c) { return c.devicePlugin(R"({"resources":[]})"); }},
        {kDp.c_str(), "an unknown field in a resource", 2, "resources[0].colour: unknown field",
         [](const Corpus& c) { return c.devicePlugin(R"({"resources":[{"name":"a","mode":"hca","colour":"red"}]})"); }},
        {kDp.c_str(), "a resource name with '/'", 2, "is not a valid resource name",
         [](const Corpus& c) { return c.devicePlugin(R"({"resources":[{"name":"a/b","mode":"hca"}]})"); }},
        {kDp.c_str(), "a resource defined twice", 2, "is defined twice",
         [](const Corpus& c) { return c.devicePlugin(R"({"resources":[{"name":"a","mode":"hca"},{"name":"a","mode":"hca"}]})"); }},
        {kDp.c_str(), "a vendor id of five digits", 2, "is not a 16-bit hex PCI id",
         [](const Corpus& c) { return c.devicePlugin(R"({"resources":[{"name":"a","selectors":{"vendors":["15b33"]}}]})"); }},
        {kDp.c_str(), "an unknown link type", 2, "is not a link type",
         [](const Corpus& c) { return c.devicePlugin(R"({"resources":[{"name":"a","selectors":{"linkTypes":["token-ring"]}}]})"); }},
        {kDp.c_str(), "enableVfs a string", 2, "enableVfs: must be a boolean",
         [](const Corpus& c) { return c.devicePlugin(R"({"enableVfs":"yes","mode":"hca"})"); }},
        {kDp.c_str(), "mode and resources together", 2, "use either the top-level mode/pfNetdevices or resources",
         [](const Corpus& c) { return c.devicePlugin(R"({"mode":"hca","resources":[{"name":"a","mode":"hca"}]})"); }},
        {kDp.c_str(), "the config file missing", 2, "no such file",
         [](const Corpus& c) {
             auto inv = c.devicePlugin("");
             inv.args[1] += ".missing";
             return inv;
         }},
    };
}

// Whether the invocation failed as the row says; the reason when not.
std::string mismatch(const BadInput& row, const RunResult& r) {
    if (std::string(row.area) == kDp) {
        if (r.exitCode != static_cast<int>(row.code)) return "exit code " + std::to_string(r.exitCode);
        if (r.err.find(row.fragment) == std::string::npos) return "fragment not in stderr";
        return {};
    }
    if (r.exitCode == 0) return "succeeded";
    if (!r.json || !r.json->HasMember("code")) return "no CNI error on stdout";
    const auto code = (*r.json)["code"].GetUint();
    const std::string text = jsonString(*r.json, "msg") + " | " + jsonString(*r.json, "details");
    if (code != row.code) return "code " + std::to_string(code);
    if (text.find(row.fragment) == std::string::npos) return "fragment not in msg/details";
    if (jsonString(*r.json, "msg").empty()) return "empty msg";
    return {};
}

}  // namespace

TEST_CASE("bad-input corpus: every bad input gets its code and says what is wrong, and changes nothing") {
    Corpus c;
    const auto before = NodeFootprint::capture(c.lab(), {c.pod().path()});
    const auto rows = corpus();
    std::map<std::string, int> perArea;
    for (const auto& row : rows) {
        const std::string area = row.area;
        const std::string what = row.what;
        CAPTURE(area);
        CAPTURE(what);
        const Invocation inv = row.make(c);
        const auto r = BinaryRunner(inv.binary).run(inv.args, inv.env, inv.stdinText);
        const auto why = mismatch(row, r);
        CHECK_MESSAGE(why.empty(), why << ": expected " << row.code << " '" << row.fragment << "'; " << r.summary());
        // An ADD that wrongly succeeded is taken back, so that the next rows start clean.
        if (r.exitCode == 0 && inv.binary == "ibvf" && inv.env.count("CNI_CONTAINERID")) {
            auto del = inv.env;
            del["CNI_COMMAND"] = "DEL";
            BinaryRunner("ibvf").run(del, inv.stdinText);
        }
        const auto after = NodeFootprint::capture(c.lab(), {c.pod().path()});
        CHECK_MESSAGE(after == before, before.diff(after));
        CHECK(filesUnder(c.kubeletDir()).empty());  // no device plugin socket
        ++perArea[row.area];
    }
    CHECK(rows.size() >= 60);
    std::cout << "\nbad-input corpus: " << rows.size() << " inputs";
    for (const auto& [area, n] : perArea) std::cout << ", " << area << " " << n;
    std::cout << "\n" << std::flush;
}

namespace {

// Every entry under `dir`: relative path -> its type, mode and content (a symlink's target), so
// that a created, removed, written or re-linked entry shows.
std::map<std::string, std::string> treeSnapshot(const fs::path& dir) {
    std::map<std::string, std::string> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const auto st = fs::symlink_status(it->path(), ec);
        std::string what = std::to_string(static_cast<int>(st.type())) + " " + std::to_string(static_cast<int>(st.permissions())) + " ";
        if (st.type() == fs::file_type::symlink) {
            what += fs::read_symlink(it->path(), ec).string();
        } else if (st.type() == fs::file_type::regular) {
            std::ifstream in(it->path());
            what += std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
        out[it->path().lexically_relative(dir).string()] = what;
    }
    return out;
}

// The entries of the log directory that are not the default log and its rotation companions.
std::map<std::string, std::string> logDirExtras(const fs::path& logDir) {
    auto all = treeSnapshot(logDir);
    for (auto it = all.begin(); it != all.end();) {
        it = it->first.rfind("ibvf.log", 0) == 0 ? all.erase(it) : std::next(it);
    }
    return all;
}

struct UntrustedLogFile {
    const char* what;
    std::string logFile;  // as JSON string content
    std::string shown;    // how the warning names it
};

}  // namespace

TEST_CASE(
    "bad-input corpus, untrusted paths: a logFile outside the log directory is refused with a warning; the ADD "
    "succeeds and nothing outside changes") {
    Corpus c;
    const fs::path logDir = c.lab().stateDir() / "log";  // IBVF_LOG_DIR of the lab's env
    const fs::path trap = c.lab().stateDir() / "trap";   // stands in for the node's /etc
    const fs::path etc = trap / "etc";
    fs::create_directories(etc / "sudoers.d");
    fs::create_directories(etc / "cron.d");
    std::ofstream(etc / "passwd") << "root:x:0:0:root:/root:/bin/bash\n";
    fs::create_directories(logDir);
    fs::create_directory_symlink(etc, logDir / "etc-link");
    fs::create_symlink(etc / "passwd", logDir / "passwd.log");
    fs::create_symlink(etc / "ld.so.preload", logDir / "dangling.log");
    fs::create_directories(logDir / "sub");
    fs::create_directory_symlink(etc / "cron.d", logDir / "sub" / "cron");

    const std::string etcText = etc.string();
    const std::vector<UntrustedLogFile> rows = {
        {"an absolute path outside the log directory", etcText + "/sudoers.d/ibvf", etcText + "/sudoers.d/ibvf"},
        {"'..' out of the log directory", logDir.string() + "/../trap/etc/ld.so.preload", logDir.string() + "/../trap/etc/ld.so.preload"},
        {"a relative path with '..'", "../trap/etc/cron.d/evil", "../trap/etc/cron.d/evil"},
        {"through a directory symlink in the log directory", "etc-link/sudoers.d/x", "etc-link/sudoers.d/x"},
        {"a file symlink in the log directory", "passwd.log", "passwd.log"},
        {"a dangling symlink in the log directory", "dangling.log", "dangling.log"},
        {"a symlink deeper down", "sub/cron/evil", "sub/cron/evil"},
        {"a newline (a forged log line)", "x\\n2026-01-01 forged.log", "x\\x0a2026-01-01 forged.log"},
    };
    const auto etcBefore = treeSnapshot(trap);
    const auto extrasBefore = logDirExtras(logDir);
    const auto before = NodeFootprint::capture(c.lab(), {c.pod().path()});
    for (const auto& row : rows) {
        CAPTURE(row.what);
        // (ipam.logFile, which only the standalone ibvf-ipam reads: IpamBinaryTest.cpp.)
        const Invocation inv = c.add(R"(,"logFile":")" + row.logFile + "\"");
        const auto r = BinaryRunner(inv.binary).run(inv.args, inv.env, inv.stdinText);
        CHECK_MESSAGE(r.exitCode == 0, r.summary());
        auto del = inv.env;
        del["CNI_COMMAND"] = "DEL";
        CHECK(BinaryRunner("ibvf").run(del, inv.stdinText).exitCode == 0);
        std::ifstream in(logDir / "ibvf.log");
        const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        CHECK_MESSAGE(log.find("logFile '" + row.shown + "' refused") != std::string::npos, "no warning in " << log);
        CHECK(log.find("\n2026-01-01 forged") == std::string::npos);
        CHECK(treeSnapshot(trap) == etcBefore);
        CHECK(logDirExtras(logDir) == extrasBefore);
        const auto after = NodeFootprint::capture(c.lab(), {c.pod().path()});
        CHECK_MESSAGE(after == before, before.diff(after));
    }
    std::cout << "bad-input corpus, untrusted logFile: " << rows.size() << " inputs\n" << std::flush;
}
