// ibvf-device-plugin's configuration (a ConfigMap an operator writes): the seed shapes and the
// resources list with its selectors.
#include <cstddef>
#include <cstdint>

#include "FuzzInput.hpp"
#include "deviceplugin/Config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ibvf;
    fuzz::rejectOnly<dp::ConfigError>([&] {
        const dp::Config config = dp::parseConfig(fuzz::asText(data, size));
        for (const auto& r : config.resources) {
            (void)r.resourceName();
            (void)dp::pciDeviceEnvName(r);
            for (const auto& pf : r.selectors.pfNames) {
                if (pf.firstVf.has_value() != pf.lastVf.has_value()) fuzz::finding("VF range with one end: " + pf.netdev);
                (void)pf.takesVf(0);
            }
        }
    });
    return 0;
}
