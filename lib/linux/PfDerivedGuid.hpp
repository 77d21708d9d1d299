#pragma once
// VF GUIDs derived from the PF's own hardware GUID: distinct on every node of a fabric without
// any coordination or per-node configuration, and the same for a VF after any restart.
//
// Hardware assumption: a manufactured HCA GUID is the vendor's OUI (3 bytes, locally
// administered bit 0x02 of the first byte clear), then the constant bytes 03:00, then 3 bytes
// unique per device (the EUI-48 -> EUI-64 expansion HCA vendors use, e.g. ConnectX:
// 98:03:9b:03:00:12:34:56). Two manufactured PF GUIDs then differ in OUI or in their low 3 bytes.
//
// Layout of a derived VF GUID:
//   byte 0..2  the PF's OUI with the locally administered bit set
//   byte 3..4  the VF index (16 bits, big-endian)
//   byte 5..7  the PF GUID's low 3 bytes
// The map (PF GUID, VF index) -> VF GUID is injective over every PF GUID that fits the
// assumption (OUI, VF index and low bytes are each recovered from the result), and no result
// equals a manufactured GUID (their locally administered bit is clear, ours set). A PF GUID that
// does not fit is refused rather than risk a GUID someone else has.
#include <optional>
#include <string>

#include "linux/Guid.hpp"

namespace ibvf::linux {

// Why `pf` cannot seed derived GUIDs; nullopt when it can.
std::optional<std::string> pfGuidUnfit(Guid pf);

// The VF GUID of VF `vfIndex` of the PF with node GUID `pf`. Throws std::invalid_argument with
// pfGuidUnfit()'s reason, or when vfIndex does not fit 16 bits.
Guid deriveVfGuid(Guid pf, unsigned vfIndex);

}  // namespace ibvf::linux
