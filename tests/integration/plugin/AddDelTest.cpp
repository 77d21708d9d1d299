// ADD and DEL through the real binary, as a runtime calls it, against veth stand-ins.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>

#include "PluginLab.hpp"
#include "linux/AtomicFile.hpp"
#include "linux/NetNs.hpp"
#include "linux/RouteSocket.hpp"
#include "node/AttachmentState.hpp"
#include "node/NodePaths.hpp"
#include "plugin/VfRestore.hpp"

using namespace ibvf::test;

TEST_CASE("ADD moves the VF into the pod with name, MTU, address, route; DEL gives it back") {
    PluginLab lab;
    ScopedNetns pod;
    lab.veth(0).alsoSearch(pod.path());
    const auto host = HostSnapshot::capture();
    const auto podBefore = HostSnapshot::capture(pod.path());
    const auto before = linkIn("", lab.vfNetdev(0));
    REQUIRE(before);

    const auto conf = netconf("1.1.0", R"(,"deviceID":")" + vfPci(0) + R"(","mtu":1400)", bundledIpam());
    auto add = lab.run("ADD", "cid-basic", pod.path(), conf);
    REQUIRE_MESSAGE(add.exitCode == 0, add.summary());
    REQUIRE(add.json);
    const auto& r = *add.json;
    CHECK(jsonString(r, "cniVersion") == "1.1.0");
    REQUIRE(r["interfaces"].Size() == 1);
    const auto& iface = r["interfaces"][0];
    CHECK(jsonString(iface, "name") == "net1");
    CHECK(jsonString(iface, "sandbox") == pod.path());
    CHECK(jsonString(iface, "pciID") == vfPci(0));
    CHECK(iface["mtu"].GetUint() == 1400);
    REQUIRE(before->hwaddr.size() == 17);
    CHECK(jsonString(iface, "mac") == before->hwaddr);
    REQUIRE(r["ips"].Size() == 1);
    CHECK(jsonString(r["ips"][0], "address") == "10.56.0.2/24");
    CHECK(jsonString(r["ips"][0], "gateway") == "10.56.0.1");
    CHECK(r["ips"][0]["interface"].GetInt() == 0);
    CHECK(add.err.empty());  // warnings would show here; a clean ADD logs nothing to stderr

    CHECK_FALSE(linkExistsIn("", lab.vfNetdev(0)));
    auto inPod = linkIn(pod.path(), "net1");
    REQUIRE(inPod);
    CHECK(inPod->mtu == 1400);
    CHECK(inPod->up);
    CHECK(addressesIn(pod.path(), "net1") == std::vector<std::string>{"10.56.0.2/24"});
    const auto routes = routesIn(pod.path(), "net1");
    CHECK(std::find(routes.begin(), routes.end(), "10.200.0.0/16 via 10.56.0.1 dev net1 metric 0") != routes.end());
    CHECK(countEntries(lab.leasesDir("ibnet") / "leases") == 1);

    auto del = lab.run("DEL", "cid-basic", pod.path(), conf);
    REQUIRE_MESSAGE(del.exitCode == 0, del.summary());
    CHECK(del.out.empty());
    auto after = linkIn("", lab.vfNetdev(0));
    REQUIRE(after);
    CHECK(after->mtu == before->mtu);
    CHECK(after->up == before->up);
    CHECK_FALSE(linkExistsIn(pod.path(), "net1"));
    CHECK(countEntries(lab.leasesDir("ibnet") / "leases") == 0);
    CHECK(lab.attachmentFiles().empty());
    const auto hostAfter = HostSnapshot::capture();
    CHECK_MESSAGE(host == hostAfter, host.diff(hostAfter));
    const auto podAfter = HostSnapshot::capture(pod.path());
    CHECK_MESSAGE(podBefore == podAfter, podBefore.diff(podAfter));
}

TEST_CASE("the result has the shape of every supported cniVersion") {
    PluginLab lab;
    for (const std::string version : {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}) {
        CAPTURE(version);
        ScopedNetns pod;
        lab.veth(0).alsoSearch(pod.path());
        const auto conf = netconf(version, R"(,"deviceID":")" + vfPci(0) + "\"", bundledIpam());
        auto add = lab.run("ADD", "cid-ver", pod.path(), conf);
        REQUIRE_MESSAGE(add.exitCode == 0, add.summary());
        const auto& r = *add.json;
        CHECK(jsonString(r, "cniVersion") == version);
        const auto& ip = r["ips"][0];
        const bool old = version < "1.0.0";
        CHECK(ip.HasMember("version") == old);
        if (old) CHECK(jsonString(ip, "version") == "4");
        CHECK(r["interfaces"][0].HasMember("pciID") == (version == "1.1.0"));
        CHECK(r["interfaces"][0].HasMember("mtu") == (version == "1.1.0"));
        auto del = lab.run("DEL", "cid-ver", pod.path(), conf);
        REQUIRE_MESSAGE(del.exitCode == 0, del.summary());
    }
}

