// The ibvf plugin's network configuration as a runtime hands it over on stdin: the common CNI
// part (including prevResult and GC's valid-attachments) and the ibvf fields.
#include <cstddef>
#include <cstdint>

#include "FuzzInput.hpp"
#include "cni/Error.hpp"
#include "cni/NetConf.hpp"
#include "plugin/PluginConfig.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ibvf;
    const auto text = fuzz::asText(data, size);
    // VERSION accepts a config without a name; every other command requires one.
    fuzz::rejectOnly<cni::Error>([&] { (void)cni::parseNetConf(text, false); });
    fuzz::rejectOnly<cni::Error>([&] {
        const cni::NetConf conf = cni::parseNetConf(text);
        // The accessors throw for a present member of the wrong type: each on its own.
        fuzz::rejectOnly<cni::Error>([&] { (void)conf.runtimeConfig(); });
        fuzz::rejectOnly<cni::Error>([&] { (void)conf.args(); });
        fuzz::rejectOnly<cni::Error>([&] { (void)conf.argsCni(); });
        fuzz::rejectOnly<cni::Error>([&] { (void)conf.ipam(); });
        fuzz::rejectOnly<cni::Error>([&] { (void)cni::validAttachments(conf); });
        (void)plugin::PluginConfig::parse(conf);
    });
    return 0;
}
