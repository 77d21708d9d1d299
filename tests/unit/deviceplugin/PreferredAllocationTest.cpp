#include <doctest/doctest.h>

#include "deviceplugin/PreferredAllocation.hpp"

using namespace ibvf::dp;

namespace {

DeviceRecord vf(const std::string& id, const std::string& pf, int numa, int index) {
    DeviceRecord d;
    d.id = id;
    d.pciAddress = id;
    d.pfPciAddress = pf;
    d.numaNode = numa;
    d.vfIndex = index;
    return d;
}

// PF A (numa 0): a0..a3; PF B (numa 0): b0..b1; PF C (numa 1): c0..c2.
std::vector<DeviceRecord> pool() {
    return {vf("a0", "A", 0, 0), vf("a1", "A", 0, 1), vf("a2", "A", 0, 2), vf("a3", "A", 0, 3), vf("b0", "B", 0, 0),
            vf("b1", "B", 0, 1), vf("c0", "C", 1, 0), vf("c1", "C", 1, 1), vf("c2", "C", 1, 2)};
}

std::vector<std::string> all() { return {"c2", "a0", "b1", "a1", "c0", "a2", "b0", "a3", "c1"}; }

}  // namespace

TEST_CASE("a request that fits one PF goes to the smallest PF that fits") {
    CHECK(preferredAllocation(pool(), all(), {}, 2) == std::vector<std::string>{"b0", "b1"});
    CHECK(preferredAllocation(pool(), all(), {}, 3) == std::vector<std::string>{"c0", "c1", "c2"});
    CHECK(preferredAllocation(pool(), all(), {}, 4) == std::vector<std::string>{"a0", "a1", "a2", "a3"});
}

TEST_CASE("a request larger than any PF stays on one NUMA node") {
    const auto got = preferredAllocation(pool(), all(), {}, 5);
    REQUIRE(got.size() == 5);
    for (const auto& id : got) CHECK(id[0] != 'c');
    CHECK(got[0] == "a0");  // the larger PF first
}

TEST_CASE("must-include devices are kept and the rest follow their PF, then NUMA node") {
    CHECK(preferredAllocation(pool(), all(), {"c1"}, 3) == std::vector<std::string>{"c1", "c0", "c2"});
    const auto got = preferredAllocation(pool(), all(), {"b1"}, 4);
    CHECK(got == std::vector<std::string>{"b1", "b0", "a0", "a1"});
    CHECK(preferredAllocation(pool(), all(), {"c0", "a0"}, 2) == std::vector<std::string>{"c0", "a0"});
    CHECK(preferredAllocation(pool(), all(), {"c0", "c0"}, 1) == std::vector<std::string>{"c0"});
}

TEST_CASE("only available devices are offered; unknown IDs come last") {
    CHECK(preferredAllocation(pool(), {"a0", "zz", "c0", "c1"}, {}, 2) == std::vector<std::string>{"c0", "c1"});
    CHECK(preferredAllocation(pool(), {"zz", "a0"}, {}, 2) == std::vector<std::string>{"a0", "zz"});
    CHECK(preferredAllocation(pool(), {"a0"}, {}, 3) == std::vector<std::string>{"a0"});
    CHECK(preferredAllocation(pool(), all(), {}, 0).empty());
}
