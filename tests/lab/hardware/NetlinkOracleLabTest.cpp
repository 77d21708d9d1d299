// The byte oracle: what iproute2 sends for an operation, captured with nlmon, against what ibvf's
// kernel layer sends for the same, attribute by attribute (sequence numbers and port ids aside).
// Every difference that remains is asserted here and explained in docs/netlink-requests.md; the
// kernel's answer must be the same for both.
#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <rdma/rdma_netlink.h>

#include "LabKernel.hpp"
#include "NlmonCapture.hpp"
#include "linux/Guid.hpp"
#include "linux/IpoibLink.hpp"
#include "linux/KernelError.hpp"
#include "linux/NetNs.hpp"
#include "linux/RdmaNetns.hpp"
#include "linux/VfControl.hpp"
#include "support/TestNet.hpp"

using namespace ibvf;
using namespace ibvf::labtest;

namespace {

constexpr std::uint16_t nldev(unsigned cmd) { return static_cast<std::uint16_t>(RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, cmd)); }

std::string lines(const NlDescription& d) {
    std::string s = "type=" + std::to_string(d.type) + " flags=0x" + [&] {
        char b[8];
        std::snprintf(b, sizeof b, "%x", d.flags);
        return std::string(b);
    }();
    for (const auto& h : d.header) s += " " + h;
    for (const auto& a : d.attrs) s += "\n    " + a;
    return s;
}

// The one request of `type` in `messages` that carries an attribute line starting with `mark`
// (empty: any); fails the test when there is not exactly one.
NlMessage theRequest(const std::vector<NlMessage>& messages, int protocol, std::uint16_t type, const std::string& mark = {}) {
    std::vector<NlMessage> found;
    for (const auto& m : requestsOf(messages, protocol, type)) {
        const auto d = describe(m);
        if (mark.empty() || std::any_of(d.attrs.begin(), d.attrs.end(), [&](const std::string& a) { return a.rfind(mark, 0) == 0; }))
            found.push_back(m);
    }
    REQUIRE_MESSAGE(found.size() == 1, "requests of type " << type << " with '" << mark << "': " << found.size());
    return found.front();
}

std::vector<std::string> without(std::vector<std::string> attrs, const std::vector<std::string>& prefixes) {
    attrs.erase(std::remove_if(attrs.begin(), attrs.end(),
                               [&](const std::string& a) {
                                   return std::any_of(prefixes.begin(), prefixes.end(),
                                                      [&](const std::string& p) { return a.rfind(p, 0) == 0; });
                               }),
                attrs.end());
    return attrs;
}

const std::string kVfList = std::to_string(IFLA_VFINFO_LIST) + " ";

// One operation done twice, by iproute2 and by ibvf, with what each sent and got.
struct Pair {
    std::vector<NlMessage> ip;
    std::vector<NlMessage> ibvf;
    int ibvfErrno = 0;  // the errno ibvf's call reported (0: none)
};

template <class F>
Pair both(NlmonCapture& cap, const std::string& tool, const std::vector<std::string>& args, F&& ibvfCall) {
    Pair p;
    cap.take();
    labtest::tool(tool, args);
    p.ip = cap.take();
    try {
        ibvfCall();
    } catch (const kernel::KernelError& e) {
        p.ibvfErrno = e.err();
    }
    p.ibvf = cap.take();
    return p;
}

// The VF requests through the PF: same family header, same attributes; iproute2's `ip link set`
// sends RTM_NEWLINK where ibvf sends RTM_SETLINK (do_setlink handles both).
void compareVfRequest(const Pair& p, const std::string& what) {
    const auto ip = theRequest(p.ip, NETLINK_ROUTE, RTM_NEWLINK, kVfList);
    const auto ib = theRequest(p.ibvf, NETLINK_ROUTE, RTM_SETLINK, kVfList);
    const auto di = describe(ip);
    const auto db = describe(ib);
    MESSAGE(what << "\n  iproute2: " << lines(di) << "\n  ibvf:     " << lines(db));
    CHECK(db.flags == di.flags);
    CHECK(db.header == di.header);
    CHECK(db.attrs == di.attrs);
    CHECK(answerTo(p.ibvf, ib) == answerTo(p.ip, ip));
}

}  // namespace

