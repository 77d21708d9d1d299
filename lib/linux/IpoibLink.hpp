#pragma once
// IPoIB child interfaces for InfiniBand partitions (rtnetlink link kind "ipoib"), and partition
// keys. A child is what `ip link add link ib0 name ib0.8001 type ipoib pkey 0x8001` creates.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ibvf::linux {

// A 16-bit partition key: the low 15 bits name the partition, bit 15 (0x8000) is the
// full-membership bit (a limited member cannot talk to other limited members).
//
// Accepted text: "0x8001" / "0X8001" (hex) or "32769" (decimal; no octal, unlike strtoul base 0).
// Rejected: anything above 0xffff, and partition 0 (0x0000 and 0x8000 are not valid keys).
// The kernel's ipoib driver always sets the full-membership bit on the children it creates, so
// "0x0001" and "0x8001" name the same child; forKernel() is that value and is what is sent.
class Pkey {
public:
    static Pkey parse(std::string_view text);    // throws std::invalid_argument naming the text
    static Pkey fromValue(std::uint16_t value);  // same validation as parse()

    std::uint16_t value() const { return value_; }  // as configured
    std::uint16_t partition() const { return static_cast<std::uint16_t>(value_ & 0x7fff); }
    bool fullMember() const { return (value_ & 0x8000) != 0; }
    std::uint16_t forKernel() const { return static_cast<std::uint16_t>(value_ | 0x8000); }
    std::string str() const;  // "0x8001" (forKernel(), as the kernel and `ip` show it)

    friend bool operator==(const Pkey&, const Pkey&) = default;

private:
    explicit Pkey(std::uint16_t v) : value_(v) {}
    std::uint16_t value_;
};

// Values of IFLA_IPOIB_MODE (IPOIB_MODE_*).
enum class IpoibMode : std::uint16_t { Datagram = 0, Connected = 1 };

struct IpoibChildSpec {
    int parentIfindex = 0;
    std::string name;  // the child's interface name
    Pkey pkey = Pkey::fromValue(0xffff);
    IpoibMode mode = IpoibMode::Datagram;
    bool umcast = false;  // let userspace send to multicast groups it has not joined
};

// The requests NetlinkIpoibLinks sends, as bytes (exposed for exact-bytes tests).
namespace ipoibmsg {
// RTM_NEWLINK, NLM_F_REQUEST|NLM_F_ACK|NLM_F_CREATE|NLM_F_EXCL, ifinfomsg{index 0}, then
// IFLA_LINK u32 parent, IFLA_IFNAME, IFLA_LINKINFO{IFLA_INFO_KIND "ipoib",
// IFLA_INFO_DATA{IFLA_IPOIB_PKEY u16 (forKernel()), IFLA_IPOIB_MODE u16, IFLA_IPOIB_UMCAST u16}}.
std::vector<std::uint8_t> newChild(const IpoibChildSpec& spec);
// RTM_DELLINK, NLM_F_REQUEST|NLM_F_ACK, ifinfomsg{index}.
std::vector<std::uint8_t> deleteLink(int ifindex);
}  // namespace ipoibmsg

// An interface: its destructor is out of line only to anchor the vtable.
class IpoibLinks {  // NOLINT(cppcoreguidelines-special-member-functions)
public:
    virtual ~IpoibLinks();
    // Returns the child's ifindex.
    virtual int createChild(const IpoibChildSpec& spec) = 0;
    // False when there is no such link any more (DEL tolerates "already done").
    virtual bool deleteChild(int ifindex) = 0;
};

// rtnetlink in the namespace the calling thread is in when the object is created (the parent's:
// the pod's, for a VF already moved there). Errors are KernelError with the kernel's errno; an
// unknown link kind (no ib_ipoib module) says so.
class NetlinkIpoibLinks final : public IpoibLinks {
public:
    NetlinkIpoibLinks();
    ~NetlinkIpoibLinks() override;
    NetlinkIpoibLinks(const NetlinkIpoibLinks&) = delete;
    NetlinkIpoibLinks& operator=(const NetlinkIpoibLinks&) = delete;

    int createChild(const IpoibChildSpec& spec) override;
    bool deleteChild(int ifindex) override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ibvf::linux
