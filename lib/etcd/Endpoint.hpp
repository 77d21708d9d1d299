#pragma once
// An etcd client URL as configured ("https://10.0.0.1:2379"), and how its host becomes an address.
//
// Names are looked up in /etc/hosts only, never through NSS or DNS: ibvf-ipam is a fully static
// binary, and glibc's resolver in a static binary dlopen()s NSS modules built for whatever glibc
// the node has. etcd members are usually addressed by IP (kubeadm's are), and a name that must
// work can be put in /etc/hosts.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "net/IpAddress.hpp"

namespace ibvf::etcd {

struct Endpoint {
    std::string text;  // as configured, for messages
    bool tls = false;
    std::string host;  // name or address literal, without brackets: the TLS name check uses it
    std::uint16_t port = 2379;

    // "host:port", IPv6 in brackets: the HTTP Host header.
    std::string authority() const;
};

// "http://host[:port]", "https://host[:port]", or "host[:port]" (https when `defaultTls`, i.e.
// TLS settings are given); an optional trailing "/". The port defaults to 2379. Throws
// std::invalid_argument saying what is wrong.
Endpoint parseEndpoint(std::string_view text, bool defaultTls);

// An IP literal as is; otherwise the first address `hostsFile` lists for the name (case-
// insensitive, as the resolver compares). nullopt when neither.
std::optional<net::IpAddress> resolveHost(std::string_view host, const std::filesystem::path& hostsFile = "/etc/hosts");

}  // namespace ibvf::etcd