TEST_CASE("oracle: VF GUIDs and link state through an InfiniBand PF, as iproute2 sends them") {
    NetdevsimPf pf(true, 4);
    const int pfIndex = static_cast<int>(::if_nametoindex(pf.netdev().c_str()));
    NlmonCapture cap;
    kernel::NetlinkVfControl vfs;
    const auto node = *kernel::Guid::parse("02:11:22:33:44:55:66:77");
    const auto port = *kernel::Guid::parse("02:11:22:33:44:55:66:88");

    // ibvf sets node then port in one call; iproute2 takes one per command.
    cap.take();
    labtest::tool("ip", {"link", "set", pf.netdev(), "vf", "1", "node_guid", node.str()});
    labtest::tool("ip", {"link", "set", pf.netdev(), "vf", "1", "port_guid", port.str()});
    const auto ipGuids = cap.take();
    vfs.setGuids(pfIndex, 1, node.value(), port.value());
    const auto ibGuids = cap.take();
    const std::string nodeAttr = kVfList.substr(0, kVfList.size() - 1) + "/" + std::to_string(IFLA_VF_INFO) + "/" +
                                 std::to_string(IFLA_VF_IB_NODE_GUID) + " ";
    const std::string portAttr = kVfList.substr(0, kVfList.size() - 1) + "/" + std::to_string(IFLA_VF_INFO) + "/" +
                                 std::to_string(IFLA_VF_IB_PORT_GUID) + " ";
    compareVfRequest(Pair{{theRequest(ipGuids, NETLINK_ROUTE, RTM_NEWLINK, nodeAttr)}, {theRequest(ibGuids, NETLINK_ROUTE, RTM_SETLINK, nodeAttr)}},
                     "node_guid");
    compareVfRequest(Pair{{theRequest(ipGuids, NETLINK_ROUTE, RTM_NEWLINK, portAttr)}, {theRequest(ibGuids, NETLINK_ROUTE, RTM_SETLINK, portAttr)}},
                     "port_guid");
    const auto kv = kernelVf(pf.netdev(), 1);
    CHECK(kv.nodeGuid == node.str());
    CHECK(kv.portGuid == port.str());

    compareVfRequest(both(cap, "ip", {"link", "set", pf.netdev(), "vf", "1", "state", "disable"},
                          [&] { vfs.setLinkState(pfIndex, 1, kernel::VfLinkState::Disable); }),
                     "state disable");
    CHECK(kernelVf(pf.netdev(), 1).linkState == "disable");

    // Reading the VF list: iproute2 names the link (IFLA_IFNAME), ibvf gives its index; the
    // filter (IFLA_EXT_MASK) is the same. iproute2 asks for an ACK too.
    kernel::VfSettings read;
    auto get = both(cap, "ip", {"-d", "link", "show", "dev", pf.netdev()}, [&] { read = vfs.get(pfIndex, 1); });
    const auto ipGet = describe(theRequest(get.ip, NETLINK_ROUTE, RTM_GETLINK));
    const auto ibGet = describe(theRequest(get.ibvf, NETLINK_ROUTE, RTM_GETLINK));
    MESSAGE("getlink\n  iproute2: " << lines(ipGet) << "\n  ibvf:     " << lines(ibGet));
    const std::string extMask = std::to_string(IFLA_EXT_MASK) + " ";
    CHECK(without(ibGet.attrs, {extMask}).empty());
    CHECK(without(ipGet.attrs, {extMask, std::to_string(IFLA_IFNAME) + " "}).empty());
    CHECK(without(ibGet.attrs, {}) != std::vector<std::string>{});
    CHECK(std::vector<std::string>{*std::find_if(ibGet.attrs.begin(), ibGet.attrs.end(), [&](auto& a) { return a.rfind(extMask, 0) == 0; })} ==
          std::vector<std::string>{*std::find_if(ipGet.attrs.begin(), ipGet.attrs.end(), [&](auto& a) { return a.rfind(extMask, 0) == 0; })});
    CHECK(read.nodeGuid == node.value());
    CHECK(read.portGuid == port.value());
    CHECK(read.linkState == kernel::VfLinkState::Disable);
}

