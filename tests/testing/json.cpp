#include "testing/json.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <stdexcept>

namespace obauth::testing {
namespace json = boost::json;

json::value ParseJson(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) throw std::runtime_error("not JSON (" + ec.message() + "): '" + std::string(text) + "'");
  return value;
}

json::object ParseJsonObject(std::string_view text) {
  json::value value = ParseJson(text);
  if (!value.is_object())
    throw std::runtime_error("not a JSON object: '" + std::string(text) + "'");
  return std::move(value.as_object());
}

std::vector<std::string> Keys(const json::object& object) {
  std::vector<std::string> keys;
  for (const auto& member : object) keys.emplace_back(member.key());
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::string StringAt(const json::object& object, std::string_view name) {
  const json::value* v = object.if_contains(name);
  if (v == nullptr || !v->is_string()) {
    throw std::runtime_error("no string member '" + std::string(name) + "' in " +
                             json::serialize(object));
  }
  return std::string(v->get_string());
}

std::int64_t IntAt(const json::object& object, std::string_view name) {
  const json::value* v = object.if_contains(name);
  if (v != nullptr && v->is_int64()) return v->get_int64();
  if (v != nullptr && v->is_uint64() && v->get_uint64() <= INT64_MAX) {
    return static_cast<std::int64_t>(v->get_uint64());
  }
  throw std::runtime_error("no integer member '" + std::string(name) + "' in " +
                           json::serialize(object));
}

}  // namespace obauth::testing
