// NetlinkIpoibLinks against the real kernel. This machine has no ipoib driver, and a veth is not
// an InfiniBand parent anyway, so creation must fail clearly and leave nothing behind; deletion
// is plain RTM_DELLINK and is checked on a veth.
#include <doctest/doctest.h>

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "Lab.hpp"
#include "linux/IpoibLink.hpp"
#include "linux/KernelError.hpp"

using namespace ibvf;
using namespace ibvf::test;

namespace {

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

std::unique_ptr<linux::NetlinkIpoibLinks> ipoibIn(const ScopedNetns& ns) {
    return linux::runInNetNs(ns.open(), [] { return std::make_unique<linux::NetlinkIpoibLinks>(); });
}

}  // namespace

TEST_CASE("creating an IPoIB child without an IPoIB parent/driver: a clear KernelError, nothing created") {
    ScopedNetns ns;
    const auto veth = lab::vethIn(ns);
    const auto links = ipoibIn(ns);
    const auto before = HostSnapshot::capture(ns.path());

    linux::IpoibChildSpec spec;
    spec.parentIfindex = veth->aIndex();
    spec.name = uniqueName("ibt");
    spec.pkey = linux::Pkey::parse("0x8001");
    try {
        links->createChild(spec);
        FAIL("created an IPoIB child on a veth");
    } catch (const linux::KernelError& e) {
        const std::string what = e.what();
        INFO(what);
        // No ipoib module: the kind is unknown (EOPNOTSUPP). With the module, a veth parent is
        // refused as not InfiniBand (ENODEV).
        CHECK((e.err() == EOPNOTSUPP || e.err() == ENODEV));
        CHECK(contains(what, "create IPoIB child " + spec.name + " (pkey 0x8001) on parent " + veth->a() + " (ifindex " +
                                 std::to_string(veth->aIndex()) + ")"));
        if (e.err() == EOPNOTSUPP) CHECK(contains(what, "is the ib_ipoib module loaded?"));
    }
    CHECK_FALSE(linkExistsIn(ns.path(), spec.name));
    const auto after = HostSnapshot::capture(ns.path());
    CHECK_MESSAGE(before == after, before.diff(after));
}

TEST_CASE("deleteChild removes the link, and reports a missing one as already gone") {
    ScopedNetns ns;
    const auto veth = lab::vethIn(ns);
    const auto links = ipoibIn(ns);
    REQUIRE(linkExistsIn(ns.path(), veth->a()));
    CHECK(links->deleteChild(veth->aIndex()));
    CHECK_FALSE(linkExistsIn(ns.path(), veth->a()));
    CHECK_FALSE(links->deleteChild(veth->aIndex()));
}
