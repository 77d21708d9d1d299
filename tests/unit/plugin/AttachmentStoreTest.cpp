// plugin/AttachmentStore: the state files and VF claims `ibvf` writes, and what the readers
// that share their format (node/VfAttachment.hpp) find in them.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "node/NodePaths.hpp"
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

    // A claim whose attachment state does not exist (an ADD killed between the two, or a DEL
    // between removing the state and the claim) holds nothing.
    REQUIRE(store.create(s));
    store.remove(s.containerId, s.ifname);
    CHECK(store.claimsOf(s.containerId, s.ifname) == std::vector<std::string>{s.pciAddress});
    CHECK(store.claimsWithoutState() == std::vector<std::string>{s.pciAddress});
    CHECK_FALSE(store.holderOf(s.pciAddress).has_value());

    // The next ADD replaces it.
    REQUIRE(store.create(s));
    CHECK(store.claimsWithoutState().empty());
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
    s.rdmaDevice = "mlx5_4";
    REQUIRE(store.create(s));
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

TEST_CASE("create: the claim and the first state are one inode; later saves leave the claim naming the holder") {
    test::ScratchDir dir;
    const plugin::AttachmentStore store(dir.path() / "ibvf");
    auto s = test::sampleAttachmentState();
    REQUIRE(store.create(s));
    const auto statePath = node::attachmentStateFileIn(store.dir(), s.containerId, s.ifname);
    const auto claimPath = node::vfClaimFileIn(store.dir(), s.pciAddress);
    struct stat state {};
    struct stat claim {};
    REQUIRE(::stat(statePath.c_str(), &state) == 0);
    REQUIRE(::stat(claimPath.c_str(), &claim) == 0);
    CHECK(state.st_ino == claim.st_ino);  // one inode allocated, not two
    CHECK(state.st_nlink == 2);
    CHECK(claim.st_mode % 01000 == 0600);

    s.phase = node::AttachPhase::Attached;
    store.save(s);  // a new version under the state's name; the claim keeps the first
    REQUIRE(store.load(s.containerId, s.ifname));
    CHECK(store.load(s.containerId, s.ifname)->phase == node::AttachPhase::Attached);
    const auto holder = store.holderOf(s.pciAddress);
    REQUIRE(holder);
    CHECK(holder->phase == node::AttachPhase::Attached);
    CHECK(store.claimsOf(s.containerId, s.ifname) == std::vector<std::string>{s.pciAddress});
    CHECK(store.claimsOf(s.containerId, "net2").empty());

    // A second ADD of the same attachment, on another VF: refused, and its claim withdrawn.
    auto other = s;
    other.pciAddress = "0000:3b:00.3";
    CHECK_FALSE(store.create(other));
    CHECK_FALSE(std::filesystem::exists(node::vfClaimFileIn(store.dir(), other.pciAddress)));
    CHECK(store.holderOf(s.pciAddress));
}

TEST_CASE("claims written by older ibvf (the bare <container id>:<ifname>) still name their holder") {
    test::ScratchDir dir;
    const auto attachments = dir.path() / "ibvf";
    const plugin::AttachmentStore store(attachments);
    auto s = test::sampleAttachmentState();
    store.save(s);
    std::filesystem::create_directories(node::vfClaimsDirIn(attachments));
    std::ofstream(node::vfClaimFileIn(attachments, s.pciAddress)) << node::attachmentKey(s.containerId, s.ifname);

    const auto holder = store.holderOf(s.pciAddress);
    REQUIRE(holder);
    CHECK(holder->containerId == s.containerId);
    CHECK(store.claimsOf(s.containerId, s.ifname) == std::vector<std::string>{s.pciAddress});
    CHECK(store.claimsWithoutState().empty());
    const auto found = node::findAttachmentOfVf(attachments, s.pciAddress);
    REQUIRE(found);
    CHECK(found->ifname == s.ifname);

    store.remove(s.containerId, s.ifname);
    CHECK(store.claimsWithoutState() == std::vector<std::string>{s.pciAddress});
}
