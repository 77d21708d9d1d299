// The real ibvf-device-plugin with CDI: spec files in IBVF_CDI_DIR and Allocate in each mode.
#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <sstream>

#include <rapidjson/document.h>

#include "DevicePluginLab.hpp"

namespace fs = std::filesystem;
using namespace ibvf::test::dp;

namespace {

constexpr auto kSoon = 8s;

std::string readAll(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void writeText(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::trunc);
    out << text;
}

struct Running {
    std::unique_ptr<DaemonProcess> daemon;
    v1beta1::RegisterRequest registration;
};

Running startAndRegister(DevicePluginLab& lab, std::size_t registrations = 1) {
    // rdma_cm is a misc device; its number comes from sysfs like the others'.
    writeText(lab.sysfs().root() / "class/misc/rdma_cm/dev", "10:58\n");
    Running r;
    r.daemon = lab.startDaemon();
    const auto regs = lab.kubelet().waitForRegistrations(registrations, kSoon);
    REQUIRE_MESSAGE(regs.size() == registrations, r.daemon->log());
    r.registration = regs.front();
    return r;
}

std::string sriovConfig(const DevicePluginLab& lab, const std::string& cdi) {
    return R"({"mode":"sriov","pfNetdevices":[")" + lab.pfNetdev() + R"("],"cdi":")" + cdi + R"("})";
}

// device name -> "path major:minor" of each device node, from a spec file.
std::map<std::string, std::set<std::string>> specDevices(const fs::path& file, std::string* kind = nullptr) {
    rapidjson::Document doc;
    doc.Parse(readAll(file).c_str());
    std::map<std::string, std::set<std::string>> out;
    if (!doc.IsObject() || !doc.HasMember("devices")) return out;
    if (kind != nullptr) *kind = doc["kind"].GetString();
    for (const auto& d : doc["devices"].GetArray()) {
        auto& nodes = out[d["name"].GetString()];
        for (const auto& n : d["containerEdits"]["deviceNodes"].GetArray()) {
            std::string e = n["path"].GetString();
            if (n.HasMember("major")) e += " " + std::to_string(n["major"].GetUint()) + ":" + std::to_string(n["minor"].GetUint());
            e += std::string(" ") + n["permissions"].GetString();
            nodes.insert(e);
        }
    }
    return out;
}

// The CDI name of a VF: its PCI address with '-' for ':'.
std::string cdiName(const std::string& bdf) {
    std::string n = bdf;
    for (char& c : n)
        if (c == ':') c = '-';
    return n;
}

v1beta1::ContainerAllocateResponse allocate(PluginClient& client, const std::vector<std::string>& ids) {
    v1beta1::AllocateRequest req;
    auto* cr = req.add_container_requests();
    for (const auto& id : ids) cr->add_devices_ids(id);
    v1beta1::AllocateResponse resp;
    grpc::ClientContext ctx;
    const auto status = client.stub().Allocate(&ctx, req, &resp);
    REQUIRE_MESSAGE(status.ok(), status.error_message());
    REQUIRE(resp.container_responses_size() == 1);
    return resp.container_responses(0);
}

}  // namespace

