#pragma once
// A VF's InfiniBand identity as its RDMA device shows it in sysfs
// (class/infiniband/<dev>/node_guid, ports/<p>/gids/0, ports/<p>/pkeys/N), and the parsers for
// those files. Reads only; nothing from a netconf reaches these paths unvalidated.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "linux/Guid.hpp"
#include "linux/Sysfs.hpp"

namespace ibvf::linux {

struct IbIdentity {
    std::optional<Guid> nodeGuid;        // node_guid
    std::optional<Guid> portGuid;        // the lower half of port 1's GID 0
    std::optional<std::uint16_t> pkey0;  // port 1's pkey table, entry 0
};

// "0002:c903:0000:1234" (node_guid's format) -> 0x0002c90300001234.
std::optional<Guid> parseSysfsGuid(std::string_view text);
// "fe80:0000:0000:0000:0002:c903:0000:1234" -> the port GUID, 0x0002c90300001234.
std::optional<Guid> portGuidOfGid(std::string_view gid);
// "0xffff", "0x8001" (the kernel's "0x%04x").
std::optional<std::uint16_t> parseSysfsPkey(std::string_view text);

// Each field nullopt when its file is missing or unreadable; all nullopt for an invalid device name.
IbIdentity readIbIdentity(const Sysfs& sysfs, std::string_view rdmaDevice);
// The used (non-zero) entries of port 1's pkey table, in index order; empty when unreadable.
std::vector<std::uint16_t> readPkeyTable(const Sysfs& sysfs, std::string_view rdmaDevice);

}  // namespace ibvf::linux
