#include "ipam/RequestedAddresses.hpp"

#include <algorithm>
#include <string>

#include "cni/Error.hpp"
#include "cni/Json.hpp"

namespace ibvf::ipam {
namespace {

std::optional<net::IpAddress> parseEntry(std::string_view text) {
    if (text.find('/') != std::string_view::npos) {
        if (const auto p = net::IpPrefix::parse(text)) return p->address;
        return std::nullopt;
    }
    return net::IpAddress::parse(text);
}

void add(std::vector<net::IpAddress>& out, const net::IpAddress& a) {
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
}

void addFromConfig(std::vector<net::IpAddress>& out, const rapidjson::Value* obj, const std::string& where) {
    if (!obj) return;
    const auto list = cni::json::optStringArray(*obj, "ips", where);
    if (!list) return;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const auto a = parseEntry((*list)[i]);
        if (!a) {
            throw cni::Error(cni::ErrorCode::InvalidNetworkConfig,
                             where + ".ips[" + std::to_string(i) + "] '" + (*list)[i] + "' is not an IP address");
        }
        add(out, *a);
    }
}

}  // namespace

std::vector<net::IpAddress> requestedAddresses(const cni::Request& req) {
    std::vector<net::IpAddress> out;
    addFromConfig(out, req.conf.runtimeConfig(), "runtimeConfig");
    addFromConfig(out, req.conf.argsCni(), "args.cni");
    if (const auto ip = req.env.args.get("IP")) {
        std::string_view rest = *ip;
        while (true) {
            const auto comma = rest.find(',');
            const std::string_view item = rest.substr(0, comma);
            if (!item.empty()) {
                const auto a = parseEntry(item);
                if (!a) {
                    throw cni::Error(cni::ErrorCode::InvalidEnvironment, "CNI_ARGS IP: '" + std::string(item) + "' is not an IP address");
                }
                add(out, *a);
            }
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    return out;
}

}  // namespace ibvf::ipam
