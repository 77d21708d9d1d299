#include "support/RecordingIpoibLinks.hpp"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include <cerrno>
#include <cstring>

#include "linux/KernelError.hpp"
#include "linux/NetlinkSocket.hpp"
#include "support/TestNet.hpp"

namespace ibvf::test {

using linux::KernelError;

std::string IpoibCall::str() const {
    std::string s;
    if (op == "createChild") {
        s = op + " " + spec.name + " parent=" + std::to_string(spec.parentIfindex) + " pkey=" + spec.pkey.str() +
            " mode=" + (spec.mode == linux::IpoibMode::Connected ? "connected" : "datagram") + " umcast=" + (spec.umcast ? "1" : "0");
    } else {
        s = op + " " + std::to_string(ifindex);
    }
    if (failedWith) s += " -> errno " + std::to_string(failedWith);
    return s;
}

void RecordingIpoibLinks::failCall(int n, int err) { plan_.failCall(static_cast<int>(calls_.size()), n, err); }

void RecordingIpoibLinks::failOperation(std::string op, int err, int times) { plan_.failOperation(std::move(op), err, times); }

void RecordingIpoibLinks::clearFailures() { plan_.clear(); }

std::vector<std::string> RecordingIpoibLinks::callStrings() const {
    std::vector<std::string> out;
    for (const auto& c : calls_) out.push_back(c.str());
    return out;
}

void RecordingIpoibLinks::record(IpoibCall call) {
    const int err = plan_.take(static_cast<int>(calls_.size()) + 1, call.op);
    call.failedWith = err;
    const std::string what =
        call.op + " " + (call.op == "createChild" ? call.spec.name : std::to_string(call.ifindex)) + " (recording fake)";
    calls_.push_back(std::move(call));
    if (err) throw KernelError(err, what);
}

int RecordingIpoibLinks::createChild(const linux::IpoibChildSpec& spec) {
    record(IpoibCall{"createChild", spec, 0, 0});
    int ifindex = 0;
    if (standIn_) {
        linux::NetlinkSocket sock(NETLINK_ROUTE, "rtnetlink");
        linux::NlMessageBuilder b(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
        b.header(ifinfomsg{});
        b.putString(IFLA_IFNAME, spec.name);
        // A veth, not a dummy: test kernels may lack the dummy driver, and the tests need veth
        // anyway. The peer goes with the child when it is deleted.
        const auto info = b.beginNested(IFLA_LINKINFO);
        b.putString(IFLA_INFO_KIND, "veth");
        const auto data = b.beginNested(IFLA_INFO_DATA);
        const auto peer = b.beginNested(VETH_INFO_PEER);
        b.header(ifinfomsg{});
        b.putString(IFLA_IFNAME, uniqueName("ibp"));
        b.endNested(peer);
        b.endNested(data);
        b.endNested(info);
        const auto outcome = sock.request(b.finish());
        if (outcome.error) linux::throwNetlinkFailure(outcome, "create stand-in link " + spec.name + " (recording fake)");
        linux::NlMessageBuilder get(RTM_GETLINK, NLM_F_REQUEST);
        get.header(ifinfomsg{});
        get.putString(IFLA_IFNAME, spec.name);
        sock.request(get.finish(), [&](std::span<const std::uint8_t> msg, std::uint16_t type) {
            if (type != RTM_NEWLINK || msg.size() < NLMSG_HDRLEN + sizeof(ifinfomsg)) return;
            ifinfomsg ifi;
            std::memcpy(&ifi, msg.data() + NLMSG_HDRLEN, sizeof ifi);
            ifindex = ifi.ifi_index;
        });
        if (!ifindex) throw KernelError(ENODEV, "find stand-in link " + spec.name + " (recording fake)");
    } else {
        ifindex = nextFake_++;
        fakeLinks_[ifindex] = spec.name;
    }
    calls_.back().ifindex = ifindex;
    return ifindex;
}

bool RecordingIpoibLinks::deleteChild(int ifindex) {
    record(IpoibCall{"deleteChild", {}, ifindex, 0});
    if (!standIn_) return fakeLinks_.erase(ifindex) > 0;
    linux::NetlinkSocket sock(NETLINK_ROUTE, "rtnetlink");
    linux::NlMessageBuilder b(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK);
    ifinfomsg ifi{};
    ifi.ifi_index = ifindex;
    b.header(ifi);
    const auto outcome = sock.request(b.finish());
    if (outcome.error == ENODEV) return false;
    if (outcome.error) linux::throwNetlinkFailure(outcome, "delete stand-in link ifindex " + std::to_string(ifindex) + " (recording fake)");
    return true;
}

}  // namespace ibvf::test
