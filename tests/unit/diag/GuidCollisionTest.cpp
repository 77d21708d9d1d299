// check-config flags GUID sources that repeat across nodes, and says which source to use instead.
#include <doctest/doctest.h>

#include <string>

#include "diag/ConfigCheck.hpp"

using namespace ibvf::diag;

namespace {

std::vector<ConfigFinding> errorsOf(const std::string& fields) {
    const auto c = checkConfigText(R"({"cniVersion":"1.0.0","name":"n","type":"ibvf",)" + fields + "}");
    std::vector<ConfigFinding> out;
    for (const auto& f : c.findings)
        if (!f.ok) out.push_back(f);
    return out;
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("check-config: guidPool repeats across nodes with the same PCI layout") {
    const auto errors = errorsOf(R"("guidPool":"02:00:00:00:01")");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].field == "guidPool");
    CHECK(has(errors[0].message, "nodes with the same PCI layout give their VFs the same GUIDs"));
    CHECK(has(errors[0].explanation, "guidPool is node-local"));
    CHECK(has(errors[0].explanation, "\"guidSource\": \"pf\""));
    CHECK(has(errors[0].explanation, "\"etcd\""));
    // The range form as well.
    CHECK(errorsOf(R"("guidPool":"02:00:00:00:00:00:10:00-02:00:00:00:00:00:1f:ff")").size() == 1);
}

TEST_CASE("check-config: a fixed top-level guid is one GUID for every pod on every node") {
    const auto errors = errorsOf(R"("guid":"02:00:00:00:00:00:00:01")");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].field == "guid");
    CHECK(has(errors[0].message, "every attachment of this network, on every node"));
    CHECK(has(errors[0].explanation, "runtimeConfig.infinibandGUID"));
}

TEST_CASE("check-config: sources that hold across nodes pass") {
    CHECK(errorsOf(R"("guidSource":"pf")").empty());
    CHECK(errorsOf(R"("guidSource":"file")").empty());
    CHECK(errorsOf(R"("runtimeConfig":{"infinibandGUID":"02:00:00:00:00:00:00:01"})").empty());
    CHECK(errorsOf(R"("args":{"cni":{"guid":"02:00:00:00:00:00:00:01"}})").empty());
    CHECK(errorsOf(R"("mtu":2044)").empty());
    // A refused guidSource is reported by the parser, with its field.
    const auto bad = errorsOf(R"("guidSource":"random")");
    REQUIRE(bad.size() == 1);
    CHECK(bad[0].field == "guidSource");
}
