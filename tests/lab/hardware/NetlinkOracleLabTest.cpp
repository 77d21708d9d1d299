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

#include "HardwareNode.hpp"
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
    } catch (const linux::KernelError& e) {
        p.ibvfErrno = e.err();
    }
    p.ibvf = cap.take();
    return p;
}

// The VF requests through the PF: same family header, same attributes; iproute2's `ip link set`
// sends RTM_NEWLINK where ibvf sends RTM_SETLINK (do_setlink handles both). The kernel answers
// both the same way.
void compareVfRequest(const std::vector<NlMessage>& ipSent, const std::vector<NlMessage>& ibvfSent, const std::string& mark,
                      const std::string& what) {
    const auto ip = theRequest(ipSent, NETLINK_ROUTE, RTM_NEWLINK, mark);
    const auto ib = theRequest(ibvfSent, NETLINK_ROUTE, RTM_SETLINK, mark);
    const auto di = describe(ip);
    const auto db = describe(ib);
    MESSAGE(what << "\n  iproute2: " << lines(di) << "\n  ibvf:     " << lines(db));
    CHECK(db.flags == di.flags);
    CHECK(db.header == di.header);
    CHECK(db.attrs == di.attrs);
    CHECK(answerTo(ibvfSent, ib) == answerTo(ipSent, ip));
    CHECK(answerTo(ibvfSent, ib) >= 0);
}

std::string vfAttr(int type) {
    return std::to_string(IFLA_VFINFO_LIST) + "/" + std::to_string(IFLA_VF_INFO) + "/" + std::to_string(type) + " ";
}

std::string lineStarting(const std::vector<std::string>& attrs, const std::string& prefix) {
    for (const auto& a : attrs)
        if (a.rfind(prefix, 0) == 0) return a;
    return "";
}

}  // namespace

TEST_CASE("oracle: VF GUIDs and link state through an InfiniBand PF, as iproute2 sends them") {
    NetdevsimPf pf(true, 4);
    const int pfIndex = static_cast<int>(::if_nametoindex(pf.netdev().c_str()));
    NlmonCapture cap;
    linux::NetlinkVfControl vfs;
    const auto node = *linux::Guid::parse("02:11:22:33:44:55:66:77");
    const auto port = *linux::Guid::parse("02:11:22:33:44:55:66:88");

    // ibvf sets node then port in one call; iproute2 takes one per command.
    cap.take();
    labtest::tool("ip", {"link", "set", pf.netdev(), "vf", "1", "node_guid", node.str()});
    labtest::tool("ip", {"link", "set", pf.netdev(), "vf", "1", "port_guid", port.str()});
    const auto ipGuids = cap.take();
    vfs.setGuids(pfIndex, 1, node.value(), port.value());
    const auto ibGuids = cap.take();
    compareVfRequest(ipGuids, ibGuids, vfAttr(IFLA_VF_IB_NODE_GUID), "node_guid");
    compareVfRequest(ipGuids, ibGuids, vfAttr(IFLA_VF_IB_PORT_GUID), "port_guid");
    const auto kv = kernelVf(pf.netdev(), 1);
    CHECK(kv.nodeGuid == node.str());
    CHECK(kv.portGuid == port.str());

    const auto state = both(cap, "ip", {"link", "set", pf.netdev(), "vf", "1", "state", "disable"},
                            [&] { vfs.setLinkState(pfIndex, 1, linux::VfLinkState::Disable); });
    compareVfRequest(state.ip, state.ibvf, vfAttr(IFLA_VF_LINK_STATE), "state disable");
    CHECK(kernelVf(pf.netdev(), 1).linkState == "disable");

    // Reading the VF list: iproute2 resolves the name first with the request ibvf sends, except
    // that it names the link (IFLA_IFNAME) where ibvf gives the index it holds; then it asks again
    // for AF_PACKET with RTEXT_FILTER_VF alone.
    linux::VfSettings read;
    auto get = both(cap, "ip", {"-d", "link", "show", "dev", pf.netdev()}, [&] { read = vfs.get(pfIndex, 1); });
    const auto ibGet = describe(theRequest(get.ibvf, NETLINK_ROUTE, RTM_GETLINK));
    const std::string extMask = std::to_string(IFLA_EXT_MASK) + " ";
    const std::string ifname = std::to_string(IFLA_IFNAME) + " ";
    MESSAGE("getlink ibvf: " << lines(ibGet));
    bool matched = false;
    for (const auto& m : requestsOf(get.ip, NETLINK_ROUTE, RTM_GETLINK)) {
        const auto d = describe(m);
        MESSAGE("getlink iproute2: " << lines(d));
        if (d.header.at(0) != "ifi_family=0") continue;
        matched = true;
        // ibvf's socket asks for an ACK on every request, so a reply and its end are one read loop.
        CHECK(d.flags == NLM_F_REQUEST);
        CHECK(ibGet.flags == (NLM_F_REQUEST | NLM_F_ACK));
        CHECK(lineStarting(d.attrs, extMask) == lineStarting(ibGet.attrs, extMask));
        CHECK(without(d.attrs, {extMask, ifname}).empty());
        CHECK(d.header.at(2) == "ifi_index=0");
    }
    CHECK(matched);
    CHECK(ibGet.header.at(2) == "ifi_index=" + std::to_string(pfIndex));
    CHECK(without(ibGet.attrs, {extMask}).empty());
    CHECK(read.nodeGuid == node.value());
    CHECK(read.portGuid == port.value());
    CHECK(read.linkState == linux::VfLinkState::Disable);
}

