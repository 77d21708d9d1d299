// ibvf-ipam's view of a network configuration: the "ipam" section (ranges, exclusions, routes,
// dataDir, resolvConf), the addresses asked for in it, and where the leases would live.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>

#include "FuzzInput.hpp"
#include "cni/Dispatch.hpp"
#include "cni/Error.hpp"
#include "cni/NetConf.hpp"
#include "ipam/IpamConfig.hpp"
#include "ipam/RequestedAddresses.hpp"
#include "ipam/StoreLocation.hpp"

namespace {

// dataDir must resolve inside the state root: give it one that exists and holds nothing else.
// resolvConf names a file to read; reading any file is what the field is for.
struct StateRoot {
    std::filesystem::path dir;
    StateRoot() {
        std::string pattern = (std::filesystem::temp_directory_path() / "ibvf-fuzz-ipam-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) std::abort();
        dir = pattern;
        ::setenv(ibvf::ipam::kStateRootEnv, dir.c_str(), 1);
    }
    ~StateRoot() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    StateRoot(const StateRoot&) = delete;
    StateRoot& operator=(const StateRoot&) = delete;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ibvf;
    static const StateRoot root;
    const auto text = fuzz::asText(data, size);
    fuzz::rejectOnly<cni::Error>([&] {
        cni::Request req;
        req.conf = cni::parseNetConf(text);
        (void)ipam::logSettingsOf(req.conf);  // documented never to throw
        fuzz::rejectOnly<cni::Error>([&] { (void)ipam::storeLocationOf(req.conf); });
        fuzz::rejectOnly<cni::Error>([&] { (void)ipam::requestedAddresses(req); });
        (void)ipam::parseIpamConfig(req.conf);
    });
    return 0;
}
