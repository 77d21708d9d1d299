#pragma once
// Addresses never handed out ("exclude": CIDRs and single addresses), beyond what host-local has.
#include <string>
#include <string_view>
#include <vector>

#include "net/IpAddress.hpp"

namespace ibvf::ipam {

class Exclusions {
public:
    Exclusions() = default;
    // Each entry is "a.b.c.d/len", "a.b.c.d" or the IPv6 forms. Throws
    // cni::Error(InvalidNetworkConfig) naming `where` and the entry.
    static Exclusions parse(const std::vector<std::string>& entries, std::string_view where);

    // The excluded prefix holding `a`, or nullptr; lets the allocator jump past a whole block.
    const net::IpPrefix* find(const net::IpAddress& a) const;
    bool contains(const net::IpAddress& a) const { return find(a) != nullptr; }
    const std::vector<net::IpPrefix>& prefixes() const { return prefixes_; }

private:
    std::vector<net::IpPrefix> prefixes_;  // host bits cleared
};

}  // namespace ibvf::ipam