TEST_CASE("oracle: a stock PF refuses VF GUIDs with the same kernel error for iproute2 and ibvf") {
    NetdevsimPf pf(false, 4);
    const int pfIndex = static_cast<int>(::if_nametoindex(pf.netdev().c_str()));
    NlmonCapture cap;
    linux::NetlinkVfControl vfs;
    const auto guid = *linux::Guid::parse("02:11:22:33:44:55:66:77");
    auto p = both(cap, "ip", {"link", "set", pf.netdev(), "vf", "2", "node_guid", guid.str()},
                  [&] { vfs.setGuids(pfIndex, 2, guid.value(), guid.value()); });
    compareVfRequest(p.ip, p.ibvf, vfAttr(IFLA_VF_IB_NODE_GUID), "node_guid on a stock PF");
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
        linux::NetlinkIpoibLinks links;
        links.createChild(linux::IpoibChildSpec{parentIndex, child, linux::Pkey::parse("0x8001"), linux::IpoibMode::Datagram, false});
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
    // ibvf NUL-terminates the kind, as every string it sends; iproute2 sends "ipoib" without
    // (the kernel compares the kind with nla_strcmp, which takes both).
    const std::string kind = std::to_string(IFLA_LINKINFO) + "/" + std::to_string(IFLA_INFO_KIND) + " = ";
    CHECK(lineStarting(di.attrs, kind) == kind + "69706f6962");
    CHECK(lineStarting(db.attrs, kind) == kind + "69706f696200");
    CHECK(without(db.attrs, {kind, data + std::to_string(IFLA_IPOIB_MODE) + " ", data + std::to_string(IFLA_IPOIB_UMCAST) + " "}) ==
          without(di.attrs, {kind}));
    CHECK(std::count(db.attrs.begin(), db.attrs.end(), data + std::to_string(IFLA_IPOIB_MODE) + " = 0000") == 1);
    CHECK(std::count(db.attrs.begin(), db.attrs.end(), data + std::to_string(IFLA_IPOIB_UMCAST) + " = 0000") == 1);
    // The kernel parsed both and refused for the one reason left: the parent is not InfiniBand.
    CHECK(answerTo(p.ip, ip) == ENODEV);
    CHECK(answerTo(p.ibvf, ib) == ENODEV);
    CHECK(p.ibvfErrno == ENODEV);
}

