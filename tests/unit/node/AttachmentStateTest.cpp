// The attachment state format (node/AttachmentState.hpp): what ADD records survives the round
// trip DEL and ibvf-diag read it back through, and the key that names an attachment.
#include <doctest/doctest.h>

#include "node/AttachmentState.hpp"
#include "support/AttachmentSample.hpp"

using namespace ibvf;
using node::AttachmentState;

TEST_CASE("attachment state survives a round trip, with and without a result") {
    auto s = test::sampleAttachmentState();
    auto back = AttachmentState::fromJson(s.toJson());
    CHECK(back.containerId == s.containerId);
    CHECK(back.netnsInode == s.netnsInode);
    CHECK(back.netnsCookie == 4096);
    CHECK(back.hwaddr == s.hwaddr);
    CHECK(back.adminUp);
    CHECK(back.phase == node::AttachPhase::Attaching);
    CHECK_FALSE(back.result.has_value());

    s.phase = node::AttachPhase::Attached;
    cni::Result r;
    cni::Interface iface;
    iface.name = "net1";
    iface.mac = s.hwaddr;
    iface.mtu = 2044;
    iface.pciId = s.pciAddress;
    r.interfaces.push_back(iface);
    cni::IpConfig ip;
    ip.address = *net::IpPrefix::parse("192.168.1.5/24");
    ip.gateway = net::IpAddress::parse("192.168.1.1");
    ip.interfaceIndex = 0;
    r.ips.push_back(ip);
    s.result = r;
    back = AttachmentState::fromJson(s.toJson());
    CHECK(back.phase == node::AttachPhase::Attached);
    REQUIRE(back.result.has_value());
    CHECK(*back.result == r);
}

TEST_CASE("InfiniBand fields survive a round trip and stay absent when unused") {
    auto s = test::sampleAttachmentState();
    s.rdmaDevice = "mlx5_3";
    s.pkey = "0x8001";
    s.childIfindex = 42;
    s.podParentName = "net1-vf";
    s.vfioPciMode = true;
    s.guid = "00:11:22:33:44:55:66:77";
    s.partition = "0x00ff";
    auto back = AttachmentState::fromJson(s.toJson());
    CHECK(back.guid == "00:11:22:33:44:55:66:77");
    CHECK(back.partition == "0x00ff");
    CHECK(back.rdmaDevice == "mlx5_3");
    CHECK(back.pkey == "0x8001");
    CHECK(back.childIfindex == 42);
    CHECK(back.podParentName == "net1-vf");
    CHECK(back.vfioPciMode);
    const auto plain = test::sampleAttachmentState().toJson();
    for (const char* key : {"rdmaDevice", "pkey", "childIfindex", "vfioPciMode", "\"guid\"", "partition"}) {
        CHECK_MESSAGE(plain.find(key) == std::string::npos, key);
    }
    auto none = AttachmentState::fromJson(plain);
    CHECK_FALSE(none.rdmaDevice);
    CHECK_FALSE(none.pkey);
    CHECK_FALSE(none.vfioPciMode);
    CHECK_FALSE(none.guid);
    CHECK_FALSE(none.partition);
}

TEST_CASE("state written before the namespace cookie was recorded reads with cookie 0") {
    auto s = test::sampleAttachmentState();
    std::string old = s.toJson();
    const std::string field = ",\"netnsCookie\":4096";
    const auto at = old.find(field);
    REQUIRE(at != std::string::npos);
    old.erase(at, field.size());
    const auto back = AttachmentState::fromJson(old);
    CHECK(back.netnsInode == s.netnsInode);
    CHECK(back.netnsCookie == 0);  // not recorded: DEL, GC and the scrape check the inode alone
    CHECK(back.hwaddr == s.hwaddr);
    CHECK_THROWS_WITH(AttachmentState::fromJson(s.toJson().replace(at, field.size(), ",\"netnsCookie\":\"x\"")), "state field netnsCookie");
}

TEST_CASE("corrupt state is refused") {
    CHECK_THROWS(AttachmentState::fromJson("{"));
    CHECK_THROWS(AttachmentState::fromJson(R"({"format":1})"));
    CHECK_THROWS(AttachmentState::fromJson(R"({"format":99,"containerId":"x"})"));
}

TEST_CASE("an attachment's key is <container id>:<ifname>, split at the first ':'") {
    CHECK(node::attachmentKey("c0ffee", "net1") == "c0ffee:net1");
    const auto key = node::parseAttachmentKey("c0ffee:net1");
    REQUIRE(key);
    CHECK(key->containerId == "c0ffee");
    CHECK(key->ifname == "net1");
    CHECK_FALSE(node::parseAttachmentKey("c0ffee-net1"));
    CHECK(node::parseAttachmentKey(":net1")->containerId.empty());
}