TEST_CASE("cdi devices: a spec per pool with each VF's char devices, Allocate names them, specs follow the VFs") {
    DevicePluginLab lab(4);
    lab.writeConfig(sriovConfig(lab, "devices"));
    auto run = startAndRegister(lab);
    PluginClient client(lab.kubeletDir() / run.registration.endpoint());
    REQUIRE(client.waitForList([](const auto& r) { return r.devices_size() == 4; }, kSoon));

    const fs::path spec = lab.cdiDir() / "rdma.ibvf-vhca.json";
    std::string kind;
    auto devices = specDevices(spec, &kind);
    CHECK(kind == "rdma.ibvf/vhca");
    REQUIRE_MESSAGE(devices.size() == 4, run.daemon->log());
    CHECK(devices[cdiName(vfAddress(0, 1))] == std::set<std::string>{"/dev/infiniband/uverbs2 231:2 rw", "/dev/infiniband/umad2 231:2 rw",
                                                                     "/dev/infiniband/issm2 231:2 rw", "/dev/infiniband/rdma_cm 10:58 rw"});

    const auto r = allocate(client, {vfAddress(0, 1), vfAddress(0, 2)});
    REQUIRE(r.cdi_devices_size() == 2);
    CHECK(r.cdi_devices(0).name() == "rdma.ibvf/vhca=" + cdiName(vfAddress(0, 1)));
    CHECK(r.cdi_devices(1).name() == "rdma.ibvf/vhca=" + cdiName(vfAddress(0, 2)));
    CHECK(r.devices_size() == 0);
    CHECK(r.annotations_size() == 0);
    // The environment and the device-info files are the same in every mode.
    CHECK(r.envs().at("PCIDEVICE_RDMA_VHCA") == vfAddress(0, 1) + "," + vfAddress(0, 2));
    CHECK(fs::exists(lab.devinfoDir() / ("rdma-vhca-" + vfAddress(0, 1) + "-device.json")));

    SUBCASE("fewer VFs, then more: the spec follows") {
        lab.sysfs().setNumVfs(pfAddress(0), 2);
        CHECK_MESSAGE(waitUntil([&] { return specDevices(spec).size() == 2; }, kSoon), run.daemon->log());
        CHECK(specDevices(spec).count(cdiName(vfAddress(0, 2))) == 0);
        for (unsigned i = 2; i < 5; ++i) lab.sysfs().addVf(pfAddress(0), i, vfAddress(0, i));
        CHECK_MESSAGE(waitUntil([&] { return specDevices(spec).size() == 5; }, kSoon), run.daemon->log());
        // A VF without an RDMA device still gets rdma_cm, like the classic answer.
        CHECK(specDevices(spec)[cdiName(vfAddress(0, 4))] == std::set<std::string>{"/dev/infiniband/rdma_cm 10:58 rw"});
    }
    SUBCASE("a removed spec is written again") {
        fs::remove(spec);
        CHECK_MESSAGE(waitUntil([&] { return specDevices(spec).size() == 4; }, kSoon), run.daemon->log());
    }
    // A running container may still need its spec: SIGTERM leaves it.
    CHECK(run.daemon->terminate() == std::optional<int>(0));
    CHECK(fs::exists(spec));
}

TEST_CASE("cdi annotations: one cdi.k8s.io annotation, no cdi_devices, no device specs") {
    DevicePluginLab lab(2);
    lab.writeConfig(sriovConfig(lab, "annotations"));
    auto run = startAndRegister(lab);
    PluginClient client(lab.kubeletDir() / run.registration.endpoint());
    REQUIRE(client.waitForList([](const auto& r) { return r.devices_size() == 2; }, kSoon));
    REQUIRE(waitUntil([&] { return fs::exists(lab.cdiDir() / "rdma.ibvf-vhca.json"); }, kSoon));

    const auto r = allocate(client, {vfAddress(0, 0), vfAddress(0, 1)});
    CHECK(r.cdi_devices_size() == 0);
    CHECK(r.devices_size() == 0);
    REQUIRE(r.annotations_size() == 1);
    CHECK(r.annotations().begin()->first == "cdi.k8s.io/ibvf_vhca_" + cdiName(vfAddress(0, 0)));
    CHECK(r.annotations().begin()->second == "rdma.ibvf/vhca=" + cdiName(vfAddress(0, 0)) + ",rdma.ibvf/vhca=" + cdiName(vfAddress(0, 1)));
    CHECK(r.envs().at("PCIDEVICE_RDMA_VHCA") == vfAddress(0, 0) + "," + vfAddress(0, 1));
}