TEST_CASE("oracle: RDMA netlink (netns mode, device list, device move) as the rdma tool sends it, from the real binaries") {
    RxeDevice rxe;
    setRdmaNetnsMode(true);  // before any namespace: ibvf then gets as far as the move
    const auto rdmaTool = toolPath("rdma");
    const auto sys = straced(rdmaTool, {"system", "show"});
    const auto dev = straced(rdmaTool, {"dev"});
    const auto set = straced(rdmaTool, {"system", "set", "netns", "exclusive"});
    test::ScopedNetns pod;
    const auto move = straced(rdmaTool, {"dev", "set", rxe.name(), "netns", pod.name()});
    CHECK_MESSAGE(move.result.err.find("Operation not supported") != std::string::npos, move.result.summary());

    // ibvf itself: an ADD with rdmaIsolation reads the mode, finds the device, asks for the move.
    test::VethPair vf;
    vf.alsoSearch(pod.path());
    HardwareNode node("", 0, test::FakeVfOptions().withNetdev(vf.a()).withRdma(rxe.name()));
    const auto add = straced(test::builtBinary("ibvf"), {}, node.env("ADD", "cid-oracle", pod.path()), labConf(R"(,"rdmaIsolation":true)"));
    REQUIRE_MESSAGE(add.result.json, add.result.summary());
    CHECK((*add.result.json)["code"].GetUint() == 104);  // the kernel's EOPNOTSUPP, as for the tool

    auto one = [](const Traced& t, unsigned cmd, bool first = false) {
        const auto all = requestsOf(t.sent, NETLINK_RDMA, nldev(cmd));
        REQUIRE_MESSAGE((first ? !all.empty() : all.size() == 1), "requests of command " << cmd << ": " << all.size());
        return describe(all.front());
    };
    const auto ipSys = one(sys, RDMA_NLDEV_CMD_SYS_GET);
    const auto ibSys = one(add, RDMA_NLDEV_CMD_SYS_GET);
    MESSAGE("sys get\n  rdma: " << lines(ipSys) << "\n  ibvf: " << lines(ibSys));
    CHECK(ibSys.flags == ipSys.flags);
    CHECK(ibSys.attrs == ipSys.attrs);

    // The rdma tool dumps the devices before every command; ibvf looks the device up the same way.
    const auto ipDev = one(dev, RDMA_NLDEV_CMD_GET, true);
    const auto ibDev = one(add, RDMA_NLDEV_CMD_GET, true);
    MESSAGE("dev dump\n  rdma: " << lines(ipDev) << "\n  ibvf: " << lines(ibDev));
    // The rdma tool also sets NLM_F_ACK on its dump; a dump ends with NLMSG_DONE either way.
    CHECK(ipDev.flags == (NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK));
    CHECK(ibDev.flags == (NLM_F_REQUEST | NLM_F_DUMP));
    CHECK(ibDev.attrs == ipDev.attrs);

    // ibvf never changes the mode (it tells the operator to); the attribute it reads back is the
    // one the tool writes, with the same value for "exclusive".
    const auto ipSet = one(set, RDMA_NLDEV_CMD_SYS_SET);
    MESSAGE("sys set\n  rdma: " << lines(ipSet));
    CHECK(ipSet.attrs == std::vector<std::string>{std::to_string(RDMA_NLDEV_SYS_ATTR_NETNS_MODE) + " = 00"});
    CHECK(requestsOf(add.sent, NETLINK_RDMA, nldev(RDMA_NLDEV_CMD_SYS_SET)).empty());
    CHECK(linux::NetlinkRdmaNetns().netnsMode() == linux::RdmaNetnsMode::Exclusive);

    // The move: the same device index; the namespace fd is each process's own number.
    const auto ipMove = one(move, RDMA_NLDEV_CMD_SET);
    const auto ibMove = one(add, RDMA_NLDEV_CMD_SET);
    MESSAGE("dev set netns\n  rdma: " << lines(ipMove) << "\n  ibvf: " << lines(ibMove));
    CHECK(ibMove.flags == ipMove.flags);
    const std::string fdAttr = std::to_string(RDMA_NLDEV_NET_NS_FD) + " ";
    CHECK(without(ibMove.attrs, {fdAttr}) == without(ipMove.attrs, {fdAttr}));
    CHECK(lineStarting(ibMove.attrs, fdAttr).size() == fdAttr.size() + 2 + 8);
    CHECK(lineStarting(ipMove.attrs, fdAttr).size() == fdAttr.size() + 2 + 8);
}
