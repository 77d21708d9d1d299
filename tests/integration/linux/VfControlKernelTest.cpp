// NetlinkVfControl against the real kernel, with a veth standing in for the PF: a veth has no
// VFs and no VF operations, so every request must fail with the kernel's own errno, say which PF
// and VF, and leave the namespace exactly as it was.
#include <doctest/doctest.h>

#include <cerrno>
#include <memory>
#include <string>

#include "Lab.hpp"
#include "linux/Guid.hpp"
#include "linux/KernelError.hpp"
#include "linux/VfControl.hpp"

using namespace ibvf;
using namespace ibvf::test;

namespace {

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

struct VethPf {
    ScopedNetns ns;
    std::unique_ptr<VethPair> veth = lab::vethIn(ns);
    std::unique_ptr<linux::NetlinkVfControl> vfc = linux::runInNetNs(ns.open(), [] { return std::make_unique<linux::NetlinkVfControl>(); });
    std::string pfLabel() const { return "PF " + veth->a() + " (ifindex " + std::to_string(veth->aIndex()) + ")"; }
};

template <class F>
linux::KernelError errorOf(F&& f) {
    try {
        f();
    } catch (const linux::KernelError& e) {
        return e;
    }
    FAIL("no KernelError");
    return linux::KernelError(0, "unreachable");
}

}  // namespace

TEST_CASE("setGuids on a veth PF: EOPNOTSUPP naming PF and VF, link unchanged") {
    VethPf lab;
    const auto before = HostSnapshot::capture(lab.ns.path());
    const auto guid = linux::Guid::parse("00:11:22:33:44:55:66:77")->value();
    const auto e = errorOf([&] { lab.vfc->setGuids(lab.veth->aIndex(), 3, guid, guid + 1); });
    CHECK(e.err() == EOPNOTSUPP);
    const std::string what = e.what();
    INFO(what);
    CHECK(contains(what, "set GUIDs of VF 3 on " + lab.pfLabel() + ": Operation not supported"));
    const auto after = HostSnapshot::capture(lab.ns.path());
    CHECK_MESSAGE(before == after, before.diff(after));
}

TEST_CASE("setLinkState on a veth PF: the kernel's errno naming PF and VF, link unchanged") {
    VethPf lab;
    const auto before = HostSnapshot::capture(lab.ns.path());
    const auto e = errorOf([&] { lab.vfc->setLinkState(lab.veth->aIndex(), 1, linux::VfLinkState::Disable); });
    CHECK(e.err() == EOPNOTSUPP);
    const std::string what = e.what();
    INFO(what);
    CHECK(contains(what, "set link state of VF 1 to disable on " + lab.pfLabel() + ": "));
    const auto after = HostSnapshot::capture(lab.ns.path());
    CHECK_MESSAGE(before == after, before.diff(after));
}

TEST_CASE("get on a device without VFs: no such VF") {
    VethPf lab;
    const auto e = errorOf([&] { lab.vfc->get(lab.veth->aIndex(), 0); });
    CHECK(e.err() == ENODEV);
    const std::string what = e.what();
    INFO(what);
    CHECK(contains(what, "read settings of VF 0 on " + lab.pfLabel() + ": no such VF (the PF reports 0 VFs)"));
}

TEST_CASE("a PF ifindex that does not exist: the kernel's ENODEV, named by index") {
    VethPf lab;
    const int missing = lab.veth->aIndex() + 1000;
    const auto set = errorOf([&] { lab.vfc->setGuids(missing, 0, 1, 2); });
    CHECK(set.err() == ENODEV);
    CHECK(contains(set.what(), "set GUIDs of VF 0 on PF ifindex " + std::to_string(missing) + ": "));
    const auto get = errorOf([&] { lab.vfc->get(missing, 0); });
    CHECK(get.err() == ENODEV);
    CHECK(contains(get.what(), "read settings of VF 0 on PF ifindex " + std::to_string(missing)));
}
