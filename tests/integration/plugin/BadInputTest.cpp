// Every bad input gets the right CNI error and leaves host, pod and state exactly as they were.
#include <doctest/doctest.h>

#include "PluginLab.hpp"

using namespace ibvf::test;

namespace {

struct Case {
    const char* name;
    unsigned code;
    const char* fragment;  // must appear in msg or details
};

void expectError(const RunResult& r, unsigned code, const std::string& fragment) {
    REQUIRE_MESSAGE(r.exitCode != 0, r.summary());
    REQUIRE_MESSAGE(r.json, r.summary());
    const auto& j = *r.json;
    REQUIRE(j.HasMember("code"));
    CHECK_MESSAGE(j["code"].GetUint() == code, r.summary());
    const std::string text = jsonString(j, "msg") + " | " + jsonString(j, "details");
    CHECK_MESSAGE(text.find(fragment) != std::string::npos, "'" << fragment << "' not in: " << text);
    CHECK_FALSE(jsonString(j, "msg").empty());
}

}  // namespace

TEST_CASE("bad input: each error code, nothing changed") {
    PluginLab lab(2);
    ScopedNetns pod;
    lab.veth(0).alsoSearch(pod.path());
    lab.veth(1).alsoSearch(pod.path());
    // Something already named net1 in the pod, for the name-clash case.
    VethPair clash(uniqueName(), "net9", pod.path());
    const auto hostBefore = HostSnapshot::capture();
    const auto podBefore = HostSnapshot::capture(pod.path());
    const std::string dev0 = R"(,"deviceID":")" + vfPci(0) + "\"";
    const std::string ok = netconf("1.0.0", dev0, bundledIpam());

    auto check = [&](const RunResult& r, unsigned code, const std::string& fragment) {
        expectError(r, code, fragment);
        const auto hostAfter = HostSnapshot::capture();
        CHECK_MESSAGE(hostBefore == hostAfter, hostBefore.diff(hostAfter));
        const auto podAfter = HostSnapshot::capture(pod.path());
        CHECK_MESSAGE(podBefore == podAfter, podBefore.diff(podAfter));
        CHECK(lab.attachmentFiles().empty());
        CHECK(countEntries(lab.leasesDir("ibnet") / "leases") == 0);
    };

    SUBCASE("malformed JSON") { check(lab.run("ADD", "c1", pod.path(), "{\"cniVersion\":"), 6, "parse"); }
    SUBCASE("unknown cniVersion") { check(lab.run("ADD", "c1", pod.path(), netconf("0.2.0", dev0, bundledIpam())), 1, "0.2.0"); }
    SUBCASE("no deviceID and no pfNetdevice") {
        check(lab.run("ADD", "c1", pod.path(), netconf("1.0.0", "", bundledIpam())), 7, "deviceID");
    }
    SUBCASE("malformed deviceID") {
        check(lab.run("ADD", "c1", pod.path(), netconf("1.0.0", R"(,"deviceID":"3b:00.2")", bundledIpam())), 7, "3b:00.2");
    }
    SUBCASE("deviceID that is a PF, not a VF: the error names the path looked at") {
        check(lab.run("ADD", "c1", pod.path(), netconf("1.0.0", R"(,"deviceID":"0000:3b:00.0")", bundledIpam())), 101, "physfn");
    }
    SUBCASE("deviceID absent from sysfs") {
        check(lab.run("ADD", "c1", pod.path(), netconf("1.0.0", R"(,"deviceID":"0000:99:00.1")", bundledIpam())), 101, "0000:99:00.1");
    }
    SUBCASE("invalid CNI_IFNAME") {
        for (const std::string name : {"", "abcdefghijklmnop", "ne/t1", "net 1", "..", "net:1"}) {
            CAPTURE(name);
            check(lab.run("ADD", "c1", pod.path(), ok, name), 4, "CNI_IFNAME");
        }
    }
    SUBCASE("invalid CNI_CONTAINERID") {
        for (const std::string id : {"", "../etc", "a/b", "-x", "a b"}) {
            CAPTURE(id);
            check(lab.run("ADD", id, pod.path(), ok), 4, "CNI_CONTAINERID");
        }
    }
    SUBCASE("missing netns path") {
        check(lab.run("ADD", "c1", "/run/netns/ibvf-no-such-ns", ok), 4, "ibvf-no-such-ns");
        check(lab.run("ADD", "c1", "", ok), 4, "CNI_NETNS");
    }
    SUBCASE("interface name already taken in the pod") { check(lab.run("ADD", "c1", pod.path(), ok, "net9"), 4, "net9"); }
    SUBCASE("IPAM plugin not found") {
        check(lab.run("ADD", "c1", pod.path(), netconf("1.0.0", dev0, R"({"type":"ibvf-no-such-ipam"})")), 103, "ibvf-no-such-ipam");
    }
    SUBCASE("IPAM fails after the VF was moved: everything is rolled back") {
        // A /30 with its gateway leaves one address: the first ADD takes it, the second fails
        // in the IPAM while (or after) the kernel moves its VF.
        const auto tiny = bundledIpam("10.58.0.0/30", "10.58.0.1");
        ScopedNetns other;
        lab.veth(1).alsoSearch(other.path());
        auto first = lab.run("ADD", "c-first", other.path(), netconf("1.0.0", R"(,"deviceID":")" + vfPci(1) + "\"", tiny));
        REQUIRE_MESSAGE(first.exitCode == 0, first.summary());
        const auto hostMid = HostSnapshot::capture();
        auto second = lab.run("ADD", "c-second", pod.path(), netconf("1.0.0", dev0, tiny));
        expectError(second, 103, "10.58.0.0/30");
        const auto hostAfter = HostSnapshot::capture();
        CHECK_MESSAGE(hostMid == hostAfter, hostMid.diff(hostAfter));
        const auto podAfter = HostSnapshot::capture(pod.path());
        CHECK_MESSAGE(podBefore == podAfter, podBefore.diff(podAfter));
        CHECK(linkExistsIn("", lab.vfNetdev(0)));
        CHECK(lab.run("DEL", "c-first", other.path(), netconf("1.0.0", R"(,"deviceID":")" + vfPci(1) + "\"", tiny)).exitCode == 0);
        CHECK(lab.attachmentFiles().empty());
    }
    SUBCASE("a step after a successful allocation fails: the lease is released with the rest") {
        // The kernel refuses a gateway that no address makes reachable, after the address was
        // allocated and assigned.
        const std::string ipam = R"({"type":"ibvf-ipam","ranges":[[{"subnet":"10.59.0.0/24"}]],)"
                                 R"("routes":[{"dst":"10.99.0.0/16","gw":"192.0.2.77"}]})";
        check(lab.run("ADD", "c1", pod.path(), netconf("1.0.0", dev0, ipam)), 100, "10.99.0.0/16");
        CHECK(countEntries(lab.leasesDir("ibnet") / "attachments") == 0);
    }
    SUBCASE("a VF already attached to another container is busy") {
        ScopedNetns other;
        lab.veth(0).alsoSearch(other.path());
        REQUIRE(lab.run("ADD", "c-owner", other.path(), ok).exitCode == 0);
        auto busy = lab.run("ADD", "c-thief", pod.path(), ok);
        expectError(busy, 102, "c-owner");
        CHECK(linkExistsIn(other.path(), "net1"));
        CHECK(lab.run("DEL", "c-owner", other.path(), ok).exitCode == 0);
        CHECK(lab.attachmentFiles().empty());
    }
}
