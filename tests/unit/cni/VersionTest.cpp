#include <doctest/doctest.h>

#include <string>

#include "cni/Version.hpp"

using namespace ibvf::cni;

TEST_CASE("every supported version parses and prints back, in order") {
    const auto all = supportedVersionStrings();
    REQUIRE(all.size() == 5);
    CHECK(all[0] == "0.3.0");
    CHECK(all[4] == "1.1.0");
    std::optional<Version> previous;
    for (const auto text : all) {
        const auto v = parseVersion(text);
        REQUIRE_MESSAGE(v.has_value(), std::string(text));
        CHECK(toString(*v) == text);
        if (previous) CHECK((*previous < *v));  // doctest would stringify via our toString (ADL)
        previous = v;
    }
    CHECK(toString(kLatestVersion) == "1.1.0");
}

TEST_CASE("unsupported versions are rejected") {
    for (const char* bad : {"", "0.1.0", "0.2.0", "1.2.0", "1.0", "v1.0.0", "1.0.0 ", "1.1.0-rc1"}) {
        CHECK_MESSAGE(!parseVersion(bad).has_value(), bad);
    }
}
