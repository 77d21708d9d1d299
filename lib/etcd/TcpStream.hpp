#pragma once
// A TCP connection with non-blocking I/O waited on by poll(2) against a deadline, so a peer that
// stops answering (a SIGSTOPped etcd, a dropped route) costs at most the deadline.
#include <cstdint>
#include <string>

#include "etcd/ByteStream.hpp"
#include "linux/Fd.hpp"
#include "net/IpAddress.hpp"

namespace ibvf::etcd {

class TcpStream final : public ByteStream {
public:
    // Throws TransportError naming `peer` ("connect 127.0.0.1:2379: Connection refused").
    static TcpStream connect(const net::IpAddress& address, std::uint16_t port, const std::string& peer, const Deadline& deadline);

    void writeAll(std::string_view data, const Deadline& deadline) override;
    std::size_t readSome(char* buf, std::size_t size, const Deadline& deadline) override;

    int fd() const { return fd_.get(); }
    const std::string& peer() const { return peer_; }
    // Waits until the socket is readable (`forWrite` false) or writable; TransportError naming
    // `step` when the deadline passes first. For layers above that drive the fd themselves (TLS).
    void waitReady(bool forWrite, const Deadline& deadline, const char* step) const;

private:
    TcpStream(linux::Fd fd, std::string peer) : fd_(std::move(fd)), peer_(std::move(peer)) {}
    linux::Fd fd_;
    std::string peer_;
};

}  // namespace ibvf::etcd
