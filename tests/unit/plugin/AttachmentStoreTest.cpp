// plugin/AttachmentStore: the state files and VF claims `ibvf` writes, and what the readers
// that share their format (node/VfAttachment.hpp) find in them.
#include <doctest/doctest.h>

#include "node/VfAttachment.hpp"
#include "plugin/AttachmentStore.hpp"
#include "support/AttachmentSample.hpp"
#include "support/ScratchDir.hpp"

using namespace ibvf;

TEST_CASE("store: save, load, claim and stale claims") {
    test::ScratchDir dir;
    const plugin::AttachmentStore store(dir.path() / "ibvf");
    auto s = test::sampleAttachmentState();
    CHECK_FALSE(store.load(s.containerId, s.ifname).has_value());
    CHECK_FALSE(store.holderOf(s.pciAddress).has_value());

    store.claim(s.pciAddress, s.containerId, s.ifname);
    // A claim whose attachment state does not exist (crash between claim and state) holds nothing.
    CHECK_FALSE(store.holderOf(s.pciAddress).has_value());

    store.save(s);
    auto holder = store.holderOf(s.pciAddress);
    REQUIRE(holder.has_value());
    CHECK(holder->containerId == s.containerId);
    CHECK(store.all().size() == 1);

    store.remove(s.containerId, s.ifname);
    store.releaseClaim(s.pciAddress);
    CHECK_FALSE(store.load(s.containerId, s.ifname).has_value());
    CHECK(store.all().empty());
    // Removing twice is fine.
    store.remove(s.containerId, s.ifname);
    store.releaseClaim(s.pciAddress);
}

TEST_CASE("a VF the store claimed and saved is found by findAttachmentOfVf, as the device plugin reads it") {
    test::ScratchDir dir;
    const auto attachments = dir.path() / "ibvf";
    const plugin::AttachmentStore store(attachments);
    auto s = test::sampleAttachmentState();
    store.claim(s.pciAddress, s.containerId, s.ifname);
    CHECK_FALSE(node::findAttachmentOfVf(attachments, s.pciAddress));  // claimed, no state yet

    s.rdmaDevice = "mlx5_4";
    store.save(s);
    auto found = node::findAttachmentOfVf(attachments, s.pciAddress);
    REQUIRE(found);
    CHECK(found->containerId == "c0ffee");
    CHECK(found->ifname == "net1");
    CHECK(found->vfNetdev == "net1");
    CHECK(found->netns == "/run/netns/x");
    CHECK(found->netnsInode == 4026532000ULL);
    CHECK(found->rdmaDevice == "mlx5_4");
    CHECK_FALSE(found->attached);

    s.phase = node::AttachPhase::Attached;
    s.pkey = "0x8001";
    s.podParentName = "net1-vf";
    store.save(s);
    found = node::findAttachmentOfVf(attachments, s.pciAddress);
    REQUIRE(found);
    CHECK(found->attached);
    CHECK(found->vfNetdev == "net1-vf");  // the pod got an IPoIB child; the VF is its parent

    store.remove(s.containerId, s.ifname);
    store.releaseClaim(s.pciAddress);
    CHECK_FALSE(node::findAttachmentOfVf(attachments, s.pciAddress));
}
