// The hand-built message helpers: attribute walking must never read past the buffer, whatever
// the kernel (or a bug) put in it.
#include <doctest/doctest.h>
#include <linux/netlink.h>

#include <cstdint>
#include <vector>

#include "NlDecode.hpp"
#include "linux/NetlinkSocket.hpp"

using namespace ibvf::linux;
namespace nl = ibvf::test::nl;

TEST_CASE("builder: attributes are padded to 4 bytes and nests carry their full length") {
    NlMessageBuilder b(100, NLM_F_REQUEST);
    b.putU8(1, 0xab);
    const auto nest = b.beginNested(2);
    b.putString(3, "abcde");
    b.putU16(4, 0x1234);
    b.endNested(nest);
    const auto bytes = b.finish();
    CHECK(bytes.size() == 16 + 8 + (4 + 12 + 8));
    const auto m = nl::decode(bytes, 0);
    CHECK(m.header.nlmsg_type == 100);
    REQUIRE(m.attrs.size() == 2);
    CHECK(m.attrs[0].as<std::uint8_t>() == 0xab);
    const auto inner = nl::nested(m.attrs[1]);
    REQUIRE(inner.size() == 2);
    CHECK(inner[0].payload.size() == 6);
    CHECK(inner[1].as<std::uint16_t>() == 0x1234);
}

TEST_CASE("nlAttrs: flags are masked off, a bad length stops the walk") {
    NlMessageBuilder b(100, 0);
    b.putU32(5, 1);
    b.putU32(6, 2);
    auto bytes = b.finish();
    // Mark the first as nested (as the kernel does for some nests).
    bytes[16 + 3] |= static_cast<std::uint8_t>(NLA_F_NESTED >> 8);
    const auto all = nlMessageAttrs(bytes, 0);
    REQUIRE(all.size() == 2);
    CHECK(all[0].type == 5);
    CHECK(all[1].type == 6);
    CHECK(findNlAttr(all, 6) == &all[1]);
    CHECK(findNlAttr(all, 7) == nullptr);

    // The second attribute claims more than is there.
    bytes[16 + 8] = 200;
    CHECK(nlMessageAttrs(bytes, 0).size() == 1);
    // An attribute shorter than its own header.
    bytes[16] = 2;
    CHECK(nlMessageAttrs(bytes, 0).empty());
    // nlmsg_len larger than the buffer: only the buffer is read.
    std::vector<std::uint8_t> shortMsg(bytes.begin(), bytes.begin() + 16);
    CHECK(nlMessageAttrs(shortMsg, 0).empty());
    CHECK(nlMessageAttrs(std::vector<std::uint8_t>(3, 0), 0).empty());
}

TEST_CASE("nlAttrString: stops at the NUL, tolerates none") {
    const std::vector<std::uint8_t> withNul = {'i', 'b', '0', 0, 'x'};
    CHECK(nlAttrString(NlAttr{1, withNul}) == "ib0");
    const std::vector<std::uint8_t> without = {'m', 'l', 'x'};
    CHECK(nlAttrString(NlAttr{1, without}) == "mlx");
}