TEST_CASE("a delegated IPAM (Go host-local) is exec'd from CNI_PATH and released on DEL") {
    PluginLab lab;
    ScopedNetns pod;
    lab.veth(0).alsoSearch(pod.path());
    const auto conf = netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + "\"", hostLocalIpam(lab.hostLocalDir().string()));
    auto add = lab.run("ADD", "cid-hl", pod.path(), conf);
    REQUIRE_MESSAGE(add.exitCode == 0, add.summary());
    CHECK(addressesIn(pod.path(), "net1") == std::vector<std::string>{"10.57.0.2/24"});
    const auto routes = routesIn(pod.path(), "net1");
    CHECK(std::find(routes.begin(), routes.end(), "10.201.0.0/16 via 10.57.0.1 dev net1 metric 0") != routes.end());
    CHECK(std::filesystem::exists(lab.hostLocalDir() / "ibnet" / "10.57.0.2"));
    auto del = lab.run("DEL", "cid-hl", pod.path(), conf);
    REQUIRE_MESSAGE(del.exitCode == 0, del.summary());
    CHECK_FALSE(std::filesystem::exists(lab.hostLocalDir() / "ibnet" / "10.57.0.2"));
    CHECK(linkExistsIn("", lab.vfNetdev(0)));
}

TEST_CASE("a chained plugin's prevResult is passed on, our entries after it") {
    PluginLab lab;
    ScopedNetns pod;
    lab.veth(0).alsoSearch(pod.path());
    const std::string prev = R"(,"prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/x"}],)"
                             R"("ips":[{"address":"192.0.2.5/24","interface":0}],"dns":{"nameservers":["192.0.2.53"]}})";
    const auto conf = netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + "\"" + prev, bundledIpam());
    auto add = lab.run("ADD", "cid-chain", pod.path(), conf);
    REQUIRE_MESSAGE(add.exitCode == 0, add.summary());
    const auto& r = *add.json;
    REQUIRE(r["interfaces"].Size() == 2);
    CHECK(jsonString(r["interfaces"][0], "name") == "eth0");
    CHECK(jsonString(r["interfaces"][1], "name") == "net1");
    REQUIRE(r["ips"].Size() == 2);
    CHECK(r["ips"][0]["interface"].GetInt() == 0);
    CHECK(r["ips"][1]["interface"].GetInt() == 1);
    CHECK(std::string(r["dns"]["nameservers"][0].GetString()) == "192.0.2.53");
    CHECK(lab.run("DEL", "cid-chain", pod.path(), conf).exitCode == 0);
}

TEST_CASE("DEL is idempotent: twice, for a container never added, with empty CNI_NETNS, after the netns died") {
    PluginLab lab(3);
    const auto conf = [&](unsigned vf) { return netconf("1.0.0", R"(,"deviceID":")" + vfPci(vf) + "\"", bundledIpam()); };

    SUBCASE("second DEL and a DEL for a container never added") {
        ScopedNetns pod;
        lab.veth(0).alsoSearch(pod.path());
        REQUIRE(lab.run("ADD", "cid-a", pod.path(), conf(0)).exitCode == 0);
        CHECK(lab.run("DEL", "cid-a", pod.path(), conf(0)).exitCode == 0);
        auto again = lab.run("DEL", "cid-a", pod.path(), conf(0));
        CHECK_MESSAGE(again.exitCode == 0, again.summary());
        auto never = lab.run("DEL", "cid-never", pod.path(), conf(0));
        CHECK_MESSAGE(never.exitCode == 0, never.summary());
        CHECK(linkExistsIn("", lab.vfNetdev(0)));
    }
    SUBCASE("empty CNI_NETNS uses the namespace recorded at ADD") {
        ScopedNetns pod;
        lab.veth(1).alsoSearch(pod.path());
        REQUIRE(lab.run("ADD", "cid-b", pod.path(), conf(1)).exitCode == 0);
        auto del = lab.run("DEL", "cid-b", "", conf(1));
        CHECK_MESSAGE(del.exitCode == 0, del.summary());
        CHECK(linkExistsIn("", lab.vfNetdev(1)));
        CHECK_FALSE(linkExistsIn(pod.path(), "net1"));
        CHECK(countEntries(lab.leasesDir("ibnet") / "leases") == 0);
        CHECK(lab.attachmentFiles().empty());
    }
    SUBCASE("the namespace died before DEL") {
        std::string podPath;
        {
            ScopedNetns pod;
            podPath = pod.path();
            REQUIRE(lab.run("ADD", "cid-c", podPath, conf(2)).exitCode == 0);
        }  // namespace destroyed with the (veth) VF in it
        auto del = lab.run("DEL", "cid-c", podPath, conf(2));
        CHECK_MESSAGE(del.exitCode == 0, del.summary());
        auto delEmpty = lab.run("DEL", "cid-c", "", conf(2));
        CHECK_MESSAGE(delEmpty.exitCode == 0, delEmpty.summary());
        CHECK(countEntries(lab.leasesDir("ibnet") / "leases") == 0);
        CHECK(lab.attachmentFiles().empty());
    }
}