TEST_CASE("oracle: a stock PF refuses VF GUIDs with the same kernel error for iproute2 and ibvf") {
    NetdevsimPf pf(false, 4);
    const int pfIndex = static_cast<int>(::if_nametoindex(pf.netdev().c_str()));
    NlmonCapture cap;
    kernel::NetlinkVfControl vfs;
    const auto guid = *kernel::Guid::parse("02:11:22:33:44:55:66:77");
    auto p = both(cap, "ip", {"link", "set", pf.netdev(), "vf", "2", "node_guid", guid.str()},
                  [&] { vfs.setGuids(pfIndex, 2, guid.value(), guid.value()); });
    compareVfRequest(p, "node_guid on a stock PF");
    CHECK(p.ibvfErrno == EOPNOTSUPP);
    CHECK(answerTo(p.ip, theRequest(p.ip, NETLINK_ROUTE, RTM_NEWLINK, kVfList)) == EOPNOTSUPP);
}

TEST_CASE("oracle: an IPoIB partition child, as iproute2 asks for it, and the kernel's same answer without an IB parent") {
    loadModule("ib_ipoib");
    test::VethPair parent;
    const int parentIndex = static_cast<int>(::if_nametoindex(parent.a().c_str()));
    NlmonCapture cap;
    const std::string child = test::uniqueName("klib");
    auto p = both(cap, "ip", {"link", "add", "link", parent.a(), "name", child, "type", "ipoib", "pkey", "0x8001"}, [&] {
        kernel::NetlinkIpoibLinks links;
        links.createChild(kernel::IpoibChildSpec{parentIndex, child, kernel::Pkey::parse("0x8001"), kernel::IpoibMode::Datagram, false});
    });
    const auto ip = theRequest(p.ip, NETLINK_ROUTE, RTM_NEWLINK, std::to_string(IFLA_LINKINFO) + " ");
    const auto ib = theRequest(p.ibvf, NETLINK_ROUTE, RTM_NEWLINK, std::to_string(IFLA_LINKINFO) + " ");
    const auto di = describe(ip);
    const auto db = describe(ib);
    MESSAGE("ipoib child\n  iproute2: " << lines(di) << "\n  ibvf:     " << lines(db));
    CHECK(db.flags == di.flags);
    CHECK(db.header == di.header);
    // ibvf states the mode (datagram) and umcast (off) instead of leaving them to the driver.
    const std::string data = std::to_string(IFLA_LINKINFO) + "/" + std::to_string(IFLA_INFO_DATA) + "/";
    CHECK(without(db.attrs, {data + std::to_string(IFLA_IPOIB_MODE) + " ", data + std::to_string(IFLA_IPOIB_UMCAST) + " "}) == di.attrs);
    CHECK(std::count(db.attrs.begin(), db.attrs.end(), data + std::to_string(IFLA_IPOIB_MODE) + " = 0000") == 1);
    CHECK(std::count(db.attrs.begin(), db.attrs.end(), data + std::to_string(IFLA_IPOIB_UMCAST) + " = 0000") == 1);
    // The kernel parsed both and refused for the one reason left: the parent is not InfiniBand.
    CHECK(answerTo(p.ip, ip) == ENODEV);
    CHECK(answerTo(p.ibvf, ib) == ENODEV);
    CHECK(p.ibvfErrno == ENODEV);
}

