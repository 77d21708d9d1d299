#pragma once
// A NETLINK_ROUTE socket subscribed to link events (RTNLGRP_LINK). The daemon only needs to know
// that some link changed, then re-reads the PF states it cares about: no message parsing.
#include "linux/Fd.hpp"

namespace ibvf::dp {

class LinkEventSocket {
public:
    LinkEventSocket();  // throws KernelError
    int fd() const { return fd_.get(); }
    // Reads every pending message; true when at least one arrived (an overrun counts: state
    // must be re-read anyway).
    bool drain();

private:
    linux::Fd fd_;
};

}  // namespace ibvf::dp
