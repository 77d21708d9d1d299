// --registration-mode plugins-registry: kubelet's plugin watcher finds the socket, asks GetInfo,
// reports the outcome, then speaks DevicePlugin on the same socket.
#include <doctest/doctest.h>

#include "DevicePluginLab.hpp"
#include "pluginregistration.grpc.pb.h"

namespace fs = std::filesystem;
using namespace ibvf::test::dp;

TEST_CASE("plugins-registry mode: GetInfo, NotifyRegistrationStatus, DevicePlugin on the same socket") {
    DevicePluginLab lab(2);
    lab.writeConfig(R"({"mode":"sriov","pfNetdevices":[")" + lab.pfNetdev() + R"("]})");
    auto daemon = lab.startDaemon({"--registration-mode", "plugins-registry"});
    const fs::path socket = lab.pluginsRegistryDir() / "ibvf-rdma-vhca.sock";
    REQUIRE_MESSAGE(waitUntil([&] { return fs::exists(socket); }, 8s), daemon->log());

    auto channel = grpc::CreateChannel("unix:" + socket.string(), grpc::InsecureChannelCredentials());
    auto registration = pluginregistration::Registration::NewStub(channel);
    grpc::ClientContext infoCtx;
    pluginregistration::PluginInfo info;
    REQUIRE(registration->GetInfo(&infoCtx, pluginregistration::InfoRequest(), &info).ok());
    CHECK(info.type() == "DevicePlugin");
    CHECK(info.name() == "rdma/vhca");
    CHECK(info.endpoint().empty());
    REQUIRE(info.supported_versions_size() == 1);
    CHECK(info.supported_versions(0) == "v1beta1");

    SUBCASE("a successful registration is logged") {
        grpc::ClientContext ctx;
        pluginregistration::RegistrationStatus status;
        status.set_plugin_registered(true);
        pluginregistration::RegistrationStatusResponse resp;
        REQUIRE(registration->NotifyRegistrationStatus(&ctx, status, &resp).ok());
        CHECK(waitUntil([&] { return daemon->log().find("registered rdma/vhca through the kubelet plugin watcher") != std::string::npos; },
                        2s));
    }
    SUBCASE("a refusal is logged with kubelet's reason") {
        grpc::ClientContext ctx;
        pluginregistration::RegistrationStatus status;
        status.set_plugin_registered(false);
        status.set_error("manager version, v1beta1, is not among plugin supported versions");
        pluginregistration::RegistrationStatusResponse resp;
        REQUIRE(registration->NotifyRegistrationStatus(&ctx, status, &resp).ok());
        CHECK(waitUntil([&] { return daemon->log().find("refused rdma/vhca: manager version") != std::string::npos; }, 2s));
    }

    PluginClient client(socket);
    CHECK_MESSAGE(client.waitForList([](const auto& r) { return r.devices_size() == 2; }, 8s), daemon->log());
    // Nothing goes through kubelet.sock in this mode, and no socket is put beside it.
    CHECK(lab.kubelet().waitForRegistrations(1, 10ms).empty());
    CHECK_FALSE(fs::exists(lab.kubeletDir() / "ibvf-rdma-vhca.sock"));
    CHECK(daemon->terminate() == std::optional<int>(0));
    CHECK_FALSE(fs::exists(socket));
}

TEST_CASE("an unknown --registration-mode is refused") {
    DevicePluginLab lab(1);
    lab.writeConfig(R"({"mode":"sriov","pfNetdevices":[")" + lab.pfNetdev() + R"("]})");
    auto daemon = lab.startDaemon({"--registration-mode", "plugin-watcher"});
    CHECK(daemon->waitExit(5s) == std::optional<int>(2));
    CHECK(daemon->log().find("--registration-mode: wants kubelet-sock or plugins-registry, got \"plugin-watcher\"") != std::string::npos);
}
