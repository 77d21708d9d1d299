// A CNI result from outside the process: prevResult in a CHECK's or a chained plugin's config,
// and the stdout of a delegated IPAM plugin. Whatever parses must convert to every supported
// version, and the latest version's JSON must read back as the same result.
#include <cstddef>
#include <cstdint>

#include <rapidjson/document.h>

#include "FuzzInput.hpp"
#include "cni/Error.hpp"
#include "cni/Result.hpp"
#include "cni/Version.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ibvf;
    const auto text = fuzz::asText(data, size);
    rapidjson::Document doc;
    // Iterative, as every parser of outside JSON in the tree: no recursion on nesting depth.
    doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
    if (doc.HasParseError()) return 0;
    fuzz::rejectOnly<cni::Error>([&] {
        const cni::Result result = cni::parseResult(doc, "prevResult");
        for (const auto name : cni::supportedVersionStrings()) (void)cni::toJson(result, *cni::parseVersion(name));
        const std::string latest = cni::toJson(result, cni::kLatestVersion);
        rapidjson::Document again;
        again.Parse(latest.data(), latest.size());
        if (again.HasParseError()) fuzz::finding("toJson produced invalid JSON: " + latest);
        cni::Result back;
        try {
            back = cni::parseResult(again);
        } catch (const cni::Error& e) {
            fuzz::finding("toJson output does not parse back (" + e.msg() + "): " + latest);
        }
        if (!(back == result)) fuzz::finding("result changed in a round trip through " + latest);
    });
    return 0;
}
