// advertised.json (node/AdvertisedVfs.hpp): what the device plugin writes is what `ibvf` reads.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "node/AdvertisedVfs.hpp"
#include "support/ScratchDir.hpp"

using namespace ibvf;

TEST_CASE("advertised VFs: written in order, read back by PCI address") {
    const std::string json = node::advertisedVfsJson({{"0000:3b:01.0", "rdma/vhca"}, {"0000:3b:01.1", "rdma/other"}});
    CHECK(json == R"({"vfs":{"0000:3b:01.0":"rdma/vhca","0000:3b:01.1":"rdma/other"}})"
                  "\n");
    const auto vfs = node::parseAdvertisedVfs(json, "/p");
    CHECK(vfs.size() == 2);
    CHECK(vfs.at("0000:3b:01.1") == "rdma/other");
    CHECK(node::advertisedVfsJson({}) == "{\"vfs\":{}}\n");

    test::ScratchDir dir;
    const auto file = dir / "advertised.json";
    CHECK_FALSE(node::advertisedResourceOf(file, "0000:3b:01.0"));  // no device plugin running
    std::ofstream(file) << json;
    CHECK(node::advertisedResourceOf(file, "0000:3b:01.0") == "rdma/vhca");
    CHECK_FALSE(node::advertisedResourceOf(file, "0000:3b:01.7"));
}

TEST_CASE("advertised VFs: a file of another shape is an error naming it; odd entries are left out") {
    CHECK_THROWS_WITH(node::parseAdvertisedVfs("[]", "/run/ibvf/advertised.json"),
                      "/run/ibvf/advertised.json: not an advertised-VFs file ({\"vfs\":{...}})");
    CHECK_THROWS_AS(node::parseAdvertisedVfs(R"({"vfs":[]})", "/p"), std::runtime_error);
    CHECK_THROWS_AS(node::parseAdvertisedVfs("{", "/p"), std::runtime_error);
    const auto vfs = node::parseAdvertisedVfs(R"({"vfs":{"0000:3b:01.0":7,"0000:3b:01.1":"rdma/vhca"}})", "/p");
    CHECK(vfs.size() == 1);
    CHECK(vfs.count("0000:3b:01.1") == 1);
}
