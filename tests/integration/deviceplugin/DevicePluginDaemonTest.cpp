// The real ibvf-device-plugin against a fake kubelet in this process.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <rapidjson/document.h>

#include "DevicePluginLab.hpp"
#include "support/TimeScale.hpp"

namespace fs = std::filesystem;
using namespace ibvf::test::dp;

namespace {

// "within seconds": refresh is 1 s, link events are immediate (longer under emulation).
const auto kSoon = ibvf::test::scaled(std::chrono::seconds(8));

std::string readAll(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::set<std::string> idsOf(const v1beta1::ListAndWatchResponse& r) {
    std::set<std::string> ids;
    for (const auto& d : r.devices()) ids.insert(d.id());
    return ids;
}

bool allHealth(const v1beta1::ListAndWatchResponse& r, const std::string& health) {
    return r.devices_size() > 0 && std::all_of(r.devices().begin(), r.devices().end(), [&](const auto& d) { return d.health() == health; });
}

// Starts the daemon and waits for its registration; the plugin socket is then usable.
struct Running {
    std::unique_ptr<DaemonProcess> daemon;
    v1beta1::RegisterRequest registration;
};

Running startAndRegister(DevicePluginLab& lab) {
    Running r;
    r.daemon = lab.startDaemon();
    const auto regs = lab.kubelet().waitForRegistrations(1, kSoon);
    REQUIRE_MESSAGE(regs.size() == 1, r.daemon->log());
    r.registration = regs.front();
    return r;
}

}  // namespace

TEST_CASE("sriov seed config: registration, device list, Allocate, preferred allocation, SIGTERM") {
    DevicePluginLab lab(4);
    lab.writeConfig(R"({"mode":"sriov","pfNetdevices":[")" + lab.pfNetdev() + R"("]})");
    auto run = startAndRegister(lab);
    CHECK(run.registration.version() == "v1beta1");
    CHECK(run.registration.resource_name() == "rdma/vhca");
    CHECK(run.registration.endpoint() == "ibvf-rdma-vhca.sock");
    CHECK(run.registration.options().get_preferred_allocation_available());
    CHECK_FALSE(run.registration.options().pre_start_required());
    const fs::path socket = lab.kubeletDir() / run.registration.endpoint();
    REQUIRE(fs::exists(socket));

    PluginClient client(socket);
    const auto list = client.waitForList([](const auto& r) { return r.devices_size() == 4; }, kSoon);
    REQUIRE_MESSAGE(list, run.daemon->log());
    CHECK(idsOf(*list) == std::set<std::string>{vfAddress(0, 0), vfAddress(0, 1), vfAddress(0, 2), vfAddress(0, 3)});
    for (const auto& d : list->devices()) {
        CHECK(d.health() == "Healthy");
        REQUIRE(d.topology().nodes_size() == 1);
        CHECK(d.topology().nodes(0).id() == 1);
    }

    SUBCASE("options and PreStartContainer") {
        grpc::ClientContext ctx;
        v1beta1::DevicePluginOptions opts;
        REQUIRE(client.stub().GetDevicePluginOptions(&ctx, v1beta1::Empty(), &opts).ok());
        CHECK(opts.get_preferred_allocation_available());
        CHECK_FALSE(opts.pre_start_required());
        grpc::ClientContext ctx2;
        v1beta1::PreStartContainerRequest pre;
        v1beta1::PreStartContainerResponse preResp;
        CHECK(client.stub().PreStartContainer(&ctx2, pre, &preResp).ok());
    }

    SUBCASE("Allocate: env, device specs, devinfo files, allocation records") {
        grpc::ClientContext ctx;
        v1beta1::AllocateRequest req;
        auto* cr = req.add_container_requests();
        cr->add_devices_ids(vfAddress(0, 1));
        cr->add_devices_ids(vfAddress(0, 2));
        v1beta1::AllocateResponse resp;
        const auto status = client.stub().Allocate(&ctx, req, &resp);
        REQUIRE_MESSAGE(status.ok(), status.error_message());
        REQUIRE(resp.container_responses_size() == 1);
        const auto& c = resp.container_responses(0);
        REQUIRE(c.envs().count("PCIDEVICE_RDMA_VHCA") == 1);
        CHECK(c.envs().at("PCIDEVICE_RDMA_VHCA") == vfAddress(0, 1) + "," + vfAddress(0, 2));
        std::set<std::string> paths;
        for (const auto& d : c.devices()) {
            CHECK(d.permissions() == "rwm");
            CHECK(d.host_path() == d.container_path());
            paths.insert(d.host_path());
        }
        CHECK(paths == std::set<std::string>{"/dev/infiniband/uverbs2", "/dev/infiniband/umad2", "/dev/infiniband/issm2",
                                             "/dev/infiniband/uverbs3", "/dev/infiniband/umad3", "/dev/infiniband/issm3",
                                             "/dev/infiniband/rdma_cm"});
        for (unsigned i : {1U, 2U}) {
            const std::string bdf = vfAddress(0, i);
            rapidjson::Document info;
            info.Parse(readAll(lab.devinfoDir() / ("rdma-vhca-" + bdf + "-device.json")).c_str());
            REQUIRE_FALSE(info.HasParseError());
            CHECK(std::string(info["type"].GetString()) == "pci");
            CHECK(std::string(info["pci"]["pci-address"].GetString()) == bdf);
            CHECK(std::string(info["pci"]["rdma-device"].GetString()) == "mlx5_" + std::to_string(i + 1));
            rapidjson::Document rec;
            rec.Parse(readAll(lab.runDir() / "allocations" / (bdf + ".json")).c_str());
            REQUIRE_FALSE(rec.HasParseError());
            CHECK(std::string(rec["pciAddress"].GetString()) == bdf);
            CHECK(std::string(rec["resource"].GetString()) == "rdma/vhca");
            CHECK(std::string(rec["time"].GetString()).size() == 20);
        }
        CHECK_FALSE(fs::exists(lab.runDir() / "allocations" / (vfAddress(0, 0) + ".json")));
    }

    SUBCASE("Allocate of an unknown device is refused") {
        grpc::ClientContext ctx;
        v1beta1::AllocateRequest req;
        req.add_container_requests()->add_devices_ids("0000:99:00.1");
        v1beta1::AllocateResponse resp;
        const auto status = client.stub().Allocate(&ctx, req, &resp);
        CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
        CHECK(status.error_message().find("0000:99:00.1") != std::string::npos);
    }

    SUBCASE("GetPreferredAllocation keeps must-include devices") {
        grpc::ClientContext ctx;
        v1beta1::PreferredAllocationRequest req;
        auto* cr = req.add_container_requests();
        for (unsigned i = 0; i < 4; ++i) cr->add_available_deviceids(vfAddress(0, i));
        cr->add_must_include_deviceids(vfAddress(0, 3));
        cr->set_allocation_size(2);
        v1beta1::PreferredAllocationResponse resp;
        REQUIRE(client.stub().GetPreferredAllocation(&ctx, req, &resp).ok());
        REQUIRE(resp.container_responses_size() == 1);
        const auto& ids = resp.container_responses(0).deviceids();
        REQUIRE(ids.size() == 2);
        CHECK(ids[0] == vfAddress(0, 3));
        CHECK(ids[1] == vfAddress(0, 0));
    }

    CHECK(fs::exists(lab.runDir() / "advertised.json"));
    const auto code = run.daemon->terminate();
    CHECK_MESSAGE(code == std::optional<int>(0), run.daemon->log());
    CHECK_FALSE(fs::exists(socket));
    CHECK_FALSE(fs::exists(lab.runDir() / "advertised.json"));  // nothing is offered any more
}

TEST_CASE("health follows the PF link: carrier loss and admin down, then back") {
    DevicePluginLab lab(2);
    lab.writeConfig(R"({"mode":"sriov","pfNetdevices":[")" + lab.pfNetdev() + R"("]})");
    auto run = startAndRegister(lab);
    PluginClient client(lab.kubeletDir() / run.registration.endpoint());
    REQUIRE_MESSAGE(client.waitForList([](const auto& r) { return allHealth(r, "Healthy") && r.devices_size() == 2; }, kSoon),
                    run.daemon->log());

    setLinkUp(lab.pfPeer(), false);  // the PF netdev loses carrier
    CHECK_MESSAGE(client.waitForList([](const auto& r) { return allHealth(r, "Unhealthy"); }, kSoon), run.daemon->log());
    setLinkUp(lab.pfPeer(), true);
    CHECK_MESSAGE(client.waitForList([](const auto& r) { return allHealth(r, "Healthy"); }, kSoon), run.daemon->log());

    setLinkUp(lab.pfNetdev(), false);  // admin down
    CHECK(client.waitForList([](const auto& r) { return allHealth(r, "Unhealthy"); }, kSoon));
    setLinkUp(lab.pfNetdev(), true);
    CHECK(client.waitForList([](const auto& r) { return allHealth(r, "Healthy"); }, kSoon));

    SUBCASE("a VF whose PCI device vanishes turns Unhealthy, the others stay Healthy") {
        lab.sysfs().removeVf(vfAddress(0, 1));
        const auto list = client.waitForList(
            [&](const auto& r) {
                for (const auto& d : r.devices())
                    if (d.id() == vfAddress(0, 1)) return d.health() == "Unhealthy";
                return false;
            },
            kSoon);
        REQUIRE_MESSAGE(list, run.daemon->log());
        for (const auto& d : list->devices())
            if (d.id() == vfAddress(0, 0)) CHECK(d.health() == "Healthy");
    }
    CHECK(run.daemon->terminate() == std::optional<int>(0));
}

TEST_CASE("sriov_numvfs changes show up without restart") {
    DevicePluginLab lab(4);
    lab.writeConfig(R"({"mode":"sriov","pfNetdevices":[")" + lab.pfNetdev() + R"("]})");
    auto run = startAndRegister(lab);
    PluginClient client(lab.kubeletDir() / run.registration.endpoint());
    REQUIRE(client.waitForList([](const auto& r) { return r.devices_size() == 4; }, kSoon));

    // advertised.json (what ibvf reads) follows the list.
    auto advertised = [&] {
        rapidjson::Document doc;
        doc.Parse(readAll(lab.runDir() / "advertised.json").c_str());
        std::set<std::string> vfs;
        if (doc.IsObject() && doc.HasMember("vfs"))
            for (const auto& m : doc["vfs"].GetObject())
                if (std::string(m.value.GetString()) == "rdma/vhca") vfs.insert(m.name.GetString());
        return vfs;
    };
    CHECK(advertised().size() == 4);

    lab.sysfs().setNumVfs(pfAddress(0), 2);
    const auto fewer = client.waitForList([](const auto& r) { return r.devices_size() == 2; }, kSoon);
    REQUIRE_MESSAGE(fewer, run.daemon->log());
    CHECK(idsOf(*fewer) == std::set<std::string>{vfAddress(0, 0), vfAddress(0, 1)});
    CHECK(waitUntil([&] { return advertised() == std::set<std::string>{vfAddress(0, 0), vfAddress(0, 1)}; }, kSoon));

    for (unsigned i = 2; i < 6; ++i) lab.sysfs().addVf(pfAddress(0), i, vfAddress(0, i));
    CHECK_MESSAGE(client.waitForList([](const auto& r) { return r.devices_size() == 6; }, kSoon), run.daemon->log());
    CHECK(run.daemon->terminate() == std::optional<int>(0));
}

TEST_CASE("kubelet restart: sockets wiped, kubelet.sock re-created -> plugin serves and registers again") {
    DevicePluginLab lab(2);
    lab.writeConfig(R"({"mode":"sriov","pfNetdevices":[")" + lab.pfNetdev() + R"("]})");
    auto run = startAndRegister(lab);
    const fs::path socket = lab.kubeletDir() / run.registration.endpoint();

    lab.restartKubelet();
    const auto regs = lab.kubelet().waitForRegistrations(1, kSoon);
    REQUIRE_MESSAGE(regs.size() == 1, run.daemon->log());
    CHECK(regs.front().resource_name() == "rdma/vhca");
    REQUIRE(waitUntil([&] { return fs::exists(socket); }, kSoon));
    PluginClient client(socket);
    CHECK_MESSAGE(client.waitForList([](const auto& r) { return r.devices_size() == 2; }, kSoon), run.daemon->log());

    SUBCASE("and a second restart too") {
        lab.restartKubelet();
        CHECK(lab.kubelet().waitForRegistrations(1, kSoon).size() == 1);
    }
    CHECK(run.daemon->terminate() == std::optional<int>(0));
    CHECK_FALSE(fs::exists(socket));
}

TEST_CASE("registration waits for a kubelet that starts after the plugin") {
    DevicePluginLab lab(1);
    lab.writeConfig(R"({"mode":"sriov","pfNetdevices":[")" + lab.pfNetdev() + R"("]})");
    lab.kubelet().stop();
    auto daemon = lab.startDaemon();
    std::this_thread::sleep_for(300ms);
    lab.restartKubelet();
    CHECK_MESSAGE(lab.kubelet().waitForRegistrations(1, kSoon).size() == 1, daemon->log());
    CHECK(daemon->terminate() == std::optional<int>(0));
}

TEST_CASE("hca seed config: 1000 shareable IDs, Allocate hands every RDMA device") {
    DevicePluginLab lab(2);
    lab.writeConfig(R"({"mode":"hca"})");
    auto run = startAndRegister(lab);
    CHECK(run.registration.resource_name() == "rdma/hca");
    CHECK_FALSE(run.registration.options().get_preferred_allocation_available());
    PluginClient client(lab.kubeletDir() / run.registration.endpoint());
    const auto list = client.waitForList([](const auto& r) { return r.devices_size() == 1000; }, kSoon);
    REQUIRE_MESSAGE(list, run.daemon->log());
    CHECK(list->devices(0).id() == "0");
    CHECK(list->devices(999).id() == "999");
    CHECK(allHealth(*list, "Healthy"));

    grpc::ClientContext ctx;
    v1beta1::AllocateRequest req;
    req.add_container_requests()->add_devices_ids("7");
    v1beta1::AllocateResponse resp;
    REQUIRE(client.stub().Allocate(&ctx, req, &resp).ok());
    std::set<std::string> paths;
    for (const auto& d : resp.container_responses(0).devices()) paths.insert(d.host_path());
    CHECK(paths == std::set<std::string>{"/dev/infiniband/uverbs0", "/dev/infiniband/umad0", "/dev/infiniband/issm0",
                                         "/dev/infiniband/uverbs1", "/dev/infiniband/umad1", "/dev/infiniband/issm1",
                                         "/dev/infiniband/uverbs2", "/dev/infiniband/umad2", "/dev/infiniband/issm2",
                                         "/dev/infiniband/rdma_cm"});
    CHECK(resp.container_responses(0).envs().empty());
    CHECK(run.daemon->terminate() == std::optional<int>(0));
}

TEST_CASE("resources list: two pools from one PF by VF range, one socket and registration each") {
    DevicePluginLab lab(4);
    lab.writeConfig(R"({"resources":[
        {"name":"low","prefix":"ib.example.com","selectors":{"pfNames":[")" +
                    lab.pfNetdev() + R"(#0-1"],"linkTypes":["infiniband"]}},
        {"name":"high","selectors":{"pfNames":[")" +
                    lab.pfNetdev() + R"(#2-3"],"drivers":["mlx5_core"],"vendors":["15b3"]}}]})");
    auto daemon = lab.startDaemon();
    const auto regs = lab.kubelet().waitForRegistrations(2, kSoon);
    REQUIRE_MESSAGE(regs.size() == 2, daemon->log());
    std::set<std::string> names;
    for (const auto& r : regs) names.insert(r.resource_name());
    CHECK(names == std::set<std::string>{"ib.example.com/low", "rdma/high"});

    PluginClient low(lab.kubeletDir() / "ibvf-ib.example.com-low.sock");
    const auto lowList = low.waitForList([](const auto& r) { return r.devices_size() == 2; }, kSoon);
    REQUIRE_MESSAGE(lowList, daemon->log());
    CHECK(idsOf(*lowList) == std::set<std::string>{vfAddress(0, 0), vfAddress(0, 1)});
    PluginClient high(lab.kubeletDir() / "ibvf-rdma-high.sock");
    const auto highList = high.waitForList([](const auto& r) { return r.devices_size() == 2; }, kSoon);
    REQUIRE(highList);
    CHECK(idsOf(*highList) == std::set<std::string>{vfAddress(0, 2), vfAddress(0, 3)});

    grpc::ClientContext ctx;
    v1beta1::AllocateRequest req;
    req.add_container_requests()->add_devices_ids(vfAddress(0, 0));
    v1beta1::AllocateResponse resp;
    REQUIRE(low.stub().Allocate(&ctx, req, &resp).ok());
    CHECK(resp.container_responses(0).envs().at("PCIDEVICE_IB_EXAMPLE_COM_LOW") == vfAddress(0, 0));
    CHECK(fs::exists(lab.devinfoDir() / ("ib.example.com-low-" + vfAddress(0, 0) + "-device.json")));
    CHECK(daemon->terminate() == std::optional<int>(0));
}

