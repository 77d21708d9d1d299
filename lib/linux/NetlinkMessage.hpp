#pragma once
// Hand-built netlink messages and their attributes, for the families and attributes
// libnl-route-3 has no helpers for (VF GUIDs read back, RDMA netlink, IPoIB link data).
// Building into a byte vector lets tests compare the exact request.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ibvf::linux {

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

// A fixed kernel struct (nlmsghdr, nlmsgerr, ...) copied out of a message at `offset`; the caller
// checks that it fits.
template <class T>
T nlReadAt(std::span<const std::uint8_t> bytes, std::size_t offset) {
    T v;
    std::memcpy(&v, bytes.data() + offset, sizeof v);
    return v;
}

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

}  // namespace ibvf::linux
