#pragma once
// Typed reads from RapidJSON values with errors that name the field, for every config parser.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "cni/Error.hpp"

namespace ibvf::cni::json {

// Each throws Error(InvalidNetworkConfig, "<field> must be a <type>") when the member is present
// with the wrong type; returns nullopt / empty when absent. `where` prefixes the field name in
// messages (e.g. "ipam.ranges[0]").
std::optional<std::string> optString(const rapidjson::Value& obj, std::string_view key, std::string_view where = {});
std::optional<bool> optBool(const rapidjson::Value& obj, std::string_view key, std::string_view where = {});
std::optional<long long> optInt(const rapidjson::Value& obj, std::string_view key, std::string_view where = {});
std::optional<std::vector<std::string>> optStringArray(const rapidjson::Value& obj, std::string_view key, std::string_view where = {});
const rapidjson::Value* optObject(const rapidjson::Value& obj, std::string_view key, std::string_view where = {});
const rapidjson::Value* optArray(const rapidjson::Value& obj, std::string_view key, std::string_view where = {});
std::string requireString(const rapidjson::Value& obj, std::string_view key, std::string_view where = {});

std::string serialize(const rapidjson::Value& v);

}  // namespace ibvf::cni::json
