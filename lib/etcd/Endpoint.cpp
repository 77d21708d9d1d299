#include "etcd/Endpoint.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ibvf::etcd {
namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

[[noreturn]] void bad(std::string_view text, const std::string& why) {
    throw std::invalid_argument("endpoint '" + std::string(text) + "': " + why);
}

// A host name as DNS allows it (letters, digits, '-', '.'), so nothing odd reaches a TLS name
// check or a Host header.
bool isHostName(std::string_view s) {
    return !s.empty() && s.size() <= 253 &&
           std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.'; });
}

}  // namespace

std::string Endpoint::authority() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Endpoint parseEndpoint(std::string_view text, bool defaultTls) {
    Endpoint e;
    e.text = std::string(text);
    e.tls = defaultTls;
    std::string_view rest = text;
    if (const auto scheme = rest.find("://"); scheme != std::string_view::npos) {
        const std::string_view s = rest.substr(0, scheme);
        if (s == "http") {
            e.tls = false;
        } else if (s == "https") {
            e.tls = true;
        } else {
            bad(text, "the scheme must be http or https");
        }
        rest.remove_prefix(scheme + 3);
    }
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    if (rest.find_first_of("/?#@") != std::string_view::npos) {
        bad(text, "only scheme://host:port is accepted (no path, query or user)");
    }

    std::optional<std::string_view> portText;
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) bad(text, "unclosed '['");
        e.host = std::string(rest.substr(1, close - 1));
        const std::string_view after = rest.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') bad(text, "expected ':port' after ']'");
            portText = after.substr(1);
        }
        const auto a = net::IpAddress::parse(e.host);
        if (!a || a->isV4()) bad(text, "'[" + e.host + "]' is not an IPv6 address");
    } else {
        const auto colon = rest.find(':');
        if (colon != std::string_view::npos && rest.find(':', colon + 1) != std::string_view::npos) {
            bad(text, "an IPv6 address must be written in brackets");
        }
        e.host = std::string(rest.substr(0, colon));
        if (colon != std::string_view::npos) portText = rest.substr(colon + 1);
        if (!net::IpAddress::parse(e.host) && !isHostName(e.host)) bad(text, "'" + e.host + "' is not a host name or address");
    }
    if (e.host.empty()) bad(text, "no host");
    if (portText) {
        unsigned port = 0;
        const auto [end, ec] = std::from_chars(portText->data(), portText->data() + portText->size(), port);
        if (ec != std::errc() || end != portText->data() + portText->size() || port == 0 || port > 65535) {
            bad(text, "the port must be a number from 1 to 65535");
        }
        e.port = static_cast<std::uint16_t>(port);
    }
    return e;
}

std::optional<net::IpAddress> resolveHost(std::string_view host, const std::filesystem::path& hostsFile) {
    if (const auto a = net::IpAddress::parse(host)) return a;
    std::ifstream in(hostsFile);
    std::string line;
    while (std::getline(in, line)) {
        if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        std::istringstream fields(line);
        std::string addressText;
        if (!(fields >> addressText)) continue;
        const auto address = net::IpAddress::parse(addressText);
        if (!address) continue;  // e.g. a zone index (fe80::1%eth0): not a literal we connect to
        std::string name;
        while (fields >> name) {
            if (equalsIgnoreCase(name, host)) return address;
        }
    }
    return std::nullopt;
}

}  // namespace ibvf::etcd
