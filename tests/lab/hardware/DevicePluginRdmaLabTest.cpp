// The real ibvf-device-plugin with a real RDMA device: the VF of the fake PCI tree has an rxe
// device, and the sysfs classes the plugin reads char devices from (infiniband_verbs,
// infiniband_mad) are the kernel's own, as on a node. What Allocate hands out must be that
// device's /dev/infiniband nodes (uverbs, umad, issm) and rdma_cm, and no other device's.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "DevicePluginLab.hpp"
#include "LabKernel.hpp"

namespace fs = std::filesystem;
using namespace ibvf::labtest;
using namespace ibvf::test::dp;

namespace {

std::string firstLine(const fs::path& p) {
    std::ifstream in(p);
    std::string s;
    std::getline(in, s);
    return s;
}

// The kernel's char devices of `ibdev`: /dev/infiniband/<name> for each class entry naming it.
std::set<std::string> kernelCharDevices(const std::string& ibdev) {
    std::set<std::string> out;
    for (const char* cls : {"/sys/class/infiniband_verbs", "/sys/class/infiniband_mad"}) {
        for (const auto& e : fs::directory_iterator(cls)) {
            if (fs::exists(e.path() / "ibdev") && firstLine(e.path() / "ibdev") == ibdev)
                out.insert("/dev/infiniband/" + e.path().filename().string());
        }
    }
    return out;
}

// "major:minor" of the node at `path`, "" when it is not a char device.
std::string charDeviceNumber(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISCHR(st.st_mode)) return "";
    return std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
}

}  // namespace

TEST_CASE("device plugin with a real rxe device: Allocate hands out its real uverbs, umad, issm and rdma_cm") {
    loadModule("ib_umad");
    loadModule("rdma_ucm");
    RxeDevice rxe;
    RxeDevice other;  // its char devices must not be handed out
    DevicePluginLab lab(0);
    // The VF's RDMA device is the rxe; the char device classes are the kernel's.
    lab.sysfs().addVf(pfAddress(0), 0, vfAddress(0, 0), ibvf::test::FakeVfOptions().withRdma(rxe.name()));
    for (const char* cls : {"class/infiniband_verbs", "class/infiniband_mad"}) {
        fs::remove_all(lab.sysfs().root() / cls);
        fs::create_directory_symlink(fs::path("/sys") / cls, lab.sysfs().root() / cls);
    }
    const auto expected = kernelCharDevices(rxe.name());
    // uverbs from ib_uverbs, umad and issm from ib_umad: the kernel made all three for rxe.
    REQUIRE(expected.size() == 3);

    lab.writeConfig(R"({"mode":"sriov","pfNetdevices":[")" + lab.pfNetdev() + R"("]})");
    auto daemon = lab.startDaemon();
    const auto regs = lab.kubelet().waitForRegistrations(1, 10s);
    REQUIRE_MESSAGE(regs.size() == 1, daemon->log());
    PluginClient client(lab.kubeletDir() / regs.front().endpoint());
    REQUIRE_MESSAGE(client.waitForList([](const auto& r) { return r.devices_size() == 1; }, 10s), daemon->log());

    grpc::ClientContext ctx;
    v1beta1::AllocateRequest req;
    req.add_container_requests()->add_devices_ids(vfAddress(0, 0));
    v1beta1::AllocateResponse resp;
    const auto status = client.stub().Allocate(&ctx, req, &resp);
    REQUIRE_MESSAGE(status.ok(), status.error_message());
    REQUIRE(resp.container_responses_size() == 1);
    std::set<std::string> paths;
    for (const auto& d : resp.container_responses(0).devices()) paths.insert(d.host_path());

    auto want = expected;
    want.insert("/dev/infiniband/rdma_cm");
    CHECK(paths == want);
    for (const auto& p : paths) {
        CAPTURE(p);
        const std::string number = charDeviceNumber(p);
        CHECK_FALSE(number.empty());
        const fs::path name = fs::path(p).filename();
        // The node is the kernel's device: the number its class entry reports.
        if (name == "rdma_cm")
            CHECK(number == firstLine("/sys/class/misc/rdma_cm/dev"));
        else if (name.string().rfind("uverbs", 0) == 0)
            CHECK(number == firstLine("/sys/class/infiniband_verbs" / name / "dev"));
        else
            CHECK(number == firstLine("/sys/class/infiniband_mad" / name / "dev"));
    }
    for (const auto& p : kernelCharDevices(other.name())) CHECK_FALSE(paths.count(p));
    CHECK(daemon->terminate() == std::optional<int>(0));
}
