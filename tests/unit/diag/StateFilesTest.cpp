// Reading the files other ibvf programs write, through their own writers: attachment states
// saved by AttachmentStore, leases taken by LeaseStore, allocation records in their documented shape.
#include <doctest/doctest.h>

#include <fstream>

#include "diag/StateFiles.hpp"
#include "ipam/LeaseStore.hpp"
#include "plugin/AttachmentStore.hpp"
#include "support/ScratchDir.hpp"

using namespace ibvf;
using namespace ibvf::diag;

namespace {

void write(const std::filesystem::path& p, const std::string& text) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
}

node::AttachmentState stateFor(const std::string& cid, const std::string& pci, const std::string& netns) {
    node::AttachmentState s;
    s.containerId = cid;
    s.ifname = "net1";
    s.network = "ibnet";
    s.netns = netns;
    s.pciAddress = pci;
    s.pfPciAddress = "0000:3b:00.0";
    s.vfIndex = 0;
    s.hostName = "ib0v0";
    s.ipamType = "ibvf-ipam";
    s.phase = node::AttachPhase::Attached;
    cni::Result result;
    result.ips.push_back(cni::IpConfig{*net::IpPrefix::parse("10.56.0.2/24"), std::nullopt, 0});
    s.result = result;
    return s;
}

}  // namespace

TEST_CASE("allocation records: each record file is read; one that is not a record is an error naming the file") {
    test::ScratchDir dir;
    write(dir / "0000:3b:00.2.json", R"({"pciAddress":"0000:3b:00.2","resource":"rdma/vhca","time":"t"})");
    write(dir / "0000:3b:00.3.json", "garbage");
    write(dir / "0000:3b:00.4.json.tmp.1.1", "temp file of a writer");
    write(dir / "notes.txt", "not a record");
    const auto records = readAllocationRecords(dir.path());
    REQUIRE(records.size() == 2);
    CHECK_FALSE(records[0].error);
    CHECK(records[0].resource == "rdma/vhca");
    REQUIRE(records[1].error);
    CHECK(records[1].pciAddress == "0000:3b:00.3");
    CHECK(records[1].error->find("0000:3b:00.3.json: not JSON") != std::string::npos);
    CHECK(readAllocationRecords(dir / "absent").empty());
}

TEST_CASE("attachments saved by AttachmentStore are read back; a corrupt one is reported, not skipped") {
    test::ScratchDir dir;
    const plugin::AttachmentStore store(dir.path());
    store.save(stateFor("cid-1", "0000:3b:00.2", dir.path().string()));
    store.save(stateFor("cid-2", "0000:3b:00.3", "/run/netns/ibvf-diag-test-gone"));
    write(dir / "cid-3:net1.json", R"({"containerId":"cid-3"})");
    const auto scan = readAttachments(dir.path());
    REQUIRE(scan.attachments.size() == 2);
    CHECK(scan.attachments[0].containerId == "cid-1");
    CHECK(scan.attachments[0].netnsExists);
    CHECK(scan.attachments[0].phase == "attached");
    CHECK(scan.attachments[0].addresses == std::vector<std::string>{"10.56.0.2/24"});
    CHECK(scan.attachments[0].statePath == (dir / "cid-1:net1.json").string());
    CHECK_FALSE(scan.attachments[1].netnsExists);
    REQUIRE(scan.corrupt.size() == 1);
    CHECK(scan.corrupt[0].find("cid-3:net1.json") != std::string::npos);
}

TEST_CASE("leases: what LeaseStore gave the attachment, nothing for another, an error for a bad network name") {
    test::ScratchDir dir;
    ipam::LeaseStore store(ipam::StoreLocation{dir / "ibnet", "ibnet", std::chrono::milliseconds(1000)});
    const auto range = ipam::makeRange(ipam::RangeSpec{"10.56.0.0/24", std::nullopt, std::nullopt, std::nullopt}, "test");
    const auto given = store.allocate(ipam::AttachmentKey{"cid-1", "net1"}, {{range}}, {}, {std::nullopt});
    REQUIRE(given.size() == 1);

    PodFacts pod;
    pod.containerId = "cid-1";
    pod.ifname = "net1";
    pod.network = "ibnet";
    auto lease = leasesOf(pod, dir.path(), std::chrono::milliseconds(1000));
    CHECK_FALSE(lease.error);
    CHECK(lease.dir == (dir / "ibnet").string());
    CHECK(lease.addresses == std::vector<std::string>{given[0].toString()});

    pod.containerId = "cid-2";
    CHECK(leasesOf(pod, dir.path(), std::chrono::milliseconds(1000)).addresses.empty());

    pod.network = "..";
    CHECK(leasesOf(pod, dir.path(), std::chrono::milliseconds(1000)).error);
}
