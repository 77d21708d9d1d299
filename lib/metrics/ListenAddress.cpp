#include "metrics/ListenAddress.hpp"

#include <charconv>
#include <stdexcept>

namespace ibvf::metrics {

std::string ListenAddress::toString() const { return (ip.isV4() ? ip.toString() : "[" + ip.toString() + "]") + ":" + std::to_string(port); }

ListenAddress parseListenAddress(std::string_view text) {
    const std::string expected = " (expected host:port with an IP address, e.g. 0.0.0.0:9101, [::1]:9101 or :9101)";
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) throw std::invalid_argument("metrics address '" + std::string(text) + "' has no port" + expected);
    std::string_view host = text.substr(0, colon);
    const std::string_view portText = text.substr(colon + 1);
    unsigned port = 0;
    const auto res = std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (portText.empty() || res.ec != std::errc() || res.ptr != portText.data() + portText.size() || port > 65535)
        throw std::invalid_argument("metrics address '" + std::string(text) + "': bad port" + expected);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
        if (host.find(':') == std::string_view::npos)
            throw std::invalid_argument("metrics address '" + std::string(text) + "': brackets are for IPv6 only" + expected);
    } else if (host.find(':') != std::string_view::npos) {
        throw std::invalid_argument("metrics address '" + std::string(text) + "': put an IPv6 address in brackets" + expected);
    }
    const auto ip = net::IpAddress::parse(host.empty() ? std::string_view("::") : host);
    if (!ip)
        throw std::invalid_argument("metrics address '" + std::string(text) + "': '" + std::string(host) + "' is not an IP address" +
                                    expected);
    return ListenAddress{*ip, static_cast<std::uint16_t>(port)};
}

}  // namespace ibvf::metrics
