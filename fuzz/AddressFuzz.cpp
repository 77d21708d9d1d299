// IP address and prefix text, which every config, CNI_ARGS IP=, lease names and results go
// through. Line 1: an address or prefix; lines 2-5: an IPAM range (subnet, rangeStart, rangeEnd,
// gateway). What parses must print in canonical form and read back as the same value.
#include <cstddef>
#include <cstdint>
#include <string>

#include "FuzzInput.hpp"
#include "cni/Error.hpp"
#include "ipam/Range.hpp"
#include "net/IpAddress.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ibvf;
    const auto fields = fuzz::lines(fuzz::asText(data, size));
    const auto text = fields[0];
    if (const auto a = net::IpAddress::parse(text)) {
        const std::string printed = a->toString();
        if (net::IpAddress::parse(printed) != a) fuzz::finding("address " + printed + " does not read back");
        if (a->plus(1).minus(1) != *a) fuzz::finding("address arithmetic does not invert at " + printed);
    }
    if (const auto p = net::IpPrefix::parse(text)) {
        const std::string printed = p->toString();
        if (net::IpPrefix::parse(printed) != p) fuzz::finding("prefix " + printed + " does not read back");
        if (!p->contains(p->address) || !p->contains(p->network()) || !p->contains(p->lastAddress()))
            fuzz::finding("prefix " + printed + " does not contain its own addresses");
    }
    if (fields.size() < 2) return 0;
    const auto opt = [&](std::size_t i) -> std::optional<std::string> {
        if (i >= fields.size() || fields[i].empty()) return std::nullopt;
        return std::string(fields[i]);
    };
    fuzz::rejectOnly<cni::Error>([&] {
        const auto r = ipam::makeRange(ipam::RangeSpec{std::string(fields[1]), opt(2), opt(3), opt(4)}, "fuzz");
        if (!r.subnet.contains(r.start) || !r.subnet.contains(r.end) || r.end < r.start)
            fuzz::finding("range " + r.describe() + " is not inside its subnet");
        (void)r.isAssignable(r.start);
    });
    return 0;
}