TEST_CASE("ADD records the pod namespace's inode and cookie; the recorded path is used only while both still match") {
    PluginLab lab;
    ScopedNetns pod;
    lab.veth(0).alsoSearch(pod.path());
    const auto conf = netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + "\"", bundledIpam());
    REQUIRE(lab.run("ADD", "cid-cookie", pod.path(), conf).exitCode == 0);
    const auto stateFile = ibvf::node::attachmentStateFileIn(lab.attachmentsDir(), "cid-cookie", "net1");
    const auto text = ibvf::linux::readFile(stateFile);
    REQUIRE(text);
    const auto state = ibvf::node::AttachmentState::fromJson(*text);
    const auto ns = pod.open();
    CHECK(state.netnsInode == ns.inode());
    REQUIRE(state.netnsCookie != 0);
    CHECK(state.netnsCookie == ns.cookie());

    using ibvf::plugin::openAttachmentNetNs;
    const auto same = openAttachmentNetNs(state, "");
    CHECK((same && same->sameAs(ns)));
    // The kernel's inode reuse cannot be forced: a record with this namespace's inode and another
    // cookie is what a path reused after the pod's namespace died and its number was reused looks like.
    auto recycled = state;
    recycled.netnsCookie += 1;
    CHECK_FALSE(openAttachmentNetNs(recycled, ""));
    CHECK(openAttachmentNetNs(recycled, pod.path()));  // the runtime's own path is trusted
    // State from an ibvf that recorded no cookie: the inode alone decides, as before.
    auto old = state;
    old.netnsCookie = 0;
    const auto byInode = openAttachmentNetNs(old, "");
    CHECK((byInode && byInode->sameAs(ns)));
    old.netnsInode += 1;
    CHECK_FALSE(openAttachmentNetNs(old, ""));

    // Through the binary: a DEL without CNI_NETNS leaves alone what it cannot know as the pod's.
    std::ofstream(stateFile) << recycled.toJson();
    const auto del = lab.run("DEL", "cid-cookie", "", conf);
    CHECK_MESSAGE(del.exitCode == 0, del.summary());
    CHECK(linkExistsIn(pod.path(), "net1"));
    CHECK_FALSE(linkExistsIn("", lab.vfNetdev(0)));
}

TEST_CASE("a VF that has come back under its pod name is found and renamed on DEL") {
    // What a physical VF does when its namespace dies: it returns to the host as "net1" (or a
    // kernel-chosen name on a clash). Simulated by moving it back by hand before DEL.
    PluginLab lab;
    ScopedNetns pod;
    lab.veth(0).alsoSearch(pod.path());
    const auto conf = netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + "\"", bundledIpam());
    REQUIRE(lab.run("ADD", "cid-back", pod.path(), conf).exitCode == 0);
    const std::string stray = uniqueName("ibtret");
    {
        auto ns = pod.open();
        auto host = ibvf::linux::NetNs::current();
        auto sock = ibvf::linux::runInNetNs(ns, [] { return ibvf::linux::RouteSocket(); });
        auto link = sock.linkByName("net1");
        REQUIRE(link);
        sock.moveToNetNs(link->ifindex, host.fd(), stray);
    }
    REQUIRE(linkExistsIn("", stray));
    auto del = lab.run("DEL", "cid-back", pod.path(), conf);
    CHECK_MESSAGE(del.exitCode == 0, del.summary());
    CHECK(linkExistsIn("", lab.vfNetdev(0)));
    CHECK_FALSE(linkExistsIn("", stray));
}

