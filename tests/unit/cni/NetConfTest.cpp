#include <doctest/doctest.h>

#include <string>

#include "cni/Error.hpp"
#include "cni/NetConf.hpp"

using namespace ibvf::cni;

namespace {

Error confError(const std::string& text, bool requireName = true) {
    try {
        parseNetConf(text, requireName);
    } catch (const Error& e) {
        return e;
    }
    FAIL("expected parseNetConf to throw: " << text);
    return Error(ErrorCode::SystemFailure, "unreachable");
}

}  // namespace

TEST_CASE("a minimal config") {
    const std::string text = R"({"cniVersion":"1.0.0","name":"ibnet","type":"ibvf","deviceID":"0000:3b:00.2"})";
    const auto c = parseNetConf(text);
    CHECK(c.cniVersion == "1.0.0");
    CHECK((c.version == Version::V1_0_0));
    CHECK(c.name == "ibnet");
    CHECK(c.type == "ibvf");
    CHECK(c.rawText == text);
    CHECK(c.doc["deviceID"].GetString() == std::string("0000:3b:00.2"));
    CHECK_FALSE(c.prevResult.has_value());
    CHECK(c.runtimeConfig() == nullptr);
    CHECK(c.args() == nullptr);
    CHECK(c.argsCni() == nullptr);
    CHECK(c.ipam() == nullptr);
}

TEST_CASE("the config may be given as a view that is not NUL-terminated") {
    const std::string buffer = R"({"cniVersion":"0.4.0","name":"n","type":"t"}GARBAGE)";
    const auto c = parseNetConf(std::string_view(buffer).substr(0, buffer.find("GARBAGE")));
    CHECK(c.name == "n");
}

TEST_CASE("optional sections") {
    const auto c = parseNetConf(R"({"cniVersion":"1.1.0","name":"n","type":"t",
        "runtimeConfig":{"deviceID":"0000:3b:00.3"},"args":{"cni":{"ips":["10.0.0.5/24"]}},
        "ipam":{"type":"ibvf-ipam"}})");
    REQUIRE(c.runtimeConfig() != nullptr);
    CHECK((*c.runtimeConfig())["deviceID"].GetString() == std::string("0000:3b:00.3"));
    REQUIRE(c.argsCni() != nullptr);
    CHECK((*c.argsCni())["ips"].IsArray());
    REQUIRE(c.ipam() != nullptr);
    CHECK((*c.ipam())["type"].GetString() == std::string("ibvf-ipam"));

    const auto bad = parseNetConf(R"({"cniVersion":"1.1.0","name":"n","type":"t","runtimeConfig":[],
        "args":{"cni":1},"ipam":"x"})");
    CHECK_THROWS_WITH(bad.runtimeConfig(), "runtimeConfig must be an object");
    CHECK_THROWS_WITH(bad.argsCni(), "args.cni must be an object");
    CHECK_THROWS_WITH(bad.ipam(), "ipam must be an object");
}

TEST_CASE("malformed JSON is code 6 with the parser's reason and offset") {
    const auto e = confError(R"({"cniVersion":"1.0.0",)");
    CHECK(e.code() == ErrorCode::DecodeFailure);
    CHECK(e.details().find("offset 22") != std::string::npos);
    CHECK(e.details().find("Missing a name for object member") != std::string::npos);
    CHECK(confError("").code() == ErrorCode::DecodeFailure);
    CHECK(confError(R"({"a":1} x)").code() == ErrorCode::DecodeFailure);
    CHECK(confError(R"(["not an object"])").code() == ErrorCode::DecodeFailure);
}

// Found by fuzzing: RapidJSON's default parser recurses once per nesting level, so a config of a
// million '[' (2 MB, well within what a NetworkAttachmentDefinition may hold) overflowed the
// stack and killed the plugin before it could answer.
TEST_CASE("deeply nested JSON is parsed without recursion") {
    const std::size_t depth = 1'000'000;
    const std::string deep =
        R"({"cniVersion":"1.0.0","name":"n","type":"t","x":)" + std::string(depth, '[') + std::string(depth, ']') + "}";
    CHECK(parseNetConf(deep).name == "n");
    CHECK(confError(deep.substr(0, deep.size() - 1)).code() == ErrorCode::DecodeFailure);
}

TEST_CASE("cniVersion missing or unsupported is code 1 listing the supported ones") {
    for (const char* text : {R"({"name":"n","type":"t"})", R"({"cniVersion":"0.2.0","name":"n","type":"t"})",
                             R"({"cniVersion":"","name":"n","type":"t"})", R"({"cniVersion":"9.9.9"})"}) {
        CAPTURE(text);
        const auto e = confError(text);
        CHECK(e.code() == ErrorCode::IncompatibleVersion);
        CHECK(e.details() == "supported versions: 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0");
    }
    CHECK(confError(R"({"cniVersion":"0.2.0","name":"n","type":"t"})").msg() == "unsupported cniVersion \"0.2.0\"");
    CHECK(confError(R"({"cniVersion":1,"name":"n","type":"t"})").code() == ErrorCode::InvalidNetworkConfig);
}

