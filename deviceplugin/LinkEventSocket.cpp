#include "deviceplugin/LinkEventSocket.hpp"

#include <cerrno>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include "linux/KernelError.hpp"

namespace ibvf::dp {

LinkEventSocket::LinkEventSocket() : fd_(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE)) {
    if (!fd_) linux::throwErrno("open NETLINK_ROUTE socket for link events");
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = RTMGRP_LINK;
    if (::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
        linux::throwErrno("bind NETLINK_ROUTE socket to RTMGRP_LINK");
}

bool LinkEventSocket::drain() {
    bool any = false;
    char buf[16384];
    for (;;) {
        const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
        if (n > 0) {
            any = true;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == ENOBUFS) {
            any = true;
            continue;
        }
        return any;
    }
}

}  // namespace ibvf::dp
