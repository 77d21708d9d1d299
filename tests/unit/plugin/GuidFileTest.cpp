// The sriov-network-operator's static GUID file: both spellings of its fields, VF n takes GUID n
// of its PF's entry, the first entry for a device wins, and every bad file is code 7 naming the
// entry.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "cni/Error.hpp"
#include "node/NodePaths.hpp"
#include "plugin/GuidFile.hpp"
#include "support/ScratchDir.hpp"

using ibvf::cni::Error;
using ibvf::cni::ErrorCode;
using ibvf::linux::Guid;
using ibvf::plugin::GuidFile;

namespace {

constexpr const char* kPath = "/etc/sriov-operator/infiniband/guids";

Guid g(const char* text) { return *Guid::parse(text); }

GuidFile parse(const std::string& text) { return GuidFile::parse(text, kPath); }

// The error a file is refused with (code 7 required).
std::string refusal(const std::string& text) {
    try {
        parse(text);
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::InvalidNetworkConfig);
        CHECK(e.msg().find(kPath) != std::string::npos);
        return e.msg();
    }
    FAIL("accepted: " << text);
    return {};
}

std::string lookupRefusal(const GuidFile& file, const std::string& pf, unsigned vf) {
    try {
        file.guidFor(pf, std::nullopt, vf);
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::InvalidNetworkConfig);
        return e.msg();
    }
    FAIL("found a GUID for " << pf << " VF " << vf);
    return {};
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("the operator's documented file: a list by PCI address and a range by PF GUID") {
    const auto file = parse(R"([
        {"pci_address": "0000:3b:00.0", "guids": ["02:00:00:00:00:00:00:00", "02:00:00:00:00:00:00:01"]},
        {"pf_guid": "98:03:9b:03:00:12:34:56", "rangeStart": "02:00:00:00:00:aa:00:02", "rangeEnd": "02:00:00:00:00:aa:00:0a"}
    ])");
    CHECK(file.guidFor("0000:3b:00.0", std::nullopt, 0) == g("02:00:00:00:00:00:00:00"));
    CHECK(file.guidFor("0000:3b:00.0", std::nullopt, 1) == g("02:00:00:00:00:00:00:01"));
    const auto pfGuid = g("98:03:9b:03:00:12:34:56");
    CHECK(file.guidFor("0000:86:00.0", pfGuid, 0) == g("02:00:00:00:00:aa:00:02"));
    CHECK(file.guidFor("0000:86:00.0", pfGuid, 8) == g("02:00:00:00:00:aa:00:0a"));  // inclusive end
    CHECK(has(lookupRefusal(file, "0000:3b:00.0", 2), "entry 0 (pci_address 0000:3b:00.0) has 2 GUID(s), none for VF 2"));
    CHECK(has(lookupRefusal(file, "0000:86:00.0", 0), "no entry for PF 0000:86:00.0"));
    try {
        file.guidFor("0000:86:00.0", pfGuid, 9);
        FAIL("range end passed");
    } catch (const Error& e) {
        CHECK(has(e.msg(), "entry 1 (pf_guid 98:03:9b:03:00:12:34:56) has no GUID for VF 9"));
    }
}

TEST_CASE("the spellings of the operator's code and design: pciAddress, pfGuid in ibstat's form, guidsRange") {
    const auto file = parse(R"([
        {"pciAddress": "0000:3b:00.1", "guids": ["02:00:00:00:00:00:01:00"]},
        {"pfGuid": "0x98039b0300abcdef", "guidsRange": {"start": "02:00:00:00:00:00:02:00", "end": "02:00:00:00:00:00:02:ff"}},
        {"pf_guid": "9803:9b03:0000:0001", "range_start": "", "guids": ["02:00:00:00:00:00:03:00"]}
    ])");
    CHECK(file.guidFor("0000:3b:00.1", std::nullopt, 0) == g("02:00:00:00:00:00:01:00"));
    CHECK(file.guidFor("0000:3b:00.2", g("98:03:9b:03:00:ab:cd:ef"), 3) == g("02:00:00:00:00:00:02:03"));
    CHECK(file.guidFor("0000:3b:00.3", g("98:03:9b:03:00:00:00:01"), 0) == g("02:00:00:00:00:00:03:00"));
}