TEST_CASE("cdi off: classic device specs, spec directory untouched") {
    DevicePluginLab lab(1);
    lab.writeConfig(R"({"mode":"sriov","pfNetdevices":[")" + lab.pfNetdev() + R"("]})");
    auto run = startAndRegister(lab);
    PluginClient client(lab.kubeletDir() / run.registration.endpoint());
    REQUIRE(client.waitForList([](const auto& r) { return r.devices_size() == 1; }, kSoon));
    const auto r = allocate(client, {vfAddress(0, 0)});
    CHECK(r.devices_size() == 4);
    CHECK(r.cdi_devices_size() == 0);
    CHECK(r.annotations_size() == 0);
    CHECK_FALSE(fs::exists(lab.cdiDir()));
}

TEST_CASE("cdi with a spec directory that cannot be written: logged, classic device specs") {
    DevicePluginLab lab(2);
    writeText(lab.cdiDir(), "not a directory\n");
    lab.writeConfig(sriovConfig(lab, "devices"));
    auto run = startAndRegister(lab);
    PluginClient client(lab.kubeletDir() / run.registration.endpoint());
    REQUIRE(client.waitForList([](const auto& r) { return r.devices_size() == 2; }, kSoon));
    const auto r = allocate(client, {vfAddress(0, 0)});
    CHECK(r.cdi_devices_size() == 0);
    CHECK(r.annotations_size() == 0);
    CHECK(r.devices_size() == 4);
    CHECK(run.daemon->log().find("Allocate answers with device specs instead") != std::string::npos);

    SUBCASE("and CDI names once the directory is usable") {
        fs::remove(lab.cdiDir());
        REQUIRE_MESSAGE(waitUntil([&] { return fs::exists(lab.cdiDir() / "rdma.ibvf-vhca.json"); }, kSoon), run.daemon->log());
        const auto again = allocate(client, {vfAddress(0, 0)});
        CHECK(again.cdi_devices_size() == 1);
        CHECK(again.devices_size() == 0);
    }
}

TEST_CASE("cdi: an older spec of the pool is replaced, specs of gone pools removed, other files kept") {
    DevicePluginLab lab(2);
    writeText(lab.cdiDir() / "rdma.ibvf-vhca.json", R"({"cdiVersion":"0.3.0","kind":"rdma.ibvf/vhca","devices":[]})");
    writeText(lab.cdiDir() / "rdma.ibvf-old.json", R"({"cdiVersion":"0.5.0","kind":"rdma.ibvf/old","devices":[]})");
    writeText(lab.cdiDir() / "nvidia.com-gpu.json", "{}");
    lab.writeConfig(sriovConfig(lab, "devices"));
    auto run = startAndRegister(lab);
    CHECK_MESSAGE(waitUntil([&] { return specDevices(lab.cdiDir() / "rdma.ibvf-vhca.json").size() == 2; }, kSoon), run.daemon->log());
    CHECK(waitUntil([&] { return !fs::exists(lab.cdiDir() / "rdma.ibvf-old.json"); }, kSoon));
    CHECK(fs::exists(lab.cdiDir() / "nvidia.com-gpu.json"));
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(lab.cdiDir())) ++files;
    CHECK(files == 2);
}

TEST_CASE("cdi hca pool: one device \"all\" with every RDMA char device, named once per container") {
    DevicePluginLab lab(2);
    lab.writeConfig(R"({"mode":"hca","cdi":"devices"})");
    auto run = startAndRegister(lab);
    PluginClient client(lab.kubeletDir() / run.registration.endpoint());
    REQUIRE(client.waitForList([](const auto& r) { return r.devices_size() == 1000; }, kSoon));
    auto devices = specDevices(lab.cdiDir() / "rdma.ibvf-hca.json");
    REQUIRE_MESSAGE(devices.size() == 1, run.daemon->log());
    CHECK(devices["all"].size() == 10);  // 3 RDMA devices x 3 nodes + rdma_cm
    const auto r = allocate(client, {"3", "7"});
    REQUIRE(r.cdi_devices_size() == 1);
    CHECK(r.cdi_devices(0).name() == "rdma.ibvf/hca=all");
    CHECK(r.devices_size() == 0);
}
