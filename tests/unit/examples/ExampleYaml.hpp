#pragma once
// A reader for the small YAML subset the examples are written in (there is no YAML library in the
// tree): block mappings, "- " list items, plain/'single'/"double"-quoted scalars, flow lists kept
// as text, and literal blocks ("key: |") for the JSON held in NADs and ConfigMaps. Anything else
// throws, so an example written in a shape the test cannot read fails instead of being skipped.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ibvf::test {

class YamlSubsetError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct YamlScalar {
    std::vector<std::string> path;  // keys from the document root; a list item contributes "-"
    std::string value;
};

struct YamlDocument {
    std::vector<YamlScalar> scalars;
    // The first scalar at exactly `path`.
    std::optional<std::string> find(const std::vector<std::string>& path) const;
    // Every scalar whose path starts with `prefix` and is one key longer.
    std::vector<const YamlScalar*> childrenOf(const std::vector<std::string>& prefix) const;
};

// Splits on "---" lines. Throws YamlSubsetError naming the line it cannot read.
std::vector<YamlDocument> parseYamlSubset(std::string_view text);

}  // namespace ibvf::test
