#include "linux/PciNetdevNames.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstring>

namespace ibvf::linux {

PciNetdevNames::PciNetdevNames(const Sysfs& sysfs)
    : devices_(::open((sysfs.root() / "bus/pci/devices").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)) {}

std::string PciNetdevNames::first(std::string_view bdf) const {
    if (!devices_ || !isValidPciAddress(bdf)) return {};
    std::array<char, 32> rel{};  // "<bdf>/net": 12 + 4 characters
    std::memcpy(rel.data(), bdf.data(), bdf.size());
    std::memcpy(rel.data() + bdf.size(), "/net", 4);
    const Fd dir(::openat(devices_.get(), rel.data(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) return {};
    std::string best;
    // getdents64 rather than fdopendir: no fstat, no fcntl, and the buffer is on the stack.
    alignas(dirent64) std::array<char, 4096> buf{};
    for (;;) {
        const ssize_t n = ::getdents64(dir.get(), buf.data(), buf.size());
        if (n <= 0) return best;  // the end, or a directory removed while listed: what was seen
        for (std::size_t at = 0; at < static_cast<std::size_t>(n);) {
            const auto* e = reinterpret_cast<const dirent64*>(buf.data() + at);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
            at += e->d_reclen;
            const std::string name(e->d_name);
            if (name == "." || name == "..") continue;
            if (best.empty() || naturalLess(name, best)) best = name;
        }
    }
}

}  // namespace ibvf::linux
