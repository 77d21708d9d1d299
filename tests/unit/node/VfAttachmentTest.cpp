// Which pod holds a VF (node/VfAttachment.hpp), from claim and state files laid out as
// node/NodePaths.hpp names them; tests/unit/plugin/AttachmentStoreTest.cpp reads what the
// plugin's own writer leaves.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>

#include "node/AttachmentState.hpp"
#include "node/NodePaths.hpp"
#include "node/VfAttachment.hpp"
#include "support/ScratchDir.hpp"

using namespace ibvf;
namespace fs = std::filesystem;

namespace {

constexpr const char* kVf = "0000:3b:00.2";

void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
}

node::AttachmentState stateOf(const std::string& cid, const std::string& pci) {
    node::AttachmentState s;
    s.containerId = cid;
    s.ifname = "net1";
    s.netns = "/run/netns/pod";
    s.netnsInode = 7;
    s.netnsCookie = 9;
    s.pciAddress = pci;
    s.phase = node::AttachPhase::Attached;
    return s;
}

void attach(const fs::path& dir, const node::AttachmentState& s, const std::string& claimedVf) {
    write(node::vfClaimFileIn(dir, claimedVf), node::attachmentKey(s.containerId, s.ifname));
    write(node::attachmentStateFileIn(dir, s.containerId, s.ifname), s.toJson());
}

}  // namespace

TEST_CASE("findAttachmentOfVf: the holder's namespace and interface; nothing without a claim or a state") {
    test::ScratchDir dir;
    CHECK_FALSE(node::findAttachmentOfVf(dir.path(), kVf));  // no attachments directory at all
    attach(dir.path(), stateOf("cid-1", kVf), kVf);
    const auto found = node::findAttachmentOfVf(dir.path(), kVf);
    REQUIRE(found);
    CHECK(found->containerId == "cid-1");
    CHECK(found->ifname == "net1");
    CHECK(found->vfNetdev == "net1");
    CHECK(found->netns == "/run/netns/pod");
    CHECK(found->netnsInode == 7);
    CHECK(found->netnsCookie == 9);
    CHECK_FALSE(found->rdmaDevice);
    CHECK(found->attached);
    CHECK_FALSE(node::findAttachmentOfVf(dir.path(), "0000:3b:00.3"));

    fs::remove(node::attachmentStateFileIn(dir.path(), "cid-1", "net1"));
    CHECK_FALSE(node::findAttachmentOfVf(dir.path(), kVf));  // a claim left by a killed ADD
}

TEST_CASE("claimedVfs: the addresses claimed, from one listing; none before any claim; nullopt when it cannot list") {
    test::ScratchDir dir;
    CHECK(node::claimedVfs(dir.path()) == std::set<std::string>{});  // no claims directory yet
    attach(dir.path(), stateOf("cid-1", kVf), kVf);
    attach(dir.path(), stateOf("cid-2", "0000:3b:00.5"), "0000:3b:00.5");
    write(node::vfClaimsDirIn(dir.path()) / "0000:3b:00.6.tmp.1234.1", "cid-3:net1");  // a claim being written
    CHECK(node::claimedVfs(dir.path()) == std::set<std::string>{kVf, "0000:3b:00.5"});

    fs::remove_all(node::vfClaimsDirIn(dir.path()));
    write(node::vfClaimsDirIn(dir.path()), "not a directory");
    CHECK_FALSE(node::claimedVfs(dir.path()));
}

TEST_CASE("findAttachmentOfVf: a vfio-pci VF has no netdev in the pod") {
    test::ScratchDir dir;
    auto s = stateOf("cid-1", kVf);
    s.vfioPciMode = true;
    attach(dir.path(), s, kVf);
    const auto found = node::findAttachmentOfVf(dir.path(), kVf);
    REQUIRE(found);
    CHECK_FALSE(found->vfNetdev);
}

TEST_CASE("findAttachmentOfVf: a claim whose attachment holds another VF is stale") {
    test::ScratchDir dir;
    attach(dir.path(), stateOf("cid-1", "0000:3b:00.3"), kVf);
    CHECK_FALSE(node::findAttachmentOfVf(dir.path(), kVf));
}

TEST_CASE("findAttachmentOfVf: bad input is an error naming the file or the address") {
    test::ScratchDir dir;
    CHECK_THROWS_AS(node::findAttachmentOfVf(dir.path(), "../../etc/passwd"), std::invalid_argument);
    CHECK_THROWS_AS(node::findAttachmentOfVf(dir.path(), "3b:00.2"), std::invalid_argument);

    write(node::vfClaimFileIn(dir.path(), kVf), "no separator");
    CHECK_THROWS_WITH(
        node::findAttachmentOfVf(dir.path(), kVf),
        (node::vfClaimFileIn(dir.path(), kVf).string() + ": neither an attachment state nor <container id>:<ifname>").c_str());

    write(node::vfClaimFileIn(dir.path(), kVf), "cid-1:net1");
    write(node::attachmentStateFileIn(dir.path(), "cid-1", "net1"), R"({"format":1})");
    try {
        (void)node::findAttachmentOfVf(dir.path(), kVf);
        FAIL("a corrupt state was read");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find(node::attachmentStateFileIn(dir.path(), "cid-1", "net1").string() + ": ") == 0);
    }
}

TEST_CASE("findAttachmentOfVf without a directory looks in <state root>/ibvf") {
    test::ScratchDir dir;
    attach(dir / "ibvf", stateOf("cid-9", kVf), kVf);
    const char* old = ::getenv(node::kStateRoot.env);
    const std::string saved = old != nullptr ? old : "";
    ::setenv(node::kStateRoot.env, dir.path().c_str(), 1);
    const auto found = node::findAttachmentOfVf(kVf);
    if (old != nullptr)
        ::setenv(node::kStateRoot.env, saved.c_str(), 1);
    else
        ::unsetenv(node::kStateRoot.env);
    REQUIRE(found);
    CHECK(found->containerId == "cid-9");
}
