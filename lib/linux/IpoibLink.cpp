#include "linux/IpoibLink.hpp"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "linux/KernelError.hpp"
#include "linux/NetlinkSocket.hpp"

namespace ibvf::linux {

Pkey Pkey::fromValue(std::uint16_t value) {
    if ((value & 0x7fff) == 0) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "0x%04x", value);
        throw std::invalid_argument(std::string("pkey ") + buf + ": partition 0 is not a valid partition key");
    }
    return Pkey(value);
}

Pkey Pkey::parse(std::string_view text) {
    const auto bad = [&](const char* why) { return std::invalid_argument("pkey \"" + std::string(text) + "\": " + why); };
    std::string_view digits = text;
    int base = 10;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        digits.remove_prefix(2);
        base = 16;
    }
    unsigned long v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
    if (digits.empty() || ec == std::errc::invalid_argument || end != digits.data() + digits.size())
        throw bad("expected a number such as 0x8001 or 32769");
    if (ec == std::errc::result_out_of_range || v > 0xffff) throw bad("a partition key is 16 bits (at most 0xffff)");
    if ((v & 0x7fff) == 0) throw bad("partition 0 (0x0000 / 0x8000) is not a valid partition key");
    return Pkey(static_cast<std::uint16_t>(v));
}

std::string Pkey::str() const {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%04x", forKernel());
    return buf;
}

namespace ipoibmsg {

std::vector<std::uint8_t> newChild(const IpoibChildSpec& spec) {
    NlMessageBuilder b(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    b.header(ifi);
    b.putU32(IFLA_LINK, static_cast<std::uint32_t>(spec.parentIfindex));
    b.putString(IFLA_IFNAME, spec.name);
    const auto linkinfo = b.beginNested(IFLA_LINKINFO);
    b.putString(IFLA_INFO_KIND, "ipoib");
    const auto data = b.beginNested(IFLA_INFO_DATA);
    b.putU16(IFLA_IPOIB_PKEY, spec.pkey.forKernel());
    b.putU16(IFLA_IPOIB_MODE, static_cast<std::uint16_t>(spec.mode));
    b.putU16(IFLA_IPOIB_UMCAST, spec.umcast ? 1 : 0);
    b.endNested(data);
    b.endNested(linkinfo);
    return b.finish();
}

std::vector<std::uint8_t> deleteLink(int ifindex) {
    NlMessageBuilder b(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = ifindex;
    b.header(ifi);
    return b.finish();
}

}  // namespace ipoibmsg

// ---------------------------------------------------------------------------------------------

IpoibLinks::~IpoibLinks() = default;

struct NetlinkIpoibLinks::Impl {
    NetlinkSocket sock{NETLINK_ROUTE, "rtnetlink"};

    // ifindex and name of a link, by index (name empty) or by name (index 0).
    std::optional<std::pair<int, std::string>> lookup(int ifindex, const std::string& name) {
        NlMessageBuilder b(RTM_GETLINK, NLM_F_REQUEST);
        ifinfomsg ifi{};
        ifi.ifi_index = ifindex;
        b.header(ifi);
        b.putU32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
        if (!name.empty()) b.putString(IFLA_IFNAME, name);
        std::optional<std::pair<int, std::string>> found;
        const auto outcome = sock.request(b.finish(), [&](std::span<const std::uint8_t> msg, std::uint16_t type) {
            if (type != RTM_NEWLINK || msg.size() < NLMSG_HDRLEN + sizeof(ifinfomsg)) return;
            ifinfomsg reply;
            std::memcpy(&reply, msg.data() + NLMSG_HDRLEN, sizeof reply);
            const auto attrs = nlMessageAttrs(msg, sizeof(ifinfomsg));
            const NlAttr* n = findNlAttr(attrs, IFLA_IFNAME);
            found = std::pair{reply.ifi_index, n ? nlAttrString(*n) : std::string()};
        });
        if (outcome.error) return std::nullopt;
        return found;
    }

    std::string label(int ifindex) {
        const auto link = lookup(ifindex, {});
        const std::string index = "ifindex " + std::to_string(ifindex);
        return link && !link->second.empty() ? link->second + " (" + index + ")" : index;
    }
};

NetlinkIpoibLinks::NetlinkIpoibLinks() : impl_(std::make_unique<Impl>()) {}
NetlinkIpoibLinks::~NetlinkIpoibLinks() = default;

int NetlinkIpoibLinks::createChild(const IpoibChildSpec& spec) {
    const auto outcome = impl_->sock.request(ipoibmsg::newChild(spec));
    if (outcome.error) {
        std::string what =
            "create IPoIB child " + spec.name + " (pkey " + spec.pkey.str() + ") on parent " + impl_->label(spec.parentIfindex);
        // What the kernel says when no driver registered the "ipoib" kind.
        if (outcome.error == EOPNOTSUPP) what += " (is the ib_ipoib module loaded?)";
        throwNetlinkFailure(outcome, what);
    }
    const auto created = impl_->lookup(0, spec.name);
    if (!created) throwErr(ENODEV, "create IPoIB child " + spec.name + ": the kernel acknowledged it but it cannot be found by name");
    return created->first;
}

bool NetlinkIpoibLinks::deleteChild(int ifindex) {
    const auto outcome = impl_->sock.request(ipoibmsg::deleteLink(ifindex));
    if (outcome.error == ENODEV) return false;
    if (outcome.error) throwNetlinkFailure(outcome, "delete IPoIB child " + impl_->label(ifindex));
    return true;
}

}  // namespace ibvf::linux
