#include <doctest/doctest.h>

#include <string>

#include "cni/Json.hpp"

using namespace ibvf::cni;
namespace json = ibvf::cni::json;

namespace {

rapidjson::Document doc(const char* text) {
    rapidjson::Document d;
    d.Parse(text);
    REQUIRE_FALSE(d.HasParseError());
    return d;
}

template <typename F>
Error errorOf(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e;
    }
    FAIL("expected an ibvf::cni::Error");
    return Error(ErrorCode::SystemFailure, "unreachable");
}

}  // namespace

TEST_CASE("typed reads return values, nullopt when absent or null") {
    const auto d = doc(R"({"s":"x","b":true,"i":-42,"big":5000000000,"a":["p","q"],"o":{"k":1},"arr":[1],"n":null})");
    CHECK(json::optString(d, "s") == "x");
    CHECK(json::optBool(d, "b") == true);
    CHECK(json::optInt(d, "i") == -42);
    CHECK(json::optInt(d, "big") == 5000000000LL);
    CHECK(json::optStringArray(d, "a") == std::vector<std::string>{"p", "q"});
    REQUIRE(json::optObject(d, "o") != nullptr);
    CHECK(json::optObject(d, "o")->HasMember("k"));
    REQUIRE(json::optArray(d, "arr") != nullptr);
    CHECK(json::optArray(d, "arr")->Size() == 1);
    CHECK(json::requireString(d, "s") == "x");

    CHECK_FALSE(json::optString(d, "missing").has_value());
    CHECK_FALSE(json::optBool(d, "missing").has_value());
    CHECK_FALSE(json::optInt(d, "missing").has_value());
    CHECK_FALSE(json::optStringArray(d, "missing").has_value());
    CHECK(json::optObject(d, "missing") == nullptr);
    CHECK(json::optArray(d, "missing") == nullptr);
    CHECK_FALSE(json::optString(d, "n").has_value());
    CHECK(json::optObject(d, "n") == nullptr);
}

TEST_CASE("wrong types name the field and give code 7") {
    const auto d = doc(R"({"s":1,"b":"yes","i":1.5,"a":["p",2],"o":[],"arr":{}})");
    auto e = errorOf([&] { json::optString(d, "s", "ipam"); });
    CHECK(e.code() == ErrorCode::InvalidNetworkConfig);
    CHECK(e.msg() == "ipam.s must be a string");
    CHECK(errorOf([&] { json::optBool(d, "b"); }).msg() == "b must be a boolean");
    CHECK(errorOf([&] { json::optInt(d, "i"); }).msg() == "i must be an integer");
    CHECK(errorOf([&] { json::optStringArray(d, "a", "ipam.ranges[0]"); }).msg() == "ipam.ranges[0].a[1] must be a string");
    CHECK(errorOf([&] { json::optObject(d, "o"); }).msg() == "o must be an object");
    CHECK(errorOf([&] { json::optArray(d, "arr"); }).msg() == "arr must be an array");
    CHECK(errorOf([&] { json::requireString(d, "missing", "x"); }).msg() == "x.missing is required");
    CHECK(errorOf([&] { json::requireString(d, "s"); }).code() == ErrorCode::InvalidNetworkConfig);
}

TEST_CASE("reads from a non-object see no members") {
    const auto d = doc(R"([1,2])");
    CHECK_FALSE(json::optString(d, "x").has_value());
    CHECK(json::optObject(d, "x") == nullptr);
}

TEST_CASE("serialize writes compact JSON") {
    const auto d = doc(R"({ "a" : [1, "two", {"b": null}], "c": true })");
    CHECK(json::serialize(d) == R"({"a":[1,"two",{"b":null}],"c":true})");
}
