#pragma once
// What the metrics tests of the running device plugin share: a free port for --metrics-address,
// a scrape that tolerates an endpoint not up yet, reading one sample, and traffic on a netdev.
#include <doctest/doctest.h>

#include <net/if.h>
#include <netpacket/packet.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>

#include "linux/Fd.hpp"
#include "support/HttpGet.hpp"
#include "support/LoopbackSocket.hpp"

namespace ibvf::test::dp {

// A port nobody listens on right now (bound by the kernel's choice, then released).
inline std::uint16_t freePort() { return LoopbackSocket::open(0).port; }

// The /metrics body, or "" while the endpoint is not listening yet.
inline std::string scrapeOrEmpty(std::uint16_t port) {
    try {
        return httpGet(port, "/metrics").body;
    } catch (const std::exception&) {
        return {};
    }
}

// The value of the first sample whose line starts with `prefix` (name and the labels up to
// where the caller stops); nullopt when there is none.
inline std::optional<double> sampleStartingWith(const std::string& text, const std::string& prefix) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(prefix, 0) == 0) return std::stod(line.substr(line.rfind(' ') + 1));
    return std::nullopt;
}

// `count` Ethernet frames of `size` bytes out of `ifname` in the calling thread's namespace (an
// AF_PACKET socket: no addresses needed).
inline void sendFrames(const std::string& ifname, int count, std::size_t size) {
    linux::Fd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
    REQUIRE(fd);
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = static_cast<int>(::if_nametoindex(ifname.c_str()));
    to.sll_halen = 6;
    REQUIRE(to.sll_ifindex > 0);
    std::string frame(size, '\0');
    for (std::size_t i = 0; i < 6; ++i) frame[i] = '\xff';  // broadcast
    frame[6] = '\x02';                                      // locally administered source
    frame[12] = '\x88';                                     // local experimental ethertype
    frame[13] = '\xb5';
    for (int i = 0; i < count; ++i)
        REQUIRE(::sendto(fd.get(), frame.data(), frame.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) ==
                static_cast<ssize_t>(size));
}

}  // namespace ibvf::test::dp
