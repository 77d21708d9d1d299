#pragma once
// Real kernel objects for the hardware cases of the kernel lab (tests/kernel-lab): an rxe RDMA
// device on a veth, a netdevsim PF with SR-IOV VFs, the RDMA netns mode. They need root and the
// lab's modules (rdma_rxe, the test-only rdma_rxe_netns and netdevsim with ib_pf), so this binary
// runs only inside the lab's VM. Objects are set up with the real tools (modprobe, rdma, sysfs
// writes) and read back with iproute2, independently of the code under test.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/BinaryRunner.hpp"
#include "support/TestNet.hpp"

namespace ibvf::labtest {

// The path of a system tool (ip, rdma, modprobe, strace, ...) in the usual sbin/bin directories.
std::string toolPath(const std::string& name);
// Runs a system tool (ip, rdma, modprobe, ...) looked up in the usual sbin/bin directories.
test::RunResult tool(const std::string& name, const std::vector<std::string>& args);
// The same; throws std::runtime_error with the tool's output unless it exits 0.
std::string mustRun(const std::string& name, const std::vector<std::string>& args);

// `modprobe module params...`; throws when it fails.
void loadModule(const std::string& module, const std::vector<std::string>& params = {});
// rmmod when loaded; throws when it stays loaded.
void unloadModule(const std::string& module);
bool moduleLoaded(const std::string& module);

// `rdma system set netns shared|exclusive`. The kernel refuses (EBUSY) while any namespace but
// the initial one exists, and namespaces of finished tests are freed asynchronously: retried
// for a few seconds.
void setRdmaNetnsMode(bool exclusive);

// An rxe device on its own host veth, standing in for a VF's RDMA device. `module` is rdma_rxe
// (stock: cannot change namespace) or rdma_rxe_netns (test-only: can); the other one is unloaded
// first since both register the "rxe" link type.
class RxeDevice {
public:
    explicit RxeDevice(const std::string& module = "rdma_rxe");
    ~RxeDevice();
    RxeDevice(const RxeDevice&) = delete;
    RxeDevice& operator=(const RxeDevice&) = delete;
    const std::string& name() const { return name_; }
    const std::string& netdev() const { return veth_.a(); }

private:
    test::VethPair veth_;
    std::string name_;
};

// RDMA device names visible from `netnsPath` (empty: this namespace), from `rdma dev`.
std::vector<std::string> rdmaDevicesIn(const std::string& netnsPath = {});
// Entries of /sys/class/infiniband as seen from `netnsPath` (sysfs shows the mounting
// namespace's devices, so it is read through `ip netns exec`, which remounts /sys).
std::vector<std::string> sysfsRdmaDevicesIn(const std::string& netnsName);

// A netdevsim device with `numVfs` VFs; its netdev is the PF. With ibPf (the lab's test-only
// module parameter) the PF is InfiniBand and keeps VF node/port GUIDs; without, GUID requests get
// the kernel's "not supported". The module is reloaded when its parameter differs.
class NetdevsimPf {
public:
    NetdevsimPf(bool ibPf, unsigned numVfs);
    ~NetdevsimPf();
    NetdevsimPf(const NetdevsimPf&) = delete;
    NetdevsimPf& operator=(const NetdevsimPf&) = delete;
    const std::string& netdev() const { return netdev_; }

private:
    unsigned id_ = 0;
    std::string netdev_;
};

// One VF as the kernel reports it in the PF's VF list (`ip -d -j link show`), GUIDs as iproute2
// prints them ("00:11:22:33:44:55:66:77", the text `ip link set ... node_guid` takes).
struct KernelVf {
    unsigned vf = 0;
    std::string linkState;  // "auto", "enable", "disable"
    std::optional<std::string> nodeGuid;
    std::optional<std::string> portGuid;
};
std::vector<KernelVf> kernelVfList(const std::string& pf);
KernelVf kernelVf(const std::string& pf, unsigned vf);

}  // namespace ibvf::labtest
