// ibvf-ipam's view of a network configuration: the "ipam" section (ranges, exclusions, routes,
// dataDir, resolvConf), the addresses asked for in it, and where the leases would live.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "FuzzInput.hpp"
#include "cni/Dispatch.hpp"
#include "cni/Error.hpp"
#include "cni/NetConf.hpp"
#include "ipam/IpamConfig.hpp"
#include "ipam/RequestedAddresses.hpp"
#include "ipam/StoreLocation.hpp"
#include "node/NodePaths.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ibvf;
    // Every absolute dataDir lies inside "/", so the fuzzer reaches all of resolveStoreDir
    // (which only resolves paths: nothing is created). resolvConf names a file to read.
    static const int rootSet = ::setenv(node::kStateRoot.env, "/", 1);
    (void)rootSet;
    const auto text = fuzz::asText(data, size);
    fuzz::rejectOnly<cni::Error>([&] {
        cni::Request req;
        req.conf = cni::parseNetConf(text);
        (void)ipam::logSettingsOf(req.conf);  // documented never to throw
        fuzz::rejectOnly<cni::Error>([&] {
            // The directory that was checked must be the one the system calls see: they stop at
            // the first NUL.
            const auto loc = ipam::storeLocationOf(req.conf);
            if (loc.dir.native().find('\0') != std::string::npos) fuzz::finding("lease directory with a NUL: " + loc.dir.string());
        });
        fuzz::rejectOnly<cni::Error>([&] { (void)ipam::requestedAddresses(req); });
        (void)ipam::parseIpamConfig(req.conf);
    });
    return 0;
}
