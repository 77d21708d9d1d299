#include "NlmonCapture.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <span>
#include <sstream>
#include <stdexcept>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <rdma/rdma_netlink.h>
#include <sys/socket.h>

#include "LabKernel.hpp"
#include "support/ScratchDir.hpp"
#include "support/TestNet.hpp"

namespace ibvf::labtest {

namespace {

nlmsghdr headerOf(const std::vector<std::uint8_t>& bytes) {
    nlmsghdr h{};
    if (bytes.size() >= sizeof h) std::memcpy(&h, bytes.data(), sizeof h);
    return h;
}

std::string hex(std::span<const std::uint8_t> bytes) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (std::uint8_t b : bytes) {
        s += digits[b >> 4];
        s += digits[b & 0xf];
    }
    return s;
}

// Attributes that are nests, by path, per protocol: the VF list and the link info.
bool isNest(int protocol, const std::string& path) {
    static const std::set<std::string> route{
        std::to_string(IFLA_VFINFO_LIST), std::to_string(IFLA_VFINFO_LIST) + "/" + std::to_string(IFLA_VF_INFO),
        std::to_string(IFLA_LINKINFO), std::to_string(IFLA_LINKINFO) + "/" + std::to_string(IFLA_INFO_DATA)};
    return protocol == NETLINK_ROUTE && route.count(path) > 0;
}

void describeAttrs(int protocol, std::span<const std::uint8_t> area, const std::string& prefix, std::vector<std::string>& out) {
    std::size_t off = 0;
    while (off + sizeof(nlattr) <= area.size()) {
        nlattr a{};
        std::memcpy(&a, area.data() + off, sizeof a);
        if (a.nla_len < sizeof(nlattr) || off + a.nla_len > area.size()) {
            out.push_back(prefix + "malformed at " + std::to_string(off));
            return;
        }
        const std::string path = prefix + std::to_string(a.nla_type & NLA_TYPE_MASK);
        const auto payload = area.subspan(off + sizeof(nlattr), a.nla_len - sizeof(nlattr));
        if (isNest(protocol, path)) {
            out.push_back(path + " nest" + ((a.nla_type & NLA_F_NESTED) ? " NLA_F_NESTED" : ""));
            describeAttrs(protocol, payload, path + "/", out);
        } else {
            out.push_back(path + " = " + hex(payload));
        }
        off += NLA_ALIGN(a.nla_len);
    }
}

}  // namespace

std::uint16_t NlMessage::type() const { return headerOf(bytes).nlmsg_type; }
std::uint16_t NlMessage::flags() const { return headerOf(bytes).nlmsg_flags; }
bool NlMessage::isRequest() const { return (flags() & NLM_F_REQUEST) != 0; }

int NlMessage::error() const {
    if (type() != NLMSG_ERROR || bytes.size() < sizeof(nlmsghdr) + sizeof(int)) return -1;
    int e = 0;
    std::memcpy(&e, bytes.data() + sizeof(nlmsghdr), sizeof e);
    return -e;
}

NlmonCapture::NlmonCapture() : link_(test::uniqueName("klnl")) {
    loadModule("nlmon");
    mustRun("ip", {"link", "add", link_, "type", "nlmon"});
    mustRun("ip", {"link", "set", link_, "up"});
    fd_.reset(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL)));
    if (!fd_) throw std::runtime_error("kernel lab: packet socket: " + std::string(std::strerror(errno)));
    const int size = 8 << 20;
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = static_cast<int>(::if_nametoindex(link_.c_str()));
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&sll), sizeof sll) != 0)  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
        throw std::runtime_error("kernel lab: bind to " + link_ + ": " + std::strerror(errno));
    take();  // what the set-up itself sent
}

NlmonCapture::~NlmonCapture() {
    fd_.reset();
    test::deleteLink(link_);
}

std::vector<NlMessage> NlmonCapture::take() {
    std::vector<NlMessage> out;
    std::vector<std::uint8_t> buf(1 << 20);
    for (;;) {
        sockaddr_ll from{};
        socklen_t len = sizeof from;
        const ssize_t n = ::recvfrom(fd_.get(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from),
                                     &len);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) break;
            throw std::runtime_error("kernel lab: recv on nlmon: " + std::string(std::strerror(errno)));
        }
        const int protocol = ntohs(from.sll_protocol);
        std::size_t off = 0;
        while (off + sizeof(nlmsghdr) <= static_cast<std::size_t>(n)) {
            nlmsghdr h{};
            std::memcpy(&h, buf.data() + off, sizeof h);
            if (h.nlmsg_len < sizeof h || off + h.nlmsg_len > static_cast<std::size_t>(n)) break;
            out.push_back(NlMessage{protocol, std::vector<std::uint8_t>(buf.begin() + static_cast<std::ptrdiff_t>(off),
                                                                        buf.begin() + static_cast<std::ptrdiff_t>(off + h.nlmsg_len))});
            off += NLMSG_ALIGN(h.nlmsg_len);
        }
    }
    return out;
}

