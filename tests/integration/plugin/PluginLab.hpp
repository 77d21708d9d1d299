#pragma once
// A node in miniature for driving the real `ibvf` binary: a fake sysfs tree with one PF and N
// VFs whose netdevs are veth ends on the host, a pod namespace, and private state/run dirs.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "support/BinaryRunner.hpp"
#include "support/FakeSysfs.hpp"
#include "support/ScratchDir.hpp"
#include "support/TestNet.hpp"

namespace ibvf::test {

inline std::string vfPci(unsigned i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0000:3b:%02x.%x", (1 + (i + 2) / 8) & 0x1fU, (i + 2) % 8);
    return buf;
}

class PluginLab {
public:
    static constexpr const char* kPf = "0000:3b:00.0";

    // The PF netdev is a real link too (a veth end), since VF settings are sent to its ifindex.
    explicit PluginLab(unsigned vfCount = 1) : pfVeth_(std::make_unique<VethPair>()), pfNetdev_(pfVeth_->a()) {
        FakePfOptions pf;
        pf.rdmaDevice = "mlx5_0";
        sysfs_.addPf(kPf, pfNetdev_, 64, pf);
        for (unsigned i = 0; i < vfCount; ++i) {
            auto veth = std::make_unique<VethPair>();
            FakeVfOptions o;
            o.netdev = veth->a();
            o.rdmaDevice = "mlx5_" + std::to_string(i + 1);
            sysfs_.addVf(kPf, i, vfPci(i), o);
            vfs_.push_back(std::move(veth));
        }
    }

    const std::string& pfNetdev() const { return pfNetdev_; }
    VethPair& pfVeth() { return *pfVeth_; }
    const std::string& vfNetdev(unsigned i) const { return vfs_.at(i)->a(); }
    VethPair& veth(unsigned i) { return *vfs_.at(i); }
    FakeSysfs& sysfs() { return sysfs_; }
    const std::filesystem::path& stateDir() const { return dir_.path(); }
    std::filesystem::path attachmentsDir() const { return dir_.path() / "state" / "ibvf"; }
    std::filesystem::path leasesDir(const std::string& network) const { return dir_.path() / "state" / "ibvf-ipam" / network; }
    std::filesystem::path hostLocalDir() const { return dir_.path() / "host-local"; }

    std::map<std::string, std::string> env(const std::string& command, const std::string& containerId, const std::string& netns,
                                           const std::string& ifname = "net1") const {
        return {{"CNI_COMMAND", command},
                {"CNI_CONTAINERID", containerId},
                {"CNI_NETNS", netns},
                {"CNI_IFNAME", ifname},
                {"CNI_PATH", std::string(IBVF_BUILD_DIR) + ":/usr/lib/cni"},
                {"IBVF_SYSFS_ROOT", sysfs_.root().string()},
                {"IBVF_STATE_DIR", (dir_.path() / "state").string()},
                {"IBVF_RUN_DIR", (dir_.path() / "run").string()},
                {"IBVF_LOG_DIR", (dir_.path() / "log").string()}};
    }

    // For GC and STATUS, which concern the node, not one attachment.
    std::map<std::string, std::string> nodeEnv(const std::string& command) const {
        auto e = env(command, "", "", "");
        for (const char* key : {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"}) e.erase(key);
        return e;
    }

    RunResult run(const std::string& command, const std::string& containerId, const std::string& netns, const std::string& conf,
                  const std::string& ifname = "net1") const {
        return BinaryRunner("ibvf").run(env(command, containerId, netns, ifname), conf);
    }

    // Files left in the attachment store (state + claims), for "nothing leaked" checks.
    std::vector<std::string> attachmentFiles() const {
        std::vector<std::string> files;
        std::error_code ec;
        for (auto it = std::filesystem::recursive_directory_iterator(attachmentsDir(), ec);
             it != std::filesystem::recursive_directory_iterator(); ++it) {
            if (it->is_regular_file()) files.push_back(it->path().lexically_relative(attachmentsDir()).string());
        }
        return files;
    }

private:
    ScratchDir dir_;
    FakeSysfs sysfs_;
    std::unique_ptr<VethPair> pfVeth_;
    std::string pfNetdev_;
    std::vector<std::unique_ptr<VethPair>> vfs_;
};

// A network config for the lab. `extra` is spliced in verbatim (",\"mtu\":2044").
inline std::string netconf(const std::string& version, const std::string& extra, const std::string& ipam) {
    std::string c = R"({"cniVersion":")" + version + R"(","name":"ibnet","type":"ibvf")" + extra;
    if (!ipam.empty()) c += R"(,"ipam":)" + ipam;
    return c + "}";
}

inline std::string bundledIpam(const std::string& subnet = "10.56.0.0/24", const std::string& gateway = "10.56.0.1") {
    return R"({"type":"ibvf-ipam","ranges":[[{"subnet":")" + subnet + R"(","gateway":")" + gateway +
           R"("}]],"routes":[{"dst":"10.200.0.0/16"}]})";
}

inline std::string hostLocalIpam(const std::string& dataDir) {
    return R"({"type":"host-local","dataDir":")" + dataDir +
           R"(","ranges":[[{"subnet":"10.57.0.0/24","gateway":"10.57.0.1"}]],"routes":[{"dst":"10.201.0.0/16"}]})";
}

}  // namespace ibvf::test

namespace ibvf::test {

inline std::size_t countEntries(const std::filesystem::path& dir) {
    std::error_code ec;
    std::size_t n = 0;
    for (auto it = std::filesystem::directory_iterator(dir, ec); it != std::filesystem::directory_iterator(); ++it) ++n;
    return n;
}

inline std::string jsonString(const rapidjson::Value& v, const char* key) {
    auto it = v.FindMember(key);
    return it != v.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString()) : std::string();
}

}  // namespace ibvf::test