TEST_CASE("oracle: RDMA netlink (netns mode, device list, device move) as the rdma tool sends it") {
    RxeDevice rxe;
    NlmonCapture cap;
    kernel::NetlinkRdmaNetns rdma;

    kernel::RdmaNetnsMode mode{};
    auto show = both(cap, "rdma", {"system", "show"}, [&] { mode = rdma.netnsMode(); });
    const auto ipSys = describe(theRequest(show.ip, NETLINK_RDMA, nldev(RDMA_NLDEV_CMD_SYS_GET)));
    const auto ibSys = describe(theRequest(show.ibvf, NETLINK_RDMA, nldev(RDMA_NLDEV_CMD_SYS_GET)));
    MESSAGE("sys get\n  iproute2: " << lines(ipSys) << "\n  ibvf:     " << lines(ibSys));
    CHECK(ibSys.flags == ipSys.flags);
    CHECK(ibSys.attrs == ipSys.attrs);

    // The rdma tool lists the devices first, for every command.
    const auto ipDump = describe(requestsOf(show.ip, NETLINK_RDMA, nldev(RDMA_NLDEV_CMD_GET)).at(0));
    std::vector<kernel::rdmamsg::DeviceEntry> devices;
    cap.take();
    devices = rdma.devices();
    const auto ibDump = describe(theRequest(cap.take(), NETLINK_RDMA, nldev(RDMA_NLDEV_CMD_GET)));
    MESSAGE("dev dump\n  iproute2: " << lines(ipDump) << "\n  ibvf:     " << lines(ibDump));
    CHECK(ibDump.flags == ipDump.flags);
    CHECK(ibDump.attrs == ipDump.attrs);
    CHECK(std::any_of(devices.begin(), devices.end(), [&](const auto& d) { return d.name == rxe.name(); }));

    // ibvf never changes the mode (it tells the operator to); the attribute it reads is the one
    // the tool writes, and after the tool's change ibvf reads it back.
    setRdmaNetnsMode(false);
    cap.take();
    mustRun("rdma", {"system", "set", "netns", "exclusive"});
    const auto set = describe(theRequest(cap.take(), NETLINK_RDMA, nldev(RDMA_NLDEV_CMD_SYS_SET)));
    MESSAGE("sys set\n  iproute2: " << lines(set));
    CHECK(set.attrs == std::vector<std::string>{std::to_string(RDMA_NLDEV_SYS_ATTR_NETNS_MODE) + " = 00"});
    CHECK(rdma.netnsMode() == kernel::RdmaNetnsMode::Exclusive);

    // The move: the same device index; the namespace fd is each process's own number.
    test::ScopedNetns ns;
    const auto nsFd = ns.open();
    auto move = both(cap, "rdma", {"dev", "set", rxe.name(), "netns", ns.name()}, [&] { rdma.moveToNetns(rxe.name(), nsFd.fd()); });
    const auto ipMove = theRequest(move.ip, NETLINK_RDMA, nldev(RDMA_NLDEV_CMD_SET));
    const auto ibMove = theRequest(move.ibvf, NETLINK_RDMA, nldev(RDMA_NLDEV_CMD_SET));
    const auto dm = describe(ipMove);
    const auto bm = describe(ibMove);
    MESSAGE("dev set netns\n  iproute2: " << lines(dm) << "\n  ibvf:     " << lines(bm));
    CHECK(bm.flags == dm.flags);
    const std::string fdAttr = std::to_string(RDMA_NLDEV_NET_NS_FD) + " ";
    CHECK(without(bm.attrs, {fdAttr}) == without(dm.attrs, {fdAttr}));
    CHECK(std::count_if(bm.attrs.begin(), bm.attrs.end(), [&](auto& a) { return a.rfind(fdAttr, 0) == 0; }) == 1);
    // Stock rxe cannot change namespace: the same refusal for both.
    CHECK(answerTo(move.ip, ipMove) == EOPNOTSUPP);
    CHECK(answerTo(move.ibvf, ibMove) == EOPNOTSUPP);
    CHECK(move.ibvfErrno == EOPNOTSUPP);
    setRdmaNetnsMode(false);
}
