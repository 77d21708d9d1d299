#pragma once
// Every netlink message of this network namespace, both directions, as the kernel's nlmon tap
// delivers them: an nlmon link and a packet socket bound to it. Taps run in the sender's
// context, so once a command has returned, all it sent and got is queued here.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "support/BinaryRunner.hpp"

#include "linux/Fd.hpp"

namespace ibvf::labtest {

struct NlMessage {
    int protocol = 0;                 // NETLINK_ROUTE, NETLINK_RDMA, ...
    std::vector<std::uint8_t> bytes;  // one nlmsghdr and its payload

    std::uint16_t type() const;
    std::uint16_t flags() const;
    bool isRequest() const;
    // The errno of an NLMSG_ERROR (0 for an ACK); -1 when this is not one.
    int error() const;
};

class NlmonCapture {
public:
    NlmonCapture();  // loads nlmon, creates and ups the link, binds the socket
    ~NlmonCapture();
    NlmonCapture(const NlmonCapture&) = delete;
    NlmonCapture& operator=(const NlmonCapture&) = delete;

    // Everything queued since the last take() (or the start), multi-message packets split.
    std::vector<NlMessage> take();

private:
    std::string link_;
    linux::Fd fd_;
};

// A message described for comparison: the header (type, flags; seq and port id left out), the
// family header's fields, and one line per attribute with its nesting path and payload, e.g.
// "22/1/10 = 0200000000000000 7766554433221100"; nests also get a line for NLA_F_NESTED.
struct NlDescription {
    std::uint16_t type = 0;
    std::uint16_t flags = 0;
    std::vector<std::string> header;  // "ifi_index=5", ...
    std::vector<std::string> attrs;   // sorted
};
NlDescription describe(const NlMessage& m);

// The requests of `protocol` and `type` in `messages`.
std::vector<NlMessage> requestsOf(const std::vector<NlMessage>& messages, int protocol, std::uint16_t type);
// The kernel's error (or ACK, 0) answering `request` in `messages` (matched by sequence number).
int answerTo(const std::vector<NlMessage>& messages, const NlMessage& request);

// What `program` sent over netlink, from strace's dump of its sendmsg/sendto buffers, for the
// protocols nlmon cannot show: the kernel taps only a whitelist of netlink protocols, and
// NETLINK_RDMA is not on it. Messages with an RDMA netlink type (RDMA_NL_NLDEV) are marked
// NETLINK_RDMA, the rest NETLINK_ROUTE.
struct Traced {
    test::RunResult result;
    std::vector<NlMessage> sent;
};
Traced straced(const std::string& program, const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
               const std::string& stdinText = {});

}  // namespace ibvf::labtest
