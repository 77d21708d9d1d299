#pragma once
// A connected byte stream (plain TCP or TLS over it) whose every wait ends at a deadline.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "etcd/Deadline.hpp"

namespace ibvf::etcd {

// Nothing, or not everything, could be said to or heard from the peer: refused, reset, timed
// out, TLS failures. The message names the peer and the step.
class TransportError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class ByteStream {
public:
    virtual ~ByteStream() = default;
    // All of `data`, or TransportError.
    virtual void writeAll(std::string_view data, const Deadline& deadline) = 0;
    // At least one byte into buf, or 0 at the peer's orderly end of stream; TransportError else.
    virtual std::size_t readSome(char* buf, std::size_t size, const Deadline& deadline) = 0;
};

}  // namespace ibvf::etcd
