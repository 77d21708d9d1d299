#include <algorithm>

#include <doctest/doctest.h>

#include "IpamTestSupport.hpp"
#include "ipam/etcd/EtcdLayout.hpp"

using namespace ibvf;
using namespace ibvf::ipam;
using namespace ibvf::ipam::test;

TEST_CASE("sortable addresses: byte order is numeric order, and they parse back") {
    CHECK(sortableAddress(ip("10.33.0.2")) == "010.033.000.002");
    CHECK(sortableAddress(ip("fd00::1")) == "fd00:0000:0000:0000:0000:0000:0000:0001");
    std::vector<net::IpAddress> v4;
    for (const char* a : {"10.0.0.2", "10.0.0.10", "10.0.1.1", "9.255.255.255", "10.0.0.100", "255.255.255.255", "0.0.0.0"}) {
        v4.push_back(ip(a));
    }
    std::vector<net::IpAddress> v6{ip("fd00::a"), ip("fd00::1:0"), ip("fd00::9"), ip("::"), ip("ffff::")};
    for (auto* list : {&v4, &v6}) {
        std::vector<std::string> keys;
        for (const auto& a : *list) {
            keys.push_back(sortableAddress(a));
            CHECK(parseSortableAddress(keys.back()) == a);
        }
        std::sort(list->begin(), list->end());
        std::sort(keys.begin(), keys.end());
        for (std::size_t i = 0; i < keys.size(); ++i) CHECK(keys[i] == sortableAddress((*list)[i]));
    }
    for (const char* bad : {"10.0.0.2", "010.000.000.256", "010.000.000.0x2", "010-000.000.002", "fd00:0000:0000:0000:0000:0000:0000:000g",
                            "fd00::1", "", "+10.000.000.002"}) {
        CAPTURE(bad);
        CHECK_FALSE(parseSortableAddress(bad));
    }
}

TEST_CASE("keys: leases per family, the node's index, and only well-formed keys parse back") {
    const EtcdLayout k("/ibvf/ipam", "ibnet", "node-a");
    CHECK(k.networkPrefix() == "/ibvf/ipam/ibnet/");
    CHECK(k.leaseKey(ip("10.9.0.7")) == "/ibvf/ipam/ibnet/ipv4/010.009.000.007");
    CHECK(k.leaseKey(ip("fd09::7")) == "/ibvf/ipam/ibnet/ipv6/fd09:0000:0000:0000:0000:0000:0000:0007");
    CHECK(k.leaseRangeEnd(ip("10.9.3.255")) == std::string("/ibvf/ipam/ibnet/ipv4/010.009.003.255") + '\0');
    CHECK(k.addressOfLeaseKey(k.leaseKey(ip("10.9.0.7"))) == ip("10.9.0.7"));
    CHECK_FALSE(k.addressOfLeaseKey("/ibvf/ipam/ibnet/ipv6/010.009.000.007"));  // family mismatch
    CHECK_FALSE(k.addressOfLeaseKey("/ibvf/ipam/other/ipv4/010.009.000.007"));

    const AttachmentKey who{"c0ffee", "net1"};
    CHECK(k.nodePrefix() == "/ibvf/ipam/ibnet/nodes/node-a/");
    CHECK(k.attachmentPrefix(who) == "/ibvf/ipam/ibnet/nodes/node-a/c0ffee/net1/");
    const std::string idx = k.indexKey(who, ip("10.9.0.7"));
    CHECK(idx == "/ibvf/ipam/ibnet/nodes/node-a/c0ffee/net1/010.009.000.007");
    const auto e = k.parseIndexKey(idx);
    REQUIRE(e);
    CHECK(e->who == who);
    CHECK(e->address == ip("10.9.0.7"));
    CHECK_FALSE(k.parseIndexKey("/ibvf/ipam/ibnet/nodes/node-b/c0ffee/net1/010.009.000.007"));  // another node
    CHECK_FALSE(k.parseIndexKey("/ibvf/ipam/ibnet/nodes/node-a/c0ffee/010.009.000.007"));
    CHECK_FALSE(k.parseIndexKey("/ibvf/ipam/ibnet/nodes/node-a//net1/010.009.000.007"));
    // net1 is not a prefix of net10's entries.
    CHECK(k.indexKey({"c0ffee", "net10"}, ip("10.9.0.7")).rfind(k.attachmentPrefix(who), 0) == std::string::npos);
}

TEST_CASE("lease values carry the holder; anything else is unreadable") {
    const EtcdLayout k("/p", "n", "node-a");
    const std::string v = k.leaseValue({"c1", "net1"}, ip("10.9.0.7"), 1700000000);
    CHECK(v == R"({"address":"10.9.0.7","node":"node-a","containerID":"c1","ifname":"net1","takenAt":1700000000})");
    const auto o = EtcdLayout::parseLeaseValue(v);
    REQUIRE(o);
    CHECK(o->node == "node-a");
    CHECK(o->who == AttachmentKey{"c1", "net1"});
    CHECK(o->takenAt == 1700000000);
    CHECK_FALSE(EtcdLayout::parseLeaseValue(R"({"node":"n","containerID":"c"})"));
    CHECK_FALSE(EtcdLayout::parseLeaseValue("garbage"));
}
