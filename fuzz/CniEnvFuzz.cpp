// The CNI_* environment a runtime sets: one variable per input line, in the order below. CNI_ARGS
// also reaches ibvf-ipam, which reads requested addresses from its IP= key.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "FuzzInput.hpp"
#include "cni/Dispatch.hpp"
#include "cni/Env.hpp"
#include "cni/Error.hpp"
#include "ipam/RequestedAddresses.hpp"

namespace {

constexpr std::array<const char*, 6> kVariables = {"CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_ARGS", "CNI_PATH"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ibvf;
    const auto text = fuzz::asText(data, size);
    const auto fields = fuzz::lines(text);
    // Environment values are C strings: what follows a NUL is not seen, as with getenv().
    std::array<std::string, kVariables.size()> values;
    for (std::size_t i = 0; i < values.size() && i < fields.size(); ++i) values[i] = std::string(fields[i].substr(0, fields[i].find('\0')));
    const cni::EnvLookup lookup = [&](const char* name) -> const char* {
        for (std::size_t i = 0; i < kVariables.size(); ++i) {
            if (std::string_view(name) == kVariables[i]) return i < fields.size() ? values[i].c_str() : nullptr;
        }
        return nullptr;
    };
    fuzz::rejectOnly<cni::Error>([&] { (void)cni::parseCniArgs(text); });
    fuzz::rejectOnly<cni::Error>([&] {
        cni::Request req;
        req.env = cni::parseEnv(lookup);
        (void)req.env.args.get("IP");
        req.conf = cni::parseNetConf(R"({"cniVersion":"1.1.0","name":"fuzz","type":"ibvf-ipam"})");
        (void)ipam::requestedAddresses(req);
    });
    return 0;
}