TEST_CASE("name and type are required unless for VERSION") {
    auto e = confError(R"({"cniVersion":"1.0.0","type":"t"})");
    CHECK(e.code() == ErrorCode::InvalidNetworkConfig);
    CHECK(e.msg() == "name is required");
    e = confError(R"({"cniVersion":"1.0.0","name":"n"})");
    CHECK(e.code() == ErrorCode::InvalidNetworkConfig);
    CHECK(e.msg() == "type is required");
    CHECK(confError(R"({"cniVersion":"1.0.0","name":"","type":"t"})").msg() == "name is required");
    CHECK(confError(R"({"cniVersion":"1.0.0","name":5,"type":"t"})").msg() == "name must be a string");

    const auto minimal = parseNetConf(R"({"cniVersion":"0.4.0"})", false);
    CHECK((minimal.version == Version::V0_4_0));
    CHECK(minimal.name.empty());
    CHECK(confError(R"({"cniVersion":"0.4.0","type":[]})", false).code() == ErrorCode::InvalidNetworkConfig);
}

TEST_CASE("network names that could escape a data directory are rejected") {
    for (const char* name : {"../etc", "a/b", ".hidden", "-x", "a b"}) {
        CAPTURE(name);
        const auto e = confError(std::string(R"({"cniVersion":"1.0.0","type":"t","name":")") + name + "\"}");
        CHECK(e.code() == ErrorCode::InvalidNetworkConfig);
    }
    CHECK_NOTHROW(parseNetConf(R"({"cniVersion":"1.0.0","type":"t","name":"ib-net_1.a"})"));
}

TEST_CASE("prevResult is parsed when present") {
    const auto c = parseNetConf(R"({"cniVersion":"1.0.0","name":"n","type":"t",
        "prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"net1","sandbox":"/proc/1/ns/net"}],
                      "ips":[{"address":"10.0.0.5/24","interface":0}]}})");
    REQUIRE(c.prevResult.has_value());
    REQUIRE(c.prevResult->interfaces.size() == 1);
    CHECK(c.prevResult->interfaces[0].name == "net1");
    CHECK(c.prevResult->ips[0].address.toString() == "10.0.0.5/24");

    // A 0.4.0 shaped prevResult in a 0.4.0 config.
    const auto old = parseNetConf(R"({"cniVersion":"0.4.0","name":"n","type":"t",
        "prevResult":{"ips":[{"version":"6","address":"fd00::5/64"}]}})");
    REQUIRE(old.prevResult.has_value());
    CHECK_FALSE(old.prevResult->ips[0].address.address.isV4());

    auto e = confError(R"({"cniVersion":"1.0.0","name":"n","type":"t","prevResult":"x"})");
    CHECK(e.code() == ErrorCode::InvalidNetworkConfig);
    CHECK(e.msg() == "prevResult must be an object");
    e = confError(R"({"cniVersion":"1.0.0","name":"n","type":"t","prevResult":{"ips":[{"address":"nope"}]}})");
    CHECK(e.code() == ErrorCode::DecodeFailure);
    CHECK(e.msg().rfind("prevResult.ips[0].address", 0) == 0);
}

TEST_CASE("valid attachments for GC") {
    const auto c = parseNetConf(R"({"cniVersion":"1.1.0","name":"n","type":"t",
        "cni.dev/valid-attachments":[{"containerID":"c1","ifname":"net1"},{"containerID":"c2","ifname":"net2"}]})");
    const auto a = validAttachments(c);
    REQUIRE(a.size() == 2);
    CHECK(a[0] == Attachment{"c1", "net1"});
    CHECK(a[1] == Attachment{"c2", "net2"});

    CHECK(validAttachments(parseNetConf(R"({"cniVersion":"1.1.0","name":"n","type":"t",
        "cni.dev/valid-attachments":[]})"))
              .empty());

    for (const char* list : {R"({})", R"([1])", R"([{"containerID":"c1"}])", R"([{"containerID":1,"ifname":"x"}])"}) {
        CAPTURE(list);
        const auto bad =
            parseNetConf(std::string(R"({"cniVersion":"1.1.0","name":"n","type":"t",)") + R"("cni.dev/valid-attachments":)" + list + "}");
        try {
            validAttachments(bad);
            FAIL("expected an error");
        } catch (const Error& e) {
            CHECK(e.code() == ErrorCode::InvalidNetworkConfig);
            CHECK(e.msg().find("cni.dev/valid-attachments") != std::string::npos);
        }
    }
    // Absent must not mean "release everything".
    const auto absent = parseNetConf(R"({"cniVersion":"1.1.0","name":"n","type":"t"})");
    CHECK_THROWS_AS(validAttachments(absent), Error);
}
