#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "linux/Guid.hpp"

using ibvf::linux::Guid;
using ibvf::linux::GuidPool;

namespace {

std::string errorOf(const GuidPool& pool, const char* pf, unsigned vf) {
    try {
        pool.guidFor(pf, vf);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(no error)";
}

std::string parseErrorOf(const char* spec) {
    try {
        GuidPool::parse(spec);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("Guid: text is read big-endian and printed lower case") {
    const auto g = Guid::parse("00:11:22:33:44:55:66:77");
    REQUIRE(g);
    CHECK(g->value() == 0x0011223344556677ULL);
    CHECK(g->str() == "00:11:22:33:44:55:66:77");
    CHECK(g->bytes() == std::array<std::uint8_t, 8>{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77});

    const auto upper = Guid::parse("AA:bB:Cc:DD:ee:FF:01:9A");
    REQUIRE(upper);
    CHECK(upper->value() == 0xaabbccddeeff019aULL);
    CHECK(upper->str() == "aa:bb:cc:dd:ee:ff:01:9a");
    CHECK(Guid(0xfe80000000000001ULL).str() == "fe:80:00:00:00:00:00:01");
}

TEST_CASE("Guid: anything but eight hex pairs is refused") {
    for (const char* bad : {"", "00:11:22:33:44:55:66", "00:11:22:33:44:55:66:77:88", "00-11-22-33-44-55-66-77", "0:11:22:33:44:55:66:777",
                            "00:11:22:33:44:55:66:7g", " 00:11:22:33:44:55:66:77", "00:11:22:33:44:55:66:77 ", "0011:2233:4455:6677",
                            "00:11:22:33:44:55:66:+7"}) {
        INFO(bad);
        CHECK_FALSE(Guid::parse(bad));
    }
}

TEST_CASE("Guid: sysfs's spelling is four groups of four hex digits, nothing else") {
    CHECK(Guid::parseSysfs("9803:9b03:0012:3456")->value() == 0x98039b0300123456ULL);
    CHECK(Guid::parseSysfs("ABCD:ef01:0000:FFFF")->value() == 0xabcdef010000ffffULL);
    for (const char* bad : {"", "98:03:9b:03:00:12:34:56", "0x98039b0300123456", "9803:9b03:0012:345", "9803:9b03:0012:345g",
                            "9803-9b03-0012-3456", "9803:9b03:0012:3456\n", "+803:9b03:0012:3456"}) {
        CAPTURE(bad);
        CHECK_FALSE(Guid::parseSysfs(bad));
    }
}

TEST_CASE("Guid: all zeros and all ones are not usable") {
    CHECK_FALSE(Guid::parse("00:00:00:00:00:00:00:00")->valid());
    CHECK_FALSE(Guid::parse("ff:ff:ff:ff:ff:ff:ff:ff")->valid());
    CHECK_FALSE(Guid().valid());
    CHECK(Guid::parse("00:00:00:00:00:00:00:01")->valid());
    CHECK(Guid::parse("ff:ff:ff:ff:ff:ff:ff:fe")->valid());
}

TEST_CASE("Guid: the port GUID is bytes 12..19 of a 20-byte IPoIB hardware address") {
    std::vector<std::uint8_t> hw(20);
    for (std::size_t i = 0; i < hw.size(); ++i) hw[i] = static_cast<std::uint8_t>(0x10 + i);
    const auto g = Guid::fromIpoibHwaddr(hw);
    REQUIRE(g);
    CHECK(g->str() == "1c:1d:1e:1f:20:21:22:23");
    CHECK_FALSE(Guid::fromIpoibHwaddr(std::vector<std::uint8_t>(6, 1)));
    CHECK_FALSE(Guid::fromIpoibHwaddr(std::vector<std::uint8_t>(19, 1)));
    CHECK_FALSE(Guid::fromIpoibHwaddr(std::vector<std::uint8_t>(21, 1)));
}

TEST_CASE("Guid: the spellings of sysfs and ibstat") {
    CHECK(Guid::parseAnyForm("9803:9b03:0012:3456")->str() == "98:03:9b:03:00:12:34:56");
    CHECK(Guid::parseAnyForm("0x98039b0300123456")->str() == "98:03:9b:03:00:12:34:56");
    CHECK(Guid::parseAnyForm("98:03:9b:03:00:12:34:56")->str() == "98:03:9b:03:00:12:34:56");
    for (const char* bad :
         {"", "9803:9b03:0012:345", "9803-9b03-0012-3456", "0x98039b030012345g", "98039b0300123456", "9803:9b03:0012:34567"}) {
        CAPTURE(bad);
        CHECK_FALSE(Guid::parseAnyForm(bad).has_value());
    }
}

TEST_CASE("GuidRange: inclusive, ordered, usable") {
    using ibvf::linux::GuidRange;
    const auto r = GuidRange::parse("02:00:00:00:00:00:00:10-02:00:00:00:00:00:00:1f");
    CHECK(r.first.value() == 0x0200000000000010ULL);
    CHECK(r.contains(Guid(0x020000000000001fULL)));
    CHECK_FALSE(r.contains(Guid(0x0200000000000020ULL)));
    CHECK(GuidRange::parse("02:00:00:00:00:00:00:10-02:00:00:00:00:00:00:10").last == r.first);
    for (const char* bad : {"02:00:00:00:00:00:00:10", "02:00:00:00:00:00:00:1f-02:00:00:00:00:00:00:10",
                            "00:00:00:00:00:00:00:00-02:00:00:00:00:00:00:10", "x-y", "02:00:00:00:00:00:00:10-"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(GuidRange::parse(bad), std::invalid_argument);
    }
}

TEST_CASE("GuidPool prefix: bus, device.function and VF index follow the prefix") {
    const auto pool = GuidPool::parse("02:00:00:00:00");
    CHECK(pool.bits() == 24);
    CHECK(pool.guidFor("0000:3b:00.0", 3).str() == "02:00:00:00:00:3b:00:03");
    CHECK(pool.guidFor("0000:3b:00.1", 3).str() == "02:00:00:00:00:3b:01:03");
    CHECK(pool.guidFor("0000:af:1f.7", 255).str() == "02:00:00:00:00:af:ff:ff");
    // Stable: another parse of the same spec (a restart) gives the same answer.
    CHECK(GuidPool::parse("02:00:00:00:00").guidFor("0000:3b:00.0", 3) == pool.guidFor("0000:3b:00.0", 3));
    CHECK(GuidPool::parse("02:00:00:00:00").guidFor("0000:3B:00.0", 3) == pool.guidFor("0000:3b:00.0", 3));
}

TEST_CASE("GuidPool prefix: no two VFs of a node share a GUID") {
    const auto pool = GuidPool::parse("0a:bc:de:00:00");
    std::set<std::uint64_t> seen;
    std::size_t count = 0;
    for (const char* pf : {"0000:3b:00.0", "0000:3b:00.1", "0000:3c:00.0", "0000:af:00.0", "0000:00:05.0"}) {
        for (unsigned vf = 0; vf < 256; ++vf) {
            seen.insert(pool.guidFor(pf, vf).value());
            ++count;
        }
    }
    CHECK(seen.size() == count);
}

TEST_CASE("GuidPool prefix: 2 bytes leave 48 bits, enough for any domain and 16-bit VF indexes") {
    const auto pool = GuidPool::parse("02:aa");
    CHECK(pool.bits() == 48);
    CHECK(pool.guidFor("0000:3b:00.0", 3).str() == "02:aa:00:00:3b:00:00:03");
    CHECK(pool.guidFor("12ab:3b:02.1", 0x1234).str() == "02:aa:12:ab:3b:11:12:34");
}

TEST_CASE("GuidPool prefix: a pool too small for the PF says so and what to use instead") {
    const auto six = GuidPool::parse("02:00:00:00:00:00");
    CHECK(six.bits() == 16);
    // Only PFs on bus 0 fit a 16-bit slot (device.function | VF).
    CHECK(six.guidFor("0000:00:05.0", 1).str() == "02:00:00:00:00:00:28:01");
    const std::string err = errorOf(six, "0000:3b:00.0", 3);
    CHECK(err ==
          "GUID pool \"02:00:00:00:00:00\" has room for 16 bits per VF but PF 0000:3b:00.0 VF 3 needs 22 (PCI domain, bus, device.function "
          "and VF index): use a prefix of at most 5 bytes or a larger range");

    const auto five = GuidPool::parse("02:00:00:00:00");
    CHECK(errorOf(five, "0001:3b:00.0", 0) ==
          "GUID pool \"02:00:00:00:00\" has room for 24 bits per VF but PF 0001:3b:00.0 VF 0 needs 25 (PCI domain, bus, device.function "
          "and VF index): use a prefix of at most 4 bytes or a larger range");
    CHECK(errorOf(five, "0000:3b:00.0", 256) ==
          "GUID pool \"02:00:00:00:00\": PF 0000:3b:00.0 VF 256: the pool leaves 8 bits for the VF index (use a shorter prefix for 16)");
    CHECK(errorOf(five, "3b:00.0", 0) == "GUID pool \"02:00:00:00:00\": PF 3b:00.0 VF 0: not a PCI address (dddd:bb:dd.f)");
    CHECK(errorOf(five, "0000:3b:00.8", 0) == "GUID pool \"02:00:00:00:00\": PF 0000:3b:00.8 VF 0: not a PCI address (dddd:bb:dd.f)");
    CHECK(errorOf(five, "0000:3b:20.0", 0) == "GUID pool \"02:00:00:00:00\": PF 0000:3b:20.0 VF 0: not a PCI address (dddd:bb:dd.f)");
    CHECK(errorOf(GuidPool::parse("02:00"), "10000:3b:00.0", 0) ==
          "GUID pool \"02:00\": PF 10000:3b:00.0 VF 0: PCI domains above ffff are not encoded in pool GUIDs");
}

TEST_CASE("GuidPool: a derived GUID that is all zeros or all ones is refused") {
    CHECK(errorOf(GuidPool::parse("00:00:00:00:00"), "0000:00:00.0", 0) ==
          "GUID pool \"00:00:00:00:00\": PF 0000:00:00.0 VF 0 maps to 00:00:00:00:00:00:00:00, which is not a usable GUID");
    CHECK(errorOf(GuidPool::parse("ff:ff:ff:ff:ff"), "0000:ff:1f.7", 255) ==
          "GUID pool \"ff:ff:ff:ff:ff\": PF 0000:ff:1f.7 VF 255 maps to ff:ff:ff:ff:ff:ff:ff:ff, which is not a usable GUID");
}

TEST_CASE("GuidPool range: first + slot, within the largest power of two that fits") {
    const auto pool = GuidPool::parse("02:00:00:00:00:00:00:00-02:00:00:00:00:ff:ff:ff");
    CHECK(pool.bits() == 24);
    CHECK(pool.guidFor("0000:3b:00.0", 3).str() == "02:00:00:00:00:3b:00:03");

    const auto offset = GuidPool::parse("02:00:00:00:01:00:00:10-02:00:00:00:02:00:00:10");
    CHECK(offset.bits() == 24);
    CHECK(offset.guidFor("0000:3b:00.1", 2).str() == "02:00:00:00:01:3b:01:12");

    const auto small = GuidPool::parse("02:00:00:00:00:00:00:00-02:00:00:00:00:00:00:ff");
    CHECK(small.bits() == 8);
    CHECK(errorOf(small, "0000:3b:00.0", 3) ==
          "GUID pool \"02:00:00:00:00:00:00:00-02:00:00:00:00:00:00:ff\" has room for 8 bits per VF but PF 0000:3b:00.0 VF 3 needs 22 (PCI "
          "domain, bus, device.function and VF index): use a prefix of at most 5 bytes or a larger range");
}

TEST_CASE("GuidPool: malformed specs are refused with the reason") {
    CHECK(parseErrorOf("02:00:00:00:00:00:00:00") ==
          "GUID pool \"02:00:00:00:00:00:00:00\": a prefix must leave room for the VF: give at most 7 bytes (or a range)");
    CHECK(parseErrorOf("02:00:00:00:00:00:00:ff-02:00:00:00:00:00:00:00") ==
          "GUID pool \"02:00:00:00:00:00:00:ff-02:00:00:00:00:00:00:00\": the range ends before it starts");
    CHECK(parseErrorOf("02:00:00:00:00:00:00-02:00:00:00:00:00:00:ff") ==
          "GUID pool \"02:00:00:00:00:00:00-02:00:00:00:00:00:00:ff\": a range is two full GUIDs (xx:xx:xx:xx:xx:xx:xx:xx) joined by '-'");
    CHECK(parseErrorOf("") == "GUID pool \"\": a prefix is 1 to 7 bytes in xx:xx form, a range is first-last");
    CHECK(parseErrorOf("02:0") == "GUID pool \"02:0\": a prefix is 1 to 7 bytes in xx:xx form, a range is first-last");
    CHECK(parseErrorOf("zz") == "GUID pool \"zz\": a prefix is 1 to 7 bytes in xx:xx form, a range is first-last");
}
