// VfStateReader against the real kernel, on links without SR-IOV.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "Lab.hpp"
#include "linux/VfStateReader.hpp"

using namespace ibvf;
using namespace ibvf::test;

TEST_CASE("VfStateReader: a link without VFs has an empty list, a missing PF is DeviceGone") {
    ScopedNetns ns;
    auto veth = lab::vethIn(ns);
    auto reader = linux::runInNetNs(ns.open(), [] { return linux::VfStateReader(); });
    const auto none = reader.read(veth->a());
    REQUIRE(none.ok());
    CHECK(none.value().empty());
    const auto byIndex = reader.read(veth->aIndex());
    REQUIRE(byIndex.ok());
    CHECK(byIndex.value().empty());
    const auto missing = reader.read(std::string_view(uniqueName()));
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().kind == linux::ReadFailure::DeviceGone);
}