TEST_CASE("a config change is applied without restart") {
    DevicePluginLab lab(4);
    lab.writeConfig(R"({"mode":"sriov","pfNetdevices":[")" + lab.pfNetdev() + R"("]})");
    auto run = startAndRegister(lab);
    std::this_thread::sleep_for(50ms);  // a distinct mtime
    lab.writeConfig(R"({"resources":[{"name":"two","selectors":{"pfNames":[")" + lab.pfNetdev() + R"(#0-1"]}}]})");
    const auto regs = lab.kubelet().waitForRegistrations(2, kSoon);
    REQUIRE_MESSAGE(regs.size() == 2, run.daemon->log());
    CHECK(regs.back().resource_name() == "rdma/two");
    CHECK(waitUntil([&] { return !fs::exists(lab.kubeletDir() / "ibvf-rdma-vhca.sock"); }, kSoon));
    PluginClient client(lab.kubeletDir() / "ibvf-rdma-two.sock");
    CHECK(client.waitForList([](const auto& r) { return r.devices_size() == 2; }, kSoon));

    SUBCASE("a broken edit keeps the running config") {
        std::this_thread::sleep_for(50ms);
        lab.writeConfig(R"({"resources":[{"name":"x","mode":"bogus"}]})");
        std::this_thread::sleep_for(2500ms);
        CHECK(lab.kubelet().waitForRegistrations(3, 10ms).size() == 2);
        CHECK(fs::exists(lab.kubeletDir() / "ibvf-rdma-two.sock"));
        CHECK(run.daemon->log().find("resources[0].mode") != std::string::npos);
    }
    CHECK(run.daemon->terminate() == std::optional<int>(0));
}

TEST_CASE("bad configs are refused at start with a message naming the field") {
    DevicePluginLab lab(1);
    struct Case {
        std::string json;
        std::string field;
    };
    const std::vector<Case> cases = {
        {R"({"mode":"sriov"})", "pfNetdevices"},
        {R"({"mode":"vfio","pfNetdevices":["ib0"]})", "mode"},
        {R"({"mode":"sriov","pfNetdevices":"ib0"})", "pfNetdevices"},
        {R"({"resources":[{"name":"a","selectors":{"pfNames":["ib0#7-2"]}}]})", "resources[0].selectors.pfNames[0]"},
        {R"({"resources":[{"name":"a","selectors":{"pfname":["ib0"]}}]})", "resources[0].selectors.pfname"},
        {R"({"resources":[{"prefix":"rdma"}]})", "resources[0].name"},
        {R"({"mode":"sriov","pfNetdevices":["ib0"],)", "JSON"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.json);
        lab.writeConfig(c.json);
        auto daemon = lab.startDaemon();
        const auto code = daemon->waitExit(5s);
        CHECK(code == std::optional<int>(2));
        CHECK_MESSAGE(daemon->log().find(c.field) != std::string::npos, daemon->log());
        std::error_code ec;
        fs::remove(lab.logPath(), ec);
    }
    SUBCASE("missing config file") {
        fs::remove(lab.configPath());
        auto daemon = lab.startDaemon();
        CHECK(daemon->waitExit(5s) == std::optional<int>(2));
        CHECK(daemon->log().find(lab.configPath().string()) != std::string::npos);
    }
    CHECK(lab.kubelet().waitForRegistrations(1, 10ms).empty());
}
