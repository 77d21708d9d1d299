#pragma once
// Hand-built netlink messages and a plain request/reply socket, for the families and attributes
// libnl-route-3 has no helpers for (VF GUIDs read back, RDMA netlink, IPoIB link data).
// Building into a byte vector lets tests compare the exact request; the socket reports the
// kernel's own errno (libnl folds several into one code) and its extended-ack text.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "linux/Fd.hpp"

namespace ibvf::kernel {

class NlMessageBuilder {
public:
    NlMessageBuilder(std::uint16_t type, std::uint16_t flags);

    // A fixed header (ifinfomsg, ...) at the current position: right after the nlmsghdr, or at
    // the start of a nest that carries one (VETH_INFO_PEER).
    template <class T>
    NlMessageBuilder& header(const T& h) {
        return raw(&h, sizeof h);
    }
    NlMessageBuilder& put(std::uint16_t type, const void* data, std::size_t len);
    template <class T>
    NlMessageBuilder& putStruct(std::uint16_t type, const T& v) {
        return put(type, &v, sizeof v);
    }
    NlMessageBuilder& putU8(std::uint16_t type, std::uint8_t v) { return put(type, &v, sizeof v); }
    NlMessageBuilder& putU16(std::uint16_t type, std::uint16_t v) { return put(type, &v, sizeof v); }
    NlMessageBuilder& putU32(std::uint16_t type, std::uint32_t v) { return put(type, &v, sizeof v); }
    NlMessageBuilder& putString(std::uint16_t type, std::string_view s);  // NUL-terminated

    // Nesting: the returned offset goes back to endNested(), which fills in the length.
    std::size_t beginNested(std::uint16_t type);
    NlMessageBuilder& endNested(std::size_t offset);

    // The finished message with nlmsg_len set; sequence number and port id are left 0 (the
    // socket stamps the sequence number when it sends).
    std::vector<std::uint8_t> finish() const;

private:
    NlMessageBuilder& raw(const void* data, std::size_t len);
    std::vector<std::uint8_t> bytes_;
};

// One attribute of a received message. `payload` points into the caller's buffer.
struct NlAttr {
    std::uint16_t type = 0;  // NLA_F_NESTED / NLA_F_NET_BYTEORDER masked off
    std::span<const std::uint8_t> payload;
};

// The attributes in `area`, in order; stops at the first malformed one.
std::vector<NlAttr> nlAttrs(std::span<const std::uint8_t> area);
// The attributes of a message after its nlmsghdr and a family header of `familyHeaderLen` bytes.
std::vector<NlAttr> nlMessageAttrs(std::span<const std::uint8_t> message, std::size_t familyHeaderLen);
const NlAttr* findNlAttr(const std::vector<NlAttr>& attrs, std::uint16_t type);
std::string nlAttrString(const NlAttr& a);  // up to the first NUL
// The payload as a T (an integer or a fixed kernel struct such as ifla_vf_guid); nullopt when the
// attribute is absent or shorter than T.
template <class T>
std::optional<T> nlAttrAs(const NlAttr* a) {
    if (!a || a->payload.size() < sizeof(T)) return std::nullopt;
    T v;
    std::memcpy(&v, a->payload.data(), sizeof v);
    return v;
}

// Request/reply on one netlink protocol, in the namespace the calling thread is in when it is
// constructed. Not thread-safe.
class NetlinkSocket {
public:
    // Throws KernelError "open <what> socket" (EPROTONOSUPPORT when the protocol's module is
    // not loaded, e.g. NETLINK_RDMA without ib_core).
    NetlinkSocket(int protocol, std::string what);

    struct Outcome {
        int error = 0;       // 0 or the kernel's errno
        std::string extack;  // the kernel's reason, when it gave one
    };
    using ReplySink = std::function<void(std::span<const std::uint8_t> message, std::uint16_t type)>;

    // Sends `message` (NLM_F_ACK or NLM_F_DUMP must be set in it) and reads until its ack, error
    // or end of dump; each data reply goes to `sink`. Local socket failures are errors too.
    Outcome request(std::vector<std::uint8_t> message, const ReplySink& sink = {});

private:
    Fd fd_;
    std::string what_;
    std::uint32_t seq_ = 0;
};

// "what [kernel: extack]: strerror" as KernelError.
[[noreturn]] void throwNetlinkFailure(const NetlinkSocket::Outcome& outcome, const std::string& what);

}  // namespace ibvf::kernel
