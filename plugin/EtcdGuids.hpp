#pragma once
// The plugin's side of "guidSource": "etcd": the leases live in the IPAM's etcd and are served by
// `ibvf-ipam-etcd guid` (ipam/etcd/GuidCommand.hpp), exec'd from CNI_PATH, so that ibvf itself
// links no etcd client. Each call is one exec plus its etcd round trips.
#include <vector>

#include "cni/Dispatch.hpp"
#include "linux/Guid.hpp"

namespace ibvf::plugin {

// ADD: the attachment's GUID from the network's guidRange (the one it holds already after a
// retried ADD). The helper's CNI error keeps its code: 11 when etcd is unreachable.
linux::Guid leaseEtcdGuid(const cni::Request& req);
// DEL, and a failed ADD's rollback: releases the attachment's GUID (none held: nothing happens).
void releaseEtcdGuid(const cni::Request& req);
// GC: releases this node's GUIDs of the network held by attachments not in `keep`.
void collectEtcdGuids(const cni::Request& req, const std::vector<cni::Attachment>& keep);

}  // namespace ibvf::plugin
