#pragma once
// A node for the real `ibvf` binary whose fake sysfs (IBVF_SYSFS_ROOT) points at real kernel
// objects: the PF netdev is a real PF driver's netdev (netdevsim), the VF's netdev a veth end and
// its RDMA device a real rxe device. One PF, one VF at a chosen index.
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "support/BinaryRunner.hpp"
#include "support/FakeSysfs.hpp"
#include "support/ScratchDir.hpp"

namespace ibvf::labtest {

class HardwareNode {
public:
    static constexpr const char* kPf = "0000:3b:00.0";
    static constexpr const char* kVf = "0000:3b:00.3";

    HardwareNode(const std::string& pfNetdev, unsigned vfIndex, const test::FakeVfOptions& vf) {
        sysfs_.addPf(kPf, pfNetdev, 4);
        // The VFs before it too: the kernel's virtfnN links have no gaps, and ibvf stops at one.
        for (unsigned i = 0; i < vfIndex; ++i) sysfs_.addVf(kPf, i, "0000:3b:01." + std::to_string(i));
        sysfs_.addVf(kPf, vfIndex, kVf, vf);
    }

    test::FakeSysfs& sysfs() { return sysfs_; }
    std::filesystem::path attachmentsDir() const { return dir_.path() / "state" / "ibvf"; }
    std::filesystem::path leasesDir() const { return dir_.path() / "state" / "ibvf-ipam" / "ibnet" / "leases"; }

    std::map<std::string, std::string> env(const std::string& command, const std::string& containerId, const std::string& netns) const {
        return {{"CNI_COMMAND", command},
                {"CNI_CONTAINERID", containerId},
                {"CNI_NETNS", netns},
                {"CNI_IFNAME", "net1"},
                {"CNI_PATH", std::string(IBVF_BUILD_DIR)},
                {"IBVF_SYSFS_ROOT", sysfs_.root().string()},
                {"IBVF_STATE_DIR", (dir_.path() / "state").string()},
                {"IBVF_RUN_DIR", (dir_.path() / "run").string()}};
    }

    test::RunResult run(const std::string& command, const std::string& containerId, const std::string& netns,
                        const std::string& conf) const {
        return test::BinaryRunner("ibvf").run(env(command, containerId, netns), conf);
    }

    // Attachment state and claims left behind, and leases held: none after a DEL or failed ADD.
    std::vector<std::string> leftovers() const {
        std::vector<std::string> files;
        for (const auto& dir : {attachmentsDir(), leasesDir()}) {
            std::error_code ec;
            for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); it != std::filesystem::recursive_directory_iterator();
                 ++it)
                if (it->is_regular_file()) files.push_back(it->path().string());
        }
        return files;
    }

private:
    test::ScratchDir dir_;
    test::FakeSysfs sysfs_;
};

// The network: `extra` spliced in (",\"guid\":\"...\""); the bundled IPAM, whose routes can be
// made to fail after every VF setting (a gateway the pod cannot reach).
inline std::string labConf(const std::string& extra, bool failingRoute = false) {
    const std::string routes = failingRoute ? R"([{"dst":"10.99.0.0/16","gw":"192.0.2.77"}])" : R"([{"dst":"10.200.0.0/16"}])";
    return R"({"cniVersion":"1.0.0","name":"ibnet","type":"ibvf","deviceID":")" + std::string(HardwareNode::kVf) + "\"" + extra +
           R"(,"ipam":{"type":"ibvf-ipam","ranges":[[{"subnet":"10.56.0.0/24"}]],"routes":)" + routes + "}}";
}

// The CNI error's code and fields ("msg", "details") from ibvf's stdout.
inline unsigned codeOf(const test::RunResult& r) {
    REQUIRE_MESSAGE(r.json, r.summary());
    return (*r.json)["code"].GetUint();
}

inline std::string field(const test::RunResult& r, const char* key) {
    return r.json && r.json->HasMember(key) ? std::string((*r.json)[key].GetString()) : std::string();
}

}  // namespace ibvf::labtest
