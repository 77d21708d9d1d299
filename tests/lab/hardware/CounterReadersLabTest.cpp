// The counter readers on a real kernel: an rxe device's port state and driver counters over RDMA
// netlink agree with what sysfs shows on the host; once the device is moved into a pod
// (exclusive mode, the test-only rxe), the host's sysfs no longer shows it and the reader opened
// in the pod's namespace still does. The VF list of a netdevsim PF agrees with iproute2's.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "LabKernel.hpp"
#include "linux/NetNs.hpp"
#include "linux/RdmaCounterReader.hpp"
#include "linux/RdmaNetns.hpp"
#include "linux/RdmaPortCounters.hpp"
#include "linux/Sysfs.hpp"
#include "linux/VfStateReader.hpp"
#include "support/TestNet.hpp"

using namespace ibvf;
using namespace ibvf::labtest;
using test::ScopedNetns;

namespace {

std::vector<std::string> keysOf(const linux::CounterList& m) {
    std::vector<std::string> keys;
    for (const auto& [k, v] : m) keys.emplace_back(k);
    return keys;
}

}  // namespace

TEST_CASE("counters lab: rxe port state and hw counters over RDMA netlink agree with the host's sysfs") {
    RxeDevice rxe("rdma_rxe");
    // Up, then down: rxe counts the port going down in its link_downed hw counter, so at least
    // one value is not 0 and the values, not only the names, can be compared.
    mustRun("ip", {"link", "set", rxe.netdev(), "up"});
    mustRun("ip", {"link", "set", rxe.netdev(), "down"});
    const auto sysfs = linux::readRdmaPortCounters(linux::Sysfs("/sys"), rxe.name());
    REQUIRE_MESSAGE(sysfs.ok(), sysfs.error().message);
    REQUIRE(sysfs.value().size() == 1);
    const auto& s = sysfs.value()[0];
    CHECK(s.state);
    CHECK(s.linkLayer == "Ethernet");
    CHECK_FALSE(s.hwCounters.empty());  // rxe has driver counters (sent_pkts, rcvd_pkts, ...)
    REQUIRE(s.hwCounters.count("link_downed") == 1);
    CHECK(s.hwCounters.at("link_downed") > 0);

    auto reader = linux::RdmaCounterReader::here();
    REQUIRE_MESSAGE(reader.ok(), reader.error().message);
    const auto nl = reader.value().read(rxe.name());
    REQUIRE_MESSAGE(nl.ok(), nl.error().message);
    REQUIRE(nl.value().size() == 1);
    const auto& n = nl.value()[0];
    CHECK(n.source == linux::CounterSource::Netlink);
    CHECK(n.port == s.port);
    CHECK(n.state == s.state);
    CHECK(n.physState == s.physState);
    CHECK(n.linkLayer == s.linkLayer);
    CHECK(n.nodeGuid == s.nodeGuid);
    CHECK(keysOf(n.hwCounters) == keysOf(s.hwCounters));
    CHECK(n.hwCounters == s.hwCounters);  // no traffic between the two readings: the same values
    CHECK(n.unreadable == 0u);
}

TEST_CASE("counters lab: an RDMA device moved into a pod is NotVisible on the host and read inside the pod") {
    RxeDevice rxe("rdma_rxe_netns");
    setRdmaNetnsMode(true);  // before the pod's namespace exists: the kernel refuses it after
    const auto onHost = linux::readRdmaPortCounters(linux::Sysfs("/sys"), rxe.name());
    REQUIRE_MESSAGE(onHost.ok(), onHost.error().message);
    REQUIRE(onHost.value().size() == 1);

    ScopedNetns pod;
    mustRun("rdma", {"dev", "set", rxe.name(), "netns", pod.name()});
    const auto host = linux::NetNs::current();
    // Back to the host before the pod goes, so RxeDevice finds it where it made it.
    struct MoveBack {
        const ScopedNetns& pod;
        const linux::NetNs& host;
        std::string device;
        ~MoveBack() {
            try {
                linux::runInNetNs(pod.open(), [&] { linux::NetlinkRdmaNetns().moveToNetns(device, host.fd()); });
            } catch (...) {
                // Already back (the case failed before the move); the namespace's end returns it otherwise.
            }
        }
    } moveBack{pod, host, rxe.name()};

    const auto hidden = linux::readRdmaPortCounters(linux::Sysfs("/sys"), rxe.name());
    REQUIRE_FALSE(hidden.ok());
    CHECK(hidden.error().kind == linux::ReadFailure::NotVisible);
    auto hostReader = linux::RdmaCounterReader::here();
    REQUIRE(hostReader.ok());
    const auto fromHost = hostReader.value().read(rxe.name());
    REQUIRE_FALSE(fromHost.ok());
    CHECK(fromHost.error().kind == linux::ReadFailure::NotVisible);

    auto podReader = linux::RdmaCounterReader::open(pod.open());
    REQUIRE_MESSAGE(podReader.ok(), podReader.error().message);
    const auto inPod = podReader.value().read(rxe.name());
    REQUIRE_MESSAGE(inPod.ok(), inPod.error().message);
    REQUIRE(inPod.value().size() == 1);
    const auto& p = inPod.value()[0];
    CHECK(p.source == linux::CounterSource::Netlink);
    CHECK(p.state);
    CHECK(p.nodeGuid == onHost.value()[0].nodeGuid);
    CHECK(keysOf(p.hwCounters) == keysOf(onHost.value()[0].hwCounters));
    CHECK(p.counters.empty());  // PMA counters have no netlink attribute
}

TEST_CASE("counters lab: VfStateReader's VF list of a netdevsim PF matches iproute2's") {
    NetdevsimPf pf(true, 4);
    mustRun("ip", {"link", "set", pf.netdev(), "vf", "2", "state", "disable"});
    mustRun("ip", {"link", "set", pf.netdev(), "vf", "1", "state", "enable"});
    linux::VfStateReader reader;
    const auto vfs = reader.read(pf.netdev());
    REQUIRE_MESSAGE(vfs.ok(), vfs.error().message);
    const auto expected = kernelVfList(pf.netdev());
    REQUIRE(vfs.value().size() == expected.size());
    REQUIRE(expected.size() == 4);
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto& got = vfs.value()[i];
        CHECK(got.vfIndex == static_cast<int>(expected[i].vf));
        REQUIRE(got.linkState);
        CHECK(std::string(linux::vfLinkStateName(*got.linkState)) == expected[i].linkState);
        CHECK(got.nodeGuid.has_value() == expected[i].nodeGuid.has_value());
    }
    CHECK(vfs.value()[2].linkState == linux::VfLinkState::Disable);
    CHECK(vfs.value()[1].linkState == linux::VfLinkState::Enable);
}