NlDescription describe(const NlMessage& m) {
    NlDescription d;
    const auto h = headerOf(m.bytes);
    d.type = h.nlmsg_type;
    d.flags = h.nlmsg_flags;
    std::span<const std::uint8_t> rest(m.bytes);
    rest = rest.subspan(std::min<std::size_t>(rest.size(), sizeof(nlmsghdr)));
    if (m.protocol == NETLINK_ROUTE && rest.size() >= sizeof(ifinfomsg)) {
        ifinfomsg ifi{};
        std::memcpy(&ifi, rest.data(), sizeof ifi);
        d.header = {"ifi_family=" + std::to_string(ifi.ifi_family), "ifi_type=" + std::to_string(ifi.ifi_type),
                    "ifi_index=" + std::to_string(ifi.ifi_index), "ifi_flags=" + std::to_string(ifi.ifi_flags),
                    "ifi_change=" + std::to_string(ifi.ifi_change)};
        rest = rest.subspan(NLMSG_ALIGN(sizeof(ifinfomsg)));
    }
    describeAttrs(m.protocol, rest, "", d.attrs);
    std::sort(d.attrs.begin(), d.attrs.end());
    return d;
}

std::vector<NlMessage> requestsOf(const std::vector<NlMessage>& messages, int protocol, std::uint16_t type) {
    std::vector<NlMessage> out;
    for (const auto& m : messages)
        if (m.protocol == protocol && m.isRequest() && m.type() == type) out.push_back(m);
    return out;
}

int answerTo(const std::vector<NlMessage>& messages, const NlMessage& request) {
    const auto seq = headerOf(request.bytes).nlmsg_seq;
    for (const auto& m : messages) {
        if (m.protocol != request.protocol || m.type() != NLMSG_ERROR) continue;
        if (headerOf(m.bytes).nlmsg_seq == seq) return m.error();
    }
    return -1;
}

Traced straced(const std::string& program, const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
               const std::string& stdinText) {
    test::ScratchDir dir;
    const std::string log = (dir.path() / "strace.log").string();
    std::vector<std::string> all{"-f", "-qq", "-e", "trace=sendmsg,sendto", "-e", "write=all", "-o", log, program};
    all.insert(all.end(), args.begin(), args.end());
    Traced t;
    t.result = test::BinaryRunner(toolPath("strace")).run(all, env, stdinText);
    // A syscall line, then its buffer as " | 00000  14 00 00 00 ...  ascii |" lines.
    std::ifstream in(log);
    std::string line;
    std::vector<std::vector<std::uint8_t>> buffers;
    bool inDump = false;
    while (std::getline(in, line)) {
        if (line.rfind(" | ", 0) != 0) {
            inDump = false;
            continue;
        }
        if (!inDump) buffers.emplace_back();
        inDump = true;
        // Offset (5 hex digits), two spaces, then up to 16 bytes in two groups, then the ASCII.
        std::istringstream hexPart(line.substr(3 + 5 + 2, 16 * 3 + 1));
        std::string byte;
        while (hexPart >> byte) buffers.back().push_back(static_cast<std::uint8_t>(std::stoul(byte, nullptr, 16)));
    }
    for (const auto& b : buffers) {
        std::size_t off = 0;
        while (off + sizeof(nlmsghdr) <= b.size()) {
            nlmsghdr h{};
            std::memcpy(&h, b.data() + off, sizeof h);
            if (h.nlmsg_len < sizeof h || off + h.nlmsg_len > b.size()) break;
            const int protocol = (h.nlmsg_type >> 10) == RDMA_NL_NLDEV ? NETLINK_RDMA : NETLINK_ROUTE;
            t.sent.push_back(NlMessage{protocol, std::vector<std::uint8_t>(b.begin() + static_cast<std::ptrdiff_t>(off),
                                                                           b.begin() + static_cast<std::ptrdiff_t>(off + h.nlmsg_len))});
            off += NLMSG_ALIGN(h.nlmsg_len);
        }
    }
    return t;
}

}  // namespace ibvf::labtest