TEST_CASE("a VF back on the host under its pod name and up is renamed on DEL (kernels before 6.2 refuse it up)") {
    // Something on the node (a network manager) brought the returned VF up. Linux 6.1 refuses to
    // rename an up link (EBUSY), so DEL must take it down first; the kernel lab runs this on 6.1.
    PluginLab lab;
    ScopedNetns pod;
    lab.veth(0).alsoSearch(pod.path());
    const auto before = linkIn("", lab.vfNetdev(0));
    REQUIRE(before);
    const auto conf = netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + "\"", bundledIpam());
    REQUIRE(lab.run("ADD", "cid-back-up", pod.path(), conf).exitCode == 0);
    const std::string stray = uniqueName("ibtrup");
    {
        auto ns = pod.open();
        auto host = ibvf::linux::NetNs::current();
        auto sock = ibvf::linux::runInNetNs(ns, [] { return ibvf::linux::RouteSocket(); });
        auto link = sock.linkByName("net1");
        REQUIRE(link);
        sock.moveToNetNs(link->ifindex, host.fd(), stray);
        ibvf::linux::RouteSocket hostSock;
        auto back = hostSock.linkByName(stray);
        REQUIRE(back);
        hostSock.setAdminUp(back->ifindex, true);
    }
    const auto strayLink = linkIn("", stray);
    REQUIRE(strayLink);
    REQUIRE(strayLink->up);
    auto del = lab.run("DEL", "cid-back-up", pod.path(), conf);
    CHECK_MESSAGE(del.exitCode == 0, del.summary());
    CHECK_FALSE(linkExistsIn("", stray));
    auto after = linkIn("", lab.vfNetdev(0));
    REQUIRE(after);
    CHECK(after->up == before->up);
    CHECK(lab.attachmentFiles().empty());
}

TEST_CASE("logs go to logFile at logLevel, each line naming the container and the VF; stdout stays the result") {
    PluginLab lab;
    ScopedNetns pod;
    lab.veth(0).alsoSearch(pod.path());
    const auto logFile = lab.stateDir() / "log" / "ibvf.log";
    const auto conf =
        netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + R"(","logLevel":"debug","logFile":")" + logFile.string() + "\"", bundledIpam());
    auto add = lab.run("ADD", "cid-logging-0123456789", pod.path(), conf);
    REQUIRE_MESSAGE(add.exitCode == 0, add.summary());
    REQUIRE(add.json);  // nothing but the result on stdout
    REQUIRE(lab.run("DEL", "cid-logging-0123456789", pod.path(), conf).exitCode == 0);

    std::ifstream in(logFile);
    REQUIRE(in.good());
    std::string line;
    int attached = 0;
    int debug = 0;
    while (std::getline(in, line)) {
        CHECK_MESSAGE(line.find("cid=cid-logging-") != std::string::npos, line);
        if (line.find("attached " + vfPci(0)) != std::string::npos) {
            ++attached;
            CHECK(line.find("vf=" + vfPci(0)) != std::string::npos);
        }
        if (line.find(" debug ") != std::string::npos) ++debug;
    }
    CHECK(attached == 1);
    CHECK(debug > 0);

    // At the default level a successful ADD writes nothing to stderr.
    const auto quiet = netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + "\"", bundledIpam());
    auto add2 = lab.run("ADD", "cid-quiet", pod.path(), quiet);
    REQUIRE_MESSAGE(add2.exitCode == 0, add2.summary());
    CHECK(add2.err.empty());
    CHECK(lab.run("DEL", "cid-quiet", pod.path(), quiet).exitCode == 0);
}

TEST_CASE("without logFile, ibvf and the in-process IPAM log at info to <IBVF_LOG_DIR>/ibvf.log") {
    PluginLab lab;
    ScopedNetns pod;
    lab.veth(0).alsoSearch(pod.path());
    const auto dir = lab.stateDir() / "var-log-ibvf";
    auto env = lab.env("ADD", "cid-deflog", pod.path(), "net1");
    env["IBVF_LOG_DIR"] = dir.string();
    const auto conf = netconf("1.0.0", R"(,"deviceID":")" + vfPci(0) + "\"", bundledIpam());
    auto add = BinaryRunner("ibvf").run(env, conf);
    REQUIRE_MESSAGE(add.exitCode == 0, add.summary());
    CHECK(add.err.empty());
    env["CNI_COMMAND"] = "DEL";
    REQUIRE(BinaryRunner("ibvf").run(env, conf).exitCode == 0);
    std::ifstream in(dir / "ibvf.log");
    REQUIRE(in.good());
    int attached = 0;
    int released = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.find("attached " + vfPci(0)) != std::string::npos && line.find("cid=cid-deflog") != std::string::npos) ++attached;
        if (line.find("released VF " + vfPci(0)) != std::string::npos) ++released;
    }
    CHECK(attached == 1);
    CHECK(released == 1);
}
