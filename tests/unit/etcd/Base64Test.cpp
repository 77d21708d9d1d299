#include <doctest/doctest.h>

#include "etcd/Base64.hpp"

using namespace ibvf::etcd;

TEST_CASE("base64 round trips RFC 4648's vectors and every byte") {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [raw, encoded] : vectors) {
        CHECK(base64Encode(raw) == encoded);
        CHECK(base64Decode(encoded) == std::string(raw));
    }
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    CHECK(base64Decode(base64Encode(all)) == all);
    CHECK(base64Encode(std::string("\0\xff", 2)) == "AP8=");
}

TEST_CASE("base64 refuses what is not canonical padded base64") {
    for (const char* bad : {"Zg", "Zg=", "Z===", "Zm9v!A==", "Zh==", "Zm9=", "=Zm9", "Zg==Zg=="}) {
        CAPTURE(bad);
        CHECK_FALSE(base64Decode(bad));
    }
}