TEST_CASE("the first entry for a device wins") {
    const auto file = parse(R"([
        {"pci_address": "0000:3b:00.0", "guids": ["02:00:00:00:00:00:00:10"]},
        {"pf_guid": "98:03:9b:03:00:12:34:56", "guids": ["02:00:00:00:00:00:00:20"]},
        {"pci_address": "0000:3b:00.0", "guids": ["02:00:00:00:00:00:00:30"]}
    ])");
    CHECK(file.guidFor("0000:3b:00.0", g("98:03:9b:03:00:12:34:56"), 0) == g("02:00:00:00:00:00:00:10"));
    CHECK(file.guidFor("0000:5e:00.0", g("98:03:9b:03:00:12:34:56"), 0) == g("02:00:00:00:00:00:00:20"));
}

TEST_CASE("every bad file is code 7 naming the entry") {
    CHECK(has(refusal("{"), "is not JSON"));
    CHECK(has(refusal(R"({"pci_address": "0000:3b:00.0"})"), "is not a JSON list"));
    CHECK(has(refusal(R"([1])"), "entry 0 is not a JSON object"));
    const std::string ok = R"({"pci_address": "0000:3b:00.0", "guids": ["02:00:00:00:00:00:00:01"]}, )";
    const struct {
        const char* entry;
        const char* says;
    } cases[] = {
        {R"({"guids": ["02:00:00:00:00:00:00:02"]})", "entry 1 names no PF"},
        {R"({"pci_address": "0000:3b:00.1", "pf_guid": "98:03:9b:03:00:12:34:56", "guids": ["02:00:00:00:00:00:00:02"]})",
         "entry 1 (pci_address 0000:3b:00.1) (pf_guid 98:03:9b:03:00:12:34:56) names its PF twice"},
        {R"({"pci_address": "3b:00.1", "guids": ["02:00:00:00:00:00:00:02"]})",
         "entry 1 (pci_address 3b:00.1) pci_address '3b:00.1' is not a PCI address"},
        {R"({"pci_address": "0000:3b:00.1", "pciAddress": "0000:3b:00.1", "guids": ["02:00:00:00:00:00:00:02"]})",
         "gives both pci_address and pciAddress"},
        {R"({"pf_guid": "98:03:9b", "guids": ["02:00:00:00:00:00:00:02"]})", "entry 1 pf_guid '98:03:9b' is not a GUID"},
        {R"({"pci_address": "0000:3b:00.1", "guids": ["02:00:00:00:00:00:00:02"], "rangeStart": "02:00:00:00:00:00:01:00", "rangeEnd": "02:00:00:00:00:00:01:ff"})",
         "entry 1 (pci_address 0000:3b:00.1) gives both a GUID list and a range"},
        {R"({"pci_address": "0000:3b:00.1", "guids": ["02:00:00:00:00:00:00:02"], "guidsRange": {"start": "02:00:00:00:00:00:01:00", "end": "02:00:00:00:00:00:01:ff"}})",
         "entry 1 (pci_address 0000:3b:00.1) gives both a GUID list and a range"},
        {R"({"pci_address": "0000:3b:00.1", "rangeStart": "02:00:00:00:00:00:01:00"})",
         "entry 1 (pci_address 0000:3b:00.1) gives half a range"},
        {R"({"pci_address": "0000:3b:00.1", "rangeEnd": "02:00:00:00:00:00:01:00"})", "gives half a range"},
        {R"({"pci_address": "0000:3b:00.1"})", "entry 1 (pci_address 0000:3b:00.1) gives no GUIDs"},
        {R"({"pci_address": "0000:3b:00.1", "guids": []})", "entry 1 (pci_address 0000:3b:00.1) has an empty GUID list"},
        {R"({"pci_address": "0000:3b:00.1", "guids": "02:00:00:00:00:00:00:02"})", "guids is not a list"},
        {R"({"pci_address": "0000:3b:00.1", "guids": ["02:00:00:00:00:00:00:02", 7]})",
         "entry 1 (pci_address 0000:3b:00.1) guids[1] is not a string"},
        {R"({"pci_address": "0000:3b:00.1", "guids": ["02:00:00:00:00:00:00:02", "02:00:00:00:00:00:00"]})",
         "entry 1 (pci_address 0000:3b:00.1) guids[1] '02:00:00:00:00:00:00' is not a GUID"},
        {R"({"pci_address": "0000:3b:00.1", "guids": ["00:00:00:00:00:00:00:00"]})",
         "guids[0] 00:00:00:00:00:00:00:00 is not a usable GUID"},
        {R"({"pci_address": "0000:3b:00.1", "rangeStart": "02:00:00:00:00:00:01:ff", "rangeEnd": "02:00:00:00:00:00:01:00"})",
         "entry 1 (pci_address 0000:3b:00.1) range ends (02:00:00:00:00:00:01:00) before it starts"},
        {R"({"pci_address": "0000:3b:00.1", "rangeStart": "02:00:00:00:00:00:01:00", "rangeEnd": "ff:ff:ff:ff:ff:ff:ff:ff"})",
         "rangeEnd ff:ff:ff:ff:ff:ff:ff:ff is not a usable GUID"},
        {R"({"pci_address": "0000:3b:00.1", "rangeStart": "02:00:00:00:00:00:00:00", "rangeEnd": "02:00:00:00:00:00:00:05"})",
         "entry 1 (pci_address 0000:3b:00.1) repeats GUID 02:00:00:00:00:00:00:01 of entry 0 (pci_address 0000:3b:00.0)"},
        {R"({"pci_address": "0000:3b:00.1", "guids": ["02:00:00:00:00:00:00:07", "02:00:00:00:00:00:00:07"]})",
         "entry 1 (pci_address 0000:3b:00.1) repeats GUID 02:00:00:00:00:00:00:07"},
        {R"({"pci_address": "0000:3b:00.1", "guidsRange": "02:00:00:00:00:00:01:00"})", "guidsRange is not an object"},
        {R"({"pci_address": "0000:3b:00.1", "rangeStart": "02:00:00:00:00:00:01:00", "rangeEnd": "02:00:00:00:00:00:01:ff", "guidsRange": {"start": "02:00:00:00:00:00:02:00", "end": "02:00:00:00:00:00:02:ff"}})",
         "gives the range twice"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.entry);
        const auto msg = refusal("[" + ok + c.entry + "]");
        CHECK_MESSAGE(has(msg, c.says), msg);
    }
}

TEST_CASE("the file's path comes from the node, never from the network config") {
    ibvf::test::ScratchDir dir;
    const auto file = dir / "guids";
    ::setenv("IBVF_GUID_FILE", file.c_str(), 1);
    CHECK(ibvf::node::guidFile() == file);
    try {
        GuidFile::read(file);
        FAIL("a missing file was read");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::InvalidNetworkConfig);
        CHECK(has(e.msg(), file.string() + " does not exist"));
    }
    std::ofstream(file) << R"([{"pci_address": "0000:3b:00.0", "guids": ["02:00:00:00:00:00:00:01"]}])";
    CHECK(GuidFile::read(file).guidFor("0000:3b:00.0", std::nullopt, 0) == g("02:00:00:00:00:00:00:01"));
    ::unsetenv("IBVF_GUID_FILE");
    const auto fallback = ibvf::node::guidFile();
    CHECK((fallback == "/etc/sriov-operator/infiniband/guids" || fallback == "/var/opt/infiniband_guids"));
}
