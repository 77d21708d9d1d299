#include "ipam/Exclusions.hpp"

#include "cni/Error.hpp"

namespace ibvf::ipam {

Exclusions Exclusions::parse(const std::vector<std::string>& entries, std::string_view where) {
    Exclusions ex;
    ex.prefixes_.reserve(entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const std::string& text = entries[i];
        std::optional<net::IpPrefix> p;
        if (text.find('/') != std::string::npos) {
            p = net::IpPrefix::parse(text);
        } else if (auto a = net::IpAddress::parse(text)) {
            p = net::IpPrefix{*a, a->bitLength()};
        }
        if (!p) {
            throw cni::Error(cni::ErrorCode::InvalidNetworkConfig,
                             std::string(where) + "[" + std::to_string(i) + "]: '" + text + "' is neither an IP address nor a CIDR");
        }
        // "10.1.2.7/28" excludes the whole /28, as a route would.
        ex.prefixes_.push_back(net::IpPrefix{p->network(), p->length});
    }
    return ex;
}

const net::IpPrefix* Exclusions::find(const net::IpAddress& a) const {
    for (const auto& p : prefixes_) {
        if (p.contains(a)) return &p;
    }
    return nullptr;
}

}  // namespace ibvf::ipam
